"""The mentor's workbench (issue 13): claims and their races, stale reviews, stepping through the queue,
the running total, images, auto-checked answers, the feedback preview, and the mentor's and a learner's
history."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.models import AuditEntry, Role, User
from app.autocheck.models import QuestionAttempt
from app.cohorts.models import MentorAssignment
from app.cohorts.services import NotAMentor
from app.content.models import Question
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.reviews import claims, history
from app.reviews.models import Decision, Review, ReviewClaim
from app.reviews.services import review_version
from app.submissions.models import Attachment, Submission, SubmissionStatus
from app.submissions.services import submit_version
from tests.test_concurrency import at_once, login_as_client
from tests.test_query_budgets import QUERY_BUDGET, _queries


def _submit(app, make, group, learner, exercise, body="回答", now=None):
    version = submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=exercise, body_md=body,
                             uploads=[], keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]),
                             now=now or utcnow(), max_answer_chars=1000, max_attachment_bytes=1000)
    db.session.commit()
    return version


@pytest.fixture
def two_mentors(app, make):
    """One submission awaiting review in a cohort with two mentors."""
    learner = make.user(Role.LEARNER, name="受講 花子")
    first, second = make.user(Role.MENTOR, name="一番 目"), make.user(Role.MENTOR, name="二番 目")
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[first, second])
    version = _submit(app, make, group, learner, group.module_version.exercises[0])
    return first, second, version


def _form(make, version, decision="accept", feedback="良い", **overrides):
    data = {"version_id": str(version.id), "feedback": feedback, **make.scores(version.submission.exercise)}
    data["accept" if decision == "accept" else "return_for_revision"] = "1"
    return data | overrides


def _reviews() -> int:
    return db.session.scalar(select(func.count(Review.id)))


def _claim() -> ReviewClaim | None:
    db.session.expire_all()
    return db.session.scalar(select(ReviewClaim))


# --- claiming ---------------------------------------------------------------------------------------

def test_a_claim_holds_for_the_configured_time_and_then_anyone_may_take_it(app, two_mentors):
    first, second, version = two_mentors
    now = utcnow()
    held = claims.claim_submission(db.session, submission=version.submission, mentor=first, now=now, minutes=30)
    assert held.expires_at == now + timedelta(minutes=30)
    with pytest.raises(claims.ClaimHeld) as refused:
        claims.claim_submission(db.session, submission=version.submission, mentor=second,
                                now=now + timedelta(minutes=29), minutes=30)
    assert refused.value.claim.mentor_id == first.id
    # The holder renews their own claim; once it has run out another mentor takes it over.
    claims.claim_submission(db.session, submission=version.submission, mentor=first,
                            now=now + timedelta(minutes=10), minutes=30)
    later = now + timedelta(minutes=41)
    taken = claims.claim_submission(db.session, submission=version.submission, mentor=second, now=later, minutes=30)
    assert (taken.mentor_id, taken.expires_at) == (second.id, later + timedelta(minutes=30))


def test_the_claim_time_comes_from_the_configuration(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    app.config["REVIEW_CLAIM_MINUTES"] = 5
    before = utcnow()
    login_as(first).post(f"/review/submissions/{version.submission_id}/claim")
    claim = _claim()
    assert before + timedelta(minutes=5) <= claim.expires_at <= utcnow() + timedelta(minutes=5)


def test_two_mentors_claiming_at_once_one_wins_and_the_other_is_told(app, two_mentors):
    first, second, version = two_mentors
    clients = [login_as_client(app, m) for m in (first, second)]
    url = f"/review/submissions/{version.submission_id}/claim"
    pages = at_once([lambda c=c: c.post(url, follow_redirects=True).get_data(as_text=True) for c in clients])
    claim = _claim()
    assert db.session.scalar(select(func.count()).select_from(ReviewClaim)) == 1
    winner, loser = (0, 1) if claim.mentor_id == first.id else (1, 0)
    assert "まで担当します。" in pages[winner]
    holder = (first, second)[winner].display_name
    assert f"{holder}さんが先にこの提出を担当しました" in pages[loser]


def test_two_sessions_claiming_one_submission_the_second_waits_and_is_refused(app, two_mentors):
    """The database decides: the second session's claim, made while the first is not yet committed,
    finds the first one's claim once it commits (PostgreSQL: row lock; SQLite: write lock)."""
    first, second, version = two_mentors
    submission_id = version.submission_id
    now = utcnow()
    first_id, second_id = first.id, second.id
    with Session(db.engine) as one, Session(db.engine) as two:
        mine = one.get(Submission, submission_id)
        claims.claim_submission(one, submission=mine, mentor=one.get(User, first_id), now=now, minutes=30)

        def second_claim():
            theirs = two.get(Submission, submission_id)
            try:
                claims.claim_submission(two, submission=theirs, mentor=two.get(User, second_id), now=now,
                                        minutes=30)
                return "won"
            except claims.ClaimHeld as e:
                return e.claim.mentor_id
            finally:
                two.rollback()

        def commit_first():
            import time
            time.sleep(0.3)  # let the second session reach its claim and wait on the first's lock
            one.commit()
            return "committed"

        results = at_once([second_claim, commit_first])
    assert results == [first_id, "committed"]


def test_claiming_a_decided_submission_is_refused(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    review_version(db.session, version=version, mentor=first, decision=Decision.RETURNED,
                   points_by_criterion={c.id: 1 for c in version.submission.exercise.criteria}, feedback_md="直す",
                   now=utcnow())
    db.session.commit()
    page = login_as(second).post(f"/review/submissions/{version.submission_id}/claim",
                                 follow_redirects=True).get_data(as_text=True)
    assert "この提出はもうレビュー待ちではありません" in page
    assert _claim() is None


def test_the_queue_shows_who_holds_each_claim(app, two_mentors, login_as):
    first, second, version = two_mentors
    claims.claim_submission(db.session, submission=version.submission, mentor=first, now=utcnow(), minutes=30)
    db.session.commit()
    assert '一番 目 <span class="hint">' in login_as(second).get("/review/").get_data(as_text=True)
    page = login_as(first).get("/review/").get_data(as_text=True)
    assert '一番 目 <span class="hint">' not in page and "<strong>あなた</strong>" in page


def test_an_expired_claim_is_not_shown_in_the_queue(app, two_mentors, login_as):
    first, second, version = two_mentors
    claims.claim_submission(db.session, submission=version.submission, mentor=first,
                            now=utcnow() - timedelta(minutes=31), minutes=30)
    db.session.commit()
    client = login_as(second)
    client.post("/language", data={"locale": "en"})
    page = client.get("/review/").get_data(as_text=True)
    assert '一番 目 <span class="hint">' not in page and "Claim and review" in page


# --- deciding with claims, stale reviews --------------------------------------------------------------

def test_deciding_while_another_mentor_holds_the_claim_is_refused_and_saves_nothing(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    claims.claim_submission(db.session, submission=version.submission, mentor=first, now=utcnow(), minutes=30)
    db.session.commit()
    client = login_as(second)
    client.post("/language", data={"locale": "en"})
    response = client.post(f"/review/submissions/{version.submission_id}", data=_form(make, version))
    assert response.status_code == 409
    assert "一番 目 has claimed this submission until" in response.get_data(as_text=True)
    assert _reviews() == 0 and _claim().mentor_id == first.id
    db.session.expire_all()
    assert version.submission.status == SubmissionStatus.AWAITING_REVIEW


def test_a_mentor_whose_claim_ran_out_and_was_taken_over_is_refused(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    claims.claim_submission(db.session, submission=version.submission, mentor=first,
                            now=utcnow() - timedelta(minutes=40), minutes=30)
    claims.claim_submission(db.session, submission=version.submission, mentor=second, now=utcnow(), minutes=30)
    db.session.commit()
    response = login_as(first).post(f"/review/submissions/{version.submission_id}", data=_form(make, version))
    assert response.status_code == 409 and "二番 目" in response.get_data(as_text=True)
    assert _reviews() == 0


def test_deciding_claims_an_unclaimed_submission_and_ends_the_claim(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    response = login_as(first).post(f"/review/submissions/{version.submission_id}", data=_form(make, version))
    assert response.status_code == 302
    assert _reviews() == 1 and _claim() is None


def test_deciding_after_another_mentor_decided_since_the_page_was_opened_is_refused(app, two_mentors, make,
                                                                                   login_as):
    first, second, version = two_mentors
    late = login_as(second)
    assert late.get(f"/review/submissions/{version.submission_id}").status_code == 200
    assert login_as(first).post(f"/review/submissions/{version.submission_id}",
                                data=_form(make, version)).status_code == 302
    late.post("/language", data={"locale": "en"})
    response = late.post(f"/review/submissions/{version.submission_id}", data=_form(make, version, "return"))
    assert response.status_code == 409
    assert "Another mentor has already decided on this version" in response.get_data(as_text=True)
    assert _reviews() == 1


def test_deciding_on_a_version_the_learner_has_replaced_is_refused(app, make, two_mentors, login_as):
    first, second, version = two_mentors
    submission = version.submission
    group_learner = submission.enrolment
    _submit(app, make, group_learner.cohort, group_learner.user, submission.exercise, body="第2版")
    client = login_as(first)
    client.post("/language", data={"locale": "en"})
    response = client.post(f"/review/submissions/{submission.id}", data=_form(make, version))
    assert response.status_code == 409
    assert "submitted a newer version since you opened this page" in response.get_data(as_text=True)
    assert _reviews() == 0


# --- releasing and reassigning -------------------------------------------------------------------------

def test_a_mentor_releases_their_own_claim_but_not_another_mentors(app, two_mentors, login_as):
    first, second, version = two_mentors
    claims.claim_submission(db.session, submission=version.submission, mentor=first, now=utcnow(), minutes=30)
    db.session.commit()
    url = f"/review/submissions/{version.submission_id}/release"
    page = login_as(second).post(url, follow_redirects=True).get_data(as_text=True)
    assert "一番 目" in page and _claim().mentor_id == first.id
    login_as(first).post(url)
    assert _claim() is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0  # one's own: not staff work


def test_an_organizer_releases_and_reassigns_claims_with_an_audit_trail(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    organizer = make.user(Role.ORGANIZER)
    claims.claim_submission(db.session, submission=version.submission, mentor=first, now=utcnow(), minutes=30)
    db.session.commit()
    client = login_as(organizer)
    cohort_id = version.submission.enrolment.cohort_id
    page = client.get(f"/review/cohorts/{cohort_id}/claims").get_data(as_text=True)
    assert "一番 目" in page and "受講 花子" in page
    response = client.post(f"/review/submissions/{version.submission_id}/assign", data={"mentor_id": second.id})
    assert response.location.endswith(f"/review/cohorts/{cohort_id}/claims")
    claim = _claim()
    assert (claim.mentor_id, claim.assigned_by_id) == (second.id, organizer.id)
    client.post(f"/review/submissions/{version.submission_id}/release", data={"return_to": "claims"})
    assert _claim() is None
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.before["mentor_id"], (e.after or {}).get("mentor_id")) for e in entries] == [
        ("review_claim.assign", first.id, second.id), ("review_claim.release", second.id, None)]


def test_an_organizer_cannot_give_a_claim_to_a_mentor_outside_the_cohort(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    outsider, organizer = make.user(Role.MENTOR, name="外部 者"), make.user(Role.ORGANIZER)
    claims.claim_submission(db.session, submission=version.submission, mentor=first, now=utcnow(), minutes=30)
    db.session.commit()
    client = login_as(organizer)
    client.post("/language", data={"locale": "en"})
    page = client.post(f"/review/submissions/{version.submission_id}/assign", data={"mentor_id": outsider.id},
                       follow_redirects=True).get_data(as_text=True)
    assert "Choose the mentor who should review it." in page
    with pytest.raises(NotAMentor):
        claims.assign_claim(db.session, submission=version.submission, mentor=outsider, actor=organizer,
                            now=utcnow(), minutes=30)
    db.session.rollback()
    assert _claim().mentor_id == first.id
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


# --- the review page -----------------------------------------------------------------------------------

@pytest.fixture
def queue_of_three(app, make):
    """Three learners' work on one exercise, due the same day, submitted a minute apart."""
    mentor = make.user(Role.MENTOR)
    learners = [make.user(Role.LEARNER, name=f"受講者{i}") for i in range(3)]
    group = make.cohort(make.module_version(exercises=1), learners=learners, mentors=[mentor])
    start = utcnow() - timedelta(hours=1)
    versions = [_submit(app, make, group, learner, group.module_version.exercises[0], now=start + timedelta(minutes=i))
                for i, learner in enumerate(learners)]
    return mentor, group, versions


def test_the_review_page_links_to_the_next_and_previous_submission_of_the_filtered_queue(app, queue_of_three,
                                                                                       make, login_as):
    mentor, group, versions = queue_of_three
    client = login_as(mentor)
    ids = [v.submission_id for v in versions]
    page = client.get(f"/review/submissions/{ids[1]}?cohort={group.id}").get_data(as_text=True)
    assert f'href="/review/submissions/{ids[0]}?cohort={group.id}"' in page
    assert f'href="/review/submissions/{ids[2]}?cohort={group.id}"' in page
    assert 'data-shortcut="j"' in page and "J" in page
    first_page = client.get(f"/review/submissions/{ids[0]}").get_data(as_text=True)
    assert 'rel="prev"' not in first_page and f'href="/review/submissions/{ids[1]}"' in first_page
    # A filter that leaves only this submission: no neighbours.
    other = client.get(f"/review/submissions/{ids[1]}?exercise=none-such").get_data(as_text=True)
    assert 'data-shortcut' not in other


def test_after_a_decision_the_mentor_goes_on_to_the_next_submission(app, queue_of_three, make, login_as):
    mentor, group, versions = queue_of_three
    client = login_as(mentor)
    ids = [v.submission_id for v in versions]
    response = client.post(f"/review/submissions/{ids[0]}?cohort={group.id}", data=_form(make, versions[0]))
    assert response.location == f"/review/submissions/{ids[1]}?cohort={group.id}"
    response = client.post(f"/review/submissions/{ids[2]}", data=_form(make, versions[2]))
    assert response.location == "/review/"  # nothing after the last one


def test_without_javascript_the_total_and_pass_mark_show_after_submitting(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    client = login_as(first)
    client.post("/language", data={"locale": "en"})
    exercise = version.submission.exercise
    data = _form(make, version, feedback="", **{f"criterion_{exercise.criteria[0].id}": "1"})
    response = client.post(f"/review/submissions/{version.submission_id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Write feedback so the learner knows what to do next." in page
    assert "7 of 9 points</output>" in page and "pass mark 6" in page
    assert _reviews() == 0
    response = client.post(f"/review/submissions/{version.submission_id}", data=_form(make, version))
    assert "Accepted (9 of 9 points)." in client.get(response.location).get_data(as_text=True)


def test_images_are_shown_inline_and_other_files_are_links(app, two_mentors, login_as):
    first, second, version = two_mentors
    db.session.add_all([Attachment(submission_version_id=version.id, filename="map.png", content_hash="a" * 64,
                                   size=2048, media_type="image/png"),
                        Attachment(submission_version_id=version.id, filename="report.pdf", content_hash="b" * 64,
                                   size=2048, media_type="application/pdf")])
    db.session.commit()
    png, pdf = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    page = login_as(first).get(f"/review/submissions/{version.submission_id}").get_data(as_text=True)
    assert f'<img src="/attachments/{png.id}"' in page
    assert f'<img src="/attachments/{pdf.id}"' not in page and f'href="/attachments/{pdf.id}"' in page


def test_the_mentor_sees_the_learners_auto_checked_answers(app, two_mentors, login_as):
    first, second, version = two_mentors
    exercise = version.submission.exercise
    question = Question(exercise=exercise, slug="q1", position=1, kind="numeric", prompt_ja="平均は？",
                        prompt_en="The mean?", answer_key={"value": 93, "tolerance": 0.5}, unit_ja="トン",
                        unit_en="t")
    db.session.add(question)
    db.session.flush()
    for value, right in ((90, False), (93.2, True)):
        db.session.add(QuestionAttempt(enrolment_id=version.submission.enrolment_id, question_id=question.id,
                                       response={"value": value}, is_correct=right))
    db.session.commit()
    client = login_as(first)
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/review/submissions/{version.submission_id}").get_data(as_text=True)
    assert "The mean?" in page and "93.2 t" in page and "93 t ± 0.5" in page and ">Correct<" in page


def test_feedback_preview_renders_sanitised_markdown_and_decides_nothing(app, two_mentors, make, login_as):
    first, second, version = two_mentors
    data = _form(make, version, feedback="**太字** <script>alert(1)</script>", preview="1")
    del data["accept"]
    response = login_as(first).post(f"/review/submissions/{version.submission_id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>太字</strong>" in page and "<script>alert(1)" not in page
    assert _reviews() == 0 and _claim() is None


# --- history -------------------------------------------------------------------------------------------

def _decide(version, mentor, decision, points=2):
    review_version(db.session, version=version, mentor=mentor, decision=decision,
                   points_by_criterion={c.id: points for c in version.submission.exercise.criteria},
                   feedback_md="所見", now=utcnow())
    db.session.commit()


def test_the_mentors_history_lists_their_own_reviews_with_filters(app, queue_of_three, make, login_as):
    mentor, group, versions = queue_of_three
    other = make.user(Role.MENTOR)  # reviews in the same cohort
    db.session.add(MentorAssignment(cohort=group, user=other))
    _decide(versions[0], mentor, Decision.ACCEPTED, points=3)
    _decide(versions[1], mentor, Decision.RETURNED, points=1)
    _decide(versions[2], other, Decision.ACCEPTED, points=3)
    page = history.mentor_reviews(db.session, mentor, "ja")
    assert [r.submission_version_id for r in page.items] == [versions[1].id, versions[0].id]
    assert {d.value: d.count for d in page.decisions} == {"accepted": 1, "returned": 1}
    returned = history.mentor_reviews(db.session, mentor, "ja", decision="returned")
    assert [r.submission_version_id for r in returned.items] == [versions[1].id] and returned.total == 1
    assert {c.count for c in returned.cohorts} == {1}
    assert history.mentor_reviews(db.session, mentor, "ja", exercise_slug="none-such").items == []
    client = login_as(mentor)
    html = client.get("/review/history?decision=returned").get_data(as_text=True)
    assert "受講者1" in html and "受講者0" not in html and "受講者2" not in html
    paged = history.mentor_reviews(db.session, mentor, "ja", page=2, per_page=1)
    assert (paged.number, paged.pages, [r.submission_version_id for r in paged.items]) == (2, 2, [versions[0].id])


def test_a_learners_history_shows_every_exercise_in_the_mentors_cohorts_only(app, make, login_as):
    learner, mentor, stranger = make.user(Role.LEARNER, name="受講 太郎"), make.user(Role.MENTOR), make.user(Role.MENTOR)
    mine = make.cohort(make.module_version(exercises=2), learners=[learner], mentors=[mentor], name="自分の期")
    theirs = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[stranger], name="よその期")
    first = _submit(app, make, mine, learner, mine.module_version.exercises[0])
    _decide(first, mentor, Decision.RETURNED)
    _submit(app, make, mine, learner, mine.module_version.exercises[0], body="第2版")
    _submit(app, make, theirs, learner, theirs.module_version.exercises[0], body="よそ")
    page = login_as(mentor).get(f"/review/learners/{learner.id}").get_data(as_text=True)
    assert "自分の期" in page and "よその期" not in page and "課題1" in page
    assert page.count("status--returned") == 1 and page.count("status--awaiting_review") == 1
    loner = make.user(Role.LEARNER)
    make.cohort(make.module_version(exercises=1), learners=[loner], mentors=[stranger])
    assert login_as(mentor).get(f"/review/learners/{loner.id}").status_code == 404
    assert history.learner_history(db.session, mentor, loner.id) is None


# --- query budgets ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["history", "learner", "claims", "queue with claims", "review"])
def test_new_pages_run_a_few_queries_whatever_the_number_of_reviews_and_claims(app, make, login_as, page):
    counts = []
    for size in (1, 6):
        mentor, organizer = make.user(Role.MENTOR), make.user(Role.ORGANIZER)
        learners = [make.user(Role.LEARNER) for _ in range(size)]
        group = make.cohort(make.module_version(exercises=3), learners=learners, mentors=[mentor])
        for learner in learners:
            for n, exercise in enumerate(group.module_version.exercises):
                version = _submit(app, make, group, learner, exercise)
                if n == 0:
                    _decide(version, mentor, Decision.RETURNED)
                    version = _submit(app, make, group, learner, exercise, body="第2版")
                if n == 1:
                    claims.claim_submission(db.session, submission=version.submission, mentor=mentor,
                                            now=utcnow(), minutes=30)
                    db.session.commit()
        client, path = {
            "history": (login_as(mentor), "/review/history"),
            "learner": (login_as(mentor), f"/review/learners/{learners[0].id}"),
            "claims": (login_as(organizer), f"/review/cohorts/{group.id}/claims"),
            "queue with claims": (login_as(mentor), "/review/"),
            "review": (login_as(mentor), f"/review/submissions/{version.submission_id}?cohort={group.id}"),
        }[page]
        counts.append(_queries(app, client, path))
    assert counts[0] == counts[1] <= QUERY_BUDGET, counts


def test_while_another_mentor_holds_the_claim_the_page_says_so_instead_of_the_scoring_form(app, two_mentors,
                                                                                          login_as):
    first, second, version = two_mentors
    claims.claim_submission(db.session, submission=version.submission, mentor=first, now=utcnow(), minutes=30)
    db.session.commit()
    client = login_as(second)
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/review/submissions/{version.submission_id}").get_data(as_text=True)
    assert "一番 目 has claimed this submission until" in page and 'name="feedback"' not in page
    own = login_as(first).get(f"/review/submissions/{version.submission_id}").get_data(as_text=True)
    assert 'name="feedback"' in own and "担当を外す" in own
