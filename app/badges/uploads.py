"""Reading what a visitor uploads to be verified: a credential JSON, or a baked PNG or SVG.

Anyone can upload anything here, so every step is bounded and every failure is a reason code:
the text is at most baking.MAX_TEXT_BYTES, and its JSON nesting is measured before json.loads
(whose recursion would otherwise fail at about a thousand levels, and after much memory)."""

import json
import re
from itertools import accumulate

from app.badges import baking
from app.core.reasons import ReasonError

# A credential nests about eight levels; PyLD recurses through every one as well.
MAX_JSON_DEPTH = 32


class UnreadableUpload(ReasonError):
    """The upload holds no credential (see REASONS)."""


REASONS = {
    "empty": "the file is empty",
    "bad_png": "the PNG file is damaged",
    "bad_compression": "the badge text in the PNG image is not validly compressed",
    "png_without_badge": "the PNG image carries no badge",
    "svg_without_badge": "the SVG image carries no badge",
    "not_utf8": "the badge text is not UTF-8",
    "too_large": f"the credential is larger than {baking.MAX_TEXT_BYTES // 1024} KB",
    "too_deep": f"the credential nests more than {MAX_JSON_DEPTH} levels deep",
    "not_json": "the file is not a credential (not JSON)",
}

_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]++")


def _nesting_depth(text: str) -> int:
    """How deep arrays and objects nest, brackets inside strings aside (linear; no recursion)."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)


def _utf8(data: bytes, failure: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableUpload(failure) from None


def read_uploaded_credential(filename: str, data: bytes) -> dict:
    """The credential (OB 3.0) or assertion (OB 2.0) inside the file. Raises UnreadableUpload."""
    if not data:
        raise UnreadableUpload("empty")
    if data.startswith(baking.PNG_SIGNATURE):
        try:
            text = baking.extract_png(data) or baking.extract_png(data, baking.OB2_KEYWORD)
        except baking.NotABadgeImage as e:
            raise UnreadableUpload(e.code) from None
        if text is None:
            raise UnreadableUpload("png_without_badge")
    elif b"<svg" in data[:2000]:
        text = baking.extract_svg(_utf8(data, "not_utf8"))
        if text is None:
            raise UnreadableUpload("svg_without_badge")
    else:
        text = _utf8(data, "not_json")  # neither an image nor text: some other kind of file
    if len(text) > baking.MAX_TEXT_BYTES:
        raise UnreadableUpload("too_large")
    if _nesting_depth(text) > MAX_JSON_DEPTH:
        raise UnreadableUpload("too_deep")
    try:
        document = json.loads(text)
    except ValueError:  # also a number longer than Python's int digit limit
        raise UnreadableUpload("not_json") from None
    if not isinstance(document, dict):
        raise UnreadableUpload("not_json")
    return document
