"""Issuer signing keys: Ed25519, published as Multikey, private halves kept in instance/keys/."""

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB_PREFIX = bytes([0xED, 0x01])  # multicodec ed25519-pub


def base58btc(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, rest = divmod(number, 58)
        encoded = _B58[rest] + encoded
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + encoded


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc(_ED25519_PUB_PREFIX + raw)


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    data = base58btc_decode(value[1:])
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

    def private_key(self, multibase: str) -> Ed25519PrivateKey:
        seed = base64.b64decode(self._path(multibase).read_text().strip())
        return Ed25519PrivateKey.from_private_bytes(seed)
