"""A rubric.toml: three to five criteria, each with levels of distinct points starting at 0."""

import re
from pathlib import Path

from app.content.files import LOCALES, SLUG, ErrorList, bilingual_text, line_of, read_toml
from app.content.specs import CriterionSpec, LevelSpec, Text

MIN_CRITERIA, MAX_CRITERIA = 3, 5


def load_rubric(folder: Path, errors: ErrorList) -> tuple[CriterionSpec, ...]:
    path = folder / "rubric.toml"
    data, source = read_toml(path, errors)
    if data is None:
        return ()
    raw = data.get("criteria")
    if not isinstance(raw, list) or not MIN_CRITERIA <= len(raw) <= MAX_CRITERIA:
        errors.add(path, f"a rubric needs {MIN_CRITERIA} to {MAX_CRITERIA} [[criteria]]", line_of(source, "criteria"))
        return ()
    criteria, seen = [], set()
    for index, item in enumerate(raw, start=1):
        slug = item.get("slug") if isinstance(item, dict) else None
        where = f"criterion {index}"
        line = line_of(source, f'slug = "{slug}"') if slug else None
        if not isinstance(slug, str) or not SLUG.match(slug):
            errors.add(path, f"{where} needs a 'slug' of lowercase letters, digits and hyphens")
            continue
        if slug in seen:
            errors.add(path, f"criterion slug '{slug}' is used twice", line)
            continue
        seen.add(slug)
        title = bilingual_text(item, "title", path, source, errors, line_key=f'slug = "{slug}"')
        levels = _load_levels(item.get("levels"), slug, path, line, errors, source)
        if title and levels:
            criteria.append(CriterionSpec(slug, title, levels))
    return tuple(criteria)


def _level_line(source: str, after_line: int | None, points) -> int | None:
    """The line of the level with `points` in the criterion that starts at `after_line`."""
    lines = source.splitlines()
    for number in range(after_line or 1, len(lines) + 1):
        if re.search(rf"points\s*=\s*{re.escape(str(points))}(?!\d)", lines[number - 1]):
            return number
    return after_line


def _load_levels(raw, slug: str, path: Path, line: int | None, errors: ErrorList,
                 source: str = "") -> tuple[LevelSpec, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        errors.add(path, f"criterion '{slug}' needs at least two levels", line)
        return ()
    levels = []
    for level in raw:
        points = level.get("points") if isinstance(level, dict) else None
        if not isinstance(points, int) or isinstance(points, bool) or points < 0:
            errors.add(path, f"criterion '{slug}': every level needs whole-number 'points' of 0 or more", line)
            return ()
        missing = [loc for loc in LOCALES if not str(level.get(loc, "")).strip()]
        if missing:
            errors.add(path, f"criterion '{slug}', level {points} points: descriptor missing in "
                             f"{' and '.join(missing)}", _level_line(source, line, points))
            return ()
        levels.append(LevelSpec(points, Text(level["ja"].strip(), level["en"].strip())))
    points = [level.points for level in levels]
    if len(set(points)) != len(points) or 0 not in points:
        errors.add(path, f"criterion '{slug}': level points must be distinct and start at 0", line)
        return ()
    return tuple(sorted(levels, key=lambda lv: lv.points))
