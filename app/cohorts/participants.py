"""Enrolling participants from a CSV file (参加者名簿): parsed into rows, checked row by row, and applied
only when every row is right, so a file with mistakes changes nothing and the report says what to fix."""

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth import audit
from app.auth.models import Organization, Role, User
from app.auth.services import create_user, normalize_email
from app.cohorts.models import Cohort, Enrolment
from app.core.filetypes import decode_text
from app.core.db import column_length
from app.core.inputs import has_control_characters
from app.core.reasons import ReasonError

MAX_ROWS = 2000
# A new participant's name becomes their account's display name.
NAME_LIMIT = column_length(User.display_name)
# Column names accepted in the header, English or Japanese.
COLUMNS = {
    "email": ("email", "メールアドレス"),
    "name": ("name", "氏名"),
    "municipality_code": ("municipality_code", "市町村コード"),
}


class UnreadableFile(ReasonError):
    """not_text, no_email_column, no_rows, too_many_rows"""


@dataclass(frozen=True)
class ParticipantRow:
    line: int
    email: str
    name: str
    municipality_code: str


@dataclass
class RowResult:
    line: int
    email: str
    outcome: str  # "enrol", "invite" (new account), "already_enrolled" or "error"
    # invalid_email, duplicate, name_required, name_too_long, name_has_control_characters,
    # unknown_municipality, not_a_learner
    problem: str | None = None


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    invited: list[User] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(r.outcome == "error" for r in self.rows)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)


def parse_participants(data: bytes) -> list[ParticipantRow]:
    """Rows of a participants CSV (UTF-8, with or without BOM, or Shift_JIS as Excel saves it).
    Raises UnreadableFile."""
    text = decode_text(data)
    if text is None:
        raise UnreadableFile("not_text")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in next(reader, [])]
    positions = {}
    for key, names in COLUMNS.items():
        positions[key] = next((header.index(n) for n in names if n in header), None)
    if positions["email"] is None:
        raise UnreadableFile("no_email_column")
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        def cell(key):
            index = positions[key]
            return cells[index].strip() if index is not None and index < len(cells) else ""
        rows.append(ParticipantRow(line, cell("email"), cell("name"), cell("municipality_code")))
        if len(rows) > MAX_ROWS:
            raise UnreadableFile("too_many_rows")
    if not rows:
        raise UnreadableFile("no_rows")
    return rows


def import_participants(session: Session, cohort: Cohort, rows: list[ParticipantRow], actor: User) -> ImportReport:
    """Check every row; when all are right, enrol existing learners and create (and enrol) accounts for
    new people, who then need an invitation. With any wrong row nothing is written."""
    emails = [normalize_email(r.email) for r in rows]
    users = {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}
    codes = {r.municipality_code for r in rows if r.municipality_code}
    organizations = {o.code: o for o in session.scalars(select(Organization).where(Organization.code.in_(codes)))}
    enrolled = set(session.scalars(select(Enrolment.user_id).where(Enrolment.cohort_id == cohort.id)))
    report, seen = ImportReport(), set()
    for row, email in zip(rows, emails):
        user = users.get(email)
        problem = None
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            problem = "invalid_email"
        if problem is None and email in seen:
            problem = "duplicate"
        elif problem is None and row.municipality_code and row.municipality_code not in organizations:
            problem = "unknown_municipality"
        elif problem is None and user is None and not row.name:
            problem = "name_required"
        elif problem is None and user is None and len(row.name) > NAME_LIMIT:
            problem = "name_too_long"
        elif problem is None and user is None and has_control_characters(row.name):
            problem = "name_has_control_characters"
        elif problem is None and user is not None and user.role != Role.LEARNER:
            problem = "not_a_learner"
        seen.add(email)
        if problem:
            report.rows.append(RowResult(row.line, row.email, "error", problem))
        elif user is not None and user.id in enrolled:
            report.rows.append(RowResult(row.line, email, "already_enrolled"))
        else:
            report.rows.append(RowResult(row.line, email, "enrol" if user else "invite"))
    if report.has_errors:
        return report
    for row, result in zip(rows, report.rows):
        if result.outcome == "invite":
            organization = organizations.get(row.municipality_code)
            user = create_user(session, email=result.email, display_name=row.name, role=Role.LEARNER,
                               organization_id=organization.id if organization else None, actor=actor)
            report.invited.append(user)
            users[result.email] = user
        if result.outcome in ("invite", "enrol"):
            session.add(Enrolment(cohort=cohort, user=users[result.email]))
    session.flush()
    audit.record(session, actor, "cohort.import", "cohort", cohort.id,
                 after={"enrolled": report.count("enrol"), "invited": report.count("invite")})
    return report
