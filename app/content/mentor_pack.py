"""A mentor pack (mentor.<locale>.md): exemplars, planted data problems and scoring notes for mentors."""

from pathlib import Path

from app.content.files import LOCALES, ErrorList, read_markdown
from app.content.specs import CriterionSpec, Text

# The sections of a mentor pack (mentor.<locale>.md), in order; under the last one, one "### " heading
# per rubric criterion, named by the criterion's title in that language.
MENTOR_SECTIONS = {
    "ja": ("解答例（標準）", "解答例（理想）", "仕込まれたデータの問題と見つけ方", "良い解答が到達する数値",
           "判断が分かれる点", "採点の目安"),
    "en": ("Exemplar answer (standard)", "Exemplar answer (ideal)", "Planted data problems and how to spot them",
           "Figures a good answer arrives at", "Judgement calls", "Scoring notes"),
}


def load_mentor_pack(folder: Path, criteria: tuple[CriterionSpec, ...], errors: ErrorList) -> Text | None:
    """mentor.ja.md and mentor.en.md, both or neither; each with every section of MENTOR_SECTIONS in order,
    none empty, and scoring notes for exactly the rubric's criteria."""
    if not any((folder / f"mentor.{locale}.md").exists() for locale in LOCALES):
        return None
    texts = {}
    for locale in LOCALES:
        text = read_markdown(folder, "mentor", locale, errors)
        if text is not None and _check_mentor_pack(folder / f"mentor.{locale}.md", text, locale, criteria, errors):
            texts[locale] = text
    return Text(texts["ja"], texts["en"]) if len(texts) == len(LOCALES) else None


def _check_mentor_pack(path: Path, text: str, locale: str, criteria: tuple[CriterionSpec, ...],
                       errors: ErrorList) -> bool:
    before = len(errors.items)
    sections: list[tuple[str, int]] = []
    subsections: list[tuple[str, int]] = []
    body_lines: dict[int, int] = {}  # line of a heading -> lines of text under it
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("## "):
            sections.append((line[3:].strip(), number))
            current = number
        elif line.startswith("### "):
            if sections and sections[-1][0] == MENTOR_SECTIONS[locale][-1]:
                subsections.append((line[4:].strip(), number))
            current = number
        elif line.strip() and current is not None:
            body_lines[current] = body_lines.get(current, 0) + 1
    expected = MENTOR_SECTIONS[locale]
    found = [title for title, _ in sections]
    for title, number in sections:
        if title not in expected:
            errors.add(path, f"section '## {title}' is not one of a mentor pack's ({', '.join(expected)})", number)
    for title in expected:
        if title not in found:
            errors.add(path, f"section '## {title}' is missing")
    if len(errors.items) == before and found != list(expected):
        errors.add(path, f"the sections must come once each, in this order: {', '.join(expected)}")
    for title, number in sections + subsections:
        if title in expected[:-1] and not body_lines.get(number):
            errors.add(path, f"section '{title}' is empty", number)
    titles = [getattr(c.title, locale) for c in criteria]
    for title, number in subsections:
        if title not in titles:
            errors.add(path, f"scoring note '### {title}' names no criterion of rubric.toml", number)
        elif not body_lines.get(number):
            errors.add(path, f"scoring note '### {title}' is empty", number)
    noted = {title for title, _ in subsections}
    for title in titles:
        if title not in noted:
            errors.add(path, f"no scoring note for the rubric criterion '{title}' (add '### {title}')")
    return len(errors.items) == before


def exemplar_markdown(pack_md: str, locale: str, ideal: bool) -> str | None:
    """The text under the pack's standard (or ideal) exemplar heading, or None when it has none."""
    heading = "## " + MENTOR_SECTIONS[locale][1 if ideal else 0]
    lines, inside = [], False
    for line in pack_md.splitlines():
        if line.startswith("## "):
            if inside:
                break
            inside = line.strip() == heading
        elif inside:
            lines.append(line)
    text = "\n".join(lines).strip()
    return text or None
