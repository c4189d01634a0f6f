"""Enrolling participants from a CSV file (参加者名簿) in two steps: `plan_import` reads the file and
says for every row what confirming would do, writing nothing; `apply_import` does exactly that when no
row is wrong, so a file with mistakes changes nothing and importing the same file again adds nothing."""

from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import Organization, OrganizationKind, Role, User
from app.auth.municipality_codes import MunicipalityDirectory
from app.auth.services import create_user, normalize_email
from app.cohorts.models import Cohort, Enrolment, EnrolmentStatus
from app.core import previews
from app.core.db import column_length
from app.core.previews import content_hash
from app.core.inputs import has_control_characters
from app.core.reasons import ReasonError

MAX_ROWS = 2000
MAX_BYTES = 1024 * 1024
# A new participant's name becomes their account's display name.
NAME_LIMIT = column_length(User.display_name)
# Column names accepted in the header, English or Japanese. The municipality may be a code or a name.
COLUMNS = {
    "email": ("email", "メールアドレス"),
    "name": ("name", "氏名"),
    "municipality": ("municipality_code", "municipality", "市町村コード", "市町村", "市町村名"),
}


class UnreadableFile(ReasonError):
    """not_text, no_email_column, no_rows, too_many_rows, too_large"""


class Outcome:
    CREATE = "create"  # a new learner account, enrolled and invited by email
    ENROL = "enrol"  # an existing learner account, enrolled
    ALREADY_ENROLLED = "already_enrolled"
    WITHDRAWN = "withdrawn"  # enrolled but withdrawn: left as it is (re-admitting is a separate step)
    ERROR = previews.ERROR


@dataclass(frozen=True)
class ParticipantRow:
    line: int
    email: str
    name: str
    municipality: str


@dataclass
class RowPlan:
    row: ParticipantRow
    outcome: str
    # invalid_email, duplicate, name_required, name_too_long, name_has_control_characters,
    # unknown_municipality_code, unknown_municipality_name, ambiguous_municipality, not_a_learner
    problem: str | None = None
    # What the row refers to: the account (if any) and the municipality found for the row's text.
    user: User | None = None
    organization: Organization | None = None
    # The municipalities an ambiguous name could mean.
    choices: tuple[Organization, ...] = ()

    @property
    def email(self) -> str:
        return normalize_email(self.row.email)

    @property
    def refused_value(self) -> str:
        """The cell the problem is about, as it was in the file."""
        if self.problem in ("name_too_long", "name_has_control_characters"):
            return self.row.name
        if self.problem in ("unknown_municipality_code", "unknown_municipality_name", "ambiguous_municipality"):
            return self.row.municipality
        return self.row.email


class ImportPlan(previews.PreviewPlan):
    def summary(self) -> list:
        """The plan of the same file also changes when accounts or enrolments changed after the preview."""
        return [(r.row.line, r.outcome, r.email, r.user.id if r.user else None,
                 r.organization.id if r.organization else None) for r in self.rows]


@dataclass
class ImportResult:
    created: list[User] = field(default_factory=list)
    enrolled: int = 0


def parse_participants(data: bytes) -> list[ParticipantRow]:
    """Rows of a participants CSV (UTF-8, with or without BOM, or Shift_JIS as Excel saves it).
    Raises UnreadableFile."""
    positions, reader = previews.csv_columns(data, MAX_BYTES, COLUMNS, UnreadableFile)
    if positions["email"] is None:
        raise UnreadableFile("no_email_column")
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        def cell(key):
            index = positions[key]
            return cells[index].strip() if index is not None and index < len(cells) else ""
        rows.append(ParticipantRow(line, cell("email"), cell("name"), cell("municipality")))
        if len(rows) > MAX_ROWS:
            raise UnreadableFile("too_many_rows")
    if not rows:
        raise UnreadableFile("no_rows")
    return rows


def _municipalities(session: Session) -> MunicipalityDirectory:
    return MunicipalityDirectory(list(session.scalars(
        select(Organization).where(Organization.kind == OrganizationKind.MUNICIPALITY).order_by(Organization.code))))


def plan_import(session: Session, cohort: Cohort, data: bytes) -> ImportPlan:
    """What importing `data` into `cohort` would do, row by row; reads only. Raises UnreadableFile."""
    rows = parse_participants(data)
    emails = [normalize_email(r.email) for r in rows]
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}
    municipalities = _municipalities(session) if any(r.municipality for r in rows) else None
    statuses = dict(session.execute(select(Enrolment.user_id, Enrolment.status)
                                    .where(Enrolment.cohort_id == cohort.id)).all())
    plans, seen = [], set()
    for row, email in zip(rows, emails):
        plan = RowPlan(row, Outcome.ERROR, user=users.get(email))
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            plan.problem = "invalid_email"
        if plan.problem is None and email in seen:
            plan.problem = "duplicate"
        if plan.problem is None and row.municipality:
            found = municipalities.find(row.municipality)
            plan.organization, plan.problem, plan.choices = found.organization, found.problem, found.choices
        if plan.problem is None and plan.user is None:
            if not row.name:
                plan.problem = "name_required"
            elif len(row.name) > NAME_LIMIT:
                plan.problem = "name_too_long"
            elif has_control_characters(row.name):
                plan.problem = "name_has_control_characters"
        elif plan.problem is None and plan.user.role != Role.LEARNER:
            plan.problem = "not_a_learner"
        seen.add(email)
        if plan.problem is None:
            status = statuses.get(plan.user.id) if plan.user else None
            plan.outcome = {None: Outcome.ENROL if plan.user else Outcome.CREATE,
                            EnrolmentStatus.ACTIVE: Outcome.ALREADY_ENROLLED,
                            EnrolmentStatus.WITHDRAWN: Outcome.WITHDRAWN}[status]
        plans.append(plan)
    return ImportPlan(plans, content_hash(data))


def apply_import(session: Session, cohort: Cohort, plan: ImportPlan, actor: User) -> ImportResult:
    """Do what a plan without errors says: create (and enrol) an account for each new person, who then
    needs an invitation, and enrol each existing learner. Rows already enrolled change nothing."""
    if plan.has_errors:
        raise ValueError("a plan with errors is never applied")
    result = ImportResult()
    for row in plan.rows:
        user = row.user
        if row.outcome == Outcome.CREATE:
            user = create_user(session, email=row.email, display_name=row.row.name, role=Role.LEARNER,
                               organization_id=row.organization.id if row.organization else None, actor=actor)
            result.created.append(user)
        if row.outcome in (Outcome.CREATE, Outcome.ENROL):
            session.add(Enrolment(cohort=cohort, user=user))
            result.enrolled += 1
    session.flush()
    if result.enrolled:
        audit.record(session, actor, "cohort.import", "cohort", cohort.id,
                     after={"enrolled": result.enrolled, "created": len(result.created),
                            "content_hash": plan.content_hash})
    return result
