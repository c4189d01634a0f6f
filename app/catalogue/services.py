"""Changes to the catalogue: the CSV import in two steps (`plan_import` says for every row what
confirming would do and writes nothing; `apply_import` does it when no row is wrong, so a file with
mistakes changes nothing and importing the same file again changes nothing), deleting a course, and a
learner's mark that they took one."""

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from app.auth import audit
from app.auth.models import User
from app.catalogue.models import CatalogueCourse, CatalogueTopic, CourseDone, DssRole
from app.catalogue.signals import course_marked_done, course_unmarked
from app.core import previews
from app.core.db import column_length, utcnow
from app.core.previews import content_hash
from app.core.inputs import has_control_characters
from app.core.reasons import ReasonError

MAX_ROWS = 1000
MAX_BYTES = 1024 * 1024
MAX_NOTE_CHARS = 2000
MAX_TOPICS = 10
TOPIC_LIMIT = column_length(CatalogueTopic.name)
# Column names accepted in the header, English or Japanese.
COLUMNS = {
    "title": ("title", "講座名", "タイトル"),
    "provider": ("provider", "提供者", "提供元"),
    "url": ("url", "URL"),
    "language": ("language", "言語"),
    "hours": ("hours", "時間", "学習時間"),
    "level": ("level", "レベル", "人材レベル"),
    "topics": ("topics", "トピック", "分野"),
    "dss_role": ("dss_role", "dssロール", "DSSロール"),
    "free": ("free", "無料"),
    "description": ("description", "説明", "概要"),
    "last_checked_on": ("last_checked_on", "確認日", "最終確認日"),
}
REQUIRED = ("title", "provider", "url", "level", "last_checked_on")
YES = ("yes", "true", "1", "はい", "無料", "")
NO = ("no", "false", "0", "いいえ", "有料")
LANGUAGES = {"ja": "ja", "日本語": "ja", "en": "en", "英語": "en", "english": "en"}


class UnreadableFile(ReasonError):
    """not_text, missing_columns, no_rows, too_many_rows, too_large"""

    def __init__(self, code: str, columns: tuple[str, ...] = ()):
        super().__init__(code)
        self.columns = columns


def search_text(title: str, provider: str, topics: list[str], description: str) -> str:
    """What the search looks in: full-width and half-width forms alike (NFKC), case folded."""
    return unicodedata.normalize("NFKC", "\n".join([title, provider, " ".join(topics), description])).casefold()


@dataclass(frozen=True)
class CourseRow:
    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class CourseFields:
    title: str
    provider: str
    url: str
    language: str
    hours: Decimal | None
    level: int
    topics: tuple[str, ...]
    dss_role: DssRole | None
    is_free: bool
    description: str
    last_checked_on: date


class Outcome:
    CREATE = "create"
    UPDATE = "update"  # a course with the same URL exists and some field differs
    UNCHANGED = "unchanged"
    ERROR = previews.ERROR


@dataclass
class RowPlan:
    row: CourseRow
    outcome: str
    # title_required, provider_required, bad_url, duplicate_url, bad_language, bad_hours, bad_level,
    # bad_dss_role, bad_free, bad_date, too_long, control_characters, too_many_topics
    problem: str | None = None
    column: str | None = None  # the column the problem is about
    fields: CourseFields | None = None

    @property
    def refused_value(self) -> str:
        return self.row.cells.get(self.column or "", "")


def parse_courses(data: bytes) -> list[CourseRow]:
    """Rows of a catalogue CSV (UTF-8 with or without BOM, or Shift_JIS as Excel saves it). Raises UnreadableFile."""
    positions, reader = previews.csv_columns(data, MAX_BYTES, COLUMNS, UnreadableFile)
    missing = tuple(key for key in REQUIRED if positions[key] is None)
    if missing:
        raise UnreadableFile("missing_columns", missing)
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        rows.append(CourseRow(line, {key: cells[i].strip() if i is not None and i < len(cells) else ""
                                     for key, i in positions.items()}))
        if len(rows) > MAX_ROWS:
            raise UnreadableFile("too_many_rows")
    if not rows:
        raise UnreadableFile("no_rows")
    return rows


class _Refused(Exception):
    def __init__(self, problem: str, column: str):
        self.problem, self.column = problem, column


def _text(cells: dict, key: str, limit: int | None = None, required: str | None = None) -> str:
    value = cells[key]
    if required and not value:
        raise _Refused(required, key)
    if has_control_characters(value):
        raise _Refused("control_characters", key)
    if limit is not None and len(value) > limit:
        raise _Refused("too_long", key)
    return value


def _fields(cells: dict) -> CourseFields:
    title = _text(cells, "title", column_length(CatalogueCourse.title), "title_required")
    provider = _text(cells, "provider", column_length(CatalogueCourse.provider), "provider_required")
    url = _text(cells, "url", column_length(CatalogueCourse.url))
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise _Refused("bad_url", "url")
    language = LANGUAGES.get(cells["language"].casefold() or "ja")
    if language is None:
        raise _Refused("bad_language", "language")
    hours = None
    if cells["hours"]:
        try:
            hours = Decimal(unicodedata.normalize("NFKC", cells["hours"]))
        except InvalidOperation:
            raise _Refused("bad_hours", "hours")
        if not (Decimal("0") < hours < Decimal("10000")) or hours != hours.quantize(Decimal("0.1")):
            raise _Refused("bad_hours", "hours")
    level_text = unicodedata.normalize("NFKC", cells["level"])
    if level_text not in ("0", "1", "2", "3"):
        raise _Refused("bad_level", "level")
    role = None
    if cells["dss_role"]:
        role = next((r for r in DssRole if r.value == cells["dss_role"].casefold()), None)
        if role is None:
            raise _Refused("bad_dss_role", "dss_role")
    free = cells["free"].casefold()
    if free not in YES + NO:
        raise _Refused("bad_free", "free")
    topics = tuple(dict.fromkeys(t.strip() for t in cells["topics"].replace("、", ";").split(";") if t.strip()))
    if len(topics) > MAX_TOPICS:
        raise _Refused("too_many_topics", "topics")
    if any(len(t) > TOPIC_LIMIT or has_control_characters(t) for t in topics):
        raise _Refused("too_long", "topics")
    description = _text(cells, "description", 5000)
    try:
        checked = date.fromisoformat(unicodedata.normalize("NFKC", cells["last_checked_on"]).replace("/", "-"))
    except ValueError:
        raise _Refused("bad_date", "last_checked_on")
    if not date(2000, 1, 1) <= checked <= date(2100, 12, 31):
        raise _Refused("bad_date", "last_checked_on")
    return CourseFields(title, provider, url, language, hours, int(level_text), topics, role, free in YES,
                        description, checked)


def _differs(course: CatalogueCourse, fields: CourseFields) -> bool:
    return (course.title, course.provider, course.language, course.hours, course.level,
            tuple(t.name for t in course.topics), course.dss_role, course.is_free, course.description,
            course.last_checked_on) != (fields.title, fields.provider, fields.language, fields.hours, fields.level,
                                        tuple(sorted(fields.topics)), fields.dss_role, fields.is_free,
                                        fields.description, fields.last_checked_on)


def plan_import(session: Session, data: bytes) -> previews.PreviewPlan:
    """What importing `data` would do, row by row. Raises UnreadableFile. Writes nothing."""
    rows = parse_courses(data)
    existing = {c.url: c for c in session.scalars(select(CatalogueCourse).options(selectinload(CatalogueCourse.topics)))}
    plans, seen = [], set()
    for row in rows:
        try:
            fields = _fields(row.cells)
            if fields.url in seen:
                raise _Refused("duplicate_url", "url")
        except _Refused as refused:
            plans.append(RowPlan(row, Outcome.ERROR, refused.problem, refused.column))
            continue
        seen.add(fields.url)
        course = existing.get(fields.url)
        outcome = Outcome.CREATE if course is None else (Outcome.UPDATE if _differs(course, fields) else Outcome.UNCHANGED)
        plans.append(RowPlan(row, outcome, fields=fields))
    return previews.PreviewPlan(plans, content_hash(data))


STARTER_FILE = Path(__file__).parent / "data" / "starter.csv"


def load_starter(session: Session) -> int:
    """Import the starter catalogue in one step (nothing changes the second time). Flushes."""
    plan = plan_import(session, STARTER_FILE.read_bytes())
    if plan.has_errors:
        wrong = next(r for r in plan.rows if r.outcome == Outcome.ERROR)
        raise ValueError(f"line {wrong.row.line}: {wrong.problem}")
    return apply_import(session, plan, None)


def apply_import(session: Session, plan: previews.PreviewPlan, actor: User | None) -> int:
    """Create and update the courses of a plan without errors; returns how many changed. Flushes."""
    assert not plan.has_errors
    existing = {c.url: c for c in session.scalars(select(CatalogueCourse).options(selectinload(CatalogueCourse.topics)))}
    changed = 0
    for row in plan.rows:
        if row.outcome == Outcome.UNCHANGED:
            continue
        fields = row.fields
        course = existing.get(fields.url) or CatalogueCourse(url=fields.url)
        course.title, course.provider, course.language, course.hours = (fields.title, fields.provider,
                                                                        fields.language, fields.hours)
        course.level, course.dss_role, course.is_free = fields.level, fields.dss_role, fields.is_free
        course.description, course.last_checked_on = fields.description, fields.last_checked_on
        course.topics = [CatalogueTopic(name=t) for t in sorted(fields.topics)]
        course.search_text = search_text(fields.title, fields.provider, list(fields.topics), fields.description)
        session.add(course)
        changed += 1
    session.flush()
    audit.record(session, actor, "catalogue.import", "catalogue_course", None, after={"changed": changed})
    return changed


def delete_course(session: Session, course: CatalogueCourse, actor: User) -> None:
    audit.record(session, actor, "catalogue.delete", "catalogue_course", course.id,
                 before={"title": course.title, "url": course.url})
    session.delete(course)
    session.flush()


class NoteTooLong(ReasonError):
    pass


def mark_done(session: Session, *, user: User, course: CatalogueCourse, note: str) -> CourseDone:
    """Mark (or re-mark, replacing the note) a course as taken by `user`. Raises NoteTooLong."""
    note = note.strip()
    if len(note) > MAX_NOTE_CHARS:
        raise NoteTooLong("too_long")
    done = session.scalar(select(CourseDone).where(CourseDone.user_id == user.id, CourseDone.course_id == course.id))
    if done is None:
        done = CourseDone(user_id=user.id, course_id=course.id)
        session.add(done)
    done.note, done.done_at = note, utcnow()
    session.flush()
    course_marked_done.send(session, user=user, course=course, now=done.done_at)
    return done


def unmark_done(session: Session, *, user: User, course: CatalogueCourse) -> None:
    """Remove `user`'s mark of `course`, if any: a level badge that listed it as evidence is flagged (and
    revoked if its path says so) by the listeners of course_unmarked."""
    removed = session.execute(delete(CourseDone).where(CourseDone.user_id == user.id,
                                                       CourseDone.course_id == course.id)).rowcount
    if removed:
        course_unmarked.send(session, user=user, course=course, now=utcnow())

