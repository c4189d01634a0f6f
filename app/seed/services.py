"""`flask seed scale`: users, cohorts and their work at a size from sizes.SIZES, and the course catalogue,
written with bulk inserts (one statement per table and cohort). Deterministic: the same seed and `now` give the same
rows, except what must be secret or fresh (password hash salt, signing key, so signatures).

One data set per database: a second run is refused (ScaleDataExists); start from an empty database
to generate another size. Organizations and modules must be loaded first (`flask orgs
load-municipalities`, `flask content sync`). Nothing is written to the audit log: no staff acted."""

import random
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import Organization, OrganizationKind, Role, User
from app.auth.passwords import hash_password
from app.badges import documents
from app.badges.achievements import ensure_module_achievement
from app.badges.issuers import IssuerDefaults, ensure_issuer
from app.badges.keys import KeyStore
from app.badges.urls import BadgeUrls
from app.cohorts.models import Cohort, CohortStatus, Enrolment, MentorAssignment, ScheduledExercise
from app.content.models import ModuleVersion, Question
from app.content.services import current_module_versions
from app.seed.catalogue import write_catalogue
from app.seed.journeys import DAY, CohortFrame, CriterionSpec, ExerciseSpec, QuestionSpec
from app.seed.signing import Signer
from app.seed.sizes import Size
from app.seed.work import Bulk, CohortWork, WorkWriter

EMAIL_DOMAIN = "scale.example.jp"
PASSWORD = "enshu-scale-2026"
_SURNAMES = ("佐藤", "高橋", "佐々木", "鈴木", "伊藤", "田中", "渡辺", "工藤", "斉藤", "吉田", "中村", "小林",
             "加藤", "山本", "阿部", "山田", "菊地", "石井", "松本", "村上", "近藤", "木村", "林", "清水")
_GIVEN_NAMES = ("さくら", "健", "みどり", "海斗", "あおい", "翔太", "結衣", "大輔", "美咲", "拓也", "陽菜", "直樹",
                "千尋", "悠真", "花子", "一郎", "彩", "蓮", "真央", "航")


class SeedRefused(Exception):
    """The database is not ready for scale data, or has some already; nothing was written."""


class ScaleDataExists(SeedRefused):
    pass


@dataclass
class ScaleReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    signed: int = 0
    signing_seconds: float = 0.0


def email(role: str, number: int) -> str:
    """The generated account of `role` numbered from 1: learner00001@scale.example.jp."""
    width = {"learner": 5, "mentor": 3, "organizer": 2}[role]
    return f"{role}{number:0{width}d}@{EMAIL_DOMAIN}"


def exercise_specs(version: ModuleVersion) -> list[ExerciseSpec]:
    return [ExerciseSpec(
        id=e.id, slug=e.slug, title_ja=e.title_ja, title_en=e.title_en, is_required=e.is_required, weight=e.weight,
        pass_threshold=e.pass_threshold, unlock_after_slug=e.unlock_after_slug, unlock_when=e.unlock_when,
        unlock_days_after_start=e.unlock_days_after_start,
        criteria=tuple(CriterionSpec(c.id, tuple(sorted(level.points for level in c.levels))) for c in e.criteria),
        questions=tuple(_question_spec(q) for q in e.questions))
        for e in version.exercises]


def _question_spec(question: Question) -> QuestionSpec:
    handler = question.handler
    right = handler.parse(question, handler.sample_answer(question, right=True))
    wrong = handler.parse(question, handler.sample_answer(question, right=False))
    if not handler.is_correct(question, right):
        raise SeedRefused(f"the sample answer of question {question.slug} is not right")
    return QuestionSpec(question.id, question.points, right, wrong, handler.is_correct(question, wrong))


def _check_ready(session: Session) -> tuple[list[int], list[Organization], list[ModuleVersion]]:
    if session.scalar(select(func.count(User.id)).where(User.email.like(f"%@{EMAIL_DOMAIN}"))):
        raise ScaleDataExists("the database has scale data already; generate into an empty database")
    municipalities = list(session.scalars(select(Organization.id).where(
        Organization.kind == OrganizationKind.MUNICIPALITY).order_by(Organization.id)))
    regions = list(session.scalars(select(Organization).where(
        Organization.kind == OrganizationKind.SUBPREFECTURE).order_by(Organization.id)))
    versions = sorted(current_module_versions(session), key=lambda v: v.module.slug)
    if not municipalities or not regions:
        raise SeedRefused("no municipalities: run `flask orgs load-municipalities` first")
    if not versions:
        raise SeedRefused("no modules: run `flask content sync` first")
    return municipalities, regions, versions


def _people(bulk: Bulk, rng: random.Random, size: Size, municipalities: list[int],
            now: datetime) -> dict[str, list[int]]:
    """Learners spread over the municipalities, mentors and organizers; all with PASSWORD."""
    password_hash = hash_password(PASSWORD)   # one hash for all: argon2 takes 50 ms each
    ids = {}
    for role, count in ((Role.LEARNER, size.learners), (Role.MENTOR, size.mentors),
                        (Role.ORGANIZER, size.organizers)):
        rows = [{"email": email(str(role), n), "display_name": f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN_NAMES)}",
                 "password_hash": password_hash, "role": str(role), "locale": "en" if rng.random() < 0.1 else "ja",
                 "is_active_account": True,
                 "organization_id": rng.choice(municipalities) if role == Role.LEARNER else None,
                 "created_at": now - rng.uniform(400, 2000) * DAY, "last_login_at": None,
                 "publishes_badge_evidence": rng.random() < 0.3,
                 "session_token": "%032x" % rng.getrandbits(128)} for n in range(1, count + 1)]
        ids[str(role)] = bulk.ids(User, rows)
    return ids


def _cohort_frames(rng: random.Random, size: Size, now: datetime) -> list[tuple[int, datetime, datetime]]:
    """(years ago, starts, ends) per cohort: the first is the current biggest one."""
    frames = []
    for index in range(size.cohorts):
        years_ago = 0 if index == 0 else index % size.years
        if years_ago == 0:
            starts_at = now - (75 if index == 0 else rng.uniform(10, 100)) * DAY
            frames.append((0, starts_at, starts_at + 150 * DAY))
        else:
            starts_at = now - (365 * years_ago + rng.uniform(0, 200)) * DAY
            frames.append((years_ago, starts_at, starts_at + 120 * DAY))
    return frames


def _cohort_sizes(size: Size) -> list[int]:
    rest, others = size.enrolments - size.biggest_cohort, size.cohorts - 1
    return [size.biggest_cohort] + [rest // others + (1 if i < rest % others else 0) for i in range(others)]


def module_for_cohort(rng: random.Random, versions: list[ModuleVersion]) -> ModuleVersion:
    """Short modules run more often (the basics every year in every region): a module's chance goes
    with 1 / exercises²."""
    return rng.choices(versions, weights=[1 / len(v.exercises) ** 2 for v in versions])[0]


@dataclass(frozen=True)
class _Setting:
    """What every cohort of a run draws on."""
    size: Size
    people: dict[str, list[int]]
    regions: list[Organization]
    versions: list[ModuleVersion]
    specs: dict[int, list[ExerciseSpec]]
    now: datetime


def _cohort(bulk: Bulk, rng: random.Random, setting: _Setting, index: int, frame: tuple[int, datetime, datetime],
            learners: int) -> CohortWork:
    """One cohort with its schedule, mentors and enrolments; its work is written by WorkWriter."""
    years_ago, starts_at, ends_at = frame
    size, people, now = setting.size, setting.people, setting.now
    # The biggest cohort works on the module with the most exercises: the widest progress table.
    version = (max(setting.versions, key=lambda v: (len(v.exercises), -v.id)) if index == 0
               else module_for_cohort(rng, setting.versions))
    region = setting.regions[index % len(setting.regions)]
    mentors = rng.sample(people["mentor"], min(size.mentors_per_cohort, len(people["mentor"])))
    # The programme's lead mentor (mentor001) reviews in every open cohort too: the longest queue.
    if years_ago == 0 and people["mentor"][0] not in mentors:
        mentors.append(people["mentor"][0])
    fiscal_year = (now.year if now.month >= 4 else now.year - 1) - years_ago
    name = f"{fiscal_year}年度 {version.title_ja} {region.name_ja} 第{index + 1}期"
    need_approval = years_ago == 0 and index > 0 and rng.random() < 0.1
    cohort_id = bulk.ids(Cohort, [{
        "name": name, "module_version_id": version.id, "starts_at": starts_at, "ends_at": ends_at,
        "created_by_id": rng.choice(people["organizer"]), "created_at": starts_at - 30 * DAY,
        "badges_need_approval": need_approval,
        "status": CohortStatus.CLOSED if ends_at <= now else CohortStatus.RUNNING if starts_at <= now else CohortStatus.OPEN,
    }])[0]
    bulk.rows(ScheduledExercise.__table__, [
        {"cohort_id": cohort_id, "exercise_id": e.id, "due_at": min(ends_at, starts_at + (14 * i + 21) * DAY)}
        for i, e in enumerate(version.exercises)])
    bulk.rows(MentorAssignment.__table__, [
        {"cohort_id": cohort_id, "user_id": m, "assigned_at": starts_at - 14 * DAY} for m in mentors])
    learner_ids = rng.sample(people["learner"], learners)
    enrolment_ids = bulk.ids(Enrolment, [
        {"cohort_id": cohort_id, "user_id": u, "enrolled_at": starts_at - 7 * DAY} for u in learner_ids])
    return CohortWork(cohort_id, name, version, setting.specs[version.id],
                      CohortFrame(starts_at, ends_at, tuple(mentors), is_current=years_ago == 0), enrolment_ids,
                      learner_ids, need_approval)


def generate(session: Session, size: Size, *, seed: int, now: datetime, keys: KeyStore, urls: BadgeUrls,
             defaults: IssuerDefaults, jobs: int = 1) -> ScaleReport:
    """Write a data set of `size` (`jobs` processes sign credentials). Flushes only; the caller commits.
    Raises SeedRefused."""
    started = time.perf_counter()
    municipalities, regions, versions = _check_ready(session)
    rng = random.Random(seed)
    report = ScaleReport()
    bulk = Bulk(session)
    setting = _Setting(size, _people(bulk, rng, size, municipalities, now), regions, versions,
                       {v.id: exercise_specs(v) for v in versions}, now)
    issuer = ensure_issuer(session, keys, defaults)
    achievements = {v.id: ensure_module_achievement(session, issuer, v) for v in versions}
    key = issuer.signing_key
    signer = Signer(keys.private_key(key.public_key_multibase), documents.verification_method(key, urls), jobs)
    writer = WorkWriter(bulk, signer, urls, issuer, achievements, report)
    try:
        for index, (frame, learners) in enumerate(zip(_cohort_frames(rng, size, now), _cohort_sizes(size))):
            writer.write(rng, _cohort(bulk, rng, setting, index, frame, learners), now)
    finally:
        signer.close()
    writer.finish()
    write_catalogue(bulk, rng, setting.people[str(Role.LEARNER)], now)
    report.counts.update(bulk.counts)
    report.seconds = time.perf_counter() - started
    return report
