"""An uploaded file shown as a preview before it is imported (participants, catalogue courses): the file
goes back with the confirmation, compressed in a hidden field, with a signed token that binds it to
what the preview showed, so that confirming imports exactly the file that was previewed."""

import base64
import binascii
import hashlib
import json
import zlib
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer


def pack(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 9)).decode("ascii")


def unpack(text: str, max_bytes: int) -> bytes | None:
    """The file packed in `text`, or None when it is not one packed here or is larger than `max_bytes`."""
    try:
        inflater = zlib.decompressobj()
        data = inflater.decompress(base64.b64decode(text, validate=True), max_bytes + 1)
    except (binascii.Error, ValueError, zlib.error):
        return None
    return data if inflater.eof and len(data) <= max_bytes else None


def sign(secret: str, salt: str, payload: dict) -> str:
    return URLSafeSerializer(secret, salt=salt).dumps(payload)


def verified(secret: str, salt: str, token: str) -> dict | None:
    try:
        return URLSafeSerializer(secret, salt=salt).loads(token)
    except BadSignature:
        return None


# The outcome of a row that cannot be imported; each import names its other outcomes.
ERROR = "error"


@dataclass
class PreviewPlan:
    """What confirming an uploaded file would do, row by row (each row has a `line` in its `row` and an
    `outcome`), for the file whose content hash is `content_hash`."""
    rows: list
    content_hash: str

    @property
    def has_errors(self) -> bool:
        return any(r.outcome == ERROR for r in self.rows)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def summary(self) -> list:
        """What the fingerprint covers (imports add what else may change between preview and confirmation)."""
        return [(r.row.line, r.outcome) for r in self.rows]

    @property
    def fingerprint(self) -> str:
        """What confirming would do, as a hash: a confirmation is refused when it differs from the preview's."""
        return hashlib.sha256(json.dumps(self.summary()).encode()).hexdigest()


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
