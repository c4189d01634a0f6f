"""Baking credentials into badge images and reading them back.

PNG: one uncompressed iTXt chunk (keyword `openbadgecredential` for OB 3.0, `openbadges` for OB 2.0)
before IEND. SVG: an `openbadges:credential` (3.0) or `openbadges:assertion` (2.0) element right after <svg>."""

import re
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OB3_KEYWORD = "openbadgecredential"
OB2_KEYWORD = "openbadges"
OB3_SVG_NS = "https://purl.imsglobal.org/ob/v3p0"
OB2_SVG_NS = "http://openbadges.org"


class NotABadgeImage(Exception):
    pass


def _chunks(png: bytes):
    if not png.startswith(PNG_SIGNATURE):
        raise NotABadgeImage("not a PNG file")
    position = len(PNG_SIGNATURE)
    while position < len(png):
        if position + 8 > len(png):
            raise NotABadgeImage("the PNG file is cut short")
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        data = png[position + 8:position + 8 + length]
        yield kind, data, position, position + 12 + length
        position += 12 + length


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _itxt_keyword_and_text(data: bytes) -> tuple[str, str] | None:
    keyword, _, rest = data.partition(b"\0")
    if len(rest) < 2:
        return None
    compressed, rest = rest[0], rest[2:]  # then the compression method byte
    _language, _, rest = rest.partition(b"\0")
    _translated, _, text = rest.partition(b"\0")
    if compressed:
        text = zlib.decompress(text)
    return keyword.decode("latin-1"), text.decode("utf-8")


def bake_png(png: bytes, text: str, keyword: str = OB3_KEYWORD) -> bytes:
    """`png` with exactly one iTXt chunk `keyword` holding `text` (an earlier one is replaced)."""
    out, iend = [PNG_SIGNATURE], None
    for kind, data, start, end in _chunks(png):
        if kind == b"iTXt" and (_itxt_keyword_and_text(data) or ("",))[0] == keyword:
            continue
        if kind == b"IEND":
            iend = png[start:end]
            break
        out.append(png[start:end])
    if iend is None:
        raise NotABadgeImage("the PNG file has no end chunk")
    itxt = keyword.encode("latin-1") + b"\0" + b"\0\0" + b"\0" + b"\0" + text.encode("utf-8")
    out += [_chunk(b"iTXt", itxt), iend]
    return b"".join(out)


def extract_png(png: bytes, keyword: str = OB3_KEYWORD) -> str | None:
    for kind, data, _, _ in _chunks(png):
        if kind == b"iTXt":
            parsed = _itxt_keyword_and_text(data)
            if parsed and parsed[0] == keyword:
                return parsed[1]
    return None


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def bake_svg(svg: str, text: str, ob2_assertion_url: str | None = None) -> str:
    """`svg` with the credential (or, given `ob2_assertion_url`, the OB 2.0 assertion) inside."""
    match = re.search(r"<svg\b[^>]*>", svg)
    if not match:
        raise NotABadgeImage("not an SVG image")
    tag = match.group(0)
    if ob2_assertion_url is None:
        namespace, element = OB3_SVG_NS, f"<openbadges:credential>{_cdata(text)}</openbadges:credential>"
    else:
        namespace = OB2_SVG_NS
        element = f'<openbadges:assertion verify="{ob2_assertion_url}">{_cdata(text)}</openbadges:assertion>'
    if "xmlns:openbadges" not in tag:
        tag = tag[:-1] + f' xmlns:openbadges="{namespace}">'
    return svg[:match.start()] + tag + element + svg[match.end():]


def extract_svg(svg: str) -> str | None:
    match = re.search(r"<openbadges:(credential|assertion)\b[^>]*>(.*?)</openbadges:\1>", svg, re.S)
    if not match:
        return None
    body = match.group(2).strip()
    parts = re.findall(r"<!\[CDATA\[(.*?)\]\]>", body, re.S)
    return "".join(parts) if parts else body
