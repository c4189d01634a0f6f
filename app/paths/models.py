from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.badges.models import Credential
from app.catalogue.models import CatalogueCourse
from app.content.models import Module
from app.core.bilingual import Bilingual
from app.core.db import utcnow
from app.extensions import db


class LearningPath(db.Model):
    """学習パス: ordered steps that lead to a talent level's badge."""

    __tablename__ = "learning_path"
    __table_args__ = (CheckConstraint("talent_level BETWEEN 1 AND 3", name="talent_level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The starter paths are loaded by slug (demo data); paths made in the app have none.
    slug: Mapped[Optional[str]] = mapped_column(String(100), unique=True)
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_ja: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    talent_level: Mapped[int]
    # Catalogue steps count only when the path accepts learners' own marks (自己申告).
    accepts_self_reported: Mapped[bool] = mapped_column(default=False)
    # When a component credential is revoked, the level badge is always flagged; revoked too if this is set.
    revokes_level_badges: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    steps: Mapped[list["PathStep"]] = relationship(back_populates="path", cascade="all, delete-orphan",
                                                   order_by="PathStep.position")

    name = Bilingual("name_{}")
    description = Bilingual("description_{}")


class PathStep(db.Model):
    """One step of a path: a module of this platform (its badge) or a catalogue course (a self-reported mark)."""

    __tablename__ = "learning_path_step"
    __table_args__ = (
        CheckConstraint("(module_id IS NULL) <> (course_id IS NULL)", name="module_or_course"),
        CheckConstraint("position >= 1", name="position_positive"),
        UniqueConstraint("path_id", "module_id"),
        UniqueConstraint("path_id", "course_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_path.id", ondelete="CASCADE"))
    position: Mapped[int]
    module_id: Mapped[Optional[int]] = mapped_column(ForeignKey("module.id", ondelete="RESTRICT"), index=True)
    # Removing a course from the catalogue removes it from the paths too.
    course_id: Mapped[Optional[int]] = mapped_column(ForeignKey("catalogue_course.id", ondelete="CASCADE"),
                                                     index=True)
    is_required: Mapped[bool] = mapped_column(default=True)

    path: Mapped[LearningPath] = relationship(back_populates="steps")
    module: Mapped[Optional[Module]] = relationship()
    course: Mapped[Optional[CatalogueCourse]] = relationship()


class LevelAward(db.Model):
    """The level badge a learner earned through a path, and the component credentials and self-reported
    courses it was issued for. Written once per (path, learner); a revoked component or a withdrawn course
    flags it (and per the path's setting revokes it)."""

    __tablename__ = "learning_path_award"
    __table_args__ = (
        UniqueConstraint("path_id", "user_id"),
        UniqueConstraint("credential_id"),
        CheckConstraint("(flagged_at IS NULL) = (flag_reason IS NULL)", name="flag_has_reason"),
        Index("ix_learning_path_award_flagged", "flagged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A path that has issued badges stays (RESTRICT): the award says what the badge was issued for.
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_path.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("badge_credential.id", ondelete="RESTRICT"))
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    flagged_at: Mapped[Optional[datetime]]
    flag_reason: Mapped[Optional[str]] = mapped_column(Text)

    path: Mapped[LearningPath] = relationship()
    user: Mapped[User] = relationship()
    credential: Mapped[Credential] = relationship()
    components: Mapped[list["LevelAwardComponent"]] = relationship(back_populates="award",
                                                                   cascade="all, delete-orphan")
    courses: Mapped[list["LevelAwardCourse"]] = relationship(back_populates="award", cascade="all, delete-orphan")


class LevelAwardComponent(db.Model):
    """A module credential that a level badge lists as its evidence."""

    __tablename__ = "learning_path_award_component"

    award_id: Mapped[int] = mapped_column(ForeignKey("learning_path_award.id", ondelete="CASCADE"),
                                          primary_key=True)
    credential_id: Mapped[int] = mapped_column(ForeignKey("badge_credential.id", ondelete="RESTRICT"),
                                               primary_key=True, index=True)

    award: Mapped[LevelAward] = relationship(back_populates="components")
    credential: Mapped[Credential] = relationship()


class LevelAwardCourse(db.Model):
    """A catalogue course, marked done by the learner (self-reported), that a level badge lists as evidence."""

    __tablename__ = "learning_path_award_course"

    award_id: Mapped[int] = mapped_column(ForeignKey("learning_path_award.id", ondelete="CASCADE"),
                                          primary_key=True)
    # Removing a course from the catalogue removes its marks, so its evidence rows go with it too.
    course_id: Mapped[int] = mapped_column(ForeignKey("catalogue_course.id", ondelete="CASCADE"),
                                           primary_key=True, index=True)

    award: Mapped[LevelAward] = relationship(back_populates="courses")
    course: Mapped[CatalogueCourse] = relationship()
