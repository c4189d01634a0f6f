from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Optional

from sqlalchemy import DDL, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.db import enum_type, utcnow
from app.extensions import db


class DssRole(StrEnum):
    """Where a course fits in the Digital Skill Standards: DX literacy (DSS-L) or a DSS-P role."""
    LITERACY = "literacy"
    BUSINESS_ARCHITECT = "business_architect"
    DESIGNER = "designer"
    DATA_SCIENTIST = "data_scientist"
    SOFTWARE_ENGINEER = "software_engineer"
    CYBERSECURITY = "cybersecurity"


class CatalogueCourse(db.Model):
    """An external course or case. Its URL identifies it: importing a file with the same URL updates it."""
    __tablename__ = "catalogue_course"
    __table_args__ = (
        CheckConstraint("level BETWEEN 0 AND 3", name="level"),
        CheckConstraint("language IN ('ja', 'en')", name="language"),
        CheckConstraint("hours IS NULL OR hours > 0", name="hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    hours: Mapped[Optional[Decimal]] = mapped_column(Numeric(6, 1))
    level: Mapped[int]
    dss_role: Mapped[Optional[DssRole]] = mapped_column(enum_type(DssRole, 32, "dss_role"))
    is_free: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    last_checked_on: Mapped[date]
    # NFKC, case-folded title, provider, topics and description: what the search looks in.
    search_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    topics: Mapped[list["CatalogueTopic"]] = relationship(back_populates="course", cascade="all, delete-orphan",
                                                          order_by="CatalogueTopic.name")


class CatalogueTopic(db.Model):
    __tablename__ = "catalogue_topic"

    course_id: Mapped[int] = mapped_column(ForeignKey("catalogue_course.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)

    course: Mapped[CatalogueCourse] = relationship(back_populates="topics")


class CourseDone(db.Model):
    """A learner's mark that they took a course, with an optional note (self-reported)."""
    __tablename__ = "catalogue_course_done"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("catalogue_course.id", ondelete="CASCADE"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


# The search index, per engine (the migration creates the same). SQLite: an FTS5 table with the trigram
# tokenizer over search_text, kept in step by triggers (so that deleting rows, as the tests do between
# tests, empties it too). PostgreSQL: pg_trgm's GIN index, which serves ILIKE '%…%'.
# Named as app.core.db.is_search_index expects, so that schema comparisons leave them out.
FTS_TABLE = "catalogue_course_fts"
TRIGRAM_INDEX = "ix_catalogue_course_search_trgm"
SQLITE_SEARCH_INDEX = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, content='catalogue_course', content_rowid='id', "
    "tokenize='trigram')",
    f"CREATE TRIGGER catalogue_course_fts_insert AFTER INSERT ON catalogue_course BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER catalogue_course_fts_delete AFTER DELETE ON catalogue_course BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER catalogue_course_fts_update AFTER UPDATE OF search_text ON catalogue_course BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)
SQLITE_SEARCH_INDEX_DROP = f"DROP TABLE IF EXISTS {FTS_TABLE}"
POSTGRESQL_TRIGRAMS = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
POSTGRESQL_SEARCH_INDEX = f"CREATE INDEX {TRIGRAM_INDEX} ON catalogue_course USING gin (search_text gin_trgm_ops)"

for statement in SQLITE_SEARCH_INDEX:
    event.listen(CatalogueCourse.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
event.listen(CatalogueCourse.__table__, "before_drop", DDL(SQLITE_SEARCH_INDEX_DROP).execute_if(dialect="sqlite"))
event.listen(CatalogueCourse.__table__, "before_create", DDL(POSTGRESQL_TRIGRAMS).execute_if(dialect="postgresql"))
event.listen(CatalogueCourse.__table__, "after_create", DDL(POSTGRESQL_SEARCH_INDEX).execute_if(dialect="postgresql"))
