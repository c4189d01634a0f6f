"""Completions listen to reviews: an accepted submission may complete the module."""

from app.completions.services import record_completion_if_complete
from app.reviews.signals import submission_accepted


@submission_accepted.connect
def _on_submission_accepted(session, submission, now, **extra):
    record_completion_if_complete(session, submission.enrolment, now)
