"""An uploaded file shown as a preview before it is imported (participants, catalogue courses): the file
goes back with the confirmation, compressed in a hidden field, with a signed token that binds it to
what the preview showed, so that confirming imports exactly the file that was previewed."""

import base64
import binascii
import zlib

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
