"""Issue 11: the exercise page leads with where the learner stands; one word for each status and one
overdue rule on every page; one date format per language; dangerous actions ask first; admin finds
users by organization and role; organizations in the official code order; empty states say what is empty."""

import csv
import re
from datetime import datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.auth.models import Organization, Role
from app.auth.services import MUNICIPALITIES_CSV, SUBPREFECTURE_ORDER, load_municipalities, organization_choices
from app.admin.queries import find_users
from app.badges.models import Issuer
from app.cohorts.models import Enrolment, EnrolmentStatus, ScheduledExercise
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.core.templating import figure, tokyo_date, tokyo_datetime
from app.extensions import db
from app.reviews.queries import review_queue
from app.reviews.services import review_version
from app.submissions.models import Submission
from app.submissions.services import submit_version
from tests import factories
from tests.test_scenarios import _check, _decide, _submit, scenario  # noqa: F401 (a fixture)


def _status_words(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<span class="status status--(\w+)">\s*([^<]*?)\s*</span>', html)


def _row_of(page: str, exercise_id: int) -> str:
    """The module overview's table row of one exercise."""
    return next(row for row in page.split("<tr>") if f"/exercises/{exercise_id}\"" in row)


def _summary_of(page: str) -> str:
    start = page.index('class="panel exercise-summary"')
    return page[start:page.index("</section>", start)]


# -- one status word, in the list and on the page -------------------------------------------------------------

@pytest.mark.parametrize("locale", ["ja", "en"])
def test_each_state_has_the_same_word_in_the_module_list_and_on_the_exercise_page(scenario, locale):
    group, first, second, learner, mentor = scenario
    learner.post("/language", data={"locale": locale})

    def words(exercise):
        listed = _status_words(_row_of(learner.get(f"/cohorts/{group.id}/").get_data(as_text=True), exercise.id))
        shown = _status_words(_summary_of(learner.get(f"/cohorts/{group.id}/exercises/{exercise.id}")
                                          .get_data(as_text=True)))
        return listed, shown[:len(listed)]

    seen = {}
    for step in ("start", "submit", "return", "accept"):
        if step == "submit":
            assert _submit(learner, group, first).status_code == 302
        elif step == "return":
            assert _decide(mentor, db.session.scalar(select(Submission)), 1, accept=False).status_code == 302
            assert _submit(learner, group, first).status_code == 302
            db.session.expire_all()
            assert _decide(mentor, db.session.scalar(select(Submission)), 1, accept=False).status_code == 302
        elif step == "accept":
            assert _submit(learner, group, first).status_code == 302
            db.session.expire_all()
            assert _decide(mentor, db.session.scalar(select(Submission)), 3).status_code == 302
        db.session.expire_all()
        listed, shown = words(first)
        assert listed == shown and listed, (step, listed, shown)
        seen[listed[0][0]] = listed[0][1]
        if step == "start":
            locked_listed, locked_shown = words(second)
            assert locked_listed == locked_shown == [("locked", "開始前" if locale == "ja" else "Not open yet")]
    assert list(seen) == ["not_started", "awaiting_review", "returned", "accepted"]


def test_the_learner_sees_overdue_on_the_list_and_the_page_alike(scenario):
    group, first, second, learner, mentor = scenario
    schedule = db.session.scalar(select(ScheduledExercise).where(ScheduledExercise.exercise_id == first.id))
    schedule.due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    listed = _status_words(_row_of(learner.get(f"/cohorts/{group.id}/").get_data(as_text=True), first.id))
    shown = _status_words(_summary_of(learner.get(f"/cohorts/{group.id}/exercises/{first.id}").get_data(as_text=True)))
    assert listed == shown == [("not_started", "Not started"), ("overdue", "Overdue")]


def test_the_queue_judges_overdue_by_when_work_first_came_not_by_today(app, make):
    mentor = make.user(Role.MENTOR)
    on_time, late = make.user(Role.LEARNER), make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=1), learners=[on_time, late], mentors=[mentor])
    exercise = group.module_version.exercises[0]
    due = group.schedule[0].due_at
    storage = FileStorage(app.config["STORAGE_DIR"])

    def submit(learner, at):
        return submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=exercise, body_md="答え",
                              uploads=[], keep_attachment_ids=set(), storage=storage, now=at,
                              max_answer_chars=10_000, max_attachment_bytes=10_000)

    first = submit(on_time, due - timedelta(hours=2))
    review_version(db.session, version=first, mentor=mentor, decision="returned",
                   points_by_criterion={c.id: 1 for c in exercise.criteria}, feedback_md="直してください。",
                   now=due - timedelta(hours=1))
    submit(on_time, due + timedelta(days=2))  # a resubmission after the due date: still on time
    submit(late, due + timedelta(days=1))  # first handed in after the due date
    db.session.commit()
    page = review_queue(db.session, mentor, "en", now=due + timedelta(days=3))
    overdue = {item.submission.enrolment.user_id: item.is_overdue for item in page.items}
    assert overdue == {on_time.id: False, late.id: True}


# -- the exercise page leads ------------------------------------------------------------------------------------

def test_the_exercise_page_says_what_to_do_next_in_each_state(scenario):
    group, first, second, learner, mentor = scenario
    url = f"/cohorts/{group.id}/exercises/{first.id}"
    page = learner.get(url).get_data(as_text=True)
    summary = _summary_of(page)
    assert "Read the brief and the materials, then write your answer." in summary and 'href="#answer-heading"' in summary
    assert "Pass mark" in summary and "points" in summary
    assert page.index("exercise-summary") < page.index('id="brief-heading"')

    assert _submit(learner, group, first, body="第1版").status_code == 302
    waiting = learner.get(url).get_data(as_text=True)
    assert "Version 1 is with your mentor." in _summary_of(waiting)
    assert 'name="body"' not in waiting and "Revise and submit a new version" not in waiting

    assert _decide(mentor, db.session.scalar(select(Submission)), 1, accept=False).status_code == 302
    returned = learner.get(url).get_data(as_text=True)
    assert "Read the feedback, revise your answer and submit a new version." in _summary_of(returned)
    assert "Revise your answer" in _summary_of(returned) and "Revise and submit a new version" in returned
    # The feedback comes before the brief, right after the summary and the page's menu.
    assert returned.index('id="feedback-heading"') < returned.index('id="brief-heading"')

    assert _submit(learner, group, first, body="第2版").status_code == 302
    db.session.expire_all()
    assert _decide(mentor, db.session.scalar(select(Submission)), 3).status_code == 302
    learner.post("/language", data={"locale": "ja"})
    accepted = learner.get(url).get_data(as_text=True)
    summary = _summary_of(accepted)
    assert "次の演習課題へ" in summary and f'href="/cohorts/{group.id}/exercises/{second.id}"' in summary
    assert 'name="body"' not in accepted and "修正して新しい版を提出する" not in accepted
    # The summary's link to the feedback lands at its start, before the brief and the rubric (issue 11).
    assert 'href="#feedback-heading"' in summary
    assert accepted.index('id="feedback-heading"') < accepted.index('id="brief-heading"') \
        < accepted.index('id="rubric-heading"')
    # The discussion's box is a few lines that grow, not a tall answer box.
    discussion = accepted[accepted.index('id="discussion-heading"'):]
    box = re.search(r'<textarea[^>]*name="message"[^>]*>', discussion).group(0)
    assert 'class="textarea--grow"' in box and 'rows="4"' in box


def test_checking_answers_says_how_many_are_right_beside_the_questions(scenario):
    group, first, second, learner, mentor = scenario
    page = _check(learner, group, first, {"sardine-total": "800"}).get_data(as_text=True)
    result = page.index("1 of 1 answers you checked are correct.")
    assert page.index('id="questions-heading"') < result < page.index('id="answer-heading"')


def test_the_last_exercise_accepted_leads_back_to_the_module(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    factories.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    client = login_as(learner)
    client.post("/language", data={"locale": "en"})
    summary = _summary_of(client.get(f"/cohorts/{group.id}/exercises/{group.module_version.exercises[0].id}")
                          .get_data(as_text=True))
    assert "Back to the module" in summary and "Go to the next exercise" not in summary


# -- dates and figures -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("locale, moment, day", [
    ("ja", "2026年10月2日（金）19:11", "2026年10月2日（金）"),
    ("en", "Fri 2 Oct 2026, 19:11", "Fri 2 Oct 2026"),
])
def test_dates_have_one_format_per_language_with_the_weekday(app, locale, moment, day):
    at = datetime(2026, 10, 2, 10, 11, tzinfo=timezone.utc)  # 19:11 in Japan
    with app.test_request_context(), force_locale(locale):
        assert tokyo_datetime(at) == tokyo_datetime(at, "short") == tokyo_datetime(at, "weekday") == moment
        assert tokyo_date(at) == day


def test_figures_read_as_a_person_writes_them(app):
    with app.test_request_context(), force_locale("ja"):
        assert [figure(10.0), figure(2.5), figure(1200), figure(None)] == ["10", "2.5", "1,200", ""]


def test_the_module_page_links_the_talent_level_and_shows_whole_hours(scenario, client):
    group, first, second, learner, mentor = scenario
    learner.post("/language", data={"locale": "ja"})
    page = learner.get(f"/cohorts/{group.id}/").get_data(as_text=True)
    assert re.search(r'<a href="/levels#level-\d">人材レベル\d</a>', page)
    assert not re.search(r"約\d+\.0時間", page)
    levels = client.get("/levels").get_data(as_text=True)  # open to everyone, as badges are
    assert 'id="level-1"' in levels and "デジタル推進リーダー" in levels


# -- dangerous actions ask first ---------------------------------------------------------------------------------

def test_withdrawing_without_the_confirmation_changes_nothing(make, login_as):
    learner = make.user(Role.LEARNER)
    group = make.cohort(learners=[learner])
    organizer = login_as(make.user(Role.ORGANIZER))
    organizer.post("/language", data={"locale": "en"})
    url = f"/manage/cohorts/{group.id}/learners/{learner.id}/withdraw"
    asked = organizer.post(url)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'class="button button--danger"' in page and ">Cancel</a>" in page
    assert 'name="confirm" value="yes"' in page
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.ACTIVE
    assert organizer.post(url, data={"confirm": "yes"}).status_code == 302
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.WITHDRAWN


def test_adding_a_signing_key_asks_first(make, login_as, runner):
    admin = login_as(make.user(Role.ADMIN))
    admin.post("/language", data={"locale": "en"})
    assert runner.invoke(args=["badges", "init"]).exit_code == 0
    asked = admin.post("/admin/issuers/1/keys")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Add a new signing key for" in page and 'button--danger' in page
    assert ">Cancel</a>" in page
    db.session.expire_all()
    assert [k.number for k in db.session.get(Issuer, 1).keys] == [1]


# -- admin's user search -----------------------------------------------------------------------------------------

def test_admin_finds_users_by_organization_and_role(make, login_as):
    load_municipalities(db.session)
    db.session.commit()
    iwamizawa = db.session.scalar(select(Organization).where(Organization.name_ja == "岩見沢市"))
    clerk = make.user(Role.LEARNER, name="北 花子", organization_id=iwamizawa.id)
    mentor = make.user(Role.MENTOR, name="南 太郎", organization_id=iwamizawa.id)
    elsewhere = make.user(Role.LEARNER, name="東 次郎")
    assert {u.id for u in find_users(db.session, text="岩見沢")} == {clerk.id, mentor.id}
    assert {u.id for u in find_users(db.session, text="空知")} == {clerk.id, mentor.id}  # the subprefecture
    assert {u.id for u in find_users(db.session, text="Iwamizawa", role=Role.MENTOR)} == {mentor.id}
    assert elsewhere.id in {u.id for u in find_users(db.session, role=Role.LEARNER)}
    admin = login_as(make.user(Role.ADMIN))
    admin.post("/language", data={"locale": "en"})
    page = admin.get("/admin/users?q=岩見沢&role=learner").get_data(as_text=True)
    assert "北 花子" in page and "南 太郎" not in page and "東 次郎" not in page
    empty = admin.get("/admin/users?q=函館&role=admin").get_data(as_text=True)
    assert "No user matches this search." in empty


# -- official order ---------------------------------------------------------------------------------------------

def test_subprefectures_and_municipalities_come_in_the_order_of_their_codes(app):
    load_municipalities(db.session)
    db.session.commit()
    with open(MUNICIPALITIES_CSV, encoding="utf-8", newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["code"])
    # The code table's order of subprefectures: that of their towns and villages (the cities come first).
    by_code = list(dict.fromkeys(r["subprefecture_ja"] for r in rows if r["kind"] != "city"))
    assert list(SUBPREFECTURE_ORDER) == by_code
    choices = [label for _id, label in organization_choices(db.session, "ja")]
    tops = [label for label in choices if not label.startswith("— ")]
    assert tops[:len(by_code)] == by_code
    ishikari = choices[choices.index("石狩振興局") + 1:choices.index("渡島総合振興局")]
    codes = {r["name_ja"]: r["code"] for r in rows}
    names = [label[2:] for label in ishikari]
    assert names[0] == "札幌市" and [codes[n] for n in names] == sorted(codes[n] for n in names)


def test_the_organizations_page_lists_them_in_that_order(make, login_as):
    load_municipalities(db.session)
    db.session.commit()
    page = login_as(make.user(Role.ADMIN)).get("/admin/organizations").get_data(as_text=True)
    places = [page.index(name) for name in SUBPREFECTURE_ORDER]
    assert places == sorted(places)


# -- empty states -----------------------------------------------------------------------------------------------

def test_an_empty_badge_filter_says_what_is_empty(make, login_as):
    organizer = login_as(make.user(Role.ORGANIZER))
    organizer.post("/language", data={"locale": "ja"})
    page = organizer.get("/manage/badges?status=awaiting_approval").get_data(as_text=True)
    assert "承認待ちのバッジはありません。" in page and "バッジはまだありません。" not in page
