"""What the visibility pages count, in a fixed number of grouped queries whatever the size of the data.

A *holder of level L* is a person with an issued (not revoked) badge of level L: a badge of a module
whose target talent level is L, or the level-L badge of a learning path (app/paths); a completion counts when its record is not revoked. Areas: a person counts in their
organization's municipality and that municipality's subprefecture; people of a prefecture section, a
subprefecture's own office or another organization count under those, and people without an
organization under "no organization"."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, case, distinct, func, literal, select
from sqlalchemy.orm import Session

from app.auth.models import Organization, OrganizationKind, User
from app.badges.models import Achievement, Credential, CredentialStatus
from app.cohorts.models import Cohort, Enrolment
from app.completions.models import CompletionRecord
from app.content.models import Module, ModuleVersion
from app.core.timeutil import TOKYO

LEVELS = (0, 1, 2, 3)
# The order in which the prefecture lists its (general) subprefectural bureaus, by the first word of
# their English names (the organization codes are "hokkaido-<word>").
SUBPREFECTURE_ORDER = ("sorachi", "ishikari", "shiribeshi", "iburi", "hidaka", "oshima", "hiyama", "kamikawa",
                       "rumoi", "soya", "okhotsk", "tokachi", "kushiro", "nemuro")


def fiscal_year_of(moment: datetime | date) -> int:
    """Japanese fiscal years run April to March: 2026年度 is 2026-04-01 to 2027-03-31 (Tokyo)."""
    day = moment.astimezone(TOKYO).date() if isinstance(moment, datetime) else moment
    return day.year if day.month >= 4 else day.year - 1


def next_fiscal_year_starts(now: datetime) -> datetime:
    """The moment the fiscal year after the one of `now` begins: 1 April, midnight in Tokyo."""
    return datetime(fiscal_year_of(now) + 1, 4, 1, tzinfo=TOKYO)


def fiscal_year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 4, 1, tzinfo=TOKYO), datetime(year + 1, 4, 1, tzinfo=TOKYO)


@dataclass(frozen=True)
class Scope:
    """What is counted: one fiscal year (by completion and issue dates; learners by their cohort's start)
    and one cohort, or everything."""
    fiscal_year: int | None = None
    cohort_id: int | None = None


@dataclass
class Counts:
    learners: int = 0
    completions: int = 0
    holders: dict[int, int] = field(default_factory=lambda: {level: 0 for level in LEVELS})

    def add(self, other: "Counts") -> None:
        self.learners += other.learners
        self.completions += other.completions
        for level in LEVELS:
            self.holders[level] += other.holders[level]


@dataclass
class Area:
    organization: Organization | None  # None: people without an organization
    counts: Counts
    parts: list["Area"] = field(default_factory=list)  # a subprefecture's municipalities


@dataclass(frozen=True)
class AreaTable:
    subprefectures: list[Area]  # in the prefecture's order, each with its municipalities in code order
    others: list[Area]  # prefecture sections, other organizations, no organization
    total: Counts


# The talent level a badge stands for: its module's target level, or a level badge's own (it has no completion).
_badge_level = func.coalesce(ModuleVersion.target_level, Achievement.talent_level).label("badge_level")


def _issued_badges(*columns) -> Select:
    """SELECT `columns` over the issued (not revoked) badges and their holders, with `_badge_level`: module
    badges through their completion and enrolment (so a cohort scope keeps them), level badges without."""
    return (select(*columns).select_from(Credential)
            .join(Achievement, Credential.achievement_id == Achievement.id)
            .join(User, Credential.recipient_id == User.id)
            .outerjoin(CompletionRecord, Credential.completion_record_id == CompletionRecord.id)
            .outerjoin(Enrolment, CompletionRecord.enrolment_id == Enrolment.id)
            .outerjoin(ModuleVersion, CompletionRecord.module_version_id == ModuleVersion.id)
            .where(Credential.status == CredentialStatus.ISSUED))


def _scoped(query: Select, scope: Scope, moment) -> Select:
    if scope.cohort_id:
        query = query.where(Enrolment.cohort_id == scope.cohort_id)
    if scope.fiscal_year is not None:
        start, end = fiscal_year_bounds(scope.fiscal_year)
        query = query.where(moment >= start, moment < end)
    return query


def _counts_by_organization(session: Session, scope: Scope) -> dict[int | None, Counts]:
    """Three grouped queries: learners, completions and holders per level, by the person's organization.
    A person holding badges of two modules of one level counts once for that level in their organization."""
    counts: dict[int | None, Counts] = defaultdict(Counts)
    learners = _scoped(select(User.organization_id, func.count(distinct(Enrolment.user_id)))
                       .select_from(Enrolment).join(User, Enrolment.user_id == User.id)
                       .join(Cohort, Enrolment.cohort_id == Cohort.id), scope, Cohort.starts_at)
    for organization_id, n in session.execute(learners.group_by(User.organization_id)):
        counts[organization_id].learners = n
    completions = _scoped(select(User.organization_id, func.count(CompletionRecord.id))
                          .select_from(CompletionRecord).join(Enrolment, CompletionRecord.enrolment_id == Enrolment.id)
                          .join(User, Enrolment.user_id == User.id).where(CompletionRecord.revoked_at.is_(None)),
                          scope, CompletionRecord.completed_at)
    for organization_id, n in session.execute(completions.group_by(User.organization_id)):
        counts[organization_id].completions = n
    holders = _scoped(_issued_badges(User.organization_id, _badge_level, func.count(distinct(Credential.recipient_id))),
                      scope, Credential.issued_at)
    for organization_id, level, n in session.execute(holders.group_by(User.organization_id, _badge_level)):
        counts[organization_id].holders[level] = n
    return counts


def _subprefecture_rank(organization: Organization) -> tuple[int, str]:
    word = (organization.code or "").removeprefix("hokkaido-")
    return (SUBPREFECTURE_ORDER.index(word) if word in SUBPREFECTURE_ORDER else len(SUBPREFECTURE_ORDER),
            organization.code or "")


def area_table(session: Session, scope: Scope) -> AreaTable:
    """Every subprefecture with its municipalities (all of them, counted or not), then the other
    organizations that have people counted, and the total. Four queries."""
    counts = _counts_by_organization(session, scope)
    organizations = session.scalars(select(Organization)).all()
    subprefectures = sorted((o for o in organizations if o.kind == OrganizationKind.SUBPREFECTURE),
                            key=_subprefecture_rank)
    by_parent: dict[int, list[Organization]] = defaultdict(list)
    for organization in organizations:
        if organization.kind == OrganizationKind.MUNICIPALITY and organization.parent_id:
            by_parent[organization.parent_id].append(organization)
    areas, placed = [], set()
    for subprefecture in subprefectures:
        own = Counts()
        own.add(counts.get(subprefecture.id, Counts()))  # the bureau's own staff
        area = Area(subprefecture, own)
        placed.add(subprefecture.id)
        for municipality in sorted(by_parent[subprefecture.id], key=lambda o: o.code or ""):
            part = Area(municipality, counts.get(municipality.id, Counts()))
            area.parts.append(part)
            area.counts.add(part.counts)
            placed.add(municipality.id)
        areas.append(area)
    named = {o.id: o for o in organizations}
    others = [Area(named.get(organization_id), c) for organization_id, c in counts.items()
              if organization_id not in placed]
    others.sort(key=lambda a: (a.organization is None, a.organization.code or "" if a.organization else "",
                               a.organization.name_ja if a.organization else ""))
    total = Counts()
    for area in areas + others:
        total.add(area.counts)
    return AreaTable(areas, others, total)


@dataclass(frozen=True)
class YearRow:
    fiscal_year: int
    completions: int
    new_holders: dict[int, int]  # people whose badge of that level was issued that year


def by_fiscal_year(session: Session, years: list[int], cohort_id: int | None = None) -> list[YearRow]:
    """Completions and badges issued per fiscal year and level (two queries: each row is placed in its
    year by a CASE over the years' bounds, so that both engines group alike)."""
    if not years:
        return []

    def year_of(moment):
        return case(*((and_(moment >= fiscal_year_bounds(y)[0], moment < fiscal_year_bounds(y)[1]), literal(y))
                      for y in years), else_=literal(None))

    scope = Scope(cohort_id=cohort_id)
    completed = year_of(CompletionRecord.completed_at).label("fy")
    completions = dict(session.execute(_scoped(
        select(completed, func.count(CompletionRecord.id)).select_from(CompletionRecord)
        .join(Enrolment, CompletionRecord.enrolment_id == Enrolment.id)
        .where(CompletionRecord.revoked_at.is_(None)), scope, None).group_by(completed)).all())
    issued = year_of(Credential.issued_at).label("fy")
    holders: dict[int, dict[int, int]] = defaultdict(dict)
    for year, level, n in session.execute(_scoped(
            _issued_badges(issued, _badge_level, func.count(distinct(Credential.recipient_id))), scope, None)
            .group_by(issued, _badge_level)):
        if year is not None:
            holders[year][level] = n
    return [YearRow(y, completions.get(y, 0), {level: holders[y].get(level, 0) for level in LEVELS})
            for y in years]


def fiscal_years(session: Session, today: date) -> list[int]:
    """From the fiscal year of the first cohort to this one, newest first."""
    first = session.scalar(select(func.min(Cohort.starts_at)))
    start = fiscal_year_of(first) if first else fiscal_year_of(today)
    return list(range(fiscal_year_of(today), start - 1, -1))


@dataclass(frozen=True)
class Coverage:
    """Who lacks a level-1 (or higher) holder: municipalities by subprefecture, and prefecture sections."""
    municipalities_total: int
    municipalities_uncovered: list[tuple[Organization, list[Organization]]]  # (subprefecture, municipalities)
    sections_total: int
    sections_uncovered: list[Organization]

    @property
    def municipalities_covered(self) -> int:
        return self.municipalities_total - sum(len(m) for _, m in self.municipalities_uncovered)

    @property
    def sections_covered(self) -> int:
        return self.sections_total - len(self.sections_uncovered)


def coverage(session: Session, minimum_level: int = 1) -> Coverage:
    """Two queries: the organizations whose people hold a badge of `minimum_level` or above, and all
    municipalities, subprefectures and prefecture sections."""
    covered = set(session.scalars(_issued_badges(distinct(User.organization_id)).where(_badge_level >= minimum_level)))
    organizations = session.scalars(select(Organization).where(Organization.kind.in_(
        [OrganizationKind.SUBPREFECTURE, OrganizationKind.MUNICIPALITY, OrganizationKind.PREFECTURE_SECTION]))).all()
    municipalities = [o for o in organizations if o.kind == OrganizationKind.MUNICIPALITY]
    sections = sorted((o for o in organizations if o.kind == OrganizationKind.PREFECTURE_SECTION),
                      key=lambda o: (o.code or "", o.name_ja))
    uncovered_by_parent: dict[int | None, list[Organization]] = defaultdict(list)
    for municipality in sorted(municipalities, key=lambda o: o.code or ""):
        if municipality.id not in covered:
            uncovered_by_parent[municipality.parent_id].append(municipality)
    subprefectures = sorted((o for o in organizations if o.kind == OrganizationKind.SUBPREFECTURE),
                            key=_subprefecture_rank)
    uncovered = [(s, uncovered_by_parent[s.id]) for s in subprefectures if uncovered_by_parent.get(s.id)]
    return Coverage(len(municipalities), uncovered, len(sections), [s for s in sections if s.id not in covered])


@dataclass(frozen=True)
class TrainingRecord:
    """One line of the HR export: a completion and its badge."""
    email: str
    name: str
    organization_code: str | None
    organization_ja: str | None
    module_slug: str
    module_title_ja: str
    module_version: int
    level: int
    cohort: str
    completed_at: datetime
    total_points: int
    max_points: int
    revoked_at: datetime | None
    credential_uuid: str | None
    credential_status: str | None
    issued_at: datetime | None


def training_records(session: Session, scope: Scope) -> Iterator[TrainingRecord]:
    """Every completion (revoked ones too, marked) with its badge, person by person, streamed in batches."""
    query = _scoped(
        select(User.email, User.display_name, Organization.code, Organization.name_ja, Module.slug,
               ModuleVersion.title_ja, ModuleVersion.number, ModuleVersion.target_level, Cohort.name,
               CompletionRecord.completed_at, CompletionRecord.total_points, CompletionRecord.max_points,
               CompletionRecord.revoked_at, Credential.uuid, Credential.status, Credential.issued_at)
        .select_from(CompletionRecord).join(Enrolment, CompletionRecord.enrolment_id == Enrolment.id)
        .join(User, Enrolment.user_id == User.id).outerjoin(Organization, User.organization_id == Organization.id)
        .join(Cohort, Enrolment.cohort_id == Cohort.id)
        .join(ModuleVersion, CompletionRecord.module_version_id == ModuleVersion.id)
        .join(Module, ModuleVersion.module_id == Module.id)
        .outerjoin(Credential, Credential.completion_record_id == CompletionRecord.id),
        scope, CompletionRecord.completed_at).order_by(User.email, CompletionRecord.completed_at, CompletionRecord.id)
    result = session.execute(query.execution_options(yield_per=500))
    try:
        for row in result:
            yield TrainingRecord(*row)
    finally:
        # Also when the download stops half way (the client gone): PostgreSQL's server-side cursor is closed
        # here, not left to the garbage collector.
        result.close()
