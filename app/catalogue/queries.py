"""The catalogue as learners search it: a word is found inside longer compounds written without spaces
(「データ」 in 「オープンデータ活用」) on both engines, best matches first, with filters and a count per
filter choice, a page at a time, in a fixed number of queries."""

import unicodedata
from dataclasses import dataclass

from sqlalchemy import Float, Integer, Select, and_, case, column, exists, func, literal, select, text
from sqlalchemy.orm import Session, selectinload

from app.catalogue.models import FTS_TABLE, CatalogueCourse, CatalogueTopic, CourseDone, DssRole
from app.catalogue.signals import course_unmark_consequences

PAGE_SIZE = 20
QUERY_LIMIT = 100
# FTS5's trigram tokenizer indexes three characters at a time: shorter words are looked for with LIKE.
TRIGRAM = 3


@dataclass(frozen=True)
class Filters:
    words: str = ""
    level: int | None = None
    topic: str | None = None
    dss_role: DssRole | None = None
    language: str | None = None
    free_only: bool = False
    done_only: bool = False


@dataclass(frozen=True)
class Choice:
    value: str | int
    count: int


@dataclass(frozen=True)
class Found:
    courses: list[CatalogueCourse]
    done: dict[int, "CourseDone"]  # the reader's marks on this page, by course id
    total: int
    number: int  # the page, from 1
    pages: int
    levels: list[Choice]
    topics: list[Choice]
    roles: list[Choice]


def normalised_words(words: str) -> list[str]:
    """The search words as the index holds them (NFKC, case folded), split on spaces of either width."""
    return unicodedata.normalize("NFKC", words[:QUERY_LIMIT]).casefold().split()


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(session: Session, words: list[str]) -> tuple[Select | None, object]:
    """(ids of matching courses with a rank column, the rank expression) or (None, 0) without words.
    Every word must be found; titles that hold a word rank first."""
    if not words:
        return None, literal(0)
    title_hits = sum((case((func.lower(CatalogueCourse.title).like(_like(w), escape="\\"), 1), else_=0)
                      for w in words), literal(0))
    if session.get_bind().dialect.name == "sqlite" and all(len(w) >= TRIGRAM for w in words):
        # The FTS5 table's own ranking (bm25: smaller is better), each word quoted as a phrase.
        match = " ".join('"' + w.replace('"', '""') + '"' for w in words)
        ids = text(f"SELECT rowid AS id, bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match") \
            .bindparams(match=match).columns(column("id", Integer), column("score", Float)).subquery()
        return ids, (title_hits, ids.c.score)
    condition = and_(*(CatalogueCourse.search_text.like(_like(w), escape="\\") for w in words))
    if session.get_bind().dialect.name == "postgresql":
        similarity = func.word_similarity(" ".join(words), CatalogueCourse.search_text)
        ids = select(CatalogueCourse.id.label("id"), (-similarity).label("score")).where(condition).subquery()
    else:
        ids = select(CatalogueCourse.id.label("id"), literal(0).label("score")).where(condition).subquery()
    return ids, (title_hits, ids.c.score)


def _filtered(query: Select, filters: Filters, user_id: int, skip: str | None = None) -> Select:
    if filters.level is not None and skip != "level":
        query = query.where(CatalogueCourse.level == filters.level)
    if filters.dss_role is not None and skip != "role":
        query = query.where(CatalogueCourse.dss_role == filters.dss_role)
    if filters.topic and skip != "topic":
        query = query.where(exists().where(CatalogueTopic.course_id == CatalogueCourse.id,
                                           CatalogueTopic.name == filters.topic))
    if filters.language:
        query = query.where(CatalogueCourse.language == filters.language)
    if filters.free_only:
        query = query.where(CatalogueCourse.is_free.is_(True))
    if filters.done_only:
        query = query.where(exists().where(CourseDone.course_id == CatalogueCourse.id, CourseDone.user_id == user_id))
    return query


def search(session: Session, filters: Filters, *, user_id: int, page: int = 1) -> Found:
    """One page of courses for `filters`, the reader's marks on them, and the filter choices counted
    within the other filters. Six queries whatever the size of the catalogue."""
    ids, rank = _matching(session, normalised_words(filters.words))

    def base(columns, skip=None):
        query = select(*columns).select_from(CatalogueCourse)
        if ids is not None:
            query = query.join(ids, ids.c.id == CatalogueCourse.id)
        return _filtered(query, filters, user_id, skip)

    total = session.scalar(base([func.count()]))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    order = []
    if ids is not None:
        title_hits, score = rank
        order = [title_hits.desc(), score.asc()]
    courses = list(session.scalars(
        base([CatalogueCourse]).options(selectinload(CatalogueCourse.topics))
        .order_by(*order, CatalogueCourse.last_checked_on.desc(), CatalogueCourse.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    done = {d.course_id: d for d in session.scalars(select(CourseDone).where(
        CourseDone.user_id == user_id, CourseDone.course_id.in_([c.id for c in courses])))} if courses else {}
    levels = [Choice(level, n) for level, n in session.execute(
        base([CatalogueCourse.level, func.count()], "level").group_by(CatalogueCourse.level).order_by(CatalogueCourse.level))]
    topics = [Choice(name, n) for name, n in session.execute(
        base([CatalogueTopic.name, func.count()], "topic").join(CatalogueTopic, CatalogueTopic.course_id == CatalogueCourse.id)
        .group_by(CatalogueTopic.name).order_by(func.count().desc(), CatalogueTopic.name).limit(40))]
    roles = [Choice(role, n) for role, n in session.execute(
        base([CatalogueCourse.dss_role, func.count()], "role").where(CatalogueCourse.dss_role.is_not(None))
        .group_by(CatalogueCourse.dss_role).order_by(CatalogueCourse.dss_role))]
    return Found(courses, done, total, page, pages, levels, topics, roles)


def unmark_consequences(session: Session, user_id: int, course_ids: list[int]) -> dict[int, bool]:
    """What un-marking each of `course_ids` would do to a badge of `user_id` (the features above answer):
    {course_id: True if a badge would be revoked, False if only flagged}; a course absent changes no badge."""
    # Asked also with no courses (the listeners' one query then finds nothing), so that the catalogue page
    # runs as many queries for a reader with marks on it as for one without.
    consequences: dict[int, bool] = {}
    for _listener, answer in course_unmark_consequences.send(session, user_id=user_id, course_ids=course_ids):
        for course_id, revokes in answer.items():
            consequences[course_id] = consequences.get(course_id, False) or revokes
    return consequences
