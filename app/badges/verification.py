"""Reading what a visitor uploads to be verified: a credential JSON, or a baked PNG or SVG."""

import json

from app.badges import baking
from app.core.reasons import ReasonError


class UnreadableUpload(ReasonError):
    """The upload holds no credential (see REASONS)."""


REASONS = {
    "bad_png": "the PNG file is damaged",
    "png_without_badge": "the PNG image carries no badge",
    "svg_without_badge": "the SVG image carries no badge",
    "not_json": "the file is not a credential (not JSON)",
}


def read_uploaded_credential(filename: str, data: bytes) -> dict:
    """The credential (OB 3.0) or assertion (OB 2.0) inside the file. Raises UnreadableUpload."""
    if data.startswith(baking.PNG_SIGNATURE):
        try:
            text = baking.extract_png(data) or baking.extract_png(data, baking.OB2_KEYWORD)
        except baking.NotABadgeImage:
            raise UnreadableUpload("bad_png") from None
        if text is None:
            raise UnreadableUpload("png_without_badge")
    elif b"<svg" in data[:2000]:
        text = baking.extract_svg(data.decode("utf-8", errors="replace"))
        if text is None:
            raise UnreadableUpload("svg_without_badge")
    else:
        text = data.decode("utf-8", errors="replace")
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise UnreadableUpload("not_json") from None
    if not isinstance(document, dict):
        raise UnreadableUpload("not_json")
    return document
