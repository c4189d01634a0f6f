"""Badge images made by the app from an achievement's metadata, so no hand-made assets are needed."""

import hashlib
import io
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw, ImageFont

LEVEL_COLOURS = {0: "#5a6b7b", 1: "#0b6e4f", 2: "#1d4ed8", 3: "#7c2d92"}


def _accent(seed: str) -> str:
    """A stable accent colour per achievement (dark enough for white text)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "#%02x%02x%02x" % tuple(40 + b % 90 for b in digest[:3])


def _lines(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)][:3]


def badge_svg(*, title: str, subtitle: str, level: int, seed: str) -> str:
    """A round badge: title (wrapped), talent level and the programme name."""
    main, accent = LEVEL_COLOURS.get(level, "#444"), _accent(seed)
    title_lines = _lines(title, 9)
    start = 230 - 22 * (len(title_lines) - 1)
    texts = "".join(
        f'<text x="256" y="{start + 44 * i}" font-size="40" font-weight="700" fill="#fff" '
        f'text-anchor="middle">{escape(line)}</text>' for i, line in enumerate(title_lines))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512" role="img" '
        f'aria-label="{escape(title)}">'
        f'<title>{escape(title)}</title>'
        f'<circle cx="256" cy="256" r="248" fill="{accent}"/>'
        f'<circle cx="256" cy="256" r="220" fill="{main}" stroke="#fff" stroke-width="8"/>'
        f'<text x="256" y="120" font-size="30" fill="#fff" text-anchor="middle" '
        f'font-family="sans-serif">演習 Enshu</text>'
        f'<g font-family="\'Hiragino Sans\', \'Noto Sans CJK JP\', Meiryo, sans-serif">{texts}</g>'
        f'<text x="256" y="370" font-size="28" fill="#fff" text-anchor="middle" '
        f'font-family="sans-serif">{escape(subtitle)}</text>'
        f'<text x="256" y="420" font-size="34" font-weight="700" fill="#fff" text-anchor="middle" '
        f'font-family="sans-serif">LEVEL {level}</text>'
        '</svg>')


def badge_png(*, level: int, seed: str, label: str) -> bytes:
    """The same badge as a PNG (for baking). Latin text only: no CJK font is assumed on the server."""
    size = 512
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=_accent(seed))
    draw.ellipse((36, 36, size - 36, size - 36), fill=LEVEL_COLOURS.get(level, "#444"), outline="#ffffff", width=8)
    font = ImageFont.load_default(size=44)
    small = ImageFont.load_default(size=30)
    for text, y, face in (("ENSHU", 140, small), (label[:14], 230, font), (f"LEVEL {level}", 330, font)):
        box = draw.textbbox((0, 0), text, font=face)
        draw.text(((size - (box[2] - box[0])) / 2, y), text, fill="#ffffff", font=face)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
