"""What the learner's record shows, read in a fixed number of queries however many badges, paths, modules
or courses the learner has."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.auth.models import Organization, User
from app.badges.models import AchievementKind, Credential, CredentialStatus
from app.catalogue.models import CatalogueCourse, CourseDone
from app.cohorts.models import Enrolment
from app.completions.models import CompletionRecord
from app.paths.queries import PathMap, StepState, all_paths, path_maps


@dataclass(frozen=True)
class LearnerRecord:
    organization: Organization | None
    level_badges: list[Credential]  # issued talent-level badges, lowest level first
    paths_ahead: list[PathMap]  # paths whose level badge the learner does not hold yet
    module_badges: list[Credential]  # issued module badges, newest first
    completions: list[CompletionRecord]  # completed modules (not revoked), newest first
    courses_done: list[tuple[CourseDone, CatalogueCourse]]  # marked done by the learner, newest first

    @property
    def is_empty(self) -> bool:
        """Nothing earned or started yet: the page says where to begin."""
        started = any(s.state in (StepState.DONE, StepState.IN_PROGRESS) for m in self.paths_ahead for s in m.steps)
        return not (self.level_badges or self.module_badges or self.completions or self.courses_done or started)


def learner_record(session: Session, learner: User) -> LearnerRecord:
    """Everything the record page shows of `learner`, and nothing of anyone else."""
    organization = (session.get(Organization, learner.organization_id)
                    if learner.organization_id is not None else None)
    credentials = list(session.scalars(
        select(Credential).options(joinedload(Credential.achievement))
        .where(Credential.recipient_id == learner.id, Credential.status == CredentialStatus.ISSUED)
        .order_by(Credential.issued_at.desc(), Credential.id.desc())))
    levels = sorted((c for c in credentials if c.achievement.kind == AchievementKind.TALENT_LEVEL),
                    key=lambda c: (c.achievement.talent_level, c.issued_at))
    maps = path_maps(session, all_paths(session), learner.id)
    ahead = [m for m in maps if not (m.award and m.award.credential.status == CredentialStatus.ISSUED)]
    completions = list(session.scalars(
        select(CompletionRecord).join(CompletionRecord.enrolment).options(joinedload(CompletionRecord.module_version))
        .where(Enrolment.user_id == learner.id, CompletionRecord.revoked_at.is_(None))
        .order_by(CompletionRecord.completed_at.desc(), CompletionRecord.id.desc())))
    courses = [(done, course) for done, course in session.execute(
        select(CourseDone, CatalogueCourse).join(CatalogueCourse, CatalogueCourse.id == CourseDone.course_id)
        .where(CourseDone.user_id == learner.id).order_by(CourseDone.done_at.desc(), CourseDone.id.desc()))]
    return LearnerRecord(organization, levels, ahead,
                         [c for c in credentials if c.achievement.kind == AchievementKind.MODULE],
                         completions, courses)
