"""Fairness in review (issue 13): conflict of interest, load-balanced assignment, blind review (names,
municipalities, file names, image metadata), the revision cap, review targets in working days, the
review audit trail, and a review of a withdrawn learner."""

import io
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import func, select

from app.auth.models import AuditEntry, Organization, OrganizationKind, Role
from app.cohorts import membership
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.cohorts.schedule import working_days_between
from app.core.db import utcnow
from app.core.file_metadata import strip_metadata
from app.core.storage import FileStorage
from app.extensions import db
from app.reviews import claims, fairness
from app.reviews.models import Decision, ReviewAudit, ReviewAuditAction, ReviewClaim
from app.reviews.services import LastRoundMustDecide, NotLastRound, review_version
from app.submissions.models import Submission, SubmissionStatus
from app.submissions.services import ClosedNotPassed, Upload, submit_version

LEARNER_NAME = "匿名 太郎"
TOWN = "夕張市テスト"
SECRET_FILE = "yubari-taro-report"


def _town(name: str = TOWN, code: str = "999991") -> Organization:
    town = Organization(code=code, name_ja=name, name_en=f"{code} Town", kind=OrganizationKind.MUNICIPALITY)
    db.session.add(town)
    db.session.commit()
    return town


def _submit(app, make, group, learner, exercise=None, body="回答です", uploads=(), now=None):
    version = submit_version(db.session, enrolment=make.enrolment(group, learner),
                             exercise=exercise or group.module_version.exercises[0], body_md=body,
                             uploads=list(uploads), keep_attachment_ids=set(),
                             storage=FileStorage(app.config["STORAGE_DIR"]), now=now or utcnow(),
                             max_answer_chars=10_000, max_attachment_bytes=1_000_000)
    db.session.commit()
    return version


def _decide(version, mentor, decision, points=3, now=None):
    review = review_version(db.session, version=version, mentor=mentor, decision=decision,
                            points_by_criterion={c.id: points for c in version.submission.exercise.criteria},
                            feedback_md="所見です。", now=now or utcnow())
    db.session.commit()
    return review


@pytest.fixture
def login_as(login_as):
    """Signed in, in English: the messages checked below are the English ones."""
    def _login(user):
        client = login_as(user)
        client.post("/language", data={"locale": "en"})
        return client
    return _login


def _form(make, version, button, points=3):
    return {"version_id": str(version.id), "feedback": "所見です。", button: "1",
            **make.scores(version.submission.exercise, points)}


# --- conflict of interest ---------------------------------------------------------------------------------

@pytest.fixture
def neighbours(app, make):
    """A learner of 夕張, a mentor from the same town and one from elsewhere, one submission waiting."""
    town, other_town = _town(), _town("別の町", "999992")
    learner = make.user(Role.LEARNER, name=LEARNER_NAME, organization_id=town.id)
    local = make.user(Role.MENTOR, name="地元 メンター", organization_id=town.id)
    outside = make.user(Role.MENTOR, name="外部 メンター", organization_id=other_town.id)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[local, outside])
    return group, learner, local, outside, _submit(app, make, group, learner)


def test_work_from_the_mentors_own_municipality_is_neither_listed_nor_claimable(app, make, login_as, neighbours):
    group, learner, local, outside, version = neighbours
    queue = login_as(local).get("/review/").get_data(as_text=True)
    assert LEARNER_NAME not in queue and "Nothing is waiting for review" in queue
    assert LEARNER_NAME in login_as(outside).get("/review/").get_data(as_text=True)
    assert login_as(local).get(f"/review/submissions/{version.submission_id}").status_code == 404
    with pytest.raises(claims.ConflictOfInterest):
        claims.claim_submission(db.session, submission=version.submission, mentor=local, now=utcnow(), minutes=30)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReviewClaim)) == 0


def test_a_decision_by_a_conflicted_mentor_is_refused_with_a_message(app, make, login_as, neighbours):
    group, learner, local, outside, version = neighbours
    # The page refuses them; a decision posted anyway by a mentor who lost the claim meets the service's rule.
    with pytest.raises(claims.ConflictOfInterest):
        claims.decide_claimed(db.session, version=version, mentor=local, now=utcnow(), claim_minutes=30,
                              decision=Decision.ACCEPTED, points_by_criterion={c.id: 3 for c in
                                                                               version.submission.exercise.criteria},
                              feedback_md="良い")
    db.session.rollback()
    assert version.submission.status == SubmissionStatus.AWAITING_REVIEW


def test_the_cohort_may_allow_own_municipality_and_organizers_may_assign_it_explicitly(app, make, login_as,
                                                                                     neighbours):
    group, learner, local, outside, version = neighbours
    organizer = make.user(Role.ORGANIZER)
    claims.assign_claim(db.session, submission=version.submission, mentor=local, actor=organizer, now=utcnow(),
                        minutes=30)
    db.session.commit()
    client = login_as(local)
    assert client.get(f"/review/submissions/{version.submission_id}").status_code == 200
    response = client.post(f"/review/submissions/{version.submission_id}", data=_form(make, version, "accept"))
    assert response.status_code == 302
    db.session.expire_all()
    assert version.submission.status == SubmissionStatus.ACCEPTED

    group.conflict_of_interest = False
    db.session.commit()
    second = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[local])
    second.conflict_of_interest = False
    db.session.commit()
    _submit(app, make, second, learner)
    assert LEARNER_NAME in login_as(local).get("/review/").get_data(as_text=True)


# --- load balancing ---------------------------------------------------------------------------------------

def test_the_least_loaded_mentor_of_the_pool_gets_the_work_and_never_a_conflicted_one(app, make, neighbours):
    group, learner, local, outside, version = neighbours
    third = make.user(Role.MENTOR, name="三人目")
    db.session.add(MentorAssignment(cohort_id=group.id, user_id=third.id))
    db.session.commit()
    now = utcnow()
    # `outside` already holds two claims in another cohort: the pool is shared across cohorts.
    others = make.user(Role.LEARNER), make.user(Role.LEARNER)
    elsewhere = make.cohort(make.module_version(exercises=1), learners=others, mentors=[outside])
    for person in others:
        claims.claim_submission(db.session, submission=_submit(app, make, elsewhere, person).submission,
                                mentor=outside, now=now, minutes=30)
    db.session.commit()
    assert fairness.least_loaded_mentor(db.session, version.submission, now) == third
    # Without the third, the busy outside mentor rather than the local one; without both, nobody.
    db.session.delete(db.session.scalar(select(MentorAssignment).where(MentorAssignment.user_id == third.id)))
    db.session.flush()
    assert fairness.least_loaded_mentor(db.session, version.submission, now) == outside
    db.session.delete(db.session.scalar(select(MentorAssignment).where(MentorAssignment.user_id == outside.id,
                                                                       MentorAssignment.cohort_id == group.id)))
    db.session.flush()
    assert fairness.least_loaded_mentor(db.session, version.submission, now) is None


def test_work_arriving_in_an_auto_assigning_cohort_goes_to_the_least_loaded_mentor(app, make, neighbours):
    """Issue 13: on submission, by the distribute rules: the eligible mentor with the least open work (ties
    to the one whose last claim is oldest), never the conflicted one; recorded as the load balancer's;
    organizers can still reassign."""
    group, learner, local, outside, version = neighbours
    third = make.user(Role.MENTOR, name="三人目")
    db.session.add(MentorAssignment(cohort_id=group.id, user_id=third.id))
    group.auto_assign = True
    db.session.commit()
    # Three more learners of the local mentor's own town.
    others = [make.user(Role.LEARNER, organization_id=learner.organization_id) for _ in range(3)]
    db.session.add_all(Enrolment(cohort=group, user=person) for person in others)
    arrived = []
    for person in others:
        arrived.append(_submit(app, make, group, person).submission)
    holders = [db.session.get(ReviewClaim, s.id).mentor_id for s in arrived]
    assert holders == [outside.id, third.id, outside.id]
    entry = db.session.scalar(select(ReviewAudit).where(ReviewAudit.submission_id == arrived[0].id))
    assert (entry.action, entry.actor_id, entry.mentor_id) == (ReviewAuditAction.CLAIM_ASSIGN, None, outside.id)
    claim = db.session.get(ReviewClaim, arrived[0].id)
    assert claim.expires_at - claim.claimed_at == timedelta(days=group.review_target_working_days)
    # The work that waited before the cohort assigned stays unclaimed; an organizer still gives work out.
    assert db.session.get(ReviewClaim, version.submission_id) is None
    claims.assign_claim(db.session, submission=arrived[0], mentor=third, actor=make.user(Role.ORGANIZER),
                        now=utcnow(), minutes=30)
    db.session.commit()
    assert db.session.get(ReviewClaim, arrived[0].id).mentor_id == third.id


def test_arriving_work_that_only_a_conflicted_mentor_could_take_stays_unassigned(app, make, neighbours):
    group, learner, local, outside, version = neighbours
    db.session.delete(db.session.scalar(select(MentorAssignment).where(MentorAssignment.user_id == outside.id)))
    group.auto_assign = True
    db.session.commit()
    neighbour = make.user(Role.LEARNER, organization_id=learner.organization_id)
    db.session.add(Enrolment(cohort=group, user=neighbour))
    arrived = _submit(app, make, group, neighbour).submission
    assert db.session.get(ReviewClaim, arrived.id) is None


def test_a_cohort_that_does_not_assign_leaves_arriving_work_unclaimed(app, make, neighbours):
    group, learner, local, outside, version = neighbours
    assert group.auto_assign is False
    newcomer = make.user(Role.LEARNER)
    db.session.add(Enrolment(cohort=group, user=newcomer))
    _submit(app, make, group, newcomer)
    assert db.session.scalar(select(func.count()).select_from(ReviewClaim)) == 0


def test_distributing_by_load_spreads_the_waiting_work_evenly(app, make):
    learners = [make.user(Role.LEARNER) for _ in range(5)]
    first, second = make.user(Role.MENTOR), make.user(Role.MENTOR)
    organizer = make.user(Role.ORGANIZER)
    group = make.cohort(make.module_version(exercises=1), learners=learners, mentors=[first, second])
    for person in learners:
        _submit(app, make, group, person)
    # A withdrawn learner's work waits in the queue for whoever asks for it, as in the queue.
    membership.withdraw(db.session, make.enrolment(group, learners[-1]), organizer, utcnow())
    assert claims.distribute_by_load(db.session, cohort_id=group.id, actor=organizer, now=utcnow(),
                                     minutes=30) == 4
    db.session.commit()
    held = dict(db.session.execute(select(ReviewClaim.mentor_id, func.count()).group_by(ReviewClaim.mentor_id)).all())
    assert held == {first.id: 2, second.id: 2}
    assert db.session.scalar(select(func.count()).select_from(ReviewAudit).where(
        ReviewAudit.action == ReviewAuditAction.CLAIM_ASSIGN, ReviewAudit.actor_id == organizer.id)) == 4


def test_the_distribute_button_reports_when_nothing_could_be_given(app, make, login_as, neighbours):
    group, learner, local, outside, version = neighbours
    db.session.delete(db.session.scalar(select(MentorAssignment).where(
        MentorAssignment.user_id == outside.id)))
    db.session.commit()
    client = login_as(make.user(Role.ORGANIZER))
    page = client.post(f"/review/cohorts/{group.id}/distribute", follow_redirects=True).get_data(as_text=True)
    assert "Nothing was given out" in page
    assert db.session.scalar(select(func.count()).select_from(ReviewClaim)) == 0


# --- blind review -----------------------------------------------------------------------------------------

def _jpeg_with_exif(text: str) -> bytes:
    exif = Image.Exif()
    exif[0x013B] = text  # Artist
    exif[0x010E] = text  # ImageDescription
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG", exif=exif.tobytes(), comment=text.encode())
    return out.getvalue()


def _png_with_text(text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("Author", text)
    info.add_text("Comment", "secret")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _docx_with_author(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as docx:
        docx.writestr("[Content_Types].xml", "<Types/>")
        docx.writestr("word/document.xml", "<w:document>本文</w:document>")
        docx.writestr("docProps/core.xml", f"<cp:coreProperties><dc:creator>{text}</dc:creator></cp:coreProperties>")
        docx.writestr("docProps/app.xml", f"<Properties><Company>{text}</Company></Properties>")
    return out.getvalue()


@pytest.fixture
def blind(app, make):
    """A blind cohort: a named learner of a named town sent a PDF, a JPEG and a PNG with their name in
    the file names and in the images' metadata."""
    town = _town()
    learner = make.user(Role.LEARNER, name=LEARNER_NAME, organization_id=town.id)
    mentor = make.user(Role.MENTOR, name="審査 員")
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    group.blind_review = True
    db.session.commit()
    ascii_name = "Yubari Taro"
    uploads = [Upload(f"{SECRET_FILE}.pdf", io.BytesIO(b"%PDF-1.4\n" + b"0" * 50)),
               Upload(f"{SECRET_FILE}.jpg", io.BytesIO(_jpeg_with_exif(ascii_name))),
               Upload(f"{SECRET_FILE}.png", io.BytesIO(_png_with_text(ascii_name)))]
    first = _submit(app, make, group, learner, body="第1版", uploads=uploads)
    _decide(first, mentor, Decision.RETURNED, points=1)
    second = _submit(app, make, group, learner, body="第2版 (改訂)", uploads=[
        Upload(f"{SECRET_FILE}.pdf", io.BytesIO(b"%PDF-1.4\n" + b"1" * 50)),
        Upload(f"{SECRET_FILE}.jpg", io.BytesIO(_jpeg_with_exif(ascii_name))),
        Upload(f"{SECRET_FILE}.png", io.BytesIO(_png_with_text(ascii_name))),
        Upload(f"{SECRET_FILE}.docx", io.BytesIO(_docx_with_author(ascii_name)))])
    return group, learner, mentor, second, ascii_name


def _leaks(text: str, *secrets: str) -> list[str]:
    return [s for s in (LEARNER_NAME, TOWN, SECRET_FILE, *secrets) if s in text]


def test_blind_review_shows_no_name_municipality_or_file_name_on_any_mentor_page(app, make, login_as, blind):
    group, learner, mentor, version, ascii_name = blind
    client = login_as(mentor)
    submission_id = version.submission_id
    for path in ("/", "/review/", f"/review/submissions/{submission_id}", "/review/history"):
        response = client.get(path)
        text = response.get_data(as_text=True) + str(response.headers)
        assert _leaks(text, ascii_name) == [], path
    page = client.get(f"/review/submissions/{submission_id}").get_data(as_text=True)
    # The diff to version 1 and the history are there, anonymous.
    assert "第2版 (改訂)" in page and f"Anonymous learner #{submission_id}" in page
    # The learner's page (opened by id: it names them) shows none of the work still under blind review.
    assert f"/review/submissions/{submission_id}" not in client.get(f"/review/learners/{learner.id}").get_data(
        as_text=True)


def test_blind_review_serves_attachments_under_neutral_names_without_metadata(app, make, login_as, blind):
    group, learner, mentor, version, ascii_name = blind
    client = login_as(mentor)
    names = []
    for position, attachment in enumerate(version.attachments, start=1):
        response = client.get(f"/attachments/{attachment.id}")
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert _leaks(disposition, ascii_name) == [] and f"-{position}." in disposition
        names.append(disposition)
        body = response.get_data()
        assert ascii_name.encode() not in body and b"secret" not in body
        if attachment.media_type == "image/jpeg":
            assert not Image.open(io.BytesIO(body)).getexif()
            assert Image.open(io.BytesIO(body)).size == (8, 8)
        if attachment.media_type == "image/png":
            assert Image.open(io.BytesIO(body)).text == {}
        if attachment.filename.endswith(".docx"):
            with zipfile.ZipFile(io.BytesIO(body)) as docx:
                assert docx.read("word/document.xml").decode() == "<w:document>本文</w:document>"
                assert "<dc:creator>" not in docx.read("docProps/core.xml").decode()
    assert [n.rsplit(".", 1)[1].strip('"') for n in names] == ["pdf", "jpg", "png", "docx"]
    # The learner still downloads their own files under their own names.
    with login_as(learner).get(f"/attachments/{version.attachments[0].id}") as own:
        assert SECRET_FILE in own.headers["Content-Disposition"]


def test_names_appear_once_the_work_is_decided(app, make, login_as, blind):
    group, learner, mentor, version, ascii_name = blind
    _decide(version, mentor, Decision.ACCEPTED)
    client = login_as(mentor)
    assert LEARNER_NAME in client.get(f"/review/submissions/{version.submission_id}").get_data(as_text=True)
    with client.get(f"/attachments/{version.attachments[0].id}") as download:
        assert SECRET_FILE in download.headers["Content-Disposition"]


def test_organizers_see_names_in_a_blind_cohort(app, make, login_as, blind):
    group, learner, mentor, version, ascii_name = blind
    organizer = make.user(Role.ORGANIZER)
    claims.assign_claim(db.session, submission=version.submission, mentor=mentor, actor=organizer, now=utcnow(),
                        minutes=30)
    db.session.commit()
    assert LEARNER_NAME in login_as(organizer).get(f"/review/cohorts/{group.id}/claims").get_data(as_text=True)


def test_stripping_keeps_the_picture_and_drops_only_metadata():
    jpeg = _jpeg_with_exif("Someone")
    stripped = strip_metadata(jpeg, "image/jpeg")
    assert b"Someone" in jpeg and b"Someone" not in stripped
    assert Image.open(io.BytesIO(stripped)).tobytes() == Image.open(io.BytesIO(jpeg)).tobytes()
    png = _png_with_text("Someone")
    assert Image.open(io.BytesIO(strip_metadata(png, "image/png"))).tobytes() == \
        Image.open(io.BytesIO(png)).tobytes()
    # Office files keep every part but their properties; what is not a zip is not passed on.
    docx = strip_metadata(_docx_with_author("Someone"), "application/vnd.openxmlformats-officedocument."
                                                        "wordprocessingml.document")
    assert b"Someone" not in docx and zipfile.ZipFile(io.BytesIO(docx)).namelist()[:2] == [
        "[Content_Types].xml", "word/document.xml"]
    assert strip_metadata(b"PK\x03\x04 Someone", "application/vnd.openxmlformats-officedocument."
                                                  "spreadsheetml.sheet") == b""
    # Anything after the image is dropped; other types pass unchanged.
    assert strip_metadata(jpeg + b"Someone", "image/jpeg").endswith(b"\xff\xd9")
    assert strip_metadata(b"%PDF-1.4 Someone", "application/pdf") == b"%PDF-1.4 Someone"


# --- revision cap -----------------------------------------------------------------------------------------

@pytest.fixture
def capped(app, make):
    """A cohort allowing one revision round; version 1 was returned, version 2 waits: the last round."""
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    group.max_revision_rounds = 1
    db.session.commit()
    first = _submit(app, make, group, learner)
    assert not fairness.is_last_round(first.submission)
    with pytest.raises(NotLastRound):
        _decide(first, mentor, Decision.NOT_PASSED, points=0)
    db.session.rollback()
    _decide(first, mentor, Decision.RETURNED, points=1)
    return group, learner, mentor, _submit(app, make, group, learner, body="第2版")


def test_the_last_round_says_so_and_offers_no_return(app, make, login_as, capped):
    group, learner, mentor, version = capped
    page = login_as(mentor).get(f"/review/submissions/{version.submission_id}").get_data(as_text=True)
    assert "This is the learner's last revision round." in page
    assert 'name="return_for_revision"' not in page and 'name="not_passed"' in page


def test_returning_in_the_last_round_is_refused_with_a_message_and_changes_nothing(app, make, login_as, capped):
    group, learner, mentor, version = capped
    response = login_as(mentor).post(f"/review/submissions/{version.submission_id}",
                                     data=_form(make, version, "return_for_revision", points=1))
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "accept the work or close it as not passed" in text
    db.session.expire_all()
    assert version.submission.status == SubmissionStatus.AWAITING_REVIEW
    with pytest.raises(LastRoundMustDecide):
        _decide(version, mentor, Decision.RETURNED, points=1)
    db.session.rollback()


def test_closing_as_not_passed_ends_the_exercise_for_the_learner(app, make, login_as, capped):
    group, learner, mentor, version = capped
    response = login_as(mentor).post(f"/review/submissions/{version.submission_id}",
                                     data=_form(make, version, "not_passed", points=0))
    assert response.status_code == 302
    db.session.expire_all()
    assert version.submission.status == SubmissionStatus.NOT_PASSED
    with pytest.raises(ClosedNotPassed):
        _submit(app, make, group, learner, body="第3版")
    db.session.rollback()
    client = login_as(learner)
    exercise_id = version.submission.exercise_id
    page = client.get(f"/cohorts/{group.id}/exercises/{exercise_id}").get_data(as_text=True)
    assert "This exercise was closed as not passed" in page
    assert 'id="answer-form"' not in page
    refused = client.post(f"/cohorts/{group.id}/exercises/{exercise_id}", data={"body": "第3版", "submit": "1"})
    assert refused.status_code == 422
    assert db.session.scalar(select(Submission.latest_version_number)) == 2


# --- review target in working days ------------------------------------------------------------------------

def test_working_days_leave_out_weekends_and_japanese_holidays():
    # Golden Week 2026: 3 May (Sunday) Constitution Day, 4 Greenery Day, 5 Children's Day, 6 a substitute holiday.
    assert working_days_between(date(2026, 5, 1), date(2026, 5, 7)) == 1
    assert working_days_between(date(2026, 11, 27), date(2026, 11, 30)) == 1  # Friday → Monday
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 30)) == 0


def _tokyo_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc)


def test_work_past_the_target_is_flagged_and_offered_to_another_mentor(app, make, login_as):
    learner, first, second = make.user(Role.LEARNER, name=LEARNER_NAME), make.user(Role.MENTOR), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[first, second])
    group.review_target_working_days = 2
    db.session.commit()
    version = _submit(app, make, group, learner)
    submission = version.submission
    # Handed in on a Friday: Monday and Tuesday are within the target, Wednesday is past it.
    submission.last_submitted_at = _tokyo_noon(date(2026, 11, 27))
    db.session.commit()
    assert not fairness.is_overdue(submission, _tokyo_noon(date(2026, 12, 1)))
    assert fairness.is_overdue(submission, _tokyo_noon(date(2026, 12, 2)))

    # Long past it now: flagged in the queue, on the review page and on the organizer's home.
    submission.last_submitted_at = utcnow() - timedelta(days=30)
    db.session.commit()
    assert "Past the review target" in login_as(first).get("/review/").get_data(as_text=True)
    assert "Past the review target" in login_as(make.user(Role.ORGANIZER)).get("/").get_data(as_text=True)
    now = utcnow()
    claims.claim_submission(db.session, submission=submission, mentor=first, now=now, minutes=30)
    db.session.commit()
    taken = claims.claim_submission(db.session, submission=submission, mentor=second, now=now, minutes=30)
    db.session.commit()
    assert taken.mentor_id == second.id
    entry = db.session.scalar(select(ReviewAudit).where(ReviewAudit.action == ReviewAuditAction.CLAIM_ASSIGN))
    assert (entry.actor_id, entry.before["mentor_id"], entry.after["mentor_id"]) == (second.id, first.id, second.id)


def test_within_the_target_a_held_claim_still_holds(app, make):
    learner, first, second = make.user(Role.LEARNER), make.user(Role.MENTOR), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[first, second])
    submission = _submit(app, make, group, learner).submission
    now = utcnow()
    claims.claim_submission(db.session, submission=submission, mentor=first, now=now, minutes=30)
    with pytest.raises(claims.ClaimHeld):
        claims.claim_submission(db.session, submission=submission, mentor=second, now=now, minutes=30)
    db.session.rollback()


# --- audit trail ------------------------------------------------------------------------------------------

def test_every_decision_and_claim_change_is_in_the_audit_trail_with_before_and_after(app, make, login_as):
    learner, mentor, other = make.user(Role.LEARNER, name=LEARNER_NAME), make.user(Role.MENTOR, name="一番"), \
        make.user(Role.MENTOR, name="二番")
    organizer = make.user(Role.ORGANIZER)
    group = make.cohort(make.module_version(exercises=1, criteria=2), learners=[learner], mentors=[mentor, other])
    first = _submit(app, make, group, learner)
    _decide(first, mentor, Decision.RETURNED, points=1)
    second = _submit(app, make, group, learner, body="第2版")
    now = utcnow()
    claims.assign_claim(db.session, submission=second.submission, mentor=other, actor=organizer, now=now, minutes=30)
    claims.release_claim(db.session, submission=second.submission, actor=organizer, now=now)
    db.session.commit()
    _decide(second, other, Decision.ACCEPTED, points=3)

    entries = db.session.scalars(select(ReviewAudit).order_by(ReviewAudit.id)).all()
    assert [(e.action, e.actor_id, e.mentor_id) for e in entries] == [
        (ReviewAuditAction.DECISION, mentor.id, mentor.id), (ReviewAuditAction.CLAIM_ASSIGN, organizer.id, other.id),
        (ReviewAuditAction.CLAIM_RELEASE, organizer.id, other.id), (ReviewAuditAction.DECISION, other.id, other.id)]
    returned, assigned, released, accepted = entries
    assert returned.before is None
    assert returned.after["decision"] == "returned" and [s["points"] for s in returned.after["scores"]] == [1, 1]
    assert returned.after["scores"][0]["title_ja"] == "観点1"
    assert (assigned.before, assigned.after["mentor_id"]) == (None, other.id)
    assert (released.before["mentor_id"], released.after) == (other.id, None)
    assert accepted.before == returned.after and accepted.after["total_points"] == 6
    assert accepted.cohort_id == group.id

    client = login_as(organizer)
    page = client.get(f"/review/cohorts/{group.id}/audit").get_data(as_text=True)
    assert page.count("<tr>") == 1 + 4 and "Criterion 1: 1" in page and LEARNER_NAME in page
    only_first = client.get(f"/review/cohorts/{group.id}/audit?mentor={mentor.id}").get_data(as_text=True)
    assert only_first.count("<tr>") == 1 + 1
    assert login_as(mentor).get(f"/review/cohorts/{group.id}/audit").status_code == 403


def test_the_audit_trail_is_paged(app, make, login_as, monkeypatch):
    from app.reviews import views
    monkeypatch.setattr(views, "AUDIT_PAGE_SIZE", 2)
    learners = [make.user(Role.LEARNER) for _ in range(3)]
    mentor, organizer = make.user(Role.MENTOR), make.user(Role.ORGANIZER)
    group = make.cohort(make.module_version(exercises=1), learners=learners, mentors=[mentor])
    for person in learners:
        _decide(_submit(app, make, group, person), mentor, Decision.ACCEPTED)
    client = login_as(organizer)
    assert client.get(f"/review/cohorts/{group.id}/audit").get_data(as_text=True).count("<tr>") == 1 + 2
    assert client.get(f"/review/cohorts/{group.id}/audit?page=2").get_data(as_text=True).count("<tr>") == 1 + 1


# --- a withdrawn learner ----------------------------------------------------------------------------------

def test_a_withdrawn_learners_work_can_still_be_reviewed_blind_and_is_audited(app, make, login_as, blind):
    group, learner, mentor, version, ascii_name = blind
    membership.withdraw(db.session, make.enrolment(group, learner), make.user(Role.ORGANIZER), utcnow())
    db.session.commit()
    client = login_as(mentor)
    assert LEARNER_NAME not in client.get("/review/?withdrawn=1").get_data(as_text=True)
    assert f"/review/submissions/{version.submission_id}" in client.get("/review/?withdrawn=1").get_data(as_text=True)
    page = client.get(f"/review/submissions/{version.submission_id}?withdrawn=1")
    assert page.status_code == 200 and _leaks(page.get_data(as_text=True), ascii_name) == []
    response = client.post(f"/review/submissions/{version.submission_id}?withdrawn=1",
                           data=_form(make, version, "accept"))
    assert response.status_code == 302
    db.session.expire_all()
    assert version.submission.status == SubmissionStatus.ACCEPTED
    assert db.session.scalar(select(func.count()).select_from(ReviewAudit).where(
        ReviewAudit.submission_id == version.submission_id, ReviewAudit.action == ReviewAuditAction.DECISION)) == 2


# --- the cohort's review rules ----------------------------------------------------------------------------

def test_organizers_set_the_review_rules_and_the_change_is_logged(app, make, login_as):
    group, organizer = make.cohort(), make.user(Role.ORGANIZER)
    assert (group.conflict_of_interest, group.blind_review, group.max_revision_rounds,
            group.review_target_working_days) == (True, False, None, 5)
    response = login_as(organizer).post(f"/manage/cohorts/{group.id}/review-rules", data={
        "blind_review": "y", "max_revision_rounds": "2", "review_target_working_days": "3", "auto_assign": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    group = db.session.get(Cohort, group.id)
    assert (group.conflict_of_interest, group.blind_review, group.max_revision_rounds,
            group.review_target_working_days) == (False, True, 2, 3)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cohort.review_rules"))
    assert entry.before["blind_review"] is False and entry.after["max_revision_rounds"] == 2
    assert group.auto_assign is True and entry.after["auto_assign"] is True


@pytest.mark.parametrize("field, value, message", [
    ("review_target_working_days", "0", "from 1 to 60"),
    ("review_target_working_days", "", "Enter the number of working days"),
    ("review_target_working_days", "abc", "from 1 to 60"),
    ("max_revision_rounds", "-1", "or leave it empty"),
    ("max_revision_rounds", "21", "or leave it empty"),
])
def test_bad_review_rules_are_refused_with_a_message_and_change_nothing(app, make, login_as, field, value, message):
    group, organizer = make.cohort(), make.user(Role.ORGANIZER)
    client = login_as(organizer)
    data = {"conflict_of_interest": "y", "max_revision_rounds": "1", "review_target_working_days": "4", field: value}
    response = client.post(f"/manage/cohorts/{group.id}/review-rules", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    group = db.session.get(Cohort, group.id)
    assert (group.max_revision_rounds, group.review_target_working_days) == (None, 5)
