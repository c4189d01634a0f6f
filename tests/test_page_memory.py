"""Issue 10: the learner's home, dashboard and module overview are remembered as rendered (app/core/page_memory.py)
under the database's write revision, which every committed write moves on: a page shows what a new rendering
shows right after any change, when a due date passes, and never carries another session's CSRF token."""

from contextlib import contextmanager
from datetime import timedelta

from flask import flash, session as cookie_session
from flask_babel import refresh
from flask_login import login_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy import select, update

from app.auth.models import User
from app.catalogue.models import CatalogueCourse
from app.catalogue.services import mark_done, search_text
from app.core.db import utcnow
from app.core.page_memory import MAX_AGE, remembered_page, write_revision
from app.core.timeutil import next_day_starts, start_of_day, tokyo_date
from app.extensions import db
from app.reviews import claims, fairness, gate
from app.submissions.services import save_answer_draft
from app.visibility import queries
from tests.test_query_budgets import QueryCounter
from tests.test_remembered_counts import World, without_csrf_tokens

LEARNER_PAGES = ("/", "/learning/")


def _signed_in(login_as, person):
    """A client of `person` whose session holds its CSRF secret, as after the sign-in form in a browser."""
    client = login_as(person)
    client.get("/password")
    return client


def _shown(client, path) -> tuple[str, int]:
    """The page (its CSRF tokens, signed with the time, left out) and the queries it took."""
    with QueryCounter(db.engine) as counter:
        page = client.get(path).get_data(as_text=True)
    return without_csrf_tokens(page), counter.count


def test_every_transaction_that_writes_counts_once_and_nothing_else_does(app, make):
    person = make.user()
    start = write_revision(db.session)
    assert start > 0
    db.session.get(User, person.id)
    db.session.commit()  # read only
    assert write_revision(db.session) == start
    person.display_name = "新しい名前"
    db.session.flush()
    db.session.rollback()
    assert write_revision(db.session) == start
    person.display_name = "新しい名前"  # written by the commit's own flush
    db.session.commit()
    assert write_revision(db.session) == start + 1
    db.session.execute(update(User).where(User.id == person.id).values(display_name="一括"))
    db.session.commit()
    assert write_revision(db.session) == start + 2


def test_a_remembered_page_is_shown_until_anything_is_written_then_the_new_state(app, make, login_as):
    world = World(app, make)
    learner = _signed_in(login_as, world.learners[2])
    overview = f"/cohorts/{world.cohort.id}/"
    for path in (*LEARNER_PAGES, overview):
        first, first_cost = _shown(learner, path)
        again, again_cost = _shown(learner, path)
        # Signed-in user, the revision, the home's choices: nothing of the page itself.
        assert again == first and again_cost <= 3 < first_cost, path
        assert first.count("status--awaiting_review") == 1 and "status--not_started" in first
    revision = write_revision(db.session)
    world.submit(world.learners[2], world.later)
    db.session.commit()
    assert write_revision(db.session) == revision + 1
    for path in (*LEARNER_PAGES, overview):
        shown = learner.get(path).get_data(as_text=True)
        assert shown.count("status--awaiting_review") >= 2 and "status--not_started" not in shown, path


def test_a_change_by_someone_else_shows_at_once(app, make, login_as):
    world = World(app, make)
    learner = _signed_in(login_as, world.learners[0])
    assert "status--accepted" not in learner.get("/learning/").get_data(as_text=True)
    # The second mentor agrees with the first's acceptance: the learner's work is accepted.
    gate.second_review(db.session, proposal=world.proposal, mentor=world.second, now=utcnow(), agree=True,
                       points_by_criterion={c.id: c.max_points for c in world.later.criteria}, feedback_md="同意します")
    db.session.commit()
    assert "status--accepted" in learner.get("/learning/").get_data(as_text=True)


def test_a_remembered_page_follows_the_clock_though_nothing_is_written(app, make, login_as, monkeypatch):
    world = World(app, make)
    learner = _signed_in(login_as, world.learners[2])
    due = world.cohort.schedule[1].due_at

    def at(moment, path) -> tuple[str, int]:
        for view in ("app.learn.views", "app.home.views"):
            monkeypatch.setattr(f"{view}.utcnow", lambda: moment)
        return _shown(learner, path)

    for path in LEARNER_PAGES:
        before, _ = at(due - timedelta(minutes=1), path)
        assert "status--overdue" not in before
        assert at(due - timedelta(seconds=30), path)[1] <= 3  # remembered
        after, cost = at(due + timedelta(seconds=1), path)
        # The third learner has not submitted the second exercise: overdue once its due date has passed.
        assert "status--overdue" in after and cost > 3, path
        # Asked at an earlier clock (another worker's), the page is rendered for it, not reused.
        assert "status--overdue" not in at(due - timedelta(seconds=10), path)[0]


def test_a_remembered_page_is_rendered_again_after_a_few_minutes(app, make, login_as, monkeypatch):
    world = World(app, make)
    learner = _signed_in(login_as, world.learners[2])
    now = utcnow()

    def cost_at(moment) -> int:
        monkeypatch.setattr("app.learn.views.utcnow", lambda: moment)
        return _shown(learner, "/learning/")[1]

    first = cost_at(now)
    assert cost_at(now + MAX_AGE - timedelta(seconds=1)) <= 3
    # The forms' CSRF token is at most MAX_AGE old: rendered again, although nothing changed.
    assert cost_at(now + MAX_AGE) == first


@contextmanager
def _request_of(app, make):
    """A request by a signed-in person."""
    person = make.user()
    with app.test_request_context("/"):
        login_user(person)
        yield person


def test_the_page_is_remembered_per_path_reader_language_and_variant_with_each_sessions_own_token(app, make):
    renders = []
    readers = make.user(), make.user()

    def page(path="/p", locale="ja", csrf="a", variant=None, reader=0) -> tuple[str, str]:
        """The page shown, and the CSRF secret of the session that asked for it (each in a new app context,
        as a request)."""
        with app.app_context(), app.test_request_context(path):
            login_user(db.session.get(User, readers[reader].id))
            cookie_session.update(locale=locale)
            if csrf:
                cookie_session.update(csrf_token=csrf)
            refresh()  # the language of this request's session

            def render():
                renders.append(path)
                return f'page {len(renders)} <input name="csrf_token" value="{generate_csrf()}">', None
            shown = remembered_page(db.session, utcnow(), render, variant=variant)
            # Kept as UTF-8: a remembered page comes back as bytes.
            shown = shown.decode() if isinstance(shown, bytes) else shown
            token = generate_csrf()
            assert f'value="{token}"' in shown  # the session's own, valid for its secret
            validate_csrf(token)
            return shown.split(" <")[0], cookie_session["csrf_token"]

    first, secret = page()
    assert first == "page 1" and page() == (first, secret)
    assert page(path="/q")[0] == "page 2"
    # Another session (another secret, or none yet) is shown the same page with a token of its own.
    assert page(csrf="b") == ("page 1", "b")
    shown, new_secret = page(csrf=None)
    assert shown == "page 1" and new_secret not in ("a", "b")
    assert page(variant="mentor")[0] == "page 3"
    assert page(locale="en")[0] == page(locale="en")[0] == "page 4"
    assert page(reader=1)[0] == "page 5"
    assert page()[0] == "page 1" and len(renders) == 5


def _counted(pages: list):
    def render():
        pages.append("page")
        return "page", None
    return render


def test_a_page_with_a_message_to_flash_is_not_remembered(app, make):
    rendered = []
    with _request_of(app, make):
        flash("保存しました")
        remembered_page(db.session, utcnow(), _counted(rendered))  # a message shown once
        remembered_page(db.session, utcnow(), _counted(rendered))
        cookie_session.pop("_flashes")
        remembered_page(db.session, utcnow(), _counted(rendered))
        remembered_page(db.session, utcnow(), _counted(rendered))
    assert len(rendered) == 3


def test_a_page_rendered_by_a_request_that_wrote_is_not_remembered(app, make):
    rendered = []
    with _request_of(app, make) as person:
        for _ in range(2):
            person.display_name = "未保存の名前"  # not committed yet
            remembered_page(db.session, utcnow(), _counted(rendered))
    assert len(rendered) == 2


def test_the_exercise_page_shows_a_saved_draft_and_a_submitted_version_at_once(app, make, login_as):
    world = World(app, make)
    learner = _signed_in(login_as, world.learners[2])
    page = f"/cohorts/{world.cohort.id}/exercises/{world.later.id}"
    first, first_cost = _shown(learner, page)
    again, again_cost = _shown(learner, page)
    assert again == first and again_cost <= 3 < first_cost and "status--not_started" in first
    saved = learner.post(page, data={"body": "下書きの答え", "save_draft": "1"})
    assert saved.status_code == 302
    assert "下書きの答え" in learner.get(page).get_data(as_text=True)
    sent = learner.post(page, data={"body": "提出する答え", "submit": "1"})
    assert sent.status_code == 302
    shown = learner.get(page).get_data(as_text=True)
    # The message flashed by the submit is shown once, with the new state; then the page is remembered again.
    assert "status--awaiting_review" in shown and "status--not_started" not in shown and "flash--success" in shown
    assert "flash--success" not in learner.get(page).get_data(as_text=True)
    assert _shown(learner, page)[1] <= 3


def test_the_exercise_page_follows_the_clock_though_nothing_is_written(app, make, login_as, monkeypatch):
    world = World(app, make)
    learner = _signed_in(login_as, world.learners[2])
    page = f"/cohorts/{world.cohort.id}/exercises/{world.later.id}"
    due = world.cohort.schedule[1].due_at
    # A draft saved at 23:50 in Japan, the evening before the due date's day.
    saved_at = start_of_day(tokyo_date(due)) - timedelta(minutes=10)
    enrolment = world.enrolment(world.learners[2])
    save_answer_draft(db.session, enrolment=enrolment, exercise=world.later, body_md="途中", now=saved_at,
                      max_answer_chars=100)
    db.session.commit()

    def at(moment) -> tuple[str, int]:
        monkeypatch.setattr("app.learn.views.utcnow", lambda: moment)
        return _shown(learner, page)

    evening, _ = at(saved_at + timedelta(minutes=7))
    assert "保存 23:50）" in evening
    assert at(saved_at + timedelta(minutes=9))[1] <= 3  # remembered
    # After midnight the label gives the day too.
    morning, cost = at(saved_at + timedelta(minutes=11))
    assert "保存 23:50）" not in morning and "23:50" in morning and cost > 3
    assert "status--overdue" not in at(due - timedelta(seconds=1))[0]
    assert "status--overdue" in at(due + timedelta(seconds=1))[0]


def test_the_mentor_pages_show_a_claim_at_once_and_its_end_on_time(app, make, login_as, monkeypatch):
    world = World(app, make)
    mentor = _signed_in(login_as, world.mentor)
    work = world.version(world.learners[1], world.first).submission
    pages = ("/review/", f"/review/submissions/{work.id}")
    now = utcnow()

    def at(moment, path) -> tuple[str, int]:
        monkeypatch.setattr("app.reviews.views.utcnow", lambda: moment)
        return _shown(mentor, path)

    for path in pages:
        first, first_cost = at(now, path)
        again, again_cost = at(now, path)
        assert again == first and again_cost <= 3 < first_cost and world.second.display_name not in first, path
    # The second mentor claims the work for 30 minutes: both pages name them at once.
    claim = claims.claim_submission(db.session, submission=work, mentor=world.second, now=now, minutes=30)
    db.session.commit()
    for path in pages:
        assert world.second.display_name in at(claim.expires_at - timedelta(minutes=2), path)[0], path
        assert at(claim.expires_at - timedelta(minutes=1), path)[1] <= 3  # remembered
        # The claim has ended though nothing was written: the pages are worked out again without it.
        after, cost = at(claim.expires_at + timedelta(seconds=1), path)
        assert world.second.display_name not in after and cost > 3, path


def test_the_queue_flags_work_past_the_review_target_when_the_day_begins(app, make, login_as, monkeypatch):
    world = World(app, make)
    mentor = _signed_in(login_as, world.mentor)
    work = world.version(world.learners[1], world.first).submission
    # The first day to begin (in Japan) with the work waiting longer than the cohort's target.
    day = next_day_starts(utcnow())
    while not fairness.is_overdue(work, day):
        day = next_day_starts(day)

    def at(moment) -> tuple[str, int]:
        monkeypatch.setattr("app.reviews.views.utcnow", lambda: moment)
        return _shown(mentor, "/review/")

    assert "review-target-overdue" not in at(day - timedelta(minutes=2))[0]
    assert at(day - timedelta(minutes=1))[1] <= 3  # remembered
    assert "review-target-overdue" in at(day + timedelta(seconds=1))[0]


def test_the_cohorts_index_shows_a_new_cohort_at_once(app, make, login_as):
    world = World(app, make)
    organizer = _signed_in(login_as, world.organizer)
    first, first_cost = _shown(organizer, "/manage/cohorts/")
    again, again_cost = _shown(organizer, "/manage/cohorts/")
    assert again == first and again_cost <= 3 < first_cost and "新しい受講期" not in first
    make.cohort(name="新しい受講期")
    assert "新しい受講期" in organizer.get("/manage/cohorts/").get_data(as_text=True)


def test_the_mentor_home_shows_new_work_at_once_and_a_day_more_waited_on_time(app, make, login_as, monkeypatch):
    world = World(app, make)
    mentor = _signed_in(login_as, world.mentor)
    oldest = world.version(world.learners[0], world.first).submission
    # A whole day after the oldest work shown was submitted, it has waited a day more: worked out again.
    day_more = oldest.last_submitted_at + timedelta(days=1)

    def at(moment) -> tuple[str, int]:
        monkeypatch.setattr("app.home.views.utcnow", lambda: moment)
        return _shown(mentor, "/")

    first, first_cost = at(day_more - timedelta(seconds=60))
    again, again_cost = at(day_more - timedelta(seconds=30))
    assert again == first and again_cost <= 3 < first_cost
    assert at(day_more + timedelta(seconds=1))[1] == first_cost
    # The third learner submits their second exercise: one more row with their name, at once.
    shown = first.count("受講者2")
    world.submit(world.learners[2], world.later)
    db.session.commit()
    assert at(day_more + timedelta(seconds=2))[0].count("受講者2") > shown


def test_the_visibility_pages_show_a_change_at_once_and_a_new_fiscal_year_when_it_begins(app, make, login_as,
                                                                                         monkeypatch):
    world = World(app, make)
    organizer = _signed_in(login_as, world.organizer)
    for path in ("/manage/visibility/", "/manage/visibility/coverage"):
        first, first_cost = _shown(organizer, path)
        again, again_cost = _shown(organizer, path)
        assert again == first and again_cost < first_cost and again_cost <= 3, path
    make.cohort(name="新しい受講期")
    assert "新しい受講期" in organizer.get("/manage/visibility/").get_data(as_text=True)
    # 1 April, midnight in Tokyo: the new fiscal year can be chosen, though nothing was written.
    starts = queries.next_fiscal_year_starts(utcnow())

    def at(moment) -> tuple[str, int]:
        monkeypatch.setattr("app.visibility.views.utcnow", lambda: moment)
        return _shown(organizer, "/manage/visibility/")

    new_year = f'<option value="{starts.year}"'
    assert new_year not in at(starts - timedelta(minutes=2))[0]
    assert at(starts - timedelta(minutes=1))[1] <= 3
    assert new_year in at(starts + timedelta(seconds=1))[0]


def test_the_catalogue_search_is_remembered_per_search_and_shows_a_mark_at_once(app, make, login_as):
    learner = make.user()
    for number, title in enumerate(("オープンデータ入門", "生成AI活用")):
        db.session.add(CatalogueCourse(url=f"https://courses.example.jp/{number}", title=title, provider="IPA",
                                       language="ja", level=0, last_checked_on=utcnow().date(),
                                       search_text=search_text(title, "IPA", [], "")))
    db.session.commit()
    client = _signed_in(login_as, learner)
    first, first_cost = _shown(client, "/catalogue/?q=データ")
    again, again_cost = _shown(client, "/catalogue/?q=データ")
    assert again == first and again_cost <= 3 < first_cost
    assert "オープンデータ入門" in first and "生成AI活用" not in first
    assert "生成AI活用" in _shown(client, "/catalogue/?q=AI")[0]  # another search: its own page
    course = db.session.scalar(select(CatalogueCourse).where(CatalogueCourse.title == "オープンデータ入門"))
    mark_done(db.session, user=learner, course=course, note="")
    db.session.commit()
    assert 'action="/catalogue/%d/undone"' % course.id in _shown(client, "/catalogue/?q=データ")[0]


def test_the_record_is_remembered_until_a_change_or_the_next_day(app, make, login_as, monkeypatch):
    learner = make.user()
    client = _signed_in(login_as, learner)
    tomorrow = next_day_starts(utcnow())

    def at(moment) -> tuple[str, int]:
        monkeypatch.setattr("app.record.views.utcnow", lambda: moment)
        return _shown(client, "/me/record")

    first_cost = at(tomorrow - timedelta(minutes=2))[1]
    assert at(tomorrow - timedelta(minutes=1))[1] <= 3 < first_cost
    # Its "as of" date is a new one at the start of the day in Japan.
    assert at(tomorrow + timedelta(seconds=1))[1] == first_cost
    learner.display_name = "改名した受講者"
    db.session.commit()
    assert "改名した受講者" in at(tomorrow + timedelta(seconds=2))[0]


def test_the_organizer_home_shows_a_learner_overdue_and_stalled_when_the_moment_comes(app, make, login_as,
                                                                                      monkeypatch):
    # Work waits longer than this test's days before the list of long waits shows it (and its days waited).
    app.config["HOME_REVIEW_WAIT_DAYS"] = 30
    world = World(app, make)
    organizer = _signed_in(login_as, world.organizer)
    overdue = 'id="overdue-heading"'
    stalled = 'id="stalled-heading"'

    def at(moment) -> tuple[str, int]:
        monkeypatch.setattr("app.home.views.utcnow", lambda: moment)
        return _shown(organizer, "/")

    def listed(page, section) -> bool:
        return "受講者2" in page.split(section, 1)[1].split("</section>", 1)[0]

    # The third learner has not submitted the second exercise: overdue once its due date has passed.
    due = world.cohort.schedule[1].due_at
    before, first_cost = at(due - timedelta(seconds=60))
    assert not listed(before, overdue)
    assert at(due - timedelta(seconds=30))[1] <= 3 < first_cost
    after, cost = at(due + timedelta(seconds=1))
    assert listed(after, overdue) and cost == first_cost
    # Their last submission becomes 14 days old (HOME_STALLED_AFTER_DAYS): stalled, though nothing was written.
    last = world.version(world.learners[2], world.first).submission.last_submitted_at
    moment = last + timedelta(days=app.config["HOME_STALLED_AFTER_DAYS"])
    assert not listed(at(moment - timedelta(seconds=30))[0], stalled)
    assert at(moment - timedelta(seconds=20))[1] <= 3
    assert listed(at(moment + timedelta(seconds=1))[0], stalled)
    # A change shows at once: the third learner submits, and is overdue no more.
    world.submit(world.learners[2], world.later, minutes_ago=-60 * 24 * 20)
    db.session.commit()
    assert not listed(at(moment + timedelta(seconds=2))[0], overdue)


def test_the_progress_exports_are_remembered_until_the_work_changes_or_a_due_date_passes(app, make, login_as,
                                                                                        monkeypatch):
    world = World(app, make)
    # Text that looks like the stand-in for a form's token is left as it is in a download.
    world.learners[1].display_name = "{enshu:csrf-token}"
    db.session.commit()
    organizer = _signed_in(login_as, world.organizer)
    due = world.cohort.schedule[1].due_at
    files = [f"/manage/progress/cohorts/{world.cohort.id}/export{end}"
             for end in (".csv", ".csv?table=gradebook", ".xlsx")]

    def at(moment, path) -> tuple[bytes, int]:
        monkeypatch.setattr("app.progress.views.utcnow", lambda: moment)
        with QueryCounter(db.engine) as counter:
            body = organizer.get(path).get_data()
        return body, counter.count

    for path in files:
        first, first_cost = at(due - timedelta(seconds=60), path)
        again, again_cost = at(due - timedelta(seconds=30), path)
        assert again == first and again_cost <= 3 < first_cost, path
        # The third learner's second exercise is overdue from its due date on: written again with it.
        after, cost = at(due + timedelta(seconds=1), path)
        assert cost == first_cost and (after != first or path.endswith(".xlsx")), path
    assert "{enshu:csrf-token}" in at(due + timedelta(seconds=2), files[0])[0].decode("utf-8-sig")
    overdue_before = at(due + timedelta(seconds=2), files[0])[0]
    world.submit(world.learners[2], world.later)
    db.session.commit()
    assert at(due + timedelta(seconds=3), files[0])[0] != overdue_before


def test_the_areas_file_is_remembered_until_a_change_or_a_new_fiscal_year(app, make, login_as, monkeypatch):
    world = World(app, make)
    organizer = _signed_in(login_as, world.organizer)
    starts = queries.next_fiscal_year_starts(utcnow())

    def at(moment) -> tuple[bytes, int]:
        monkeypatch.setattr("app.visibility.views.utcnow", lambda: moment)
        with QueryCounter(db.engine) as counter:
            body = organizer.get("/manage/visibility/areas.csv").get_data()
        return body, counter.count

    first, first_cost = at(starts - timedelta(seconds=60))
    again, again_cost = at(starts - timedelta(seconds=30))
    assert again == first and again_cost <= 3 < first_cost
    assert at(starts + timedelta(seconds=1))[1] == first_cost
    make.user(name="新しい受講者")
    assert at(starts + timedelta(seconds=2))[1] == first_cost


def test_pages_of_an_older_revision_are_forgotten_once_a_page_of_a_newer_one_is_kept(app, make, login_as):
    world = World(app, make)
    learner = _signed_in(login_as, world.learners[2])
    for path in LEARNER_PAGES:
        learner.get(path)
    pages = app.extensions["enshu_memories"]["pages"]
    assert len(pages) == len(LEARNER_PAGES)
    world.submit(world.learners[2], world.later)
    db.session.commit()
    learner.get("/learning/")
    assert len(pages) == 1
