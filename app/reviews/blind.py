"""Blind review as the pages apply it (issue 13, fairness): who must not learn whose work it is, and the
neutral names under which such a viewer gets the attachments."""

from pathlib import PurePath

from flask_babel import gettext as _

from app.auth.models import Role, User
from app.reviews import fairness
from app.submissions.models import Attachment, Submission


def hides_learner(viewer: User, submission: Submission) -> bool:
    """Whether `viewer` must not see the learner's name, municipality or file names: everyone but the
    learner and organizers (who run the cohort), while the cohort reviews blind and the work is open."""
    return (viewer.role != Role.ORGANIZER and viewer.id != submission.enrolment.user_id
            and fairness.is_blind(submission))


def neutral_name(attachment: Attachment, position: int) -> str:
    """「提出物-1.pdf」: the attachment's place in its version and its file type, nothing the learner typed."""
    suffix = PurePath(attachment.filename).suffix.lower()
    return _("submission-%(n)d", n=position) + (suffix if suffix.isascii() and suffix[1:].isalnum() else "")


def position_in_version(attachment: Attachment) -> int:
    """1 for the version's first attachment (its attachments are ordered by id)."""
    return [a.id for a in attachment.submission_version.attachments].index(attachment.id) + 1
