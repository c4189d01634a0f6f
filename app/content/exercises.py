"""One exercise folder: exercise.toml with its brief, rubric, questions, materials, event and mentor pack."""

import mimetypes
from pathlib import Path

from app.content.files import ErrorList, bilingual_text, line_of, optional_table, read_markdown, read_toml
from app.content.mentor_pack import load_mentor_pack
from app.content.questions import load_questions
from app.content.rubric import load_rubric
from app.content.specs import EventSpec, ExerciseSpec, MaterialSpec, SkillsSpec, Text, UnlockSpec

# Digital Skill Standards (METI and IPA, ver.1.0): the DX Literacy Standard's areas, and the DX Promotion
# Skill Standard's five talent types (a role may follow in brackets, e.g. "デザイナー（サービスデザイナー）").
DSS_LITERACY = ("マインド・スタンス", "Why：DXの背景", "What：社会におけるデータ", "What：データを読む・説明する",
                "What：データを扱う", "What：データによって判断する", "What：デジタル技術", "How：活用事例・利用方法",
                "How：留意点")
DSS_PROMOTION_TYPES = ("ビジネスアーキテクト", "デザイナー", "データサイエンティスト", "ソフトウェアエンジニア",
                       "サイバーセキュリティ")


def load_exercise(folder: Path, errors: ErrorList) -> ExerciseSpec | None:
    """One exercise folder; None when anything in it is wrong (every problem is in `errors`)."""
    path = folder / "exercise.toml"
    data, source = read_toml(path, errors)
    before = len(errors.items)
    title = bilingual_text(data, "title", path, source, errors) if data is not None else None
    required = data.get("required", True) if data else True
    simulated = data.get("simulated_data", True) if data else True
    group_deliverable = data.get("group_deliverable", False) if data else False
    for key, value in (("required", required), ("simulated_data", simulated), ("group_deliverable", group_deliverable)):
        if not isinstance(value, bool):
            errors.add(path, f"'{key}' must be true or false", line_of(source, key))
    brief_ja = read_markdown(folder, "brief", "ja", errors)
    brief_en = read_markdown(folder, "brief", "en", errors)
    criteria = load_rubric(folder, errors)
    weight, threshold = (data or {}).get("weight", 1.0), (data or {}).get("pass_threshold", 0.6)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
        errors.add(path, "'weight' must be a number above 0", line_of(source, "weight"))
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 <= threshold <= 1:
        errors.add(path, "'pass_threshold' must be a share from 0 to 1", line_of(source, "pass_threshold"))
    offset = (data or {}).get("suggested_offset_days")
    if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= 366):
        errors.add(path, "'suggested_offset_days' must be a whole number of days from 0 to 366",
                   line_of(source, "suggested_offset_days"))
    unlock = _load_unlock((data or {}).get("unlock"), path, source, errors)
    event = _load_event((data or {}).get("event"), folder, path, source, errors)
    questions = load_questions(folder, errors)
    mentor_pack = load_mentor_pack(folder, criteria, errors)
    skills = _load_skills((data or {}).get("skills"), path, source, errors)
    if data is None or len(errors.items) > before or not (title and brief_ja and brief_en and criteria):
        return None
    return ExerciseSpec(folder.name, title, Text(brief_ja, brief_en), required, criteria,
                        _load_materials(folder, simulated), float(weight), float(threshold), unlock, event, questions,
                        mentor_pack, skills, offset, group_deliverable)


def is_talent_level(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 3


def _load_skills(raw, path: Path, source: str, errors: ErrorList) -> SkillsSpec | None:
    raw, line = optional_table(raw, "skills", path, source, errors)
    if raw is None:
        return None
    level = raw.get("talent_level")
    literacy, promotion = raw.get("dss_literacy", []), raw.get("dss_promotion", [])
    before = len(errors.items)
    if not is_talent_level(level):
        errors.add(path, "[skills] 'talent_level' must be a talent level from 0 to 3", line_of(source, "talent_level"))
    if not isinstance(literacy, list) or not isinstance(promotion, list) or not (literacy or promotion):
        errors.add(path, "[skills] needs 'dss_literacy' and/or 'dss_promotion' lists", line)
        return None
    for item in literacy:
        if item not in DSS_LITERACY:
            errors.add(path, f"[skills] '{item}' is not a DX Literacy Standard area (one of: {', '.join(DSS_LITERACY)})",
                       line_of(source, "dss_literacy"))
    for item in promotion:
        if not isinstance(item, str) or not item.startswith(DSS_PROMOTION_TYPES):
            errors.add(path, f"[skills] '{item}' does not start with a DX Promotion Skill Standard talent type "
                             f"({', '.join(DSS_PROMOTION_TYPES)})", line_of(source, "dss_promotion"))
    if len(errors.items) > before:
        return None
    return SkillsSpec(level, tuple(literacy), tuple(promotion))


def _load_unlock(raw, path: Path, source: str, errors: ErrorList) -> UnlockSpec | None:
    raw, line = optional_table(raw, "unlock", path, source, errors)
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


def _load_event(raw, folder: Path, path: Path, source: str, errors: ErrorList) -> EventSpec | None:
    if raw is None:
        return None
    title = bilingual_text(raw, "title", path, source, errors) if isinstance(raw, dict) else None
    if not isinstance(raw, dict):
        errors.add(path, "'event' must be a table with a 'title'", line_of(source, "event"))
    body_ja = read_markdown(folder, "event", "ja", errors)
    body_en = read_markdown(folder, "event", "en", errors)
    if title and body_ja and body_en:
        return EventSpec(title, Text(body_ja, body_en))
    return None


def _load_materials(folder: Path, simulated: bool) -> tuple[MaterialSpec, ...]:
    data_dir = folder / "data"
    if not data_dir.is_dir():
        return ()
    return tuple(
        MaterialSpec(p.name, p, mimetypes.guess_type(p.name)[0] or "application/octet-stream", simulated)
        for p in sorted(data_dir.iterdir()) if p.is_file() and not p.name.startswith(".")
    )
