"""Which uploads we accept, decided by content as well as by name."""

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True)
class FileKind:
    extensions: tuple[str, ...]
    media_type: str


PDF = FileKind((".pdf",), "application/pdf")
PNG = FileKind((".png",), "image/png")
JPEG = FileKind((".jpg", ".jpeg"), "image/jpeg")
DOCX = FileKind((".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileKind((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PPTX = FileKind((".pptx",), "application/vnd.openxmlformats-officedocument.presentationml.presentation")
CSV = FileKind((".csv",), "text/csv")
TEXT = FileKind((".txt", ".md"), "text/plain")

ALLOWED_KINDS = (PDF, PNG, JPEG, DOCX, XLSX, PPTX, CSV, TEXT)
ALLOWED_EXTENSIONS = tuple(ext for kind in ALLOWED_KINDS for ext in kind.extensions)

_OOXML_MAIN_PART = {DOCX: "word/", XLSX: "xl/", PPTX: "ppt/"}


def _kind_for_name(filename: str) -> FileKind | None:
    suffix = PurePath(filename).suffix.lower()
    return next((k for k in ALLOWED_KINDS if suffix in k.extensions), None)


def decode_text(data: bytes) -> str | None:
    """The text of a file, or None when it is not text. Japanese spreadsheets often save CSV as
    Shift_JIS (cp932), so that is accepted beside UTF-8."""
    if b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _content_matches(kind: FileKind, data: bytes) -> bool:
    if kind is PDF:
        return data.startswith(b"%PDF-")
    if kind is PNG:
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if kind is JPEG:
        return data.startswith(b"\xff\xd8\xff")
    if kind in _OOXML_MAIN_PART:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return False
        return "[Content_Types].xml" in names and any(n.startswith(_OOXML_MAIN_PART[kind]) for n in names)
    return decode_text(data) is not None


def detect_kind(filename: str, data: bytes) -> FileKind | None:
    """The allowed kind of this file, or None when its name or content is not allowed."""
    kind = _kind_for_name(filename)
    if kind is None or not _content_matches(kind, data):
        return None
    return kind
