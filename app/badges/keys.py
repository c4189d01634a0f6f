"""Issuer signing keys: Ed25519, published as Multikey, private halves kept in instance/keys/."""

import base64
import os
from pathlib import Path

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_ED25519_PUB_PREFIX = bytes([0xED, 0x01])  # multicodec ed25519-pub


def to_multibase(data: bytes) -> str:
    """`data` as a base58btc multibase string ("z" + base58, Bitcoin's alphabet)."""
    return "z" + base58.b58encode(data).decode("ascii")


def from_multibase(value: str) -> bytes:
    """The bytes of a base58btc multibase string. Raises ValueError unless `value` is one, written
    the one way to_multibase writes it (the library would also take trailing spaces)."""
    if not value.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    data = base58.b58decode(value[1:])
    if to_multibase(data) != value:
        raise ValueError("not a canonical base58btc value")
    return data


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return to_multibase(_ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    data = from_multibase(value)
    if not data.startswith(_ED25519_PUB_PREFIX) or len(data) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


class KeyStore:
    """Private keys as files named by their public Multikey, readable by the app's user only."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)

    def _path(self, multibase: str) -> Path:
        return self.folder / f"{multibase}.ed25519"

    def generate(self) -> str:
        """Create a key; return its public Multikey."""
        private_key = Ed25519PrivateKey.generate()
        multibase = public_key_multibase(private_key.public_key())
        seed = private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                         serialization.NoEncryption())
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(multibase)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(seed).decode() + "\n")
        return multibase

    def has_private_key(self, multibase: str) -> bool:
        """Whether this server holds the private half (a restored or moved server may not)."""
        return self._path(multibase).is_file()

    def private_key(self, multibase: str) -> Ed25519PrivateKey:
        seed = base64.b64decode(self._path(multibase).read_text().strip())
        return Ed25519PrivateKey.from_private_bytes(seed)
