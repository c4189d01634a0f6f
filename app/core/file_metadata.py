"""Strip what a JPEG, PNG or Office file says about who made it, keeping the content (pictures bit for
bit, no re-encoding).

JPEG: the APP1 segments (EXIF, with camera, owner, GPS and thumbnail; XMP), APP3–APP13 and APP15
(IPTC/Photoshop and vendors' blocks), APP2 unless it is an ICC colour profile, and comments (COM) are
dropped, as is anything after the end-of-image marker. JFIF (APP0), Adobe's colour transform (APP14),
the ICC profile and the image data stay.
PNG: the text chunks (tEXt, zTXt, iTXt: author, software, comments), eXIf and tIME are dropped; every
other chunk stays, nothing after IEND.
Word, Excel and PowerPoint (OOXML): the document properties (docProps/core.xml: author, last modified
by, title, dates; app.xml: company, manager; custom.xml) are replaced by empty ones; every other part
is copied unchanged, so the names of comments' and tracked changes' authors inside the document stay.
PDF files and text are not changed.
Data that is not laid out as its format says is cut where it stops making sense, so that nothing
unread is passed on (an Office file that is not a readable zip becomes empty)."""

import io
import shutil
import struct
import zipfile

from app.core.filetypes import DOCX, JPEG, PNG, PPTX, XLSX

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROPPED = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}
_JPEG_SOI, _JPEG_EOI, _JPEG_SOS = 0xD8, 0xD9, 0xDA
# Markers without a length: TEM and the restart markers.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _keeps_jpeg_segment(marker: int, payload: bytes) -> bool:
    if marker == 0xFE:  # COM
        return False
    if marker == 0xE2:  # APP2: an ICC colour profile, or FlashPix and multi-picture data
        return payload.startswith(b"ICC_PROFILE\x00")
    if 0xE1 <= marker <= 0xEF:
        return marker == 0xEE  # APP14 (Adobe): how to read the colours, nothing about anyone
    return True


def strip_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        return b""
    out = bytearray(data[:2])
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            break
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _JPEG_STANDALONE:
            out += data[i:i + 2]
            i += 2
            continue
        if marker == _JPEG_EOI:
            out += data[i:i + 2]
            break
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        end = i + 2 + length
        if length < 2 or end > len(data):
            break
        if marker == _JPEG_SOS:
            # Entropy-coded data follows; a 0xFF in it is always escaped (FF00) or a restart marker, so
            # the image ends at the first FFD9. Later scans of a progressive image lie before it.
            eoi = data.find(b"\xff\xd9", end)
            out += data[i:] if eoi < 0 else data[i:eoi + 2]
            break
        if _keeps_jpeg_segment(marker, data[i + 4:end]):
            out += data[i:end]
        i = end
    return bytes(out)


def strip_png(data: bytes) -> bytes:
    if not data.startswith(_PNG_SIGNATURE):
        return b""
    out = bytearray(_PNG_SIGNATURE)
    i = len(_PNG_SIGNATURE)
    while i + 12 <= len(data):
        (length,) = struct.unpack(">I", data[i:i + 4])
        kind = data[i + 4:i + 8]
        end = i + 12 + length
        if end > len(data):
            break
        if kind not in _PNG_DROPPED:
            out += data[i:end]
        if kind == b"IEND":
            break
        i = end
    return bytes(out)


_EMPTY_OFFICE_PROPERTIES = {
    "docProps/core.xml": '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                         'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
                         'xmlns:dcterms="http://purl.org/dc/terms/"/>',
    "docProps/app.xml": '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                        'extended-properties"/>',
    "docProps/custom.xml": '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                           'custom-properties"/>',
}


def strip_office(data: bytes) -> bytes:
    out = io.BytesIO()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source, \
                zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                if info.filename in _EMPTY_OFFICE_PROPERTIES:
                    text = _EMPTY_OFFICE_PROPERTIES[info.filename]
                    target.writestr(info.filename, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + text)
                    continue
                # Streamed part by part: memory holds the compressed result, never a whole unpacked part.
                entry = zipfile.ZipInfo(info.filename, info.date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                with source.open(info) as part, target.open(entry, "w") as copy:
                    shutil.copyfileobj(part, copy)
    except (zipfile.BadZipFile, OSError, EOFError):
        return b""
    return out.getvalue()


STRIPPERS = {JPEG.media_type: strip_jpeg, PNG.media_type: strip_png,
             **{kind.media_type: strip_office for kind in (DOCX, XLSX, PPTX)}}


def strip_metadata(data: bytes, media_type: str) -> bytes:
    """`data` without its metadata when it is a JPEG, PNG or Office file (see above); others unchanged."""
    stripper = STRIPPERS.get(media_type)
    return stripper(data) if stripper else data
