"""Badge images made by the app from an achievement's metadata, so no hand-made assets are needed."""

import hashlib
import io
import unicodedata
from functools import cache
from xml.sax.saxutils import escape

import budoux

LEVEL_COLOURS = {0: "#5a6b7b", 1: "#0b6e4f", 2: "#1d4ed8", 3: "#7c2d92"}


def _accent(seed: str) -> str:
    """A stable accent colour per achievement (dark enough for white text)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "#%02x%02x%02x" % tuple(40 + b % 90 for b in digest[:3])


@cache
def _japanese_phrases() -> budoux.Parser:
    return budoux.load_default_japanese_parser()


def _width(text: str) -> float:
    """In full-width characters: Latin letters and digits take about half the room of a kanji."""
    return sum(1 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    return next((s for s in ("CJK", "HIRAGANA", "KATAKANA") if name.startswith(s)), "OTHER" if not char.isalnum() else "LATIN")


def _cut(word: str, width: float) -> int:
    """Where to cut a word wider than a line: after punctuation or where the script changes (kanji to
    katakana, say) if there is such a place, else as late as the line allows."""
    last = max(i for i in range(1, len(word) + 1) if _width(word[:i]) <= width)
    for i in range(last, 0, -1):
        if i < len(word) and (unicodedata.category(word[i - 1]).startswith("P") or
                              _script(word[i - 1]) != _script(word[i])):
            return i
    return last


def wrap_title(text: str, width: float, max_lines: int = 3) -> list[str]:
    """`text` in lines of at most `width` full-width characters, broken between phrases (BudouX for
    Japanese, spaces for English), never inside a word; only a phrase longer than a whole line is cut.
    Past `max_lines` the last line ends with an ellipsis."""
    # (word, whether a space came before it): a space is kept inside a line and dropped at its break.
    words = [(part, i > 0) for phrase in _japanese_phrases().parse(text)
             for i, part in enumerate(phrase.split(" ")) if part]
    lines: list[str] = []
    for word, spaced in words:
        joined = lines[-1] + (" " if spaced else "") + word if lines else ""
        if lines and _width(joined) <= width:
            lines[-1] = joined
            continue
        while _width(word) > width:
            cut = _cut(word, width)
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return lines


def badge_svg(*, title: str, subtitle: str, level: int, seed: str) -> str:
    """A round badge: title (wrapped), talent level and the programme name."""
    main, accent = LEVEL_COLOURS.get(level, "#444"), _accent(seed)
    title_lines = wrap_title(title, 9)
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
    """The same badge as a PNG (for baking), `label` (the English title) wrapped between words. Latin
    text only: no CJK font is assumed on the server."""
    # Imported here, as in baking.bake_png: only a PNG not made before needs Pillow.
    from PIL import Image, ImageDraw, ImageFont

    size = 512
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, size - 8, size - 8), fill=_accent(seed))
    draw.ellipse((36, 36, size - 36, size - 36), fill=LEVEL_COLOURS.get(level, "#444"), outline="#ffffff", width=8)
    font = ImageFont.load_default(size=34)
    small = ImageFont.load_default(size=30)
    label_lines = wrap_title(label, 11)
    first = 235 - 21 * (len(label_lines) - 1)
    rows = [("ENSHU", 120, small), *((line, first + 42 * i, font) for i, line in enumerate(label_lines)),
            (f"LEVEL {level}", 360, small)]
    for text, y, face in rows:
        box = draw.textbbox((0, 0), text, font=face)
        draw.text(((size - (box[2] - box[0])) / 2, y), text, fill="#ffffff", font=face)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
