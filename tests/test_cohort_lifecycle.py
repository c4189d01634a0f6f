"""Cohort lifecycle and schedule (issue 12): the states and what each allows, editing a cohort with rules,
the schedule editor (suggested dates, optional exercises, every error at once, weekend and holiday
warnings, confirmation before moving a due date before submitted work) and copying a cohort."""

import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEntry, Role
from app.cohorts import lifecycle, services
from app.cohorts.models import Cohort, CohortStatus, Enrolment, MentorAssignment, ScheduledExercise
from app.cohorts.schedule import day_warning, suggested_due_days
from app.content.loader import load_all
from app.content.models import Exercise
from app.content.services import sync_modules
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.core.timeutil import end_of_day, tokyo_date
from app.deadlines.services import submissions_open_for
from app.extensions import db
from app.reviews.models import Review
from app.submissions.models import Submission
from app.submissions.services import CohortClosed, submit_version

MINI_MODULE = Path(__file__).parent / "fixtures" / "content" / "mini-module"


@pytest.fixture
def organizer_user(app, make):
    return make.user(Role.ORGANIZER, name="事務局 太郎")


@pytest.fixture
def organizer(organizer_user, login_as):
    client = login_as(organizer_user)
    client.post("/language", data={"locale": "en"})
    return client


@pytest.fixture
def organizer_ja(organizer_user, login_as):
    return login_as(organizer_user)


def _submit(app, make, group, learner, exercise, now=None):
    version = submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=exercise, body_md="回答",
                             uploads=[], keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]),
                             now=now or utcnow(), max_answer_chars=1000, max_attachment_bytes=1000)
    db.session.commit()
    return version


def _page(response) -> str:
    return response.get_data(as_text=True)


def _flashes(client) -> str:
    """The cohort page the refusal redirected to, with its message."""
    return _page(client.get("/manage/cohorts/"))


def _status(cohort_id: int) -> CohortStatus:
    db.session.expire_all()
    return db.session.get(Cohort, cohort_id).status


# --- what each state allows -------------------------------------------------------------------------------

@pytest.mark.parametrize("status, started_days_ago, days_open, expected", [
    (CohortStatus.DRAFT, 1, 30, False),
    (CohortStatus.OPEN, 1, 30, False),
    (CohortStatus.RUNNING, 1, 30, True),
    (CohortStatus.RUNNING, -2, 30, False),  # running, but its start date has not come
    (CohortStatus.RUNNING, 40, 30, False),  # running, but its end date has passed
    (CohortStatus.CLOSED, 1, 30, False),
    (CohortStatus.ARCHIVED, 1, 30, False),
])
def test_submissions_are_open_only_while_running_and_between_the_dates(app, make, status, started_days_ago,
                                                                          days_open, expected):
    learner = make.user()
    group = make.cohort(learners=[learner], status=status, started_days_ago=started_days_ago, days_open=days_open)
    exercise = group.module_version.exercises[0]
    enrolment = make.enrolment(group, learner)
    assert lifecycle.takes_submissions(group, utcnow()) is expected
    assert submissions_open_for(db.session, group, enrolment_id=enrolment.id, exercise_id=exercise.id,
                                now=utcnow()) is expected
    if not expected:
        with pytest.raises(CohortClosed):
            _submit(app, make, group, learner, exercise)
        db.session.rollback()
        assert db.session.scalar(select(func.count(Submission.id))) == 0


def test_learner_of_a_cohort_that_has_not_started_is_told_when_they_can_submit(app, make, login_as):
    learner = make.user()
    group = make.cohort(learners=[learner], status=CohortStatus.OPEN)
    client = login_as(learner)
    client.post("/language", data={"locale": "en"})
    page = _page(client.get(f"/cohorts/{group.id}/exercises/{group.module_version.exercises[0].id}"))
    assert "This cohort has not started yet. You can submit answers once it is running." in page
    assert "name=\"submit\"" not in page


def test_organizer_moves_a_cohort_through_its_states_after_confirming(organizer, make):
    group = make.cohort(status=CohortStatus.DRAFT)
    detail = _page(organizer.get(f"/manage/cohorts/{group.id}"))
    assert '<span class="status status--cohort-draft">Draft</span>' in detail
    assert "nobody can submit yet" in detail
    steps = [(CohortStatus.DRAFT, CohortStatus.OPEN), (CohortStatus.OPEN, CohortStatus.RUNNING),
             (CohortStatus.RUNNING, CohortStatus.CLOSED), (CohortStatus.CLOSED, CohortStatus.ARCHIVED)]
    for before, after in steps:
        confirm = _page(organizer.get(f"/manage/cohorts/{group.id}/status/{after.value}"))
        # The confirmation page says what will change; nothing changes before the button is pressed.
        assert f'name="expected" type="hidden" value="{before.value}"' in confirm
        assert _status(group.id) == before
        response = organizer.post(f"/manage/cohorts/{group.id}/status/{after.value}", data={"expected": before.value})
        assert response.status_code == 302
        assert _status(group.id) == after
    archived = _page(organizer.get(f"/manage/cohorts/{group.id}"))
    assert "Read-only for everyone" in archived
    assert "Edit details" not in archived and "Change the schedule" not in archived
    assert f"/manage/cohorts/{group.id}/status/" not in archived  # archiving is final
    actions = db.session.scalars(select(AuditEntry.after).where(AuditEntry.action == "cohort.status")).all()
    assert [a["status"] for a in actions] == ["open", "running", "closed", "archived"]


def test_archive_confirmation_warns_that_it_cannot_be_undone(organizer_ja, make):
    group = make.cohort(status=CohortStatus.CLOSED)
    page = _page(organizer_ja.get(f"/manage/cohorts/{group.id}/status/archived"))
    assert "元に戻せません" in page and "現在：終了" in page


@pytest.mark.parametrize("status, to, expected", [
    (CohortStatus.RUNNING, "archived", "running"),  # not a move a running cohort can make
    (CohortStatus.RUNNING, "closed", "draft"),  # someone moved it since the page was shown
    (CohortStatus.ARCHIVED, "running", "archived"),  # archiving is final
])
def test_a_move_the_cohort_cannot_make_is_refused_with_a_message(organizer, make, status, to, expected):
    group = make.cohort(status=status)
    response = organizer.post(f"/manage/cohorts/{group.id}/status/{to}", data={"expected": expected})
    assert response.status_code == 302
    assert "could not be moved to" in _flashes(organizer)
    assert _status(group.id) == status
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "cohort.status")) == 0


def test_unknown_state_is_not_found(organizer, make):
    group = make.cohort()
    assert organizer.get(f"/manage/cohorts/{group.id}/status/paused").status_code == 404


# --- archived is read-only ----------------------------------------------------------------------------------

def _csv(text: str):
    return (io.BytesIO(text.encode("utf-8")), "participants.csv")


@pytest.mark.parametrize("path, data", [
    ("enrol", lambda ids: {"emails": "new@example.jp"}),
    ("import", lambda ids: {"participants": _csv("email,name\nnew@example.jp,新人\n")}),
    ("mentors", lambda ids: {"mentor_id": str(ids["free_mentor"])}),
    ("mentors/{mentor}/remove", lambda ids: {}),
    ("edit", lambda ids: {"name": "改名", "starts_on": "2027-04-01", "ends_on": "2027-06-30"}),
    ("schedule", lambda ids: {f"due_{ids['exercise']}": "2027-05-01", "submit": "1"}),
    ("edit", None),  # the edit and schedule pages themselves send an organizer back with the reason
    ("schedule", None),
])
def test_archived_cohort_refuses_every_change_with_a_message(organizer, make, path, data):
    mentor, free_mentor = make.user(Role.MENTOR), make.user(Role.MENTOR)
    make.user(email="new@example.jp")
    group = make.cohort(learners=[make.user()], mentors=[mentor], status=CohortStatus.ARCHIVED)
    ids = {"free_mentor": free_mentor.id, "exercise": group.module_version.exercises[0].id}
    before = (group.name, [s.due_at for s in group.schedule])
    url = f"/manage/cohorts/{group.id}/" + path.format(mentor=mentor.id)
    response = organizer.post(url, data=data(ids)) if data else organizer.get(url)
    assert response.status_code == 302
    assert "This cohort is archived: it can no longer be changed." in _flashes(organizer)
    db.session.expire_all()
    group = db.session.get(Cohort, group.id)
    assert (group.name, [s.due_at for s in group.schedule]) == before
    assert db.session.scalar(select(func.count(Enrolment.id))) == 1
    assert db.session.scalars(select(MentorAssignment.user_id)).all() == [mentor.id]


def test_closed_cohort_takes_no_more_learners(organizer, make):
    make.user(email="late@example.jp")
    group = make.cohort(status=CohortStatus.CLOSED)
    for path, data in (("enrol", {"emails": "late@example.jp"}),
                       ("import", {"participants": _csv("email,name\nlate@example.jp,遅刻\n")})):
        assert organizer.post(f"/manage/cohorts/{group.id}/{path}", data=data).status_code == 302
        assert "This cohort is closed: learners can no longer be enrolled." in _flashes(organizer)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
    assert "This cohort no longer takes learners." in _page(organizer.get(f"/manage/cohorts/{group.id}"))


def test_work_of_an_archived_cohort_cannot_be_reviewed(app, make, login_as):
    learner, mentor = make.user(), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    version = _submit(app, make, group, learner, group.module_version.exercises[0])
    group.status = CohortStatus.ARCHIVED
    db.session.commit()
    client = login_as(mentor)
    client.post("/language", data={"locale": "en"})
    data = {"version_id": str(version.id), "feedback": "良い", "accept": "1", **make.scores(version.submission.exercise)}
    response = client.post(f"/review/submissions/{version.submission_id}", data=data)
    assert "This cohort is archived: its work can no longer be reviewed." in _page(response)
    assert db.session.scalar(select(func.count(Review.id))) == 0


# --- creating and the schedule editor -----------------------------------------------------------------------

def _offsets(version, *days):
    for exercise, offset in zip(version.exercises, days):
        exercise.suggested_offset_days = offset
    db.session.commit()


def test_new_cohort_is_a_draft_and_an_optional_exercise_may_have_no_due_date(organizer, make):
    version = make.module_version(exercises=2, optional=(2,))
    response = organizer.post(f"/manage/cohorts/new/{version.id}", data={
        "name": "2027年度 第1期", "description": "釧路会場", "starts_on": "2027-04-01", "ends_on": "2027-06-30",
        f"due_{version.exercises[0].id}": "2027-05-14", f"due_{version.exercises[1].id}": "", "submit": "1"})
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert (cohort.status, cohort.description) == (CohortStatus.DRAFT, "釧路会場")
    assert {s.exercise.position: s.due_at for s in cohort.schedule} == {1: end_of_day(date(2027, 5, 14)), 2: None}
    page = _page(organizer.get(f"/manage/cohorts/{cohort.id}"))
    assert "No due date" in page and "釧路会場" in page


def test_required_exercise_needs_a_due_date_and_every_date_error_is_shown_at_once(organizer, make):
    version = make.module_version(exercises=3)
    first, second, third = version.exercises
    response = organizer.post(f"/manage/cohorts/new/{version.id}", data={
        "name": "", "starts_on": "2027-04-01", "ends_on": "2027-03-01", f"due_{first.id}": "",
        f"due_{second.id}": "2027-03-15", f"due_{third.id}": "2027-13-01", "submit": "1"})
    assert response.status_code == 422
    page = _page(response)
    for message in ("Enter a name for the cohort.", "The end date must be on or after the start date.",
                    "Enter a due date for this exercise.", "The due date must be between the start and end dates.",
                    "Not a valid date value."):
        assert message in page
    # Each is listed at the top and linked to its field.
    assert f'<a href="#due_{first.id}">' in page and f'<a href="#due_{second.id}">' in page
    assert f'<a href="#ends_on">' in page
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_service_reports_every_date_problem_at_once(app, make):
    version = make.module_version(exercises=2)
    with pytest.raises(services.InvalidSchedule) as refusal:
        services.create_cohort(db.session, name="期", module_version=version, starts_at=end_of_day(date(2027, 4, 1)),
                               ends_at=end_of_day(date(2027, 3, 1)), due_dates={}, actor=make.user(Role.ORGANIZER))
    assert [(p.problem.value, p.exercise_id) for p in refusal.value.problems] == [
        ("end_before_start", None), ("due_missing", version.exercises[0].id), ("due_missing", version.exercises[1].id)]


def test_suggested_due_dates_count_from_the_start(app, make):
    version = make.module_version(exercises=3, optional=(3,))
    _offsets(version, 7, 20, None)
    assert suggested_due_days(version.exercises, date(2027, 4, 1)) == {
        version.exercises[0].id: date(2027, 4, 8), version.exercises[1].id: date(2027, 4, 21)}


def test_new_cohort_form_fills_in_the_modules_suggested_dates(organizer, make):
    version = make.module_version(exercises=3, optional=(3,))
    _offsets(version, 7, 20, None)
    page = _page(organizer.post(f"/manage/cohorts/new/{version.id}", data={
        "name": "期", "starts_on": "2027-04-01", "ends_on": "2027-06-30", "prefill": "1"}))
    first, second, third = version.exercises
    assert f'id="due_{first.id}" name="due_{first.id}" required type="date" value="2027-04-08"' in page
    assert f'id="due_{second.id}" name="due_{second.id}" required type="date" value="2027-04-21"' in page
    assert f'id="due_{third.id}" name="due_{third.id}" type="date" value=""' in page
    # Filling in saves nothing.
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_filling_in_suggested_dates_needs_the_start_date(organizer, make):
    version = make.module_version(exercises=1)
    response = organizer.post(f"/manage/cohorts/new/{version.id}", data={"name": "期", "prefill": "1"})
    assert response.status_code == 422
    assert "Enter the start date first: the suggested due dates count from it." in _page(response)


def test_schedule_page_fills_in_suggested_dates_from_the_cohorts_start(organizer, make):
    version = make.module_version(exercises=2)
    _offsets(version, 3, 10)
    group = make.cohort(version, started_days_ago=2, days_open=60)
    page = _page(organizer.post(f"/manage/cohorts/{group.id}/schedule", data={"prefill": "1"}))
    start = tokyo_date(group.starts_at)
    assert f'value="{(start + timedelta(days=3)).isoformat()}"' in page
    assert f'value="{(start + timedelta(days=10)).isoformat()}"' in page
    assert [s.due_at for s in group.schedule] == [s.due_at for s in db.session.get(Cohort, group.id).schedule]


@pytest.mark.parametrize("day, locale, expected", [
    (date(2027, 1, 1), "ja", "元日"),
    (date(2027, 1, 1), "en", "New Year's Day"),
    (date(2027, 5, 3), "ja", "憲法記念日"),
    (date(2027, 1, 9), "en", None),  # a Saturday
    (date(2027, 1, 12), "en", False),  # a Tuesday: nothing to say
])
def test_weekends_and_japanese_public_holidays_are_recognised(day, locale, expected):
    warning = day_warning(day, locale)
    if expected is False:
        assert warning is None
    else:
        assert warning.holiday == expected


def test_weekend_and_holiday_due_dates_are_warned_about_but_saved(organizer, make):
    version = make.module_version(exercises=2)
    data = {"name": "冬期", "starts_on": "2026-12-21", "ends_on": "2027-01-29", "submit": "1",
            f"due_{version.exercises[0].id}": "2027-01-01", f"due_{version.exercises[1].id}": "2027-01-09"}
    response = organizer.post(f"/manage/cohorts/new/{version.id}", data=data, follow_redirects=True)
    page = _page(response)
    assert "Saved. Please check:" in page
    assert "This is a public holiday (New Year&#39;s Day)." in page and "This is a Saturday." in page
    cohort = db.session.scalar(select(Cohort))
    assert sorted(s.due_at for s in cohort.schedule) == [end_of_day(date(2027, 1, 1)), end_of_day(date(2027, 1, 9))]
    # The schedule page points them out next to each date, in Japanese too.
    organizer.post("/language", data={"locale": "ja"})
    schedule = _page(organizer.get(f"/manage/cohorts/{cohort.id}/schedule"))
    assert "⚠ 祝日（元日）です。" in schedule and "⚠ 土曜日です。" in schedule


def test_schedule_refusals_list_every_problem_and_change_nothing(organizer, make):
    version = make.module_version(exercises=2, optional=(2,))
    group = make.cohort(version, started_days_ago=5, days_open=30)
    before = [s.due_at for s in group.schedule]
    first, second = version.exercises
    response = organizer.post(f"/manage/cohorts/{group.id}/schedule", data={
        f"due_{first.id}": "", f"due_{second.id}": "2099-01-01", "submit": "1"})
    assert response.status_code == 422
    page = _page(response)
    assert "Enter a due date for this exercise." in page
    assert "The due date must be between the start and end dates." in page
    db.session.expire_all()
    assert [s.due_at for s in db.session.get(Cohort, group.id).schedule] == before


def test_due_date_before_submitted_work_asks_first_and_names_who_is_affected(app, organizer, make):
    early, late, silent = make.user(name="早川 花子"), make.user(name="遅野 次郎"), make.user(name="未提出 三郎")
    group = make.cohort(make.module_version(exercises=1), learners=[early, late, silent], started_days_ago=10,
                        days_open=40)
    exercise = group.module_version.exercises[0]
    _submit(app, make, group, early, exercise, now=utcnow() - timedelta(days=8))
    _submit(app, make, group, late, exercise, now=utcnow() - timedelta(days=1))
    before = group.schedule[0].due_at
    new_day = (tokyo_date(utcnow()) - timedelta(days=4)).isoformat()
    response = organizer.post(f"/manage/cohorts/{group.id}/schedule", data={f"due_{exercise.id}": new_day, "submit": "1"})
    assert response.status_code == 409
    page = _page(response)
    assert "Some learners already submitted after the new due date" in page
    assert "遅野 次郎" in page and "早川 花子" not in page and "未提出 三郎" not in page
    assert "Move the due dates anyway" in page
    db.session.expire_all()
    assert db.session.get(Cohort, group.id).schedule[0].due_at == before
    # Confirmed, it is saved.
    response = organizer.post(f"/manage/cohorts/{group.id}/schedule", data={f"due_{exercise.id}": new_day, "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Cohort, group.id).schedule[0].due_at == end_of_day(date.fromisoformat(new_day))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cohort.schedule"))
    assert entry.before == {str(exercise.id): before.isoformat()}


def test_due_date_moving_later_or_before_nobody_submitted_saves_without_asking(app, make):
    learner, organizer = make.user(), make.user(Role.ORGANIZER)
    group = make.cohort(make.module_version(exercises=2), learners=[learner], started_days_ago=10, days_open=40)
    first, second = group.module_version.exercises
    _submit(app, make, group, learner, first, now=utcnow() - timedelta(days=1))
    earlier = utcnow() - timedelta(days=3)
    # Earlier than the only submission of the first exercise: asks.
    with pytest.raises(services.ConfirmationNeeded) as asked:
        services.update_schedule(db.session, group, {first.id: earlier, second.id: earlier}, actor=organizer)
    assert asked.value.affected == {first.id: [learner.display_name]}
    # The second exercise alone: nobody submitted it, so nobody is affected.
    later = utcnow() + timedelta(days=20)
    services.update_schedule(db.session, group, {first.id: later, second.id: earlier}, actor=organizer)
    assert {s.exercise_id: s.due_at for s in group.schedule} == {first.id: later, second.id: earlier}


# --- editing details --------------------------------------------------------------------------------------------

def test_organizer_edits_name_description_and_dates(organizer, make):
    group = make.cohort(started_days_ago=5, days_open=60)
    page = _page(organizer.get(f"/manage/cohorts/{group.id}/edit"))
    assert f'value="{tokyo_date(group.starts_at).isoformat()}"' in page and "Running" in page
    start = tokyo_date(group.starts_at) - timedelta(days=1)
    end = tokyo_date(group.ends_at) + timedelta(days=7)
    response = organizer.post(f"/manage/cohorts/{group.id}/edit", data={
        "name": "改名した期", "description": "札幌会場\n定員30名", "starts_on": start.isoformat(), "ends_on": end.isoformat()})
    assert response.status_code == 302
    db.session.expire_all()
    group = db.session.get(Cohort, group.id)
    assert (group.name, group.description, tokyo_date(group.starts_at), group.ends_at) == (
        "改名した期", "札幌会場\n定員30名", start, end_of_day(end))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cohort.update"))
    assert entry.before["name"] == "テスト受講期" and entry.after["name"] == "改名した期"


@pytest.mark.parametrize("change, message", [
    ("end_before_start", "The end date must be on or after the start date."),
    ("due_outside", "The due date of “Exercise 2” would be outside these dates: change the schedule first."),
    ("empty_name", "Enter a name for the cohort."),
    ("long_description", "Use at most 2000 characters."),
])
def test_bad_details_are_refused_with_a_message_and_change_nothing(organizer, make, change, message):
    group = make.cohort(make.module_version(exercises=2), started_days_ago=5, days_open=60)
    start, end = tokyo_date(group.starts_at), tokyo_date(group.ends_at)
    data = {"name": "新しい名前", "description": "", "starts_on": start.isoformat(), "ends_on": end.isoformat()}
    if change == "end_before_start":
        data["ends_on"] = (start - timedelta(days=1)).isoformat()
    elif change == "due_outside":  # the second exercise is due two days from now
        data["ends_on"] = tokyo_date(utcnow() + timedelta(days=1)).isoformat()
        group.schedule[0].due_at = utcnow()
        db.session.commit()
    elif change == "empty_name":
        data["name"] = ""
    else:
        data["description"] = "あ" * 2001
    response = organizer.post(f"/manage/cohorts/{group.id}/edit", data=data)
    assert response.status_code == 422
    assert message in _page(response)
    db.session.expire_all()
    assert db.session.get(Cohort, group.id).name == "テスト受講期"


# --- copying ------------------------------------------------------------------------------------------------

def test_copy_starts_the_next_cohort_as_a_draft_with_the_schedule_moved(organizer, make):
    mentor = make.user(Role.MENTOR)
    version = make.module_version(exercises=2, optional=(2,))
    group = make.cohort(version, learners=[make.user()], mentors=[mentor], status=CohortStatus.ARCHIVED,
                        started_days_ago=400, days_open=60)
    group.description, group.schedule[1].due_at = "年2回開催", None
    db.session.commit()
    page = _page(organizer.get(f"/manage/cohorts/{group.id}/copy"))
    assert 'value="テスト受講期"' in page
    new_start = tokyo_date(group.starts_at) + timedelta(days=365)
    response = organizer.post(f"/manage/cohorts/{group.id}/copy",
                              data={"name": "次の期", "starts_on": new_start.isoformat()})
    assert response.status_code == 302
    copy = db.session.scalar(select(Cohort).where(Cohort.name == "次の期"))
    assert response.headers["Location"].endswith(f"/manage/cohorts/{copy.id}")
    year = timedelta(days=365)
    assert (copy.status, copy.description, copy.module_version_id) == (CohortStatus.DRAFT, "年2回開催", version.id)
    assert tokyo_date(copy.starts_at) == new_start and copy.ends_at == group.ends_at + year
    assert {s.exercise_id: s.due_at for s in copy.schedule} == {
        version.exercises[0].id: group.schedule[0].due_at + year, version.exercises[1].id: None}
    assert [a.user_id for a in copy.mentor_assignments] == [mentor.id]
    assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.cohort_id == copy.id)) == 0


@pytest.mark.parametrize("data, message", [
    ({"name": "次の期", "starts_on": ""}, "Enter the start date."),
    ({"name": "", "starts_on": "2027-04-01"}, "Enter a name for the cohort."),
])
def test_copy_refuses_bad_input_with_a_message(organizer, make, data, message):
    group = make.cohort()
    response = organizer.post(f"/manage/cohorts/{group.id}/copy", data=data)
    assert response.status_code == 422 and message in _page(response)
    assert db.session.scalar(select(func.count(Cohort.id))) == 1


# --- the cohort pages in Japanese ---------------------------------------------------------------------------

def test_cohort_pages_show_the_state_in_japanese(organizer_ja, make):
    group = make.cohort()
    for path in ("", "/edit", "/schedule", "/copy", "/status/closed"):
        assert '<span class="status status--cohort-running">実施中</span>' in _page(
            organizer_ja.get(f"/manage/cohorts/{group.id}{path}")), path
    assert "日程を保存" in _page(organizer_ja.get(f"/manage/cohorts/{group.id}/schedule"))


# --- the module files' suggested offsets ----------------------------------------------------------------------

@pytest.mark.parametrize("value, error", [
    ("-1", "'suggested_offset_days' must be a whole number of days from 0 to 366"),
    ("\"7\"", "'suggested_offset_days' must be a whole number of days from 0 to 366"),
    ("true", "'suggested_offset_days' must be a whole number of days from 0 to 366"),
    ("400", "'suggested_offset_days' must be a whole number of days from 0 to 366"),
])
def test_bad_suggested_offset_is_reported_with_file_and_line(tmp_path, value, error):
    root = tmp_path / "exercises"
    shutil.copytree(MINI_MODULE, root / MINI_MODULE.name)
    path = root / MINI_MODULE.name / "01-look" / "exercise.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "weight = 1\n", f"weight = 1\nsuggested_offset_days = {value}\n", 1), encoding="utf-8")
    errors = [str(e) for e in load_all(root)[1]]
    assert any(f"mini-module/01-look/exercise.toml:3: {error}" in e for e in errors), errors


def test_sync_stores_the_suggested_offset(app, tmp_path):
    root = tmp_path / "exercises"
    shutil.copytree(MINI_MODULE, root / MINI_MODULE.name)
    path = root / MINI_MODULE.name / "01-look" / "exercise.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("weight = 1\n", "weight = 1\nsuggested_offset_days = 14\n",
                                                             1), encoding="utf-8")
    specs, errors = load_all(root)
    assert errors == []
    sync_modules(db.session, specs, FileStorage(str(tmp_path / "files")), utcnow())
    db.session.commit()
    assert db.session.scalars(select(Exercise.suggested_offset_days).order_by(Exercise.position)).all() == [14, None]


def test_shipped_modules_suggest_a_due_date_for_every_required_exercise():
    specs, errors = load_all(Path(__file__).resolve().parents[1] / "exercises")
    assert errors == []
    for module in specs:
        offsets = [e.suggested_offset_days for e in module.exercises if e.is_required]
        assert None not in offsets and offsets == sorted(offsets), module.slug


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-31"])
def test_suggested_dates_from_an_implausible_start_are_refused_with_a_message(organizer, make, start):
    version = make.module_version(exercises=1)
    _offsets(version, 7)
    response = organizer.post(f"/manage/cohorts/new/{version.id}", data={"name": "期", "starts_on": start,
                                                                          "prefill": "1"})
    assert response.status_code == 422
    assert "Enter a date between the years 2000 and 2100." in _page(response)
