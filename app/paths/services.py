"""Changes to learning paths: saving a path with its ordered steps (refusing what cannot work), loading the
starter paths, and the level badge: issued once when a learner holds every required step (when the last
one comes, or when a saved path asks no more than they hold), flagged (and revoked, if the path says so)
when a component credential is revoked or a self-reported course un-marked. Services flush; the caller
commits."""

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import User
from app.badges.issuers import IssuerDefaults
from app.badges.issuing import component_evidence, create_level_credential
from app.badges.keys import KeyStore
from app.badges.models import Achievement, Credential, CredentialStatus
from app.badges.revocation import revoke
from app.badges.urls import BadgeUrls
from app.catalogue.models import CatalogueCourse, CourseDone
from app.content.levels import LEVEL_NUMBERS
from app.content.models import Module
from app.core.reasons import ReasonError
from app.paths.models import LearningPath, LevelAward, LevelAwardComponent, LevelAwardCourse, PathStep

# Level 0 (everyday literacy) has no badge, so no path leads to it.
PATH_LEVELS = LEVEL_NUMBERS[1:]
MAX_STEPS = 30
STARTER_FILE = Path(__file__).resolve().parent / "data" / "starter_paths.toml"


class PathInvalid(ReasonError):
    """no_steps, no_required_step, too_many_steps, duplicate_step, unknown_step, unknown_level,
    self_reported_not_accepted. `step` is the position (1-based) of the step concerned, if any."""

    def __init__(self, code: str, step: int | None = None):
        super().__init__(code)
        self.step = step


@dataclass(frozen=True)
class StepSpec:
    """A step as an organizer chose it: a module or a catalogue course, required or optional."""
    module_id: int | None
    course_id: int | None
    is_required: bool

    @property
    def key(self) -> tuple[int | None, int | None]:
        return self.module_id, self.course_id


@dataclass(frozen=True)
class PathFields:
    name_ja: str
    name_en: str
    description_ja: str
    description_en: str
    talent_level: int
    accepts_self_reported: bool
    revokes_level_badges: bool


def _check(session: Session, fields: PathFields, steps: list[StepSpec]) -> None:
    if fields.talent_level not in PATH_LEVELS:
        raise PathInvalid("unknown_level")
    if not steps:
        raise PathInvalid("no_steps")
    if len(steps) > MAX_STEPS:
        raise PathInvalid("too_many_steps")
    module_ids = {s.module_id for s in steps if s.module_id is not None}
    course_ids = {s.course_id for s in steps if s.course_id is not None}
    known_modules = set(session.scalars(select(Module.id).where(Module.id.in_(module_ids))))
    known_courses = set(session.scalars(select(CatalogueCourse.id).where(CatalogueCourse.id.in_(course_ids))))
    seen = set()
    for number, step in enumerate(steps, start=1):
        if (step.module_id is None) == (step.course_id is None) or (
                step.module_id is not None and step.module_id not in known_modules) or (
                step.course_id is not None and step.course_id not in known_courses):
            raise PathInvalid("unknown_step", number)
        if step.key in seen:
            raise PathInvalid("duplicate_step", number)
        seen.add(step.key)
        if step.course_id is not None and step.is_required and not fields.accepts_self_reported:
            raise PathInvalid("self_reported_not_accepted", number)
    if not any(s.is_required for s in steps):
        raise PathInvalid("no_required_step")


def _summary(path: LearningPath) -> dict:
    return {"name_ja": path.name_ja, "name_en": path.name_en, "talent_level": path.talent_level,
            "accepts_self_reported": path.accepts_self_reported, "revokes_level_badges": path.revokes_level_badges,
            "steps": [[s.module_id, s.course_id, s.is_required] for s in path.steps]}


def save_path(session: Session, path: LearningPath | None, fields: PathFields, steps: list[StepSpec], *,
              actor: User | None, now: datetime) -> LearningPath:
    """Create a path (`path` None) or change one, its steps in the order given. Raises PathInvalid."""
    _check(session, fields, steps)
    before = _summary(path) if path is not None else None
    if path is None:
        path = LearningPath(created_at=now)
        session.add(path)
    for name, value in vars(fields).items():
        setattr(path, name, value.strip() if isinstance(value, str) else value)
    path.updated_at = now
    # Steps that stay keep their rows (a new row beside an old one for the same module would break the
    # unique constraint before the old one is deleted).
    existing = {(s.module_id, s.course_id): s for s in path.steps}
    path.steps = [existing.get(spec.key) or PathStep(module_id=spec.module_id, course_id=spec.course_id)
                  for spec in steps]
    for position, (row, spec) in enumerate(zip(path.steps, steps), start=1):
        row.position, row.is_required = position, spec.is_required
    session.flush()
    audit.record(session, actor, "path.update" if before else "path.create", "learning_path", path.id,
                 before=before, after=_summary(path))
    session.flush()
    return path


def load_starter(session: Session, now: datetime) -> list[LearningPath]:
    """Create the starter paths that do not exist yet (by slug), from the shipped modules and starter
    catalogue. Returns those created. Raises ValueError naming a module or course that is missing."""
    data = tomllib.loads(STARTER_FILE.read_text(encoding="utf-8"))
    created = []
    for raw in data["paths"]:
        if session.scalar(select(LearningPath.id).where(LearningPath.slug == raw["slug"])) is not None:
            continue
        steps = []
        for step in raw["steps"]:
            if "module" in step:
                module_id = session.scalar(select(Module.id).where(Module.slug == step["module"]))
                if module_id is None:
                    raise ValueError(f"starter path {raw['slug']}: module {step['module']} is not loaded")
                steps.append(StepSpec(module_id, None, step["required"]))
            else:
                course_id = session.scalar(select(CatalogueCourse.id).where(CatalogueCourse.url == step["course"]))
                if course_id is None:
                    raise ValueError(f"starter path {raw['slug']}: course {step['course']} is not in the catalogue")
                steps.append(StepSpec(None, course_id, step["required"]))
        fields = PathFields(raw["name"]["ja"], raw["name"]["en"], raw["description"]["ja"],
                            raw["description"]["en"], raw["level"], raw["accepts_self_reported"],
                            raw["revokes_level_badges"])
        path = save_path(session, None, fields, steps, actor=None, now=now)
        path.slug = raw["slug"]
        created.append(path)
    session.flush()
    return created


# -- the level badge ----------------------------------------------------------------------------------------

def held_module_credentials(session: Session, user_id: int, module_ids: list[int]) -> dict[int, Credential]:
    """The learner's issued (not revoked) badge of each of `module_ids` that they hold: the first issued."""
    held: dict[int, Credential] = {}
    for module_id, credential in session.execute(
            select(Achievement.module_id, Credential).join(Credential.achievement)
            .where(Credential.recipient_id == user_id, Credential.status == CredentialStatus.ISSUED,
                   Achievement.module_id.in_(module_ids)).order_by(Credential.issued_at, Credential.id)):
        held.setdefault(module_id, credential)
    return held


def marked_courses(session: Session, user_id: int, course_ids: list[int]) -> dict[int, CourseDone]:
    return {d.course_id: d for d in session.scalars(select(CourseDone).where(
        CourseDone.user_id == user_id, CourseDone.course_id.in_(course_ids)))}


def _course_evidence(course: CatalogueCourse, done: CourseDone) -> dict:
    return {"type": ["Evidence"], "id": course.url, "name": course.title,
            "narrative": f"自己申告: 外部講座「{course.title}」（{course.provider}）を受講（{done.done_at:%Y-%m-%d}記録）。"}


def _award_held(path: LearningPath, user_id) -> Select:
    """The learner's award of `path`, or their issued level badge of the path's level through any path:
    either way the path awards them nothing more."""
    return select(LevelAward.id).join(LevelAward.path).join(LevelAward.credential).where(
        LevelAward.user_id == user_id,
        (LevelAward.path_id == path.id) | ((LearningPath.talent_level == path.talent_level)
                                           & (Credential.status == CredentialStatus.ISSUED)))


def award_if_complete(session: Session, path: LearningPath, learner: User, *, keys: KeyStore, urls: BadgeUrls,
                      defaults: IssuerDefaults, now: datetime) -> LevelAward | None:
    """Issue the path's level badge to `learner` when they hold every required step (module badges not
    revoked; catalogue courses marked done, only if the path accepts self-reported steps), once: not again
    for this path, nor when they already hold this level's badge. Returns the new award, else None."""
    # Two badges of the same learner signed at once would each miss the other: the second waits here
    # for the first to commit, then sees it (PostgreSQL; SQLite's writers are serial already).
    session.execute(select(User.id).where(User.id == learner.id).with_for_update())
    if session.scalar(_award_held(path, learner.id)) is not None:
        return None
    modules = held_module_credentials(session, learner.id, [s.module_id for s in path.steps if s.module_id])
    courses = (marked_courses(session, learner.id, [s.course_id for s in path.steps if s.course_id])
               if path.accepts_self_reported else {})
    if any(s.is_required and s.module_id not in modules and s.course_id not in courses for s in path.steps):
        return None
    components = [modules[s.module_id] for s in path.steps if s.module_id in modules]
    evidence = [component_evidence(c, urls) for c in components] + [
        _course_evidence(s.course, courses[s.course_id]) for s in path.steps if s.course_id in courses]
    credential = create_level_credential(session, learner, path.talent_level, evidence, keys=keys, urls=urls,
                                         defaults=defaults, now=now)
    award = LevelAward(path=path, user=learner, credential=credential, awarded_at=now,
                       components=[LevelAwardComponent(credential=c) for c in components],
                       courses=[LevelAwardCourse(course_id=s.course_id) for s in path.steps if s.course_id in courses])
    session.add(award)
    session.flush()
    return award


def completing_learners(session: Session, path: LearningPath) -> list[int]:
    """Ids of the learners who hold every required step of `path` as it is saved (module badges issued;
    catalogue courses marked, if the path accepts them) and whom it has not awarded (nor has any path a
    level badge of its level that they hold). One query, however many learners."""
    required = (PathStep.path_id == path.id) & PathStep.is_required.is_(True)
    held = (select(Credential.recipient_id.label("user_id"), PathStep.id.label("step_id")).select_from(Credential)
            .join(Achievement, Achievement.id == Credential.achievement_id)
            .join(PathStep, PathStep.module_id == Achievement.module_id)
            .where(required, Credential.status == CredentialStatus.ISSUED))
    if path.accepts_self_reported:
        held = held.union_all(select(CourseDone.user_id, PathStep.id)
                              .join(PathStep, PathStep.course_id == CourseDone.course_id).where(required))
    held = held.subquery()
    return list(session.scalars(
        select(held.c.user_id).where(~_award_held(path, held.c.user_id).exists())
        .group_by(held.c.user_id)
        .having(func.count(distinct(held.c.step_id)) == sum(s.is_required for s in path.steps))
        .order_by(held.c.user_id)))


def award_completers(session: Session, path: LearningPath, *, actor: User | None, keys: KeyStore, urls: BadgeUrls,
                     defaults: IssuerDefaults, now: datetime) -> list[LevelAward]:
    """Issue the level badge of a path just saved to every learner who already holds all it requires
    (award_if_complete's rules), and audit it: the job of app.paths.awarding, after the save is committed. Returns the new awards. The queries beyond a fixed few are
    those of each award."""
    learner_ids = completing_learners(session, path)
    if not learner_ids:
        return []
    learners = session.scalars(select(User).where(User.id.in_(learner_ids)).order_by(User.id)).all()
    awards = [award for learner in learners
              if (award := award_if_complete(session, path, learner, keys=keys, urls=urls, defaults=defaults,
                                             now=now)) is not None]
    if awards:
        audit.record(session, actor, "path.award_on_save", "learning_path", path.id,
                     after={"awarded": [a.user_id for a in awards]})
        session.flush()
    return awards


def paths_with_step(session: Session, *, module_id: int | None = None, course_id: int | None = None) -> list[LearningPath]:
    query = select(LearningPath).join(PathStep).order_by(LearningPath.id)
    if module_id is not None:
        query = query.where(PathStep.module_id == module_id)
    else:
        query = query.where(PathStep.course_id == course_id, LearningPath.accepts_self_reported.is_(True))
    return list(session.scalars(query))


def flag_awards_of(session: Session, component: Credential, *, actor: User | None, now: datetime) -> list[LevelAward]:
    """A component credential was revoked: flag every level badge issued with it, and revoke those whose
    path revokes level badges with their components. Returns the awards flagged."""
    awards = list(session.scalars(select(LevelAward).join(LevelAwardComponent)
                                  .where(LevelAwardComponent.credential_id == component.id)
                                  .order_by(LevelAward.id)))
    reason = (f"構成バッジ「{component.achievement.name_ja}」が失効したため"
              f"（{component.revocation_reason}）")
    return _flag(session, awards, reason, {"component": component.uuid}, actor=actor, now=now)


def flag_awards_of_course(session: Session, learner: User, course: CatalogueCourse, *, now: datetime) -> list[LevelAward]:
    """`learner` un-marked a self-reported course: flag every level badge of theirs issued with it, and revoke
    those whose path revokes level badges with their components. Returns the awards flagged."""
    awards = list(session.scalars(select(LevelAward).join(LevelAwardCourse)
                                  .where(LevelAward.user_id == learner.id, LevelAwardCourse.course_id == course.id)
                                  .order_by(LevelAward.id)))
    reason = f"学習者が自己申告の外部講座「{course.title}」の受講記録を取り消したため"
    return _flag(session, awards, reason, {"course": course.url}, actor=learner, now=now)


def _flag(session: Session, awards: list[LevelAward], reason: str, cause: dict, *, actor: User | None,
          now: datetime) -> list[LevelAward]:
    for award in awards:
        if award.flagged_at is None:
            award.flagged_at, award.flag_reason = now, reason
            audit.record(session, actor, "path.award_flagged", "learning_path_award", award.id,
                         after={**cause, "reason": reason})
        if award.path.revokes_level_badges and award.credential.status == CredentialStatus.ISSUED:
            revoke(session, award.credential, reason=reason, actor=actor, now=now)
    session.flush()
    return awards
