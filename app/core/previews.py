"""An uploaded file shown as a preview before it is imported (participants, catalogue courses): the file
goes back with the confirmation, compressed in a hidden field, with a signed token that binds it to
what the preview showed, so that confirming imports exactly the file that was previewed."""

import base64
import binascii
import csv
import hashlib
import io
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from app.core.filetypes import decode_text


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


def csv_columns(data: bytes, max_bytes: int, columns: dict[str, tuple[str, ...]],
                refuse: Callable[[str], Exception]) -> tuple[dict[str, int | None], Iterator[list[str]]]:
    """Where each of `columns` (key: the header names it may have, in any case) stands in an uploaded CSV
    file's first line, and its other lines. The file is UTF-8 with or without a byte order mark, or
    Shift_JIS as Excel saves it. Raises refuse("too_large") or refuse("not_text")."""
    if len(data) > max_bytes:
        raise refuse("too_large")
    text = decode_text(data)
    if text is None:
        raise refuse("not_text")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().casefold() for h in next(reader, [])]
    return {key: next((header.index(n.casefold()) for n in names if n.casefold() in header), None)
            for key, names in columns.items()}, reader
