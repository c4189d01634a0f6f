"""The case library as readers see it. Every read of a case goes through `is_public`: published, and every
author's consent is CONSENTED right now. A withdrawn consent hides the case from the very next query."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.auth.models import User
from app.cases.models import CaseConsent, CaseNomination, ConsentState
from app.cohorts.models import Enrolment
from app.content.models import Exercise, Module, ModuleVersion
from app.submissions.models import Attachment, Submission, SubmissionVersion

PAGE_SIZE = 20
QUERY_LIMIT = 100


def is_public() -> ColumnElement[bool]:
    """A case the library shows: published, with no author who has not consented (asked, declined or
    withdrawn)."""
    return and_(CaseNomination.published_at.is_not(None),
                ~exists().where(CaseConsent.nomination_id == CaseNomination.id,
                                CaseConsent.state != ConsentState.CONSENTED))


@dataclass(frozen=True)
class Author:
    """How a case names one author: their name and municipality, or None for 「匿名」."""
    name: str | None
    organization: str | None


def authors(nomination: CaseNomination, locale: str) -> list[Author]:
    """The authors as each chose to be shown (in the order they were asked)."""
    shown = []
    for consent in nomination.consents:
        if consent.shows_name:
            organization = consent.user.organization
            shown.append(Author(consent.user.display_name, organization.name(locale) if organization else None))
        else:
            shown.append(Author(None, None))
    return shown


@dataclass(frozen=True)
class Filters:
    module: str | None = None  # a module's slug
    exercise: str | None = None  # an exercise's slug within that module
    words: str = ""


@dataclass(frozen=True)
class Library:
    cases: list[CaseNomination]
    total: int
    number: int
    pages: int
    modules: list[tuple[str, ModuleVersion]]  # (slug, its latest version with a case) to filter by
    exercises: list[Exercise]  # of the chosen module, to filter by


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _public_cases():
    return (select(CaseNomination)
            .join(Submission, Submission.id == CaseNomination.submission_id)
            .join(Exercise, Exercise.id == Submission.exercise_id)
            .join(ModuleVersion, ModuleVersion.id == Exercise.module_version_id)
            .join(Module, Module.id == ModuleVersion.module_id)
            .join(SubmissionVersion, SubmissionVersion.id == CaseNomination.submission_version_id)
            .where(is_public()))


def library(session: Session, filters: Filters, page: int = 1) -> Library:
    """Public cases, newest first, filtered by module, exercise and words (each word in the exercise's
    title, the answer or the nominator's note); a page at a time, in a fixed number of queries."""
    statement = _public_cases()
    if filters.module:
        statement = statement.where(Module.slug == filters.module)
        if filters.exercise:
            statement = statement.where(Exercise.slug == filters.exercise)
    for word in filters.words[:QUERY_LIMIT].split():
        pattern = _like(word)
        statement = statement.where(or_(*(column.ilike(pattern, escape="\\") for column in (
            Exercise.title_ja, Exercise.title_en, SubmissionVersion.body_md, CaseNomination.note))))
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(page, 1), pages)
    cases = list(session.scalars(
        statement.order_by(CaseNomination.published_at.desc(), CaseNomination.id.desc())
        .offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        .options(joinedload(CaseNomination.submission).joinedload(Submission.exercise)
                 .joinedload(Exercise.module_version),
                 selectinload(CaseNomination.consents).joinedload(CaseConsent.user).joinedload(User.organization))))
    # By id, then the rows: DISTINCT cannot compare their JSON columns on PostgreSQL.
    version_ids = _public_cases().with_only_columns(ModuleVersion.id).distinct()
    versions = session.scalars(select(ModuleVersion).where(ModuleVersion.id.in_(version_ids))
                               .order_by(ModuleVersion.id.desc()).options(joinedload(ModuleVersion.module)))
    modules: dict[str, ModuleVersion] = {}
    for version in versions:
        modules.setdefault(version.module.slug, version)
    exercises: list[Exercise] = []
    if filters.module:
        exercise_ids = _public_cases().with_only_columns(Exercise.id).where(Module.slug == filters.module)
        seen = set()
        for exercise in session.scalars(select(Exercise).where(Exercise.id.in_(exercise_ids))
                                        .order_by(Exercise.position, Exercise.id.desc())):
            if exercise.slug not in seen:
                seen.add(exercise.slug)
                exercises.append(exercise)
    return Library(cases=cases, total=total, number=number, pages=pages,
                   modules=sorted(modules.items(), key=lambda item: item[1].title_ja), exercises=exercises)


def public_case(session: Session, case_id: int) -> CaseNomination | None:
    """The case, if the library shows it now."""
    return session.scalar(_public_cases().where(CaseNomination.id == case_id).options(
        joinedload(CaseNomination.submission_version).selectinload(SubmissionVersion.attachments),
        selectinload(CaseNomination.consents).joinedload(CaseConsent.user).joinedload(User.organization)))


def public_attachment(session: Session, case_id: int, attachment_id: int) -> Attachment | None:
    """One attachment of the accepted version of a case the library shows now; None for anything else."""
    return session.scalar(select(Attachment)
                          .join(CaseNomination, CaseNomination.submission_version_id == Attachment.submission_version_id)
                          .where(Attachment.id == attachment_id, CaseNomination.id == case_id, is_public()))


def nomination_of_submission(session: Session, submission_id: int) -> CaseNomination | None:
    return session.scalar(select(CaseNomination).where(CaseNomination.submission_id == submission_id)
                          .options(selectinload(CaseNomination.consents)))


@dataclass(frozen=True)
class NominationRow:
    nomination: CaseNomination
    state: str  # "asked", "declined" (someone declined or withdrew), "consented", "published"


def state_of(nomination: CaseNomination) -> str:
    states = {c.state for c in nomination.consents}
    if states & {ConsentState.DECLINED, ConsentState.WITHDRAWN}:
        return "declined"
    if ConsentState.ASKED in states:
        return "asked"
    return "published" if nomination.published_at is not None else "consented"


def nominations(session: Session) -> list[NominationRow]:
    """Every nomination with its state, newest first: the organizers' list."""
    rows = session.scalars(
        select(CaseNomination).order_by(CaseNomination.nominated_at.desc(), CaseNomination.id.desc())
        .options(joinedload(CaseNomination.submission).joinedload(Submission.exercise),
                 joinedload(CaseNomination.submission).joinedload(Submission.enrolment).joinedload(Enrolment.cohort),
                 joinedload(CaseNomination.nominated_by),
                 selectinload(CaseNomination.consents).joinedload(CaseConsent.user)))
    return [NominationRow(n, state_of(n)) for n in rows]


def consents_asked_of(session: Session, user_id: int) -> int:
    """How many nominations of a person's work still wait for their answer (their home asks them)."""
    return session.scalar(select(func.count()).select_from(CaseConsent).where(
        CaseConsent.user_id == user_id, CaseConsent.state == ConsentState.ASKED))


def consents_of_user(session: Session, user_id: int) -> list[CaseConsent]:
    """A person's answers to nominations of their work, newest nomination first (their settings)."""
    return list(session.scalars(
        select(CaseConsent).join(CaseNomination).where(CaseConsent.user_id == user_id)
        .order_by(CaseNomination.nominated_at.desc(), CaseConsent.id.desc())
        .options(joinedload(CaseConsent.nomination).joinedload(CaseNomination.submission)
                 .joinedload(Submission.exercise),
                 joinedload(CaseConsent.nomination).selectinload(CaseNomination.consents))))


@dataclass(frozen=True)
class ExportRow:
    case_id: int
    module: str
    exercise: str
    authors: str
    note: str
    published_at: datetime


def export_rows(session: Session, locale: str, anonymous: str) -> list[ExportRow]:
    """The library as a table (the organizers' CSV): public cases only, names as their authors chose."""
    cases = session.scalars(_public_cases().order_by(CaseNomination.published_at, CaseNomination.id).options(
        joinedload(CaseNomination.submission).joinedload(Submission.exercise).joinedload(Exercise.module_version),
        selectinload(CaseNomination.consents).joinedload(CaseConsent.user).joinedload(User.organization)))
    return [ExportRow(case_id=n.id, module=n.submission.exercise.module_version.title(locale),
                      exercise=n.submission.exercise.title(locale),
                      authors="、".join(f"{a.name}（{a.organization}）" if a.name and a.organization
                                       else a.name or anonymous for a in authors(n, locale)),
                      note=n.note, published_at=n.published_at)
            for n in cases]
