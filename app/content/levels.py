"""The talent levels of exercises/levels.toml: a pure loader (path → frozen TalentLevels plus a list of
errors naming the file and line) and the shipped table, loaded once, for the features that need it."""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from app.content.specs import ContentError, Text

LEVELS_FILE = Path(__file__).resolve().parents[2] / "exercises" / "levels.toml"
# module.toml's target_level and the database's check constraint allow exactly these.
LEVEL_NUMBERS = (0, 1, 2, 3)
_TOML_LINE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class Framework:
    name: str
    url: str


@dataclass(frozen=True)
class TalentLevel:
    number: int
    name: Text
    dss_name: str  # the matching part of the Digital Skill Standards
    dss_code: str


@dataclass(frozen=True)
class TalentLevels:
    hokkaido: Framework
    dss: Framework
    levels: tuple[TalentLevel, ...]  # one per number in LEVEL_NUMBERS, in that order

    def level(self, number: int) -> TalentLevel:
        return self.levels[LEVEL_NUMBERS.index(number)]


class LevelsInvalid(Exception):
    """The shipped levels file has errors; the message lists each with its file and line."""


def _header_lines(source: str, header: str) -> list[int]:
    """The lines on which the TOML table header `header` (e.g. "[[levels]]") stands."""
    pattern = re.compile(rf"^\s*{re.escape(header)}\s*(#.*)?$")
    return [number for number, line in enumerate(source.splitlines(), start=1) if pattern.match(line)]


def _strings(raw, keys: tuple[str, ...], what: str, add, line: int | None) -> tuple[str, ...] | None:
    """The non-empty strings `keys` of the table `raw`, or None after reporting what is wrong."""
    if not isinstance(raw, dict):
        add(f"{what} must be a table with {' and '.join(repr(k) for k in keys)}", line)
        return None
    missing = [key for key in keys if not isinstance(raw.get(key), str) or not raw[key].strip()]
    if missing:
        add(f"{what} is missing {' and '.join(repr(k) for k in missing)}", line)
        return None
    return tuple(raw[key].strip() for key in keys)


def _framework(data: dict, name: str, source: str, add) -> Framework | None:
    line = next(iter(_header_lines(source, f"[frameworks.{name}]")), None)
    frameworks = data.get("frameworks")
    found = _strings(frameworks.get(name) if isinstance(frameworks, dict) else None, ("name", "url"),
                     f"framework '{name}'", add, line)
    if found and not found[1].startswith("https://"):
        add(f"framework '{name}': 'url' must start with https://", line)
        return None
    return Framework(*found) if found else None


def _level(raw, line: int | None, add) -> TalentLevel | None:
    if not isinstance(raw, dict):
        add("each [[levels]] entry must be a table", line)
        return None
    number = raw.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number not in LEVEL_NUMBERS:
        add(f"'number' must be a talent level from {LEVEL_NUMBERS[0]} to {LEVEL_NUMBERS[-1]}", line)
        return None
    name = _strings(raw.get("name"), ("ja", "en"), f"level {number}: 'name'", add, line)
    dss = _strings(raw.get("dss"), ("name", "code"), f"level {number}: 'dss'", add, line)
    return TalentLevel(number, Text(*name), *dss) if name and dss else None


def _levels(data: dict, source: str, add) -> tuple[TalentLevel, ...] | None:
    entries, lines = data.get("levels"), _header_lines(source, "[[levels]]")
    if not isinstance(entries, list):
        add("'levels' must be a list of [[levels]] tables", None)
        return None
    lines += [None] * (len(entries) - len(lines))
    by_number: dict[int, TalentLevel] = {}
    complete = True
    for raw, line in zip(entries, lines):
        level = _level(raw, line, add)
        if level is not None and level.number in by_number:
            add(f"level {level.number} is defined twice", line)
        if level is None or level.number in by_number:
            complete = False
        else:
            by_number[level.number] = level
    missing = [str(n) for n in LEVEL_NUMBERS if n not in by_number]
    if missing and complete:  # an entry with errors may be the one that looks missing
        add(f"no [[levels]] entry for level {', '.join(missing)}: every talent level needs one", None)
    return tuple(by_number[n] for n in LEVEL_NUMBERS) if complete and not missing else None


def load_levels(path: Path) -> tuple[TalentLevels | None, list[ContentError]]:
    """The talent levels in the TOML file `path`, or None and the errors found."""
    errors: list[ContentError] = []

    def add(message: str, line: int | None) -> None:
        errors.append(ContentError(str(path), line, message))

    if not path.is_file():
        add("file is missing", None)
        return None, errors
    source = path.read_bytes().decode("utf-8", errors="replace")
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as e:
        match = _TOML_LINE.search(str(e))
        add(f"not valid TOML: {e}", int(match.group(1)) if match else None)
        return None, errors
    hokkaido, dss = _framework(data, "hokkaido", source, add), _framework(data, "dss", source, add)
    levels = _levels(data, source, add)
    if errors:
        return None, errors
    return TalentLevels(hokkaido, dss, levels), errors


@cache
def talent_levels() -> TalentLevels:
    """The shipped table (LEVELS_FILE). Raises LevelsInvalid listing every error."""
    levels, errors = load_levels(LEVELS_FILE)
    if levels is None:
        raise LevelsInvalid("\n".join(str(error) for error in errors))
    return levels
