"""Notifications: made by the real flows (submit, return, accept, issue) and by `flask notifications
send-due`, mailed in the recipient's language unless they turned the kind off, listed for their recipient
alone, counted in the header."""

import email
import email.policy
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.badges.models import Credential, CredentialStatus
from app.cohorts.models import CohortStatus, Enrolment, EnrolmentStatus
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.core.timeutil import TOKYO, end_of_day
from app.core.transaction import commit
from app.deadlines.models import Extension
from app.extensions import db
from app.notifications import services
from app.notifications.models import MailOptOut, Notification, NotificationKind
from app.reviews.services import review_version
from app.submissions.services import submit_version
from tests.test_core_loop import _review, _submit


def _mails(app) -> list[dict]:
    """Every mail written to the outbox: to, subject and body."""
    mails = []
    for path in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        mails.append({"to": message["To"], "subject": message["Subject"], "body": message.get_content()})
    return mails


def _kinds(user) -> list[str]:
    return sorted(db.session.scalars(select(Notification.kind).where(Notification.recipient_id == user.id)))


def _submit_version(app, make, group, learner, exercise):
    version = submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=exercise, body_md="回答",
                             uploads=[], keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]),
                             now=utcnow(), max_answer_chars=1000, max_attachment_bytes=1000)
    commit(db.session)
    return version


def _decide(version, mentor, decision):
    review_version(db.session, version=version, mentor=mentor, decision=decision,
                   points_by_criterion={c.id: 3 for c in version.submission.exercise.criteria},
                   feedback_md="確認しました。", now=utcnow())
    commit(db.session)


def test_a_submit_tells_each_mentor_of_the_cohort_in_their_language(app, make, login_as):
    learner = make.user(Role.LEARNER, name="札幌花子")
    mentor_ja, mentor_en = make.user(Role.MENTOR), make.user(Role.MENTOR, locale="en")
    bystander = make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor_ja, mentor_en],
                        name="空知2026")
    make.cohort(learners=[make.user()], mentors=[bystander])
    exercise = group.module_version.exercises[0]

    assert _submit(login_as(learner), group, exercise, "初版です。").status_code == 302

    assert _kinds(mentor_ja) == _kinds(mentor_en) == ["submission_waiting"]
    assert _kinds(bystander) == _kinds(learner) == []
    mails = {mail["to"]: mail for mail in _mails(app)}
    assert set(mails) == {mentor_ja.email, mentor_en.email}
    assert mails[mentor_ja.email]["subject"] == "札幌花子さんが「空知2026」の課題「課題1」を提出しました。レビューをお願いします。"
    assert mails[mentor_en.email]["subject"] == "札幌花子 submitted “Exercise 1” (空知2026); it is waiting for review."
    submission_id = db.session.scalar(select(Notification.submission_id).where(Notification.recipient_id == mentor_en.id))
    # Absolute links from BASE_URL, in the mail of each.
    assert f"http://127.0.0.1:5000/review/submissions/{submission_id}" in mails[mentor_en.email]["body"]
    assert "http://127.0.0.1:5000/notifications/settings" in mails[mentor_ja.email]["body"]


def test_returning_and_accepting_work_tell_the_learner_in_their_language(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER, locale="en"), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=2), learners=[learner], mentors=[mentor], name="釧路2026")
    exercise = group.module_version.exercises[0]
    learner_client, mentor_client = login_as(learner), login_as(mentor)
    _submit(learner_client, group, exercise, "初版です。")
    version = db.session.scalar(select(Notification).where(Notification.recipient_id == mentor.id)).submission.versions[0]

    assert _review(mentor_client, version.submission, version, "return", make).status_code == 302
    assert _kinds(learner) == ["work_returned"]
    _submit(learner_client, group, exercise, "第2版です。")
    db.session.expire_all()
    latest = version.submission.versions[-1]
    assert _review(mentor_client, latest.submission, latest, "accept", make).status_code == 302

    assert _kinds(learner) == ["work_accepted", "work_returned"]
    learner_mails = [mail for mail in _mails(app) if mail["to"] == learner.email]
    assert sorted(mail["subject"] for mail in learner_mails) == [
        "Your work on “Exercise 1” (釧路2026) came back for revision.",
        "Your work on “Exercise 1” (釧路2026) was accepted."]
    assert all(f"http://127.0.0.1:5000/cohorts/{group.id}/exercises/{exercise.id}" in mail["body"]
               for mail in learner_mails)


def test_an_issued_badge_tells_the_learner(app, make):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])

    assert _kinds(learner) == ["badge_issued", "work_accepted"]
    credential = db.session.scalar(select(Credential))
    [mail] = [mail for mail in _mails(app) if mail["to"] == learner.email and "バッジ" in mail["subject"]]
    assert mail["subject"] == f"バッジ「{credential.achievement.name_ja}」が発行されました。"
    assert f"http://127.0.0.1:5000/c/{credential.uuid}" in mail["body"]


def test_a_badge_waiting_for_approval_is_announced_when_it_is_issued(app, make, login_as):
    learner, group = make.badge_awaiting_approval(app.config["STORAGE_DIR"])
    assert _kinds(learner) == ["work_accepted"]

    organizer = login_as(make.user(Role.ORGANIZER))
    assert organizer.post(f"/manage/badges/cohorts/{group.id}/approve", data={"narrative": ""}).status_code == 302
    assert _kinds(learner) == ["badge_issued", "work_accepted"]


def test_a_badge_approved_after_the_account_was_deactivated_tells_nobody(app, make, login_as):
    learner, group = make.badge_awaiting_approval(app.config["STORAGE_DIR"])
    learner.is_active_account = False
    db.session.commit()
    mails = len(_mails(app))

    organizer = login_as(make.user(Role.ORGANIZER))
    assert organizer.post(f"/manage/badges/cohorts/{group.id}/approve", data={"narrative": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Credential)).status == CredentialStatus.ISSUED  # issued all the same
    assert _kinds(learner) == ["work_accepted"] and len(_mails(app)) == mails


def test_a_kind_turned_off_is_shown_but_not_mailed(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    # Every box but "accepted" ticked: that one is turned off.
    response = login_as(learner).post("/notifications/settings", data={
        kind.value: "y" for kind in NotificationKind if kind != NotificationKind.WORK_ACCEPTED})
    assert response.status_code == 302
    assert db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == learner.id)).all() == [
        NotificationKind.WORK_ACCEPTED]

    version = _submit_version(app, make, group, learner, group.module_version.exercises[0])
    _decide(version, mentor, "returned")
    returned_mails = len(_mails(app))
    version = _submit_version(app, make, group, learner, group.module_version.exercises[0])
    _decide(version, mentor, "accepted")

    assert _kinds(learner).count("work_accepted") == 1
    learner_mails = [mail["subject"] for mail in _mails(app) if mail["to"] == learner.email]
    assert len(learner_mails) == 2  # the return and the badge; not the acceptance
    assert not any("合格" in subject for subject in learner_mails)
    assert returned_mails >= 1


def test_settings_page_ticks_what_is_mailed_and_offers_new_submissions_to_mentors_only(make, login_as):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    page = login_as(learner).get("/notifications/settings").get_data(as_text=True)
    assert "提出した課題が差し戻されたとき" in page and "担当する受講期の受講者が課題を提出したとき" not in page
    assert page.count('checked') == len(NotificationKind) - 1  # every kind offered is on by default
    client = login_as(mentor)
    client.post("/notifications/settings", data={"work_returned": "y"})
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert "担当する受講期の受講者が課題を提出したとき" in page and page.count('checked') == 1

    # A learner's form leaves the kind it does not offer as it was.
    db.session.add(MailOptOut(user_id=learner.id, kind=NotificationKind.SUBMISSION_WAITING))
    db.session.commit()
    login_as(learner).post("/notifications/settings", data={kind.value: "y" for kind in NotificationKind})
    assert db.session.scalars(select(MailOptOut.kind).where(MailOptOut.user_id == learner.id)).all() == [
        NotificationKind.SUBMISSION_WAITING]


def _reminder_world(make, learner, due_in: dict[int, timedelta]):
    """A running cohort whose exercise n is due `due_in[n]` from now."""
    group = make.cohort(make.module_version(exercises=len(due_in)), learners=[learner], days_open=30,
                        started_days_ago=10, name="観光2026")
    now = utcnow()
    for item in group.schedule:
        item.due_at = now + due_in[item.exercise.position]
    db.session.commit()
    return group


def test_send_due_reminds_once_of_each_kind_in_the_learners_language(app, make, runner):
    learner, english = make.user(Role.LEARNER), make.user(Role.LEARNER, locale="en")
    group = _reminder_world(make, learner, {1: timedelta(days=5), 2: timedelta(hours=12), 3: timedelta(days=-2),
                                            4: timedelta(days=9)})
    db.session.add(Enrolment(cohort=group, user=english))
    db.session.commit()

    result = runner.invoke(args=["notifications", "send-due"])
    assert result.exit_code == 0, result.output
    assert "6 reminder(s) created, 6 mailed" in result.output
    by_exercise = dict(db.session.execute(select(Notification.exercise_id, Notification.kind)
                                          .where(Notification.recipient_id == learner.id)).all())
    exercises = {e.position: e.id for e in group.module_version.exercises}
    assert by_exercise == {exercises[1]: "due_in_7_days", exercises[2]: "due_in_1_day", exercises[3]: "overdue"}
    subjects = sorted(mail["subject"] for mail in _mails(app) if mail["to"] == english.email)
    assert subjects[0].startswith("“Exercise 1” (観光2026) is due within a week, on ")
    assert subjects[2].startswith("“Exercise 3” (観光2026) was due on ")
    assert any(mail["subject"].startswith("「観光2026」の課題「課題2」の提出期限まで1日を切りました") for mail in _mails(app))

    again = runner.invoke(args=["notifications", "send-due"])
    assert "0 reminder(s) created, 0 mailed" in again.output
    assert len(_mails(app)) == 6
    assert db.session.scalar(select(func.count(Notification.id))) == 6


def test_the_week_reminder_is_followed_by_the_day_one_then_overdue(app, make):
    learner = make.user(Role.LEARNER)
    group = _reminder_world(make, learner, {1: timedelta(days=6)})
    now = utcnow()
    assert [n.kind for n in services.create_due_reminders(db.session, now)] == ["due_in_7_days"]
    assert services.create_due_reminders(db.session, now + timedelta(days=2)) == []
    assert [n.kind for n in services.create_due_reminders(db.session, now + timedelta(days=5, hours=12))] == [
        "due_in_1_day"]
    assert [n.kind for n in services.create_due_reminders(db.session, now + timedelta(days=7))] == ["overdue"]
    assert services.create_due_reminders(db.session, now + timedelta(days=8)) == []
    assert group.schedule[0].due_at > now


def test_reminders_leave_out_submitted_work_withdrawn_learners_and_cohorts_not_running(app, make):
    submitted, withdrawn, elsewhere, owing = (make.user(Role.LEARNER) for _ in range(4))
    group = _reminder_world(make, submitted, {1: timedelta(days=2)})
    db.session.add_all([Enrolment(cohort=group, user=withdrawn, status=EnrolmentStatus.WITHDRAWN,
                                  withdrawn_at=utcnow()), Enrolment(cohort=group, user=owing)])
    closed = _reminder_world(make, elsewhere, {1: timedelta(days=2)})
    closed.status = CohortStatus.CLOSED
    db.session.commit()
    _submit_version(app, make, group, submitted, group.module_version.exercises[0])

    due = services.due_dates_for_reminders(db.session, utcnow())
    assert [(d.user_id, d.cohort_id, d.exercise_id) for d in due] == [
        (owing.id, group.id, group.module_version.exercises[0].id)]
    assert due[0].due_at == group.schedule[0].due_at


def test_a_second_run_at_the_same_time_cannot_add_the_same_reminder(app, make):
    learner = make.user(Role.LEARNER)
    group = _reminder_world(make, learner, {1: timedelta(days=2)})
    exercise_id = group.module_version.exercises[0].id
    reminder = dict(recipient_id=learner.id, kind=NotificationKind.DUE_IN_7_DAYS, cohort_id=group.id,
                    exercise_id=exercise_id)
    assert services.create_notification(db.session, now=utcnow(), **reminder) is not None
    db.session.commit()
    # The other run's insert finds it and adds nothing; a plain insert is refused by the database itself.
    assert services.create_notification(db.session, now=utcnow(), **reminder) is None
    db.session.add(Notification(**reminder))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(Notification.id))) == 1


def _notified_learner(app, make):
    """A learner with two unread notifications (returned, then accepted) and someone else's notification."""
    learner, other, mentor = make.user(Role.LEARNER), make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=2), learners=[learner, other], mentors=[mentor], name="空知2026")
    first = group.module_version.exercises[0]
    _decide(_submit_version(app, make, group, learner, first), mentor, "returned")
    _decide(_submit_version(app, make, group, learner, first), mentor, "accepted")
    _decide(_submit_version(app, make, group, other, first), mentor, "returned")
    theirs = db.session.scalar(select(Notification).where(Notification.recipient_id == other.id))
    return learner, other, theirs


def test_the_page_lists_ones_own_notifications_newest_first_and_the_header_counts_them(app, make, login_as):
    learner, other, theirs = _notified_learner(app, make)
    page = login_as(learner).get("/notifications/").get_data(as_text=True)
    accepted = "「空知2026」の課題「課題1」が合格になりました。"
    returned = "「空知2026」の課題「課題1」が差し戻されました。"
    assert accepted in page and returned in page and page.index(accepted) < page.index(returned)
    assert page.count('<li class="notification') == 2  # not the other learner's
    assert 'aria-label="未読の通知 2件"' in page and '<span class="unread-count" aria-hidden="true">2</span>' in page
    english = login_as(other)
    english.post("/language", data={"locale": "en", "next": "/notifications/"})
    assert 'aria-label="1 unread notification"' in english.get("/notifications/").get_data(as_text=True)


def test_marking_read_is_for_the_recipient_alone(app, make, login_as):
    learner, other, theirs = _notified_learner(app, make)
    client = login_as(learner)
    # Someone else's notification, and one that does not exist: 404, and nothing changes.
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post(f"/notifications/{theirs.id + 1000}/read").status_code == 404
    db.session.expire_all()
    assert theirs.read_at is None

    mine = db.session.scalars(select(Notification).where(Notification.recipient_id == learner.id)
                              .order_by(Notification.id)).all()
    assert client.post(f"/notifications/{mine[0].id}/read").status_code == 302
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'aria-label="未読の通知 1件"' in page
    assert client.post(f"/notifications/{mine[0].id}/read").status_code == 302  # again: still read, no error
    response = client.post("/notifications/read", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1件の通知を既読にしました。" in page and "unread-count" not in page
    db.session.expire_all()
    assert all(n.read_at is not None for n in mine) and theirs.read_at is None
    assert "未読の通知はありませんでした。" in client.post("/notifications/read", follow_redirects=True).get_data(as_text=True)


def test_marking_read_without_the_forms_token_is_refused(app_with, make):
    from tests.world import signed_in_client
    app = app_with(WTF_CSRF_ENABLED=True)
    learner, _, _ = _notified_learner(app, make)
    mine = db.session.scalar(select(Notification).where(Notification.recipient_id == learner.id))
    client = signed_in_client(app, learner)
    response = client.post(f"/notifications/{mine.id}/read")
    assert response.status_code == 400 and "フォームの有効期限が切れました" in response.get_data(as_text=True)
    db.session.expire_all()
    assert mine.read_at is None


def test_a_deactivated_account_is_told_nothing(app, make):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR, is_active_account=False)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    _submit_version(app, make, group, learner, group.module_version.exercises[0])
    assert _kinds(mentor) == [] and _mails(app) == []


# Extensions decided (app/deadlines): the learner hears the answer, or that they were given more time ----------

def _tokyo(moment, locale: str) -> str:
    """A moment as the notifications write it: 2026年12月8日（火）23:59, Tue 8 Dec 2026, 23:59."""
    t = moment.astimezone(TOKYO)
    if locale == "ja":
        return f"{t.year}年{t.month}月{t.day}日（{'月火水木金土日'[t.weekday()]}）{t.hour}:{t:%M}"
    return t.strftime("%a %-d %b %Y, %H:%M")


def _extension_world(make, *learners):
    organizer = make.user(Role.ORGANIZER)
    group = make.cohort(make.module_version(exercises=2), learners=list(learners), name="釧路2026")
    return group, group.module_version.exercises[0], organizer


def _ask(client, group, exercise, reason="大雪で出勤できません"):
    assert client.post(f"/cohorts/{group.id}/exercises/{exercise.id}/extension-request",
                       data={"reason": reason}).status_code == 302
    return db.session.scalars(select(Extension).order_by(Extension.id.desc())).first()


def test_an_approved_request_tells_the_learner_the_new_due_date_in_japan_time_in_their_language(app, make, login_as):
    japanese, english = make.user(Role.LEARNER), make.user(Role.LEARNER, locale="en")
    group, exercise, organizer = _extension_world(make, japanese, english)
    requests = {learner.id: _ask(login_as(learner), group, exercise) for learner in (japanese, english)}
    assert _kinds(japanese) == _kinds(english) == []  # asking tells nobody yet
    new_day = (group.schedule[0].due_at + timedelta(days=5)).astimezone(TOKYO).date()
    as_organizer = login_as(organizer)
    for extension in requests.values():
        assert as_organizer.post(f"/manage/cohorts/{group.id}/extensions/{extension.id}/approve",
                                 data={f"a{extension.id}-due_on": new_day.isoformat(),
                                       f"a{extension.id}-note": "お大事に"}).status_code == 302

    new_due = end_of_day(new_day)
    for learner in (japanese, english):
        [notice] = db.session.scalars(select(Notification).where(Notification.recipient_id == learner.id)).all()
        assert (notice.kind, notice.due_at, notice.extension_id) == (
            NotificationKind.EXTENSION_APPROVED, new_due, requests[learner.id].id)
    mails = {mail["to"]: mail for mail in _mails(app)}
    assert mails[japanese.email]["subject"] == (
        f"「釧路2026」の課題「課題1」の期限延長の申請が認められました。新しい提出期限は{_tokyo(new_due, 'ja')}です。")
    assert mails[english.email]["subject"] == (
        f"Your request for more time on “Exercise 1” (釧路2026) was approved: it is now due on {_tokyo(new_due, 'en')}.")
    assert "判断に添えられたコメント：\nお大事に" in mails[japanese.email]["body"]
    assert "Note from the decision:\nお大事に" in mails[english.email]["body"]
    assert f"http://127.0.0.1:5000/cohorts/{group.id}/exercises/{exercise.id}" in mails[english.email]["body"]
    # The notifications page links to the exercise page, in the reader's language.
    page = login_as(english).get("/notifications/").get_data(as_text=True)
    assert f"it is now due on {_tokyo(new_due, 'en')}" in page
    assert f'href="/cohorts/{group.id}/exercises/{exercise.id}"' in page


def test_a_declined_request_tells_the_learner_with_the_note_in_the_app_and_by_mail(app, make, login_as):
    learner = make.user(Role.LEARNER)
    group, exercise, organizer = _extension_world(make, learner)
    extension = _ask(login_as(learner), group, exercise)
    refused = login_as(organizer).post(f"/manage/cohorts/{group.id}/extensions/{extension.id}/decline",
                                       data={f"d{extension.id}-note": ""})
    assert "申請を認めない理由を書いてください。" in refused.get_data(as_text=True)
    assert _kinds(learner) == [] and _mails(app) == []  # a refused decision tells nobody
    login_as(organizer).post(f"/manage/cohorts/{group.id}/extensions/{extension.id}/decline",
                             data={f"d{extension.id}-note": "期限内に提出できる分量です"})

    assert _kinds(learner) == ["extension_declined"]
    [mail] = _mails(app)
    assert mail["subject"] == "「釧路2026」の課題「課題1」の期限延長の申請は認められませんでした。提出期限は変わりません。"
    assert "判断に添えられたコメント：\n期限内に提出できる分量です" in mail["body"]
    client = login_as(learner)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "期限延長の申請は認められませんでした" in page and "期限内に提出できる分量です" in page
    client.post("/language", data={"locale": "en"})
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Your request for more time on “Exercise 1” (釧路2026) was declined. Your due date stays as it was." in page
    assert "Note from the decision: 期限内に提出できる分量です" in page


def test_a_grant_and_a_bulk_extension_tell_each_learner_whose_date_moved(app, make, login_as):
    from app.deadlines import bulk, services as deadlines
    learner, english, later, gone = (make.user(Role.LEARNER), make.user(Role.LEARNER, locale="en"),
                                     make.user(Role.LEARNER), make.user(Role.LEARNER, is_active_account=False))
    group, exercise, organizer = _extension_world(make, learner, english, later, gone)
    due = group.schedule[0].due_at
    deadlines.grant_extension(db.session, group, organizer, user_id=learner.id, exercise_id=exercise.id,
                              due_at=due + timedelta(days=3), reason="研修出張", now=utcnow())
    commit(db.session)
    assert _kinds(learner) == ["extension_granted"]
    [mail] = _mails(app)
    assert mail["subject"] == (f"「釧路2026」の課題「課題1」の提出期限が延長されました。"
                               f"新しい提出期限は{_tokyo(due + timedelta(days=3), 'ja')}です。")
    assert "判断に添えられたコメント" not in mail["body"]  # the grant's reason is the office's, not a note to them

    # A bulk extension to four days later: `later` already has more time and keeps it, hearing nothing.
    deadlines.grant_extension(db.session, group, organizer, user_id=later.id, exercise_id=exercise.id,
                              due_at=due + timedelta(days=9), reason="通院", now=utcnow())
    commit(db.session)
    plan = bulk.plan(db.session, bulk.Choice((group.id,), (exercise.id,), new_due_at=due + timedelta(days=4)), "ja")
    bulk.record(db.session, plan, organizer, reason="大雪で道路が通行止め", summary="{}", now=utcnow())
    commit(db.session)

    assert _kinds(learner) == ["extension_granted", "extension_granted"]
    assert _kinds(english) == ["extension_granted"] and _kinds(later) == ["extension_granted"]  # theirs of 9 days
    assert _kinds(gone) == []  # a deactivated account is told nothing
    [english_mail] = [mail for mail in _mails(app) if mail["to"] == english.email]
    assert english_mail["subject"] == (f"You were given more time on “Exercise 1” (釧路2026): it is now due on "
                                       f"{_tokyo(due + timedelta(days=4), 'en')}.")
    assert len(_mails(app)) == 4


def test_extension_notices_turned_off_are_shown_but_not_mailed_and_the_settings_page_lists_them(app, make,
                                                                                               login_as):
    learner = make.user(Role.LEARNER)
    group, exercise, organizer = _extension_world(make, learner)
    client = login_as(learner)
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert all(label in page for label in ("期限延長の申請が認められたとき", "期限延長の申請が認められなかったとき",
                                           "申請していない演習課題の期限が延長されたとき"))
    client.post("/notifications/settings", data={kind.value: "y" for kind in NotificationKind
                                                 if kind != NotificationKind.EXTENSION_DECLINED})
    client.post("/language", data={"locale": "en"})
    page = client.get("/notifications/settings").get_data(as_text=True)
    assert all(label in page for label in ("My request for more time was approved",
                                           "My request for more time was declined",
                                           "I was given more time on an exercise without asking"))

    extension = _ask(client, group, exercise)
    login_as(organizer).post(f"/manage/cohorts/{group.id}/extensions/{extension.id}/decline",
                             data={f"d{extension.id}-note": "不可"})
    assert _kinds(learner) == ["extension_declined"] and _mails(app) == []
    extension = _ask(client, group, exercise, reason="再申請")
    new_day = (group.schedule[0].due_at + timedelta(days=2)).astimezone(TOKYO).date()
    login_as(organizer).post(f"/manage/cohorts/{group.id}/extensions/{extension.id}/approve",
                             data={f"a{extension.id}-due_on": new_day.isoformat()})
    assert _kinds(learner) == ["extension_approved", "extension_declined"]
    [mail] = _mails(app)
    assert mail["subject"].startswith("Your request for more time on “Exercise 1” (釧路2026) was approved")
    assert "Note from the decision" not in mail["body"]  # approved without a note
