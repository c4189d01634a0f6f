"""What the pages read about completion records."""

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.completions.models import CompletionRecord


def records_by_enrolment(session: Session, enrolment_ids: Collection[int]) -> dict[int, CompletionRecord]:
    """The completion record of each enrolment that has one, in one query (an enrolment belongs to one
    cohort, hence one module version, so it has at most one record)."""
    return {record.enrolment_id: record for record in session.scalars(
        select(CompletionRecord).where(CompletionRecord.enrolment_id.in_(enrolment_ids)))}
