"""Reads for learning paths: the list, a learner's map of one path, and what organizers check. Each in a
fixed number of queries, however many steps, paths or badges there are."""

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.badges.models import Achievement, Credential, CredentialStatus
from app.catalogue.models import CatalogueCourse, CourseDone
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.content.models import ModuleVersion
from app.paths.models import LearningPath, LevelAward, LevelAwardCourse, PathStep
from app.paths.services import held_module_credentials, marked_courses


class StepState(StrEnum):
    DONE = "done"
    IN_PROGRESS = "in_progress"
    NEXT = "next"
    NOT_STARTED = "not_started"


@dataclass(frozen=True)
class ModuleTitle:
    title_ja: str
    title_en: str

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" else self.title_ja


@dataclass(frozen=True)
class StepView:
    step: PathStep
    state: StepState
    module: ModuleTitle | None  # for a module step: its newest version's title
    credential: Credential | None  # the badge held for a module step
    done: CourseDone | None  # the learner's mark for a course step
    cohort_id: int | None  # the cohort in which a module step is in progress
    counts: bool  # whether a done step counts towards the level badge (self-reported ones may not)


@dataclass(frozen=True)
class PathMap:
    path: LearningPath
    steps: list[StepView]
    award: LevelAward | None

    @property
    def required(self) -> int:
        return sum(1 for s in self.steps if s.step.is_required)

    @property
    def required_done(self) -> int:
        return sum(1 for s in self.steps if s.step.is_required and s.state == StepState.DONE and s.counts)


def _with_steps():
    return (selectinload(LearningPath.steps).joinedload(PathStep.course),)


def all_paths(session: Session) -> list[LearningPath]:
    # Steps joined rather than selected apart: one query fewer on the pages that list every path (the
    # learner's record reads six other things).
    return list(session.scalars(select(LearningPath)
                                .options(joinedload(LearningPath.steps).joinedload(PathStep.course))
                                .order_by(LearningPath.talent_level, LearningPath.id)).unique())


def path_or_none(session: Session, path_id: int) -> LearningPath | None:
    return session.scalar(select(LearningPath).options(*_with_steps()).where(LearningPath.id == path_id))


def module_titles(session: Session, module_ids: set[int]) -> dict[int, ModuleTitle]:
    """Each module's newest title."""
    titles: dict[int, ModuleTitle] = {}
    for module_id, title_ja, title_en in session.execute(
            select(ModuleVersion.module_id, ModuleVersion.title_ja, ModuleVersion.title_en)
            .where(ModuleVersion.module_id.in_(module_ids)).order_by(ModuleVersion.number)):
        titles[module_id] = ModuleTitle(title_ja, title_en)
    return titles


def _cohorts_in_progress(session: Session, user_id: int, module_ids: set[int]) -> dict[int, int]:
    """A cohort in which the learner takes each module (the newest enrolment), by module id."""
    return {module_id: cohort_id for module_id, cohort_id in session.execute(
        select(ModuleVersion.module_id, Cohort.id).join(Cohort.module_version).join(Enrolment)
        .where(Enrolment.user_id == user_id, Enrolment.status == EnrolmentStatus.ACTIVE,
               ModuleVersion.module_id.in_(module_ids)).order_by(Enrolment.id))}


def _awaiting(session: Session, user_id: int, module_ids: set[int]) -> set[int]:
    """Modules whose badge waits for an organizer's approval."""
    return set(session.scalars(select(Achievement.module_id).join(Credential.achievement).where(
        Credential.recipient_id == user_id, Credential.status == CredentialStatus.AWAITING_APPROVAL,
        Achievement.module_id.in_(module_ids))))


def _awards(session: Session, user_id: int) -> dict[int, LevelAward]:
    return {a.path_id: a for a in session.scalars(select(LevelAward).options(joinedload(LevelAward.credential))
                                                  .where(LevelAward.user_id == user_id))}


def path_maps(session: Session, paths: list[LearningPath], user_id: int) -> list[PathMap]:
    """The learner's map of each path: every step done, in progress, next (the first step neither done nor
    in progress) or not started."""
    module_ids = {s.module_id for p in paths for s in p.steps if s.module_id}
    course_ids = [s.course_id for p in paths for s in p.steps if s.course_id]
    titles = module_titles(session, module_ids)
    held = held_module_credentials(session, user_id, list(module_ids))
    marks = marked_courses(session, user_id, course_ids)
    cohorts = _cohorts_in_progress(session, user_id, module_ids)
    awaiting = _awaiting(session, user_id, module_ids)
    awards = _awards(session, user_id)
    maps = []
    for path in paths:
        views, next_given = [], False
        for step in path.steps:
            if step.module_id:
                done = step.module_id in held
                started = step.module_id in cohorts or step.module_id in awaiting
            else:
                done, started = step.course_id in marks, False
            if done:
                state = StepState.DONE
            elif started:
                state = StepState.IN_PROGRESS
            elif not next_given:
                state, next_given = StepState.NEXT, True
            else:
                state = StepState.NOT_STARTED
            views.append(StepView(step, state, titles.get(step.module_id), held.get(step.module_id),
                                  marks.get(step.course_id), cohorts.get(step.module_id),
                                  counts=bool(step.module_id) or path.accepts_self_reported))
        maps.append(PathMap(path, views, awards.get(path.id)))
    return maps


def course_choices(session: Session) -> list[CatalogueCourse]:
    return list(session.scalars(select(CatalogueCourse).order_by(CatalogueCourse.title)))


def awards_to_manage(session: Session, path_id: int) -> list[LevelAward]:
    """The level badges a path issued, flagged ones first."""
    return list(session.scalars(select(LevelAward).options(joinedload(LevelAward.user), joinedload(LevelAward.credential))
                                .where(LevelAward.path_id == path_id)
                                .order_by(LevelAward.flagged_at.is_(None), LevelAward.awarded_at.desc())))


def flagged_counts(session: Session) -> dict[int, int]:
    """How many flagged level badges each path has."""
    return dict(session.execute(select(LevelAward.path_id, func.count()).where(LevelAward.flagged_at.is_not(None))
                                .group_by(LevelAward.path_id)).all())


def badges_resting_on_courses(session: Session, user_id: int, course_ids: list[int]) -> dict[int, bool]:
    """The courses among `course_ids` that a valid level badge of `user_id` lists as evidence, each with
    whether un-marking it would revoke the badge (its path says so) rather than only flag it. One query."""
    resting: dict[int, bool] = {}
    for course_id, revokes in session.execute(
            select(LevelAwardCourse.course_id, LearningPath.revokes_level_badges)
            .join(LevelAward, LevelAward.id == LevelAwardCourse.award_id).join(LevelAward.path)
            .join(LevelAward.credential)
            .where(LevelAward.user_id == user_id, LevelAwardCourse.course_id.in_(course_ids),
                   Credential.status == CredentialStatus.ISSUED)):
        resting[course_id] = resting.get(course_id, False) or revokes
    return resting
