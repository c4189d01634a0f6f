"""Effective due dates (accommodations, extensions) and everything that follows them; extension requests,
decisions and grants with their refusals; accommodations; bulk extensions; calendar feeds."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.cohorts.models import CohortStatus, ScheduledExercise
from app.core.db import utcnow
from app.deadlines import services
from app.deadlines.models import Accommodation, Extension, ExtensionStatus
from app.deadlines.queries import effective_due_at, effective_due_dates, effective_due_sql
from app.extensions import db

DAY = timedelta(days=1)


def _due(group, exercise):
    return db.session.scalar(select(ScheduledExercise.due_at).where(ScheduledExercise.cohort_id == group.id,
                                                                    ScheduledExercise.exercise_id == exercise.id))


def _grant(group, learner, exercise, due_at, reason="雪で道路が通行止め"):
    organizer = db.session.scalar(select(type(learner)).where(type(learner).role == Role.ORGANIZER))
    extension = services.grant_extension(db.session, group, organizer, user_id=learner.id, exercise_id=exercise.id,
                                         due_at=due_at, reason=reason, now=utcnow())
    db.session.commit()
    return extension


def _accommodate(learner, days):
    organizer = db.session.scalar(select(type(learner)).where(type(learner).role == Role.ORGANIZER))
    services.set_accommodation(db.session, learner, organizer, extra_days=days, reason="通院", now=utcnow())
    db.session.commit()


@pytest.fixture
def setting(app, make):
    organizer = make.user(Role.ORGANIZER)
    learner, other = make.user(), make.user()
    group = make.cohort(make.module_version(exercises=3, optional=(3,)), learners=[learner, other])
    # The optional third exercise has no due date.
    group.schedule[2].due_at = None
    db.session.commit()
    return group, learner, other, organizer


# The rule -------------------------------------------------------------------------------------------

def test_the_rule_takes_the_latest_of_the_accommodated_date_and_approved_extensions():
    due = utcnow()
    assert effective_due_at(due, 0, []) == due
    assert effective_due_at(due, 7, []) == due + 7 * DAY
    assert effective_due_at(due, 7, [due + 3 * DAY]) == due + 7 * DAY
    assert effective_due_at(due, 7, [due + 3 * DAY, due + 10 * DAY]) == due + 10 * DAY
    assert effective_due_at(None, 7, [due + 10 * DAY]) is None


def test_the_sql_form_agrees_with_the_rule(setting, make):
    group, learner, other, _ = setting
    first, second, optional = group.module_version.exercises
    _grant(group, learner, second, _due(group, second) + 3 * DAY)
    _accommodate(learner, 7)  # later than the extension: the extension no longer matters
    _grant(group, other, first, _due(group, first) + 3 * DAY)
    enrolments = {make.enrolment(group, u).id: u for u in (learner, other)}
    dates = effective_due_dates(db.session, list(enrolments))
    expected = {
        (make.enrolment(group, learner).id, first.id): _due(group, first) + 7 * DAY,
        (make.enrolment(group, learner).id, second.id): _due(group, second) + 7 * DAY,
        (make.enrolment(group, learner).id, optional.id): None,
        (make.enrolment(group, other).id, first.id): _due(group, first) + 3 * DAY,
        (make.enrolment(group, other).id, second.id): _due(group, second),
        (make.enrolment(group, other).id, optional.id): None,
    }
    assert dates == expected
    # With plain values instead of columns, as the mentor's neighbours query uses it.
    enrolment = make.enrolment(group, other)
    assert db.session.scalar(select(effective_due_sql(ScheduledExercise.due_at, enrolment.id, first.id, other.id))
                             .where(ScheduledExercise.cohort_id == group.id,
                                    ScheduledExercise.exercise_id == first.id)) == _due(group, first) + 3 * DAY


def test_an_accommodation_applies_to_every_cohort_present_and_future(setting, make):
    group, learner, _, _ = setting
    _accommodate(learner, 5)
    later = make.cohort(learners=[learner])
    for cohort in (group, later):
        enrolment = make.enrolment(cohort, learner)
        exercise = cohort.module_version.exercises[0]
        assert effective_due_dates(db.session, [enrolment.id])[(enrolment.id, exercise.id)] == \
            _due(cohort, exercise) + 5 * DAY


# Submitting after the end ---------------------------------------------------------------------------

def test_an_extension_past_the_end_lets_only_that_learner_submit_that_exercise(setting, make):
    group, learner, other, _ = setting
    first, second, _ = group.module_version.exercises
    _grant(group, learner, first, group.ends_at + 10 * DAY)
    after_end = group.ends_at + 2 * DAY
    mine, theirs = make.enrolment(group, learner), make.enrolment(group, other)

    def open_(enrolment, exercise, now=after_end):
        return services.submissions_open_for(db.session, group, enrolment_id=enrolment.id, exercise_id=exercise.id,
                                             now=now)

    assert open_(mine, first)
    assert not open_(mine, second)
    assert not open_(theirs, first)
    assert not open_(mine, first, now=group.ends_at + 11 * DAY)
    group.status = CohortStatus.CLOSED
    assert open_(mine, first)
    group.status = CohortStatus.ARCHIVED
    assert not open_(mine, first)


# Requests, decisions and grants -----------------------------------------------------------------------

def _request(group, learner, exercise, reason="災害派遣のため"):
    return services.request_extension(db.session, factories_enrolment(group, learner), exercise.id, reason=reason,
                                      now=utcnow())


def factories_enrolment(group, learner):
    from tests.factories import enrolment
    return enrolment(group, learner)


@pytest.mark.parametrize("case, code", [
    ("no reason", "reason_missing"), ("archived", "archived"), ("second request", "open_request"),
    ("no due date", "no_due_date")])
def test_a_request_is_refused_with_its_reason(setting, case, code):
    group, learner, _, _ = setting
    first, _, optional = group.module_version.exercises
    exercise, reason = (optional if case == "no due date" else first), ("  " if case == "no reason" else "出張")
    if case == "archived":
        group.status = CohortStatus.ARCHIVED
    if case == "second request":
        _request(group, learner, first)
    with pytest.raises(services.ExtensionRefused) as refused:
        _request(group, learner, exercise, reason)
    assert refused.value.code == code


def test_a_grant_is_refused_for_a_date_not_after_the_current_one_or_a_learner_elsewhere(setting, make):
    group, learner, _, _ = setting
    first = group.module_version.exercises[0]
    with pytest.raises(services.ExtensionRefused) as refused:
        _grant(group, learner, first, _due(group, first))
    assert refused.value.code == "not_later"
    db.session.rollback()
    stranger = make.user()
    with pytest.raises(services.ExtensionRefused) as refused:
        _grant(group, stranger, first, _due(group, first) + DAY)
    assert refused.value.code == "not_in_cohort"


def test_the_learner_asks_and_the_organizer_approves_from_the_pages(setting, login_as):
    group, learner, _, organizer = setting
    first = group.module_version.exercises[0]
    page = f"/cohorts/{group.id}/exercises/{first.id}"
    as_learner = login_as(learner)
    assert "さらに時間が必要な理由" in as_learner.get(page).get_data(as_text=True)
    refused = as_learner.post(f"{page}/extension-request", data={"reason": ""}, follow_redirects=True)
    assert "時間が必要な理由を書いてください。" in refused.get_data(as_text=True)
    as_learner.post(f"{page}/extension-request", data={"reason": "大雪で出勤できません"})
    again = as_learner.post(f"{page}/extension-request", data={"reason": "再送"}, follow_redirects=True)
    assert "この演習課題については、すでに延長を申請しています。" in again.get_data(as_text=True)
    extension = db.session.scalar(select(Extension))

    as_organizer = login_as(organizer)
    listing = as_organizer.get(f"/manage/cohorts/{group.id}/extensions").get_data(as_text=True)
    assert "大雪で出勤できません" in listing
    too_early = (_due(group, first) - DAY).astimezone().date().isoformat()
    refused = as_organizer.post(f"/manage/cohorts/{group.id}/extensions/{extension.id}/approve",
                                data={f"a{extension.id}-due_on": too_early}, follow_redirects=True)
    assert "新しい期限は、この受講者の現在の期限より後の日付にしてください。" in refused.get_data(as_text=True)
    new_day = (_due(group, first) + 5 * DAY).date().isoformat()
    as_organizer.post(f"/manage/cohorts/{group.id}/extensions/{extension.id}/approve",
                      data={f"a{extension.id}-due_on": new_day, f"a{extension.id}-note": "お大事に"})
    db.session.refresh(extension)
    assert extension.status == ExtensionStatus.APPROVED and extension.decided_by_id == organizer.id
    mine = as_learner.get(page).get_data(as_text=True)
    assert "延長が認められました" in mine and "お大事に" in mine


def test_a_decline_needs_a_note_and_a_mentor_decides_only_when_the_cohort_allows(setting, login_as, make):
    group, learner, _, organizer = setting
    mentor = make.user(Role.MENTOR)
    from app.cohorts.models import MentorAssignment
    db.session.add(MentorAssignment(cohort=group, user=mentor))
    db.session.commit()
    extension = _request(group, learner, group.module_version.exercises[0])
    db.session.commit()
    as_mentor = login_as(mentor)
    url = f"/manage/cohorts/{group.id}/extensions/{extension.id}/decline"
    assert as_mentor.post(url, data={f"d{extension.id}-note": "不可"}).status_code == 404
    login_as(organizer).post(f"/manage/cohorts/{group.id}/extensions/mentors", data={"allowed": "y"})
    refused = as_mentor.post(url, data={f"d{extension.id}-note": ""})
    assert "申請を認めない理由を書いてください。" in refused.get_data(as_text=True)
    as_mentor.post(url, data={f"d{extension.id}-note": "期限内に提出できる分量です"})
    db.session.refresh(extension)
    assert extension.status == ExtensionStatus.DECLINED


def test_the_organizer_grants_an_extension_and_the_refusals_show_on_the_form(setting, login_as, make):
    group, learner, _, organizer = setting
    first = group.module_version.exercises[0]
    as_organizer = login_as(organizer)
    url = f"/manage/cohorts/{group.id}/extensions/grant"
    data = {"user_id": learner.id, "exercise_id": first.id, "due_on": (_due(group, first) + 3 * DAY).date(),
            "reason": ""}
    assert "延長の理由を書いてください。" in as_organizer.post(url, data=data).get_data(as_text=True)
    group.status = CohortStatus.ARCHIVED
    db.session.commit()
    archived = as_organizer.post(url, data={**data, "reason": "研修出張"}).get_data(as_text=True)
    assert "この受講期はアーカイブ済みのため、期限は変更できません。" in archived
    group.status = CohortStatus.RUNNING
    db.session.commit()
    as_organizer.post(url, data={**data, "reason": "研修出張"})
    enrolment = make.enrolment(group, learner)
    assert effective_due_dates(db.session, [enrolment.id])[(enrolment.id, first.id)] > _due(group, first)


# End to end: what each person sees follows their own effective due date ---------------------------------

def test_accommodation_and_extension_change_the_pages_the_queue_the_progress_table_and_the_reminders(
        app, make, login_as):
    from app.core.storage import FileStorage
    from app.notifications.models import Notification, NotificationKind
    from app.notifications.services import create_due_reminders
    from app.progress.queries import cohort_progress
    from app.reviews.queries import review_queue
    from app.submissions.services import submit_version

    organizer, mentor = make.user(Role.ORGANIZER), make.user(Role.MENTOR)
    extended, accommodated, plain = make.user(name="延長さん"), make.user(name="配慮さん"), make.user(name="通常さん")
    group = make.cohort(make.module_version(exercises=1), learners=[extended, accommodated, plain],
                        mentors=[mentor], started_days_ago=10)
    exercise = group.module_version.exercises[0]
    group.schedule[0].due_at = utcnow() - DAY  # due yesterday
    db.session.commit()
    due = _due(group, exercise)
    _grant(group, extended, exercise, due + 5 * DAY, reason="災害派遣")
    _accommodate(accommodated, 2)
    now = utcnow()

    # The progress table: only the learner without more time is overdue, in the cells and the column count.
    table = cohort_progress(db.session, group, locale="ja", now=now)
    statuses = {row.display_name: row.cells[0].status for row in table.rows}
    assert statuses == {"延長さん": "not_started", "配慮さん": "not_started", "通常さん": "overdue"}
    assert {row.display_name: row.cells[0].due_at for row in table.rows} == {
        "延長さん": due + 5 * DAY, "配慮さん": due + 2 * DAY, "通常さん": due}
    assert table.columns[0].overdue == 1

    # The reminders: overdue for one, due soon for the others, each with their own date.
    create_due_reminders(db.session, now)
    db.session.commit()
    reminders = {n.recipient_id: (n.kind, n.due_at) for n in db.session.scalars(select(Notification))}
    assert reminders == {plain.id: (NotificationKind.OVERDUE, due),
                         extended.id: (NotificationKind.DUE_IN_7_DAYS, due + 5 * DAY),
                         accommodated.id: (NotificationKind.DUE_IN_1_DAY, due + 2 * DAY)}

    # The learner's exercise page and home say their own date, not overdue.
    page = login_as(accommodated).get(f"/cohorts/{group.id}/exercises/{exercise.id}").get_data(as_text=True)
    assert "期限切れ" not in page

    # The mentor's queue: the work of the extended learner sorts by their date and shows why.
    submit_version(db.session, enrolment=make.enrolment(group, extended), exercise=exercise, body_md="回答",
                   uploads=[], keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]), now=now,
                   max_answer_chars=1000, max_attachment_bytes=1000)
    db.session.commit()
    item = review_queue(db.session, mentor, "ja", now=now).items[0]
    assert (item.due_at, item.is_overdue, item.extension_reason) == (due + 5 * DAY, False, "災害派遣")
    mentor_client = login_as(mentor)
    assert "延長あり：災害派遣" in mentor_client.get("/review/").get_data(as_text=True)
    # The review page says it too, with the learner's own date.
    review_page = mentor_client.get(f"/review/submissions/{item.submission.id}").get_data(as_text=True)
    assert "延長あり：災害派遣" in review_page
    extended_on = (due + 5 * DAY).astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"提出期限：{extended_on.year}年{extended_on.month}月{extended_on.day}日" in review_page


# Calendars ----------------------------------------------------------------------------------------------

def test_the_calendar_has_the_learners_own_dates_and_a_reset_makes_the_old_address_404(setting, login_as, app):
    from icalendar import Calendar
    group, learner, other, _ = setting
    first = group.module_version.exercises[0]
    _grant(group, learner, first, _due(group, first) + 4 * DAY)
    client = login_as(learner)
    assert "カレンダー" in client.get("/settings/calendar").get_data(as_text=True)
    client.post("/settings/calendar")
    page = client.get("/settings/calendar").get_data(as_text=True)
    address = next(line.split('value="')[1].split('"')[0] for line in page.splitlines() if ".ics" in line)
    # Built from BASE_URL, never from the request's host.
    assert address.startswith(app.config["BASE_URL"].rstrip("/") + "/calendar/")
    path = "/" + address.split("/", 3)[3]
    anonymous = app.test_client()
    response = anonymous.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert len(events) == 2  # the optional exercise has no due date
    by_uid = {str(e["UID"]): e for e in events}
    enrolment_id = group.enrolments[0].id if group.enrolments[0].user_id == learner.id else group.enrolments[1].id
    event = by_uid[next(uid for uid in by_uid if f"x{first.id}@" in uid)]
    assert f"e{enrolment_id}-c{group.id}" in str(event["UID"])
    assert event["DTEND"].dt == (_due(group, first) + 4 * DAY).replace(microsecond=0)  # iCalendar has seconds
    assert event["DTEND"].params["TZID"] == "Asia/Tokyo"
    assert "DTSTAMP" in event and calendar.walk("VTIMEZONE")
    # The same event again: the same UID, so a calendar moves it instead of adding one.
    again = Calendar.from_ical(anonymous.get(path).data)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(by_uid)
    cohort_path = path.removesuffix(".ics") + f"/cohorts/{group.id}.ics"
    assert anonymous.get(cohort_path).status_code == 200

    client.post("/settings/calendar")
    assert anonymous.get(path).status_code == 404
    assert anonymous.get(cohort_path).status_code == 404


# Accommodations -----------------------------------------------------------------------------------------

def test_the_organizer_sets_an_accommodation_on_the_learners_page_with_refusals_in_japanese(setting, login_as,
                                                                                              make):
    group, learner, _, organizer = setting
    client = login_as(organizer)
    assert f"/manage/learners/{learner.id}/accommodation" in client.get(
        f"/manage/cohorts/{group.id}").get_data(as_text=True)
    url = f"/manage/learners/{learner.id}/accommodation"
    assert "延長の理由を書いてください。" in client.post(url, data={"extra_days": "7", "reason": ""}).get_data(
        as_text=True)
    assert "0から90までの日数を入力してください。" in client.post(
        url, data={"extra_days": "91", "reason": "通院"}).get_data(as_text=True)
    client.post(url, data={"extra_days": "7", "reason": "通院"})
    assert db.session.scalar(select(Accommodation.extra_days).where(Accommodation.user_id == learner.id)) == 7
    first = group.module_version.exercises[0]
    enrolment = make.enrolment(group, learner)
    assert effective_due_dates(db.session, [enrolment.id])[(enrolment.id, first.id)] == _due(group, first) + 7 * DAY
    client.post(url, data={"extra_days": "0", "reason": ""})
    assert db.session.scalar(select(Accommodation)) is None
    assert login_as(learner).get(url).status_code == 403


# Bulk extensions ----------------------------------------------------------------------------------------

def test_a_bulk_extension_for_a_subprefecture_is_previewed_with_names_then_recorded_once(app, make, login_as):
    import re

    from app.auth.models import Organization, OrganizationKind
    from app.core.timeutil import end_of_day, tokyo_date
    from app.deadlines.models import BulkExtension

    kushiro = Organization(name_ja="釧路総合振興局", name_en="Kushiro", kind=OrganizationKind.SUBPREFECTURE)
    ishikari = Organization(name_ja="石狩振興局", name_en="Ishikari", kind=OrganizationKind.SUBPREFECTURE)
    kushiro_city = Organization(name_ja="釧路市", name_en="Kushiro City", kind=OrganizationKind.MUNICIPALITY,
                                parent=kushiro)
    sapporo = Organization(name_ja="札幌市", name_en="Sapporo", kind=OrganizationKind.MUNICIPALITY, parent=ishikari)
    db.session.add_all([kushiro, ishikari, kushiro_city, sapporo])
    db.session.commit()
    organizer = make.user(Role.ORGANIZER)
    snowed_in = make.user(name="釧路さん", organization_id=kushiro_city.id)
    accommodated = make.user(name="配慮さん", organization_id=kushiro_city.id)
    elsewhere = make.user(name="札幌さん", organization_id=sapporo.id)
    group = make.cohort(make.module_version(exercises=1), learners=[snowed_in, accommodated, elsewhere])
    exercise = group.module_version.exercises[0]
    due = _due(group, exercise)
    _accommodate(accommodated, 10)
    client = login_as(organizer)
    url = "/manage/extensions/bulk"
    new_day = tokyo_date(due + 3 * DAY)
    data = {"cohort_ids": [group.id], "place_ids": [kushiro.id], "new_due_on": new_day.isoformat(),
            "reason": "大雪で道路が通行止め"}

    assert "延長の理由を書いてください。" in client.post(url, data={**data, "reason": ""}).get_data(as_text=True)
    both = client.post(url, data={**data, "extra_days": "3"}).get_data(as_text=True)
    assert "新しい期限か、加える日数のどちらか一方を入力してください。" in both

    preview = client.post(url, data=data).get_data(as_text=True)
    assert "釧路さん" in preview and "配慮さん" in preview and "札幌さん" not in preview
    # The accommodated learner already has a later date: named, but kept as it is.
    assert "1人の受講者の1件の期限が延びます。" in preview and "変更なし" in preview
    assert db.session.scalar(select(Extension.id)) is None  # the preview writes nothing
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', preview).group(1)

    stale = client.post(url, data={**data, "confirm": "yes", "digest": "0" * 64}).get_data(as_text=True)
    assert "プレビューの後に変更がありました" in stale
    assert db.session.scalar(select(Extension.id)) is None

    client.post(url, data={**data, "confirm": "yes", "digest": digest})
    bulk = db.session.scalar(select(BulkExtension))
    assert bulk.reason == "大雪で道路が通行止め" and len(bulk.extensions) == 1
    dates = effective_due_dates(db.session, [e.id for e in group.enrolments])
    by_name = {e.user.display_name: dates[(e.id, exercise.id)] for e in group.enrolments}
    assert by_name == {"釧路さん": end_of_day(new_day), "配慮さん": due + 10 * DAY, "札幌さん": due}
    listing = client.get(f"/manage/cohorts/{group.id}/extensions").get_data(as_text=True)
    assert "大雪で道路が通行止め" in listing and "一括" in listing
