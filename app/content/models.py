from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.content.question_kinds import QuestionKind, QuestionKindHandler, handler_for
from app.core.bilingual import Bilingual
from app.core.db import enum_type, utcnow
from app.extensions import db


class Module(db.Model):
    """A scenario module, identified by its folder name under exercises/."""

    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the folder disappears from exercises/; versions stay for the cohorts that pinned them.
    retired_at: Mapped[Optional[datetime]]

    versions: Mapped[list["ModuleVersion"]] = relationship(
        back_populates="module", order_by="ModuleVersion.number")


class ModuleVersion(db.Model):
    """One immutable snapshot of a module's content; cohorts pin one."""

    __tablename__ = "module_version"
    __table_args__ = (
        UniqueConstraint("module_id", "number"),
        UniqueConstraint("module_id", "content_hash"),
        CheckConstraint("target_level BETWEEN 0 AND 3", name="target_level"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("estimated_hours > 0", name="estimated_hours_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Content cascades from the module down to rubric levels; anything learners did with it (cohorts,
    # submissions, attempts, scores) refers to it with RESTRICT, so only unused content can go.
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id", ondelete="CASCADE"))
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    # The summaries' Markdown, from which `flask content rerender` renders the HTML again. None for a
    # version synced before migration 0007 until `flask content sync` finds its files unchanged.
    summary_ja_md: Mapped[Optional[str]] = mapped_column(Text)
    summary_ja_html: Mapped[str] = mapped_column(Text)
    summary_en_md: Mapped[Optional[str]] = mapped_column(Text)
    summary_en_html: Mapped[str] = mapped_column(Text)
    objectives: Mapped[list] = mapped_column(db.JSON)
    personas: Mapped[list] = mapped_column(db.JSON, default=list)
    sources: Mapped[list] = mapped_column(db.JSON, default=list)
    target_level: Mapped[int]
    estimated_hours: Mapped[float]
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)

    module: Mapped[Module] = relationship(back_populates="versions")
    exercises: Mapped[list["Exercise"]] = relationship(
        back_populates="module_version", order_by="Exercise.position")

    title = Bilingual("title_{}")
    summary_html = Bilingual("summary_{}_html")


class UnlockWhen(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"


class Exercise(db.Model):
    """An exercise of a module version. Its long texts (brief, event, mentor pack: tens of KB each) are
    read only by queries that ask for them with `undefer_group(Exercise.TEXTS)`: lists, queues and
    dashboards show titles, and read each exercise once per row they join."""
    __tablename__ = "exercise"
    __table_args__ = (
        UniqueConstraint("module_version_id", "slug"),
        UniqueConstraint("module_version_id", "position"),
        CheckConstraint("weight > 0", name="weight_positive"),
        CheckConstraint("pass_threshold BETWEEN 0 AND 1", name="pass_threshold_share"),
        # An unlock rule names both the earlier exercise and the state it must reach.
        CheckConstraint("(unlock_after_slug IS NULL) = (unlock_when IS NULL)", name="unlock_rule_complete"),
        CheckConstraint("(event_title_ja IS NULL) = (event_ja_html IS NULL)", name="event_complete"),
        CheckConstraint("(mentor_pack_ja_html IS NULL) = (mentor_pack_en_html IS NULL)", name="mentor_pack_complete"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("unlock_days_after_start >= 0", name="unlock_days_not_negative"),
        CheckConstraint("suggested_offset_days BETWEEN 0 AND 366", name="suggested_offset_days_range"),
    )

    TEXTS = "texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    brief_ja_md: Mapped[str] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    brief_ja_html: Mapped[str] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    brief_en_md: Mapped[str] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    brief_en_html: Mapped[str] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    is_required: Mapped[bool] = mapped_column(default=True)
    # One submission per group (班) of the cohort instead of one per learner (exercise.toml).
    is_group_deliverable: Mapped[bool] = mapped_column(default=False)
    weight: Mapped[float] = mapped_column(default=1.0)
    pass_threshold: Mapped[float] = mapped_column(default=0.6)
    unlock_after_slug: Mapped[Optional[str]] = mapped_column(String(100))
    unlock_when: Mapped[Optional[UnlockWhen]] = mapped_column(enum_type(UnlockWhen, 16, "unlock_when"))
    unlock_days_after_start: Mapped[Optional[int]]
    # The schedule editor's suggested due date, in days after a cohort's start (exercise.toml).
    suggested_offset_days: Mapped[Optional[int]]
    event_title_ja: Mapped[Optional[str]] = mapped_column(String(200))
    event_title_en: Mapped[Optional[str]] = mapped_column(String(200))
    event_ja_md: Mapped[Optional[str]] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    event_ja_html: Mapped[Optional[str]] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    event_en_md: Mapped[Optional[str]] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    event_en_html: Mapped[Optional[str]] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    # Exemplars, planted data problems and scoring notes: for the cohort's mentors and organizers only.
    mentor_pack_ja_md: Mapped[Optional[str]] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    mentor_pack_ja_html: Mapped[Optional[str]] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    mentor_pack_en_md: Mapped[Optional[str]] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    mentor_pack_en_html: Mapped[Optional[str]] = mapped_column(Text, deferred=True, deferred_group=TEXTS)
    # {"talent_level": 1, "dss_literacy": [...], "dss_promotion": [...]}: the skills the exercise trains
    skills: Mapped[Optional[dict]] = mapped_column(db.JSON)

    module_version: Mapped[ModuleVersion] = relationship(back_populates="exercises")
    criteria: Mapped[list["RubricCriterion"]] = relationship(
        back_populates="exercise", order_by="RubricCriterion.position")
    materials: Mapped[list["Material"]] = relationship(
        back_populates="exercise", order_by="Material.filename")
    questions: Mapped[list["Question"]] = relationship(
        back_populates="exercise", order_by="Question.position")

    title = Bilingual("title_{}")
    brief_html = Bilingual("brief_{}_html")
    event_title = Bilingual("event_title_{}")
    event_html = Bilingual("event_{}_html")
    mentor_pack_html = Bilingual("mentor_pack_{}_html")

    @property
    def max_points(self) -> int:
        return sum(c.max_points for c in self.criteria)


class RubricCriterion(db.Model):
    __tablename__ = "rubric_criterion"
    __table_args__ = (
        UniqueConstraint("exercise_id", "slug"),
        CheckConstraint("max_points > 0", name="max_points_positive"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]
    title_ja: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    max_points: Mapped[int]

    exercise: Mapped[Exercise] = relationship(back_populates="criteria")
    levels: Mapped[list["RubricLevel"]] = relationship(
        back_populates="criterion", order_by="RubricLevel.points")

    title = Bilingual("title_{}")


class RubricLevel(db.Model):
    __tablename__ = "rubric_level"
    __table_args__ = (
        UniqueConstraint("criterion_id", "points"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criterion.id", ondelete="CASCADE"))
    points: Mapped[int]
    descriptor_ja: Mapped[str] = mapped_column(Text)
    descriptor_en: Mapped[str] = mapped_column(Text)

    criterion: Mapped[RubricCriterion] = relationship(back_populates="levels")

    descriptor = Bilingual("descriptor_{}")


class Material(db.Model):
    """A file learners download with an exercise (data sets, templates)."""

    __tablename__ = "material"
    __table_args__ = (
        UniqueConstraint("exercise_id", "filename"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(127))
    is_simulated: Mapped[bool] = mapped_column(default=True)

    exercise: Mapped[Exercise] = relationship(back_populates="materials")


class Question(db.Model):
    """An auto-checked question. The answer key stays on the server."""

    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("exercise_id", "slug"),
        CheckConstraint("points >= 1", name="points_positive"),
        CheckConstraint("position >= 1", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("exercise.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, 16, "kind"))
    prompt_ja: Mapped[str] = mapped_column(Text)
    prompt_en: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(default=1)
    # numeric: {"value": 93, "tolerance": 0}; choices: {"keys": ["north"]}
    answer_key: Mapped[dict] = mapped_column(db.JSON)
    # [{"key": "north", "ja": "北地区", "en": "North district"}] without which is correct
    choices: Mapped[list] = mapped_column(db.JSON, default=list)
    unit_ja: Mapped[Optional[str]] = mapped_column(String(50))
    unit_en: Mapped[Optional[str]] = mapped_column(String(50))
    feedback_ja: Mapped[Optional[str]] = mapped_column(Text)
    feedback_en: Mapped[Optional[str]] = mapped_column(Text)

    exercise: Mapped[Exercise] = relationship(back_populates="questions")

    @property
    def handler(self) -> QuestionKindHandler:
        """Grades answers and names the template of this question's kind."""
        return handler_for(self.kind)

    prompt = Bilingual("prompt_{}")
    unit = Bilingual("unit_{}")
    feedback = Bilingual("feedback_{}")
