"""Reviews listen to submissions: new work of a cohort that assigns automatically goes to a mentor at once."""

from app.reviews import claims
from app.submissions.signals import version_submitted


@version_submitted.connect
def _assign_on_arrival(session, version, now, **extra):
    claims.assign_on_arrival(session, submission=version.submission, now=now)
