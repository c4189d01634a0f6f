"""Strip what a JPEG or PNG says about who made it, keeping the picture bit for bit (no re-encoding).

JPEG: the APP1 segments (EXIF, with camera, owner, GPS and thumbnail; XMP), APP3–APP13 and APP15
(IPTC/Photoshop and vendors' blocks), APP2 unless it is an ICC colour profile, and comments (COM) are
dropped, as is anything after the end-of-image marker. JFIF (APP0), Adobe's colour transform (APP14),
the ICC profile and the image data stay.
PNG: the text chunks (tEXt, zTXt, iTXt: author, software, comments), eXIf and tIME are dropped; every
other chunk stays, nothing after IEND.
Data that is not laid out as its format says is cut where it stops making sense, so that nothing
unread is passed on."""

import struct

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


STRIPPERS = {"image/jpeg": strip_jpeg, "image/png": strip_png}


def strip_image_metadata(data: bytes, media_type: str) -> bytes:
    """`data` without its metadata when it is a JPEG or PNG (see above); other files unchanged."""
    stripper = STRIPPERS.get(media_type)
    return stripper(data) if stripper else data
