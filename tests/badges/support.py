"""What the badge tests share: the independent OB 3.0 verifier and the upload to /verify."""

import io
import json
import subprocess
from pathlib import Path

VERIFIER = Path(__file__).resolve().parents[1] / "ob3_verifier"


def issuer_documents(client, credential_json: dict) -> dict:
    """What a verifier would fetch from the issuer: the controller document and the status list."""
    issuer_id = credential_json["issuer"]["id"]
    status_url = credential_json["credentialStatus"]["statusListCredential"]
    base = issuer_id.split("/badges/")[0]
    return {url: json.loads(client.get(url.removeprefix(base)).data) for url in (issuer_id, status_url)}


def digital_bazaar_verify(credential: dict, documents: dict) -> dict:
    """Run Digital Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite (node, offline)."""
    assert (VERIFIER / "node_modules").is_dir(), "run ./scripts/test: it installs the verifier's npm packages"
    result = subprocess.run(["node", str(VERIFIER / "verify.mjs")], input=json.dumps(
        {"credential": credential, "documents": documents}), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def upload(client, name: str, data: bytes):
    return client.post("/verify", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
