"""Pure loader for exercises/: a folder becomes frozen specs plus a list of errors that name
the file and, where it can be found, the line."""

import hashlib
import mimetypes
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from app.content.questions import QuestionSpec, load_question

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LOCALES = ("ja", "en")
MIN_CRITERIA, MAX_CRITERIA = 3, 5
_TOML_LINE = re.compile(r"at line (\d+)")
_MATERIAL_LINK = re.compile(r"\]\((data/[^)\s]+)\)")
# The sections of a mentor pack (mentor.<locale>.md), in order; under the last one, one "### " heading
# per rubric criterion, named by the criterion's title in that language.
MENTOR_SECTIONS = {
    "ja": ("解答例（標準）", "解答例（理想）", "仕込まれたデータの問題と見つけ方", "良い解答が到達する数値",
           "判断が分かれる点", "採点の目安"),
    "en": ("Exemplar answer (standard)", "Exemplar answer (ideal)", "Planted data problems and how to spot them",
           "Figures a good answer arrives at", "Judgement calls", "Scoring notes"),
}


@dataclass(frozen=True)
class ContentError:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Text:
    ja: str
    en: str


@dataclass(frozen=True)
class LevelSpec:
    points: int
    descriptor: Text


@dataclass(frozen=True)
class CriterionSpec:
    slug: str
    title: Text
    levels: tuple[LevelSpec, ...]

    @property
    def max_points(self) -> int:
        return max(level.points for level in self.levels)


@dataclass(frozen=True)
class MaterialSpec:
    filename: str
    path: Path
    media_type: str
    is_simulated: bool


@dataclass(frozen=True)
class UnlockSpec:
    after: str | None
    when: str | None  # "submitted" or "accepted"
    days_after_start: int | None


@dataclass(frozen=True)
class EventSpec:
    title: Text
    body: Text


@dataclass(frozen=True)
class PersonaSpec:
    name: Text
    role: Text
    description: Text


@dataclass(frozen=True)
class SourceSpec:
    title: str
    url: str | None


# Digital Skill Standards (METI and IPA, ver.1.0): the DX Literacy Standard's areas, and the DX Promotion
# Skill Standard's five talent types (a role may follow in brackets, e.g. "デザイナー（サービスデザイナー）").
DSS_LITERACY = ("マインド・スタンス", "Why：DXの背景", "What：社会におけるデータ", "What：データを読む・説明する",
                "What：データを扱う", "What：データによって判断する", "What：デジタル技術", "How：活用事例・利用方法",
                "How：留意点")
DSS_PROMOTION_TYPES = ("ビジネスアーキテクト", "デザイナー", "データサイエンティスト", "ソフトウェアエンジニア",
                       "サイバーセキュリティ")


@dataclass(frozen=True)
class SkillsSpec:
    talent_level: int  # Hokkaido's digital talent level the exercise trains for, 0-3
    dss_literacy: tuple[str, ...]
    dss_promotion: tuple[str, ...]


@dataclass(frozen=True)
class ExerciseSpec:
    slug: str
    title: Text
    brief: Text
    is_required: bool
    criteria: tuple[CriterionSpec, ...]
    materials: tuple[MaterialSpec, ...]
    weight: float = 1.0
    pass_threshold: float = 0.6
    unlock: UnlockSpec | None = None
    event: EventSpec | None = None
    questions: tuple[QuestionSpec, ...] = ()
    # Shown to the cohort's mentors and to organizers, never to learners.
    mentor_pack: Text | None = None
    skills: SkillsSpec | None = None


@dataclass(frozen=True)
class ModuleSpec:
    slug: str
    title: Text
    summary: Text
    target_level: int
    estimated_hours: float
    objectives: tuple[Text, ...]
    exercises: tuple[ExerciseSpec, ...]
    content_hash: str
    personas: tuple[PersonaSpec, ...] = ()
    sources: tuple[SourceSpec, ...] = ()


@dataclass
class _Errors:
    root: Path
    items: list[ContentError] = field(default_factory=list)

    def add(self, path: Path, message: str, line: int | None = None) -> None:
        try:
            shown = str(path.relative_to(self.root))
        except ValueError:
            shown = str(path)
        self.items.append(ContentError(shown, line, message))


def _line_of(text: str, key: str) -> int | None:
    """The first line where `key` appears as a TOML key, for error messages."""
    pattern = re.compile(rf"^\s*(\[*\s*)?{re.escape(key)}(?!\w)")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def _read_toml(path: Path, errors: _Errors) -> tuple[dict | None, str]:
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


def _text(data: dict, key: str, path: Path, source: str, errors: _Errors, line_key: str | None = None) -> Text | None:
    value = data.get(key)
    line = _line_of(source, line_key or key)
    if not isinstance(value, dict):
        errors.add(path, f"'{key}' must be a table with 'ja' and 'en' texts", line)
        return None
    missing = [loc for loc in LOCALES if not isinstance(value.get(loc), str) or not value[loc].strip()]
    if missing:
        errors.add(path, f"'{key}' is missing its {' and '.join(missing)} text (translation)", line)
        return None
    return Text(value["ja"].strip(), value["en"].strip())


def _content_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder).as_posix()).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _load_rubric(folder: Path, errors: _Errors) -> tuple[CriterionSpec, ...]:
    path = folder / "rubric.toml"
    data, source = _read_toml(path, errors)
    if data is None:
        return ()
    raw = data.get("criteria")
    if not isinstance(raw, list) or not MIN_CRITERIA <= len(raw) <= MAX_CRITERIA:
        errors.add(path, f"a rubric needs {MIN_CRITERIA} to {MAX_CRITERIA} [[criteria]]", _line_of(source, "criteria"))
        return ()
    criteria, seen = [], set()
    for index, item in enumerate(raw, start=1):
        slug = item.get("slug") if isinstance(item, dict) else None
        where = f"criterion {index}"
        line = _line_of(source, f'slug = "{slug}"') if slug else None
        if not isinstance(slug, str) or not SLUG.match(slug):
            errors.add(path, f"{where} needs a 'slug' of lowercase letters, digits and hyphens")
            continue
        if slug in seen:
            errors.add(path, f"criterion slug '{slug}' is used twice", line)
            continue
        seen.add(slug)
        title = _text(item, "title", path, source, errors, line_key=f'slug = "{slug}"')
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


def _load_levels(raw, slug: str, path: Path, line: int | None, errors: _Errors,
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


def _load_materials(folder: Path, simulated: bool) -> tuple[MaterialSpec, ...]:
    data_dir = folder / "data"
    if not data_dir.is_dir():
        return ()
    return tuple(
        MaterialSpec(p.name, p, mimetypes.guess_type(p.name)[0] or "application/octet-stream", simulated)
        for p in sorted(data_dir.iterdir()) if p.is_file() and not p.name.startswith(".")
    )


def _load_markdown(folder: Path, name: str, locale: str, errors: _Errors) -> str | None:
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


def _load_exercise(folder: Path, errors: _Errors) -> ExerciseSpec | None:
    path = folder / "exercise.toml"
    data, source = _read_toml(path, errors)
    before = len(errors.items)
    title = _text(data, "title", path, source, errors) if data is not None else None
    required = data.get("required", True) if data else True
    simulated = data.get("simulated_data", True) if data else True
    for key, value in (("required", required), ("simulated_data", simulated)):
        if not isinstance(value, bool):
            errors.add(path, f"'{key}' must be true or false", _line_of(source, key))
    brief_ja = _load_markdown(folder, "brief", "ja", errors)
    brief_en = _load_markdown(folder, "brief", "en", errors)
    criteria = _load_rubric(folder, errors)
    weight, threshold = (data or {}).get("weight", 1.0), (data or {}).get("pass_threshold", 0.6)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
        errors.add(path, "'weight' must be a number above 0", _line_of(source, "weight"))
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 <= threshold <= 1:
        errors.add(path, "'pass_threshold' must be a share from 0 to 1", _line_of(source, "pass_threshold"))
    unlock = _load_unlock((data or {}).get("unlock"), path, source, errors)
    event = _load_event((data or {}).get("event"), folder, path, source, errors)
    questions = _load_questions(folder, errors)
    mentor_pack = _load_mentor_pack(folder, criteria, errors)
    skills = _load_skills((data or {}).get("skills"), path, source, errors)
    if data is None or len(errors.items) > before or not (title and brief_ja and brief_en and criteria):
        return None
    return ExerciseSpec(folder.name, title, Text(brief_ja, brief_en), required, criteria,
                        _load_materials(folder, simulated), float(weight), float(threshold), unlock, event, questions,
                        mentor_pack, skills)


def _optional_table(raw, name: str, path: Path, source: str, errors: _Errors) -> tuple[dict | None, int | None]:
    """An optional [name] table of a TOML file and the line where it starts; None if absent or not a table."""
    line = _line_of(source, f"[{name}]") or _line_of(source, name)
    if raw is not None and not isinstance(raw, dict):
        errors.add(path, f"'{name}' must be a table", line)
        return None, line
    return raw, line


def _is_talent_level(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3


def _load_skills(raw, path: Path, source: str, errors: _Errors) -> SkillsSpec | None:
    raw, line = _optional_table(raw, "skills", path, source, errors)
    if raw is None:
        return None
    level = raw.get("talent_level")
    literacy, promotion = raw.get("dss_literacy", []), raw.get("dss_promotion", [])
    before = len(errors.items)
    if not _is_talent_level(level):
        errors.add(path, "[skills] 'talent_level' must be a talent level from 0 to 3", _line_of(source, "talent_level"))
    if not isinstance(literacy, list) or not isinstance(promotion, list) or not (literacy or promotion):
        errors.add(path, "[skills] needs 'dss_literacy' and/or 'dss_promotion' lists", line)
        return None
    for item in literacy:
        if item not in DSS_LITERACY:
            errors.add(path, f"[skills] '{item}' is not a DX Literacy Standard area (one of: {', '.join(DSS_LITERACY)})",
                       _line_of(source, "dss_literacy"))
    for item in promotion:
        if not isinstance(item, str) or not item.startswith(DSS_PROMOTION_TYPES):
            errors.add(path, f"[skills] '{item}' does not start with a DX Promotion Skill Standard talent type "
                             f"({', '.join(DSS_PROMOTION_TYPES)})", _line_of(source, "dss_promotion"))
    if len(errors.items) > before:
        return None
    return SkillsSpec(level, tuple(literacy), tuple(promotion))


def _load_mentor_pack(folder: Path, criteria: tuple[CriterionSpec, ...], errors: _Errors) -> Text | None:
    """mentor.ja.md and mentor.en.md, both or neither; each with every section of MENTOR_SECTIONS in order,
    none empty, and scoring notes for exactly the rubric's criteria."""
    if not any((folder / f"mentor.{locale}.md").exists() for locale in LOCALES):
        return None
    texts = {}
    for locale in LOCALES:
        text = _load_markdown(folder, "mentor", locale, errors)
        if text is not None and _check_mentor_pack(folder / f"mentor.{locale}.md", text, locale, criteria, errors):
            texts[locale] = text
    return Text(texts["ja"], texts["en"]) if len(texts) == len(LOCALES) else None


def _check_mentor_pack(path: Path, text: str, locale: str, criteria: tuple[CriterionSpec, ...],
                       errors: _Errors) -> bool:
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


def _load_unlock(raw, path: Path, source: str, errors: _Errors) -> UnlockSpec | None:
    raw, line = _optional_table(raw, "unlock", path, source, errors)
    if raw is None:
        return None
    after, when, days = raw.get("after"), raw.get("when"), raw.get("days_after_start")
    if after is None and days is None:
        errors.add(path, "[unlock] needs 'after' (an exercise) or 'days_after_start'", line)
        return None
    if after is not None and (not isinstance(after, str) or when not in ("submitted", "accepted")):
        errors.add(path, "[unlock] 'after' needs an exercise slug and 'when' = \"submitted\" or \"accepted\"", line)
        return None
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 0):
        errors.add(path, "[unlock] 'days_after_start' must be a whole number of 0 or more", line)
        return None
    return UnlockSpec(after, when if after else None, days)


def _load_event(raw, folder: Path, path: Path, source: str, errors: _Errors) -> EventSpec | None:
    if raw is None:
        return None
    title = _text(raw, "title", path, source, errors) if isinstance(raw, dict) else None
    if not isinstance(raw, dict):
        errors.add(path, "'event' must be a table with a 'title'", _line_of(source, "event"))
    body_ja = _load_markdown(folder, "event", "ja", errors)
    body_en = _load_markdown(folder, "event", "en", errors)
    if title and body_ja and body_en:
        return EventSpec(title, Text(body_ja, body_en))
    return None


def _load_questions(folder: Path, errors: _Errors) -> tuple[QuestionSpec, ...]:
    path = folder / "questions.toml"
    if not path.exists():
        return ()
    data, source = _read_toml(path, errors)
    if data is None:
        return ()
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        errors.add(path, "questions.toml needs at least one [[questions]]")
        return ()
    questions, seen = [], set()
    for item in raw:
        slug = item.get("slug") if isinstance(item, dict) else None
        line = _line_of(source, f'slug = "{slug}"') if slug else _line_of(source, "[[questions]]")
        if slug in seen:
            errors.add(path, f"question slug '{slug}' is used twice", line)
            continue
        seen.add(slug)
        question = load_question(item, folder, lambda message, line=line: errors.add(path, message, line))
        if question:
            questions.append(question)
    return tuple(questions)


def load_module(folder: Path, root: Path | None = None) -> tuple[ModuleSpec | None, list[ContentError]]:
    """Load one module folder. Returns the spec (None if anything is wrong) and every error found."""
    errors = _Errors(root or folder.parent)
    if not SLUG.match(folder.name):
        errors.add(folder, "a module folder name may contain only lowercase letters, digits and hyphens")
    path = folder / "module.toml"
    data, source = _read_toml(path, errors)
    if data is None:
        return None, errors.items
    title = _text(data, "title", path, source, errors)
    summary = _text(data, "summary", path, source, errors)
    level = data.get("target_level")
    if not _is_talent_level(level):
        errors.add(path, "'target_level' must be a talent level from 0 to 3", _line_of(source, "target_level"))
    hours = data.get("estimated_hours")
    if not isinstance(hours, (int, float)) or isinstance(hours, bool) or hours <= 0:
        errors.add(path, "'estimated_hours' must be a number above 0", _line_of(source, "estimated_hours"))
    objectives = []
    for item in data.get("objectives", []) if isinstance(data.get("objectives"), list) else [None]:
        if isinstance(item, dict):
            text = _text({"objective": item}, "objective", path, source, errors, line_key="objectives")
            if text:
                objectives.append(text)
        else:
            errors.add(path, "'objectives' must be a list of {ja, en} texts", _line_of(source, "objectives"))
    listed = data.get("exercises")
    exercises = []
    if not isinstance(listed, list) or not listed or not all(isinstance(s, str) for s in listed):
        errors.add(path, "'exercises' must list the exercise folders in order", _line_of(source, "exercises"))
        listed = []
    if len(set(listed)) != len(listed):
        errors.add(path, "an exercise is listed twice in 'exercises'", _line_of(source, "exercises"))
    for slug in listed:
        exercise_folder = folder / slug
        if not SLUG.match(slug) or not exercise_folder.is_dir():
            errors.add(path, f"exercise folder '{slug}' does not exist", _line_of(source, "exercises"))
            continue
        exercise = _load_exercise(exercise_folder, errors)
        if exercise:
            exercises.append(exercise)
    for child in sorted(folder.iterdir()):
        if child.is_dir() and not child.name.startswith(".") and child.name not in listed:
            errors.add(child, "folder is not listed in module.toml 'exercises'")
    for exercise in exercises:
        target = exercise.unlock.after if exercise.unlock else None
        earlier = listed[:listed.index(exercise.slug)]
        if target is not None and target not in earlier:
            errors.add(folder / exercise.slug / "exercise.toml",
                       f"[unlock] after = \"{target}\" is not an exercise listed before this one",
                       _line_of((folder / exercise.slug / "exercise.toml").read_text(encoding="utf-8"), "after"))
    personas = _load_personas(data.get("personas", []), path, source, errors)
    sources = _load_sources(data.get("sources", []), path, source, errors)
    if errors.items:
        return None, errors.items
    return ModuleSpec(folder.name, title, summary, level, float(hours), tuple(objectives), tuple(exercises),
                      _content_hash(folder), personas, sources), []


def _load_personas(raw, path: Path, source: str, errors: _Errors) -> tuple[PersonaSpec, ...]:
    line = _line_of(source, "personas")
    if not isinstance(raw, list):
        errors.add(path, "'personas' must be a list", line)
        return ()
    personas = []
    for item in raw:
        texts = [_text(item, key, path, source, errors, line_key="personas") if isinstance(item, dict) else None
                 for key in ("name", "role", "description")]
        if all(texts):
            personas.append(PersonaSpec(*texts))
        elif not isinstance(item, dict):
            errors.add(path, "every persona needs name, role and description in ja and en", line)
    return tuple(personas)


def _load_sources(raw, path: Path, source: str, errors: _Errors) -> tuple[SourceSpec, ...]:
    line = _line_of(source, "sources")
    if not isinstance(raw, list) or not all(isinstance(i, dict) and isinstance(i.get("title"), str) for i in raw):
        errors.add(path, "'sources' must be a list of { title, url }", line)
        return ()
    bad = [i["url"] for i in raw if i.get("url") is not None and not str(i["url"]).startswith(("https://", "http://"))]
    if bad:
        errors.add(path, f"source url must start with https:// or http://: {bad[0]}", line)
    return tuple(SourceSpec(i["title"], i.get("url")) for i in raw)


def load_all(root: Path) -> tuple[list[ModuleSpec], list[ContentError]]:
    """Every module folder under `root` (folders holding a module.toml)."""
    specs, errors = [], []
    if not root.is_dir():
        return [], [ContentError(str(root), None, "content folder does not exist")]
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        spec, module_errors = load_module(folder, root)
        errors.extend(module_errors)
        if spec:
            specs.append(spec)
    return specs, errors
