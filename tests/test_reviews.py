"""Mentor reviews: scoring, deciding, and the refusals that keep two mentors from overwriting each other."""

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.db import utcnow
from app.extensions import db
from app.reviews import services
from app.reviews.models import Decision, Review, ReviewDraft
from app.submissions.models import SubmissionStatus
from app.submissions.services import submit_version


@pytest.fixture
def waiting(app, make):
    """A submission awaiting review by an assigned mentor."""
    from app.core.storage import FileStorage
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    exercise = group.module_version.exercises[0]
    version = submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=exercise,
                             body_md="回答", uploads=[], keep_attachment_ids=set(),
                             storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(),
                             max_answer_chars=1000, max_attachment_bytes=1000)
    db.session.commit()
    return learner, mentor, group, exercise, version


def _form(make, version, decision="accept", feedback="良い", **overrides):
    data = {"version_id": str(version.id), "feedback": feedback, **make.scores(version.submission.exercise)}
    data["accept" if decision == "accept" else "return_for_revision"] = "1"
    data.update(overrides)
    return data


def _reviews() -> int:
    return db.session.scalar(select(func.count(Review.id)))


def test_mentor_scores_each_criterion_and_returns_work(waiting, make, login_as):
    learner, mentor, group, exercise, version = waiting
    client = login_as(mentor)
    page = client.get(f"/review/submissions/{version.submission_id}").get_data(as_text=True)
    assert "回答" in page and "観点1" in page
    data = _form(make, version, "return", feedback="**もう少し**", **{f"criterion_{exercise.criteria[0].id}": "1"})
    assert client.post(f"/review/submissions/{version.submission_id}", data=data).status_code == 302
    review = db.session.scalar(select(Review))
    assert (review.decision, review.total_points, review.max_points) == ("returned", 7, 9)
    assert review.feedback_html == "<p><strong>もう少し</strong></p>"
    assert version.submission.status == SubmissionStatus.RETURNED


def test_review_of_a_version_that_is_no_longer_the_latest_is_refused(waiting, make, login_as, app):
    learner, mentor, group, exercise, version = waiting
    from app.core.storage import FileStorage
    submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=exercise, body_md="第2版",
                   uploads=[], keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]),
                   now=utcnow(), max_answer_chars=1000, max_attachment_bytes=1000)
    db.session.commit()
    client = login_as(mentor)
    client.post("/language", data={"locale": "en"})
    response = client.post(f"/review/submissions/{version.submission_id}", data=_form(make, version))
    assert response.status_code == 409
    assert "submitted a newer version" in response.get_data(as_text=True)
    assert _reviews() == 0
    db.session.expire_all()
    assert version.submission.status == SubmissionStatus.AWAITING_REVIEW


def test_second_mentor_cannot_silently_overwrite_the_first(waiting, make, login_as):
    learner, mentor, group, exercise, version = waiting
    second = make.user(Role.MENTOR)
    from app.cohorts.models import MentorAssignment
    db.session.add(MentorAssignment(cohort=group, user=second))
    db.session.commit()
    first_client, second_client = login_as(mentor), login_as(second)
    # Both opened the page; the first decides, then the second submits.
    assert first_client.post(f"/review/submissions/{version.submission_id}",
                             data=_form(make, version, "accept")).status_code == 302
    second_client.post("/language", data={"locale": "en"})
    response = second_client.post(f"/review/submissions/{version.submission_id}",
                                  data=_form(make, version, "return"))
    assert response.status_code == 409
    assert "Another mentor has already decided on this version" in response.get_data(as_text=True)
    db.session.expire_all()
    assert _reviews() == 1 and version.submission.status == SubmissionStatus.ACCEPTED


def test_service_refuses_a_second_decision_on_the_same_version(waiting):
    learner, mentor, group, exercise, version = waiting
    points = {c.id: 2 for c in exercise.criteria}
    services.review_version(db.session, version=version, mentor=mentor, decision=Decision.RETURNED,
                            points_by_criterion=points, feedback_md="a", now=utcnow())
    db.session.commit()
    with pytest.raises(services.AlreadyReviewed):
        services.review_version(db.session, version=version, mentor=mentor, decision=Decision.ACCEPTED,
                                points_by_criterion=points, feedback_md="b", now=utcnow())
    db.session.rollback()
    assert _reviews() == 1


@pytest.mark.parametrize("points", [{}, "too_high", "missing_one"])
def test_service_refuses_invalid_scores(waiting, points):
    learner, mentor, group, exercise, version = waiting
    valid = {c.id: 2 for c in exercise.criteria}
    bad = {"too_high": {**valid, exercise.criteria[0].id: 4},
           "missing_one": {k: v for k, v in list(valid.items())[1:]}}.get(points, {}) if points else {}
    with pytest.raises(services.InvalidScores):
        services.review_version(db.session, version=version, mentor=mentor, decision=Decision.ACCEPTED,
                                points_by_criterion=bad, feedback_md="x", now=utcnow())


def test_missing_score_and_feedback_are_refused_with_messages(waiting, make, login_as):
    learner, mentor, group, exercise, version = waiting
    client = login_as(mentor)
    client.post("/language", data={"locale": "en"})
    data = _form(make, version, feedback="")
    del data[f"criterion_{exercise.criteria[0].id}"]
    response = client.post(f"/review/submissions/{version.submission_id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a level for this criterion." in page
    assert "Write feedback so the learner knows what to do next." in page
    assert _reviews() == 0


def test_a_decision_with_feedback_that_is_too_long_is_refused_and_the_text_stays(app, waiting, make, login_as):
    learner, mentor, group, exercise, version = waiting
    limit = app.config["MAX_FEEDBACK_CHARS"]
    response = login_as(mentor).post(f"/review/submissions/{version.submission_id}",
                                     data=_form(make, version, feedback="長" * (limit + 1)))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"フィードバックが長すぎます。上限は{limit}文字です。" in page
    assert "長" * (limit + 1) in page
    assert _reviews() == 0


def test_mentor_cannot_review_other_cohort(waiting, make, login_as):
    learner, mentor, group, exercise, version = waiting
    outsider = login_as(make.user(Role.MENTOR))
    assert outsider.get(f"/review/submissions/{version.submission_id}").status_code == 404
    assert outsider.post(f"/review/submissions/{version.submission_id}", data=_form(make, version)).status_code == 404
    assert learner.display_name not in outsider.get("/review/").get_data(as_text=True)
    assert _reviews() == 0


@pytest.mark.parametrize("role", [Role.LEARNER, Role.ORGANIZER])
def test_only_mentors_open_the_review_pages(waiting, make, login_as, role):
    learner, mentor, group, exercise, version = waiting
    client = login_as(make.user(role))
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/submissions/{version.submission_id}").status_code == 403


def test_queue_lists_nearest_due_first_and_filters_by_cohort(app, make, login_as):
    from app.core.storage import FileStorage
    mentor = make.user(Role.MENTOR)
    learners = [make.user(Role.LEARNER, name=f"受講者{i}") for i in range(2)]
    early = make.cohort(make.module_version(exercises=1), learners=learners[:1], mentors=[mentor], name="早い期")
    late = make.cohort(make.module_version(exercises=1), learners=learners[1:], mentors=[mentor], name="遅い期")
    early.schedule[0].due_at = utcnow()
    db.session.commit()
    for group, learner in ((late, learners[1]), (early, learners[0])):
        submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=group.module_version.exercises[0],
                       body_md="x", uploads=[], keep_attachment_ids=set(),
                       storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(), max_answer_chars=10,
                       max_attachment_bytes=10)
    db.session.commit()
    client = login_as(mentor)
    page = client.get("/review/").get_data(as_text=True)
    assert page.index("早い期") < page.index("遅い期", page.index("<tbody>"))
    filtered = client.get(f"/review/?cohort={late.id}").get_data(as_text=True)
    body = filtered[filtered.index("<tbody>"):]
    assert "遅い期" in body and "早い期" not in body


def test_a_draft_with_a_level_of_thousands_of_digits_is_refused_not_an_error(waiting, make, login_as):
    """Python will not turn more than 4,300 digits into a number: the draft's level is refused like any
    value that is not one of the criterion's levels, and nothing is saved."""
    learner, mentor, group, exercise, version = waiting
    client = login_as(mentor)
    client.post("/language", data={"locale": "en"})
    data = {f"criterion_{exercise.criteria[0].id}": "9" * 5000, "feedback": "途中", "save_draft": "1"}
    response = client.post(f"/review/submissions/{version.submission_id}", data=data)
    assert response.status_code == 409, response.status_code
    assert "A score is not one of the rubric&#39;s levels; choose the levels again." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ReviewDraft.id))) == 0
