"""Baking credentials into badge images and reading them back.

PNG: one uncompressed iTXt chunk (keyword `openbadgecredential` for OB 3.0, `openbadges` for OB 2.0),
written by Pillow. SVG: an `openbadges:credential` element (OB 3.0) right after <svg>; reading also
finds the `openbadges:assertion` element of an OB 2.0 SVG baked elsewhere.

Reading runs on anyone's upload, so it is bounded: at most MAX_CHUNKS chunks are walked, a compressed
text is inflated to MAX_TEXT_BYTES at most (a zip bomb stops there), and the SVG is searched, never
parsed as XML (no DTD, so no entity expansion)."""

import io
import re
import struct
import zlib

from app.core.reasons import ReasonError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB3_KEYWORD = "openbadgecredential"
OB2_KEYWORD = "openbadges"
OB3_SVG_NS = "https://purl.imsglobal.org/ob/v3p0"


# A baked credential is a few KB; a badge image has a handful of chunks.
MAX_TEXT_BYTES = 256 * 1024
MAX_CHUNKS = 4096


class NotABadgeImage(ReasonError):
    """bad_png: damaged or not a PNG; bad_svg: no <svg> element to bake into; bad_compression: the text does not inflate; too_large: the text
    is longer than MAX_TEXT_BYTES; not_utf8: the text is not UTF-8."""


def _chunks(png: bytes):
    if not png.startswith(PNG_SIGNATURE):
        raise NotABadgeImage("bad_png")
    position = len(PNG_SIGNATURE)
    for _ in range(MAX_CHUNKS):
        if position == len(png):
            return
        if position + 12 > len(png):
            raise NotABadgeImage("bad_png")
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        end = position + 12 + length
        if end > len(png):
            raise NotABadgeImage("bad_png")
        yield kind, png[position + 8:end - 4], position, end
        position = end
    raise NotABadgeImage("bad_png")


def _itxt_keyword(data: bytes) -> str:
    return data.partition(b"\0")[0].decode("latin-1")


def _itxt_text(data: bytes) -> str:
    """The text of an iTXt chunk. Raises NotABadgeImage."""
    _keyword, _, rest = data.partition(b"\0")
    if len(rest) < 2:
        raise NotABadgeImage("bad_png")
    compressed, rest = rest[0], rest[2:]  # then the compression method byte
    _language, _, rest = rest.partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    if compressed:
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_TEXT_BYTES + 1)
        except zlib.error:
            raise NotABadgeImage("bad_compression") from None
        if len(text) > MAX_TEXT_BYTES:
            raise NotABadgeImage("too_large")
        if not inflater.eof:
            raise NotABadgeImage("bad_compression")
    elif len(text) > MAX_TEXT_BYTES:
        raise NotABadgeImage("too_large")
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        raise NotABadgeImage("not_utf8") from None


def bake_png(png: bytes, text: str, keyword: str = OB3_KEYWORD) -> bytes:
    """`png` (an image the app made) saved again with one uncompressed iTXt chunk `keyword` holding
    `text`, and no other text chunks: baking a baked image replaces its credential."""
    # Imported here: Pillow (4 MB) is needed only when a baked PNG is made (app/badges/baked.py keeps
    # each one made), not by every web worker (issue 10); reading a baked PNG walks its chunks without it.
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    try:
        image = Image.open(io.BytesIO(png), formats=["PNG"])
    except OSError:
        raise NotABadgeImage("bad_png") from None
    info = PngInfo()
    info.add_itxt(keyword, text, zip=False)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def extract_png(png: bytes, keyword: str = OB3_KEYWORD) -> str | None:
    """The text of the first iTXt chunk `keyword`, or None. Raises NotABadgeImage."""
    for kind, data, _, _ in _chunks(png):
        if kind == b"iTXt" and _itxt_keyword(data) == keyword:
            return _itxt_text(data)
    return None


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def bake_svg(svg: str, text: str) -> str:
    """`svg` with the credential inside."""
    match = re.search(r"<svg\b[^>]*>", svg)
    if not match:
        raise NotABadgeImage("bad_svg")
    tag = match.group(0)
    if "xmlns:openbadges" not in tag:
        tag = tag[:-1] + f' xmlns:openbadges="{OB3_SVG_NS}">'
    element = f"<openbadges:credential>{_cdata(text)}</openbadges:credential>"
    return svg[:match.start()] + tag + element + svg[match.end():]


_SVG_BADGE = re.compile(r"<openbadges:(credential|assertion)\b")


def extract_svg(svg: str) -> str | None:
    """The text of the first badge element, or None. Plain searches from left to right: every
    character is read a bounded number of times, whatever the input."""
    match = _SVG_BADGE.search(svg)
    if not match:
        return None
    body_start = svg.find(">", match.end()) + 1
    body_end = svg.find(f"</openbadges:{match.group(1)}>", body_start)
    if body_start == 0 or body_end == -1:
        return None
    body = svg[body_start:body_end].strip()
    parts, position = [], 0
    while (start := body.find("<![CDATA[", position)) != -1 and (end := body.find("]]>", start + 9)) != -1:
        parts.append(body[start + 9:end])
        position = end + 3
    return "".join(parts) if parts else body
