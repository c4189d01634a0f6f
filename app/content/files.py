"""Reading the TOML and Markdown files of exercises/, with errors that name the file and the line."""

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from app.content.specs import ContentError, Text

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LOCALES = ("ja", "en")
_TOML_LINE = re.compile(r"at line (\d+)")
_MATERIAL_LINK = re.compile(r"\]\((data/[^)\s]+)\)")


@dataclass
class ErrorList:
    """The errors found so far, with paths shown relative to the content folder."""

    root: Path
    items: list[ContentError] = field(default_factory=list)

    def add(self, path: Path, message: str, line: int | None = None) -> None:
        try:
            shown = str(path.relative_to(self.root))
        except ValueError:
            shown = str(path)
        self.items.append(ContentError(shown, line, message))


def line_of(text: str, key: str) -> int | None:
    """The first line where `key` appears as a TOML key, for error messages."""
    pattern = re.compile(rf"^\s*(\[*\s*)?{re.escape(key)}(?!\w)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def read_toml(path: Path, errors: ErrorList) -> tuple[dict | None, str]:
    """The parsed file and its text; None (and an error) when it is missing or not TOML."""
    if not path.is_file():
        errors.add(path, "file is missing")
        return None, ""
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as e:
        match = _TOML_LINE.search(str(e))
        errors.add(path, f"not valid TOML: {e}", int(match.group(1)) if match else None)
        return None, text


def bilingual_text(data: dict, key: str, path: Path, source: str, errors: ErrorList,
                   line_key: str | None = None) -> Text | None:
    """`data[key]` as a {ja, en} table with both texts; the error names the line of `line_key` (or `key`)."""
    value = data.get(key)
    line = line_of(source, line_key or key)
    if not isinstance(value, dict):
        errors.add(path, f"'{key}' must be a table with 'ja' and 'en' texts", line)
        return None
    missing = [loc for loc in LOCALES if not isinstance(value.get(loc), str) or not value[loc].strip()]
    if missing:
        errors.add(path, f"'{key}' is missing its {' and '.join(missing)} text (translation)", line)
        return None
    return Text(value["ja"].strip(), value["en"].strip())


def optional_table(raw, name: str, path: Path, source: str, errors: ErrorList) -> tuple[dict | None, int | None]:
    """An optional [name] table of a TOML file and the line where it starts; None if absent or not a table."""
    line = line_of(source, f"[{name}]") or line_of(source, name)
    if raw is not None and not isinstance(raw, dict):
        errors.add(path, f"'{name}' must be a table", line)
        return None, line
    return raw, line


def read_markdown(folder: Path, name: str, locale: str, errors: ErrorList) -> str | None:
    """`<name>.<locale>.md` of an exercise folder, non-empty, whose links to data/ name existing materials."""
    path = folder / f"{name}.{locale}.md"
    if not path.is_file():
        errors.add(path, f"the {name} in {locale} is missing (translation)")
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        errors.add(path, "not UTF-8 text")
        return None
    if not text.strip():
        errors.add(path, f"the {name} is empty")
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        for target in _MATERIAL_LINK.findall(line):
            if not (folder / target).is_file():
                errors.add(path, f"link to a material that does not exist: {target}", number)
    return text
