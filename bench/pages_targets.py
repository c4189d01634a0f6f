"""Which rows bench/pages.py opens: read from the generated database with the app's own models."""

from urllib.parse import quote

from sqlalchemy import func, select

from app import create_app
from app.auth.models import Role, User
from app.badges.models import Credential, CredentialStatus
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.core.timeutil import utcnow
from app.extensions import db
from app.seed import services as seed
from app.submissions.models import Submission, SubmissionStatus


def _awaiting_in_open_cohorts(now):
    return (select(Submission.id, Enrolment.user_id, Enrolment.cohort_id, Submission.exercise_id)
            .join(Enrolment, Submission.enrolment_id == Enrolment.id).join(Cohort, Enrolment.cohort_id == Cohort.id)
            .where(Submission.status == SubmissionStatus.AWAITING_REVIEW, Cohort.starts_at <= now,
                   Cohort.ends_at > now).order_by(Submission.id))


def pick_targets() -> dict:
    """The targets in the database the app is configured with (see targets_in)."""
    with create_app().app_context():
        return targets_in(db.session, utcnow())


def targets_in(session, now) -> dict:
    """The biggest cohort; a learner (pages) and another learner (submits) with work awaiting review in an
    open cohort; the mentor with the longest queue and a submission in it; an organizer; an issued badge."""
    biggest = session.execute(select(Enrolment.cohort_id, func.count()).group_by(Enrolment.cohort_id)
                              .order_by(func.count().desc(), Enrolment.cohort_id).limit(1)).one()[0]
    awaiting = session.execute(_awaiting_in_open_cohorts(now).limit(2)).all()
    if len(awaiting) < 2:
        raise SystemExit("the data has fewer than two submissions awaiting review in open cohorts")
    learner, submitter = awaiting
    queue = (select(MentorAssignment.user_id, func.count())
             .join(Enrolment, Enrolment.cohort_id == MentorAssignment.cohort_id)
             .join(Submission, Submission.enrolment_id == Enrolment.id)
             .where(Submission.status == SubmissionStatus.AWAITING_REVIEW)
             .group_by(MentorAssignment.user_id).order_by(func.count().desc(), MentorAssignment.user_id).limit(1))
    mentor_id, queue_length = session.execute(queue).one()
    review = session.scalar(
        select(Submission.id).join(Enrolment, Submission.enrolment_id == Enrolment.id)
        .join(MentorAssignment, MentorAssignment.cohort_id == Enrolment.cohort_id)
        .where(MentorAssignment.user_id == mentor_id, Submission.status == SubmissionStatus.AWAITING_REVIEW,
               Submission.id != submitter.id).order_by(Submission.id).limit(1))
    credential = session.scalar(select(Credential.uuid).where(Credential.status == CredentialStatus.ISSUED)
                                .order_by(Credential.id).limit(1))
    email = {u.id: u.email for u in session.execute(select(User.id, User.email).where(
        User.id.in_([learner.user_id, submitter.user_id, mentor_id])))}
    organizer = session.scalar(select(User.email).where(User.role == Role.ORGANIZER,
                                                        User.email.like(f"%@{seed.EMAIL_DOMAIN}"))
                               .order_by(User.id).limit(1))
    enrolments = session.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.cohort_id == biggest))
    return {"password": seed.PASSWORD, "biggest_cohort_id": biggest, "biggest_cohort_enrolments": enrolments,
            "learner_email": email[learner.user_id], "learner_cohort_id": learner.cohort_id,
            "learner_exercise_id": learner.exercise_id,
            "submitter_email": email[submitter.user_id], "submitter_cohort_id": submitter.cohort_id,
            "submitter_exercise_id": submitter.exercise_id, "submitter_submission_id": submitter.id,
            "mentor_email": email[mentor_id], "mentor_queue_length": queue_length, "review_submission_id": review,
            "organizer_email": organizer, "credential_uuid": credential}


# A word of many catalogue courses' titles, as a learner types it in the search box (percent-encoded for wrk).
CATALOGUE_SEARCH = "/catalogue/?q=" + quote("データ")


def page_paths(targets: dict) -> dict[str, tuple[str, str]]:
    """The pages bench/pages.py measures with GET (floors aside), each with who opens it: the issue's nine,
    the role homes, and the pages of later issues (the catalogue's search, the learner's record, the map and
    the exports). tests/test_query_budgets.py counts their queries."""
    cohort, exercise, uuid = targets["learner_cohort_id"], targets["learner_exercise_id"], targets["credential_uuid"]
    biggest = targets["biggest_cohort_id"]
    return {
        "learner dashboard": ("learner", "/"),
        "mentor home": ("mentor", "/"),
        "organizer home": ("organizer", "/"),
        "module overview": ("learner", f"/cohorts/{cohort}/"),
        "exercise page": ("learner", f"/cohorts/{cohort}/exercises/{exercise}"),
        "mentor queue": ("mentor", "/review/"),
        "review page": ("mentor", f"/review/submissions/{targets['review_submission_id']}"),
        "organizer progress (biggest)": ("organizer", f"/manage/progress/cohorts/{biggest}"),
        "organizer cohorts index": ("organizer", "/manage/cohorts/"),
        "public badge page": ("visitor", f"/c/{uuid}"),
        "credential JSON": ("visitor", f"/c/{uuid}/credential.json"),
        "catalogue search": ("learner", CATALOGUE_SEARCH),
        "learner record": ("learner", "/me/record"),
        "visibility map": ("organizer", "/manage/visibility/"),
        "visibility coverage": ("organizer", "/manage/visibility/coverage"),
        "progress export CSV": ("organizer", f"/manage/progress/cohorts/{biggest}/export.csv"),
        "progress export Excel": ("organizer", f"/manage/progress/cohorts/{biggest}/export.xlsx"),
        "areas CSV": ("organizer", "/manage/visibility/areas.csv"),
        "training records CSV": ("organizer", "/manage/visibility/training-records.csv"),
    }


def version_count(submission_id: int) -> int:
    """How many versions the submission has: the submits that were stored."""
    with create_app().app_context():
        return db.session.scalar(select(Submission.latest_version_number).where(Submission.id == submission_id))
