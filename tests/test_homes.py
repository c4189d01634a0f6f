"""Each role lands on its own work: the learner's next steps, the mentor's waiting reviews, the programme
office's cohorts and learners behind, the administrator's accounts and keys; people with several roles
switch between their homes."""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from app.auth.models import Organization, OrganizationKind, Role
from app.badges.models import Credential, CredentialStatus
from app.cohorts import membership
from app.cohorts.models import CohortStatus, Enrolment
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.home import queries
from app.home.queries import HomeKind
from app.reviews.claims import claim_submission
from app.reviews.queries import review_queue
from app.reviews.services import review_version
from app.submissions.services import submit_version


def _submit(app, make, group, learner, exercise, body="回答", days_ago=0):
    version = submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=exercise, body_md=body,
                             uploads=[], keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]),
                             now=utcnow(), max_answer_chars=10_000, max_attachment_bytes=10_000)
    if days_ago:
        moment = utcnow() - timedelta(days=days_ago)
        version.submitted_at = moment
        version.submission.last_submitted_at = moment
    db.session.commit()
    return version


def _page(client, path="/"):
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# -- which home -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, heading", [
    (Role.LEARNER, "わたしの学習"), (Role.MENTOR, "わたしのレビュー"), (Role.ORGANIZER, "運営の状況"),
    (Role.ADMIN, "管理"),
])
def test_each_role_lands_on_its_own_home(make, login_as, role, heading):
    page = _page(login_as(make.user(role)))
    assert f"<h1>{heading}</h1>" in page
    assert "まだどの受講期にも登録されていません" not in page or role == Role.LEARNER


def test_available_homes_follow_role_and_enrolments(app, make):
    learner, mentor, organizer, admin = (make.user(r) for r in Role)
    enrolled_mentor, mentoring_organizer = make.user(Role.MENTOR), make.user(Role.ORGANIZER)
    make.cohort(learners=[enrolled_mentor], mentors=[mentoring_organizer])
    homes = {person: queries.available_homes(db.session, person)
             for person in (learner, mentor, organizer, admin, enrolled_mentor, mentoring_organizer)}
    assert homes[learner] == [HomeKind.LEARNER]
    assert homes[mentor] == [HomeKind.MENTOR]
    assert homes[organizer] == [HomeKind.ORGANIZER]
    assert homes[admin] == [HomeKind.MENTOR, HomeKind.ORGANIZER, HomeKind.ADMIN]
    assert homes[enrolled_mentor] == [HomeKind.LEARNER, HomeKind.MENTOR]
    # A mentor who became an organizer keeps the assignment but may not open the review pages any more:
    # a mentor's home would only link to pages that refuse them.
    assert homes[mentoring_organizer] == [HomeKind.ORGANIZER]


def test_a_person_with_several_roles_switches_and_the_choice_is_remembered(make, login_as):
    mentor = make.user(Role.MENTOR)
    make.cohort(learners=[mentor])
    client = login_as(mentor)
    first = _page(client)
    assert "<h1>わたしのレビュー</h1>" in first
    # Tabs to both homes, the current one marked.
    assert 'href="/home/learner"' in first and 'href="/home/mentor" aria-current="page"' in first
    assert "<h1>わたしの学習</h1>" in _page(client, "/home/learner")
    assert "<h1>わたしの学習</h1>" in _page(client, "/")
    assert "<h1>わたしのレビュー</h1>" in _page(client, "/home/mentor")
    assert "<h1>わたしのレビュー</h1>" in _page(client, "/")


def test_a_single_role_gets_no_tabs_and_no_other_home(make, login_as):
    client = login_as(make.user(Role.LEARNER))
    assert "home-tabs" not in _page(client)
    for kind in ("mentor", "organizer", "admin", "nonsense"):
        assert client.get(f"/home/{kind}").status_code == 404
    assert "<h1>わたしの学習</h1>" in _page(client)


def test_a_home_no_longer_available_falls_back_to_the_role_home(make, login_as):
    mentor = make.user(Role.MENTOR)
    group = make.cohort(learners=[mentor])
    client = login_as(mentor)
    assert "<h1>わたしの学習</h1>" in _page(client, "/home/learner")
    db.session.delete(group.enrolments[0])
    db.session.commit()
    assert "<h1>わたしのレビュー</h1>" in _page(client)


# -- learner ----------------------------------------------------------------------------------------------

def test_learner_home_shows_the_next_step_per_cohort_returned_work_and_due_dates_with_weekday(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    first = make.cohort(make.module_version(exercises=2), learners=[learner], mentors=[mentor], name="空知の受講期")
    second = make.cohort(make.module_version(exercises=2), learners=[learner], mentors=[mentor], name="釧路の受講期")
    returned = _submit(app, make, first, learner, first.module_version.exercises[0])
    review_version(db.session, version=returned, mentor=mentor, decision="returned",
                   points_by_criterion={c.id: 1 for c in returned.submission.exercise.criteria}, feedback_md="直してください",
                   now=utcnow())
    db.session.commit()
    page = _page(login_as(learner))
    steps = page.split('id="next-heading"')[1].split("</section>")[0]
    assert "空知の受講期" in steps and "修正して再提出:" in steps
    assert "釧路の受講期" in steps and "始める:" in steps
    revision = page.split('id="returned-heading"')[1].split("</section>")[0]
    assert "課題1" in revision
    due = second.schedule[0].due_at.astimezone(ZoneInfo("Asia/Tokyo"))
    weekday = "月火水木金土日"[due.weekday()]
    assert f"{due.year}年{due.month}月{due.day}日（{weekday}）" in page


def test_learner_home_never_shows_another_learners_work(app, make, login_as):
    learner, other, mentor = make.user(Role.LEARNER), make.user(Role.LEARNER, name="ほかの人"), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    other_group = make.cohort(make.module_version(exercises=1), learners=[other], mentors=[mentor],
                              name="別の受講期")
    _submit(app, make, other_group, other, other_group.module_version.exercises[0])
    page = _page(login_as(learner))
    assert "別の受講期" not in page and "ほかの人" not in page
    assert group.name in page


def test_learner_without_a_cohort_is_told_what_to_do(make, login_as):
    page = _page(login_as(make.user(Role.LEARNER)))
    assert "まだどの受講期にも登録されていません" in page
    assert "事務局" in page


# -- mentor -----------------------------------------------------------------------------------------------

def test_mentor_home_lists_waiting_work_with_days_waited_and_own_recent_reviews(app, make, login_as):
    mentor, other_mentor = make.user(Role.MENTOR), make.user(Role.MENTOR, name="別のメンター")
    early, late = make.user(Role.LEARNER, name="早川 さん"), make.user(Role.LEARNER, name="遅野 さん")
    group = make.cohort(make.module_version(exercises=2), learners=[early, late], mentors=[mentor, other_mentor])
    _submit(app, make, group, early, group.module_version.exercises[0], days_ago=5)
    _submit(app, make, group, late, group.module_version.exercises[0])
    reviewed = _submit(app, make, group, late, group.module_version.exercises[1])
    review_version(db.session, version=reviewed, mentor=mentor, decision="accepted",
                   points_by_criterion={c.id: 3 for c in reviewed.submission.exercise.criteria}, feedback_md="良いです",
                   now=utcnow())
    db.session.commit()
    page = _page(login_as(mentor))
    waiting = page.split('id="waiting-heading"')[1].split("</section>")[0]
    # The longest waiting first, with how long.
    assert waiting.index("早川 さん") < waiting.index("遅野 さん")
    assert "5日待っています" in waiting and "今日提出" in waiting
    recent = page.split('id="recent-heading"')[1].split("</section>")[0]
    assert "遅野 さん" in recent and "合格" in recent
    assert "早川 さん" not in recent
    assert 'href="/review/history"' in recent
    # Another mentor of the same cohort sees the same queue but not this mentor's reviews.
    other_page = _page(login_as(other_mentor))
    assert "まだレビューしていません" in other_page


def test_mentor_home_never_shows_another_cohorts_work(app, make, login_as):
    mentor, other_mentor = make.user(Role.MENTOR), make.user(Role.MENTOR)
    stranger = make.user(Role.LEARNER, name="他期の人")
    other_group = make.cohort(make.module_version(exercises=1), learners=[stranger], mentors=[other_mentor],
                              name="他の受講期")
    _submit(app, make, other_group, stranger, other_group.module_version.exercises[0])
    make.cohort(make.module_version(exercises=1), mentors=[mentor], name="担当の受講期")
    page = _page(login_as(mentor))
    assert "他期の人" not in page and "他の受講期" not in page
    assert "担当の受講期" in page
    assert "レビューを待っている提出物はありません" in page


def test_mentor_home_counts_only_what_the_queue_offers_the_mentor(app, make, login_as):
    """Issue 13: the home's counts and list follow the review queue's rule: no work from the mentor's own
    town when the cohort rules it out, none of withdrawn learners, none in archived cohorts."""
    town = Organization(code="999981", name_ja="同じ町", name_en="Same Town", kind=OrganizationKind.MUNICIPALITY)
    db.session.add(town)
    db.session.commit()
    mentor = make.user(Role.MENTOR, organization_id=town.id)
    neighbour = make.user(Role.LEARNER, name="同じ町の人", organization_id=town.id)
    stranger, leaver = make.user(Role.LEARNER, name="よその人"), make.user(Role.LEARNER, name="退いた人")
    group = make.cohort(make.module_version(exercises=1), learners=[neighbour, stranger, leaver], mentors=[mentor],
                        name="担当の受講期")
    for person in (neighbour, stranger, leaver):
        _submit(app, make, group, person, group.module_version.exercises[0])
    membership.withdraw(db.session, make.enrolment(group, leaver), make.user(Role.ORGANIZER), utcnow())
    old_learner = make.user(Role.LEARNER, name="昔の人")
    old = make.cohort(make.module_version(exercises=1), learners=[old_learner], mentors=[mentor], name="昔の受講期")
    _submit(app, make, old, old_learner, old.module_version.exercises[0])
    old.status = CohortStatus.ARCHIVED
    db.session.commit()
    home = queries.mentor_home(db.session, mentor, utcnow())
    queue = review_queue(db.session, mentor, "ja")
    assert home.waiting_total == queue.total == 1
    assert [w.submission.enrolment.user.display_name for w in home.waiting] == ["よその人"]
    assert {c.cohort.name: c.waiting for c in home.cohorts} == {"担当の受講期": 1}
    page = _page(login_as(mentor))
    assert "同じ町の人" not in page and "退いた人" not in page and "レビュー待ち1件" in page


def test_mentor_without_cohorts_is_told_what_to_do(make, login_as):
    page = _page(login_as(make.user(Role.MENTOR)))
    assert "担当している受講期はありません" in page
    assert "まだレビューしていません" in page


# -- organizer --------------------------------------------------------------------------------------------

def test_organizer_home_finds_overdue_and_stalled_learners_and_long_waiting_reviews(app, make, login_as):
    behind, silent, busy, mentor = (make.user(Role.LEARNER, name="遅れ さん"), make.user(Role.LEARNER, name="沈黙 さん"),
                                    make.user(Role.LEARNER, name="順調 さん"), make.user(Role.MENTOR))
    group = make.cohort(make.module_version(exercises=2), learners=[behind, silent, busy], mentors=[mentor],
                        started_days_ago=30, days_open=60, name="進行中の受講期")
    # The first exercise was due yesterday.
    group.schedule[0].due_at = utcnow() - timedelta(days=1)
    db.session.execute(update(Enrolment).where(Enrolment.cohort_id == group.id)
                       .values(enrolled_at=utcnow() - timedelta(days=30)))
    db.session.commit()
    _submit(app, make, group, silent, group.module_version.exercises[0], days_ago=20)
    _submit(app, make, group, busy, group.module_version.exercises[0], days_ago=9)
    _submit(app, make, group, busy, group.module_version.exercises[1])
    make.cohort(make.module_version(exercises=1), started_days_ago=-10, name="これからの受講期",
                status=CohortStatus.OPEN)
    # Within its dates, but the organizer has closed it: not running, and its learners are nobody's worry here.
    closed = make.cohort(make.module_version(exercises=1), learners=[make.user(Role.LEARNER, name="終了 さん")],
                         name="終えた受講期", status=CohortStatus.CLOSED)
    closed.schedule[0].due_at = utcnow() - timedelta(days=1)
    db.session.commit()

    page = _page(login_as(make.user(Role.ORGANIZER)))
    running = page.split('id="running-heading"')[1].split("</section>")[0]
    assert "進行中の受講期" in running and "これからの受講期" not in running and "終えた受講期" not in running
    assert '<span class="summary-tiles__number">1</span>' in page.split('href="#running-heading"')[1].split("</a>")[0]
    overdue = page.split('id="overdue-heading"')[1].split("</section>")[0]
    assert "遅れ さん" in overdue and "沈黙 さん" not in overdue and "順調 さん" not in overdue
    assert "終了 さん" not in overdue
    stalled = page.split('id="stalled-heading"')[1].split("</section>")[0]
    assert "遅れ さん" in stalled and "沈黙 さん" in stalled and "順調 さん" not in stalled
    assert "まだなし" in stalled.split("遅れ さん")[1].split("</tr>")[0]
    waiting = page.split('id="waiting-heading"')[1].split("</section>")[0]
    # Waiting 20 and 9 days (more than 7); the one submitted today is not late.
    assert "20日待っています" in waiting and "9日待っています" in waiting and "今日提出" not in waiting


def test_a_cohort_runs_by_its_state_not_its_dates(app, make):
    """Running is what the organizer set (app/cohorts/lifecycle.py): a running cohort whose end date has
    passed is still running; one within its dates that is only open for enrolment is not."""
    late = make.cohort(make.module_version(exercises=1), started_days_ago=40, days_open=30, name="延長中")
    make.cohort(make.module_version(exercises=1), name="募集中", status=CohortStatus.OPEN)
    home = queries.organizer_home(db.session, utcnow(), stalled_days=7, waiting_days=7)
    assert [item.cohort for item in home.running] == [late]


def test_optional_exercises_are_never_overdue_and_need_no_due_date(app, make, login_as):
    learner, mentor = make.user(Role.LEARNER, name="任意 さん"), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=3, optional=(1, 3)), learners=[learner], mentors=[mentor])
    # The optional first exercise was due yesterday, the optional third has no due date at all.
    group.schedule[0].due_at = utcnow() - timedelta(days=1)
    group.schedule[2].due_at = None
    db.session.commit()
    assert queries.organizer_home(db.session, utcnow(), stalled_days=7, waiting_days=7).overdue_total == 0
    page = _page(login_as(make.user(Role.ORGANIZER)))
    assert "任意 さん" not in page.split('id="overdue-heading"')[1].split("</section>")[0]
    # The learner's home and "My learning" list the undated exercise after the dated ones, without a date.
    client = login_as(learner)
    for path in ("/", "/learning/"):
        due = _page(client, path).split('id="due-heading"')[1].split("</section>")[0]
        assert due.index("課題2") < due.index("課題3")
        assert "提出期限" not in due.split("課題3")[1]


def test_organizer_home_counts_badges_awaiting_approval(app, make, login_as):
    make.badge_awaiting_approval(app.config["STORAGE_DIR"])
    assert db.session.scalar(db.select(Credential.status)) == CredentialStatus.AWAITING_APPROVAL
    page = _page(login_as(make.user(Role.ORGANIZER)))
    badges = page.split('id="badges-heading"')[1].split("</section>")[0]
    assert "1件のバッジが発行前の承認を待っています" in badges
    assert "/manage/badges?status=awaiting_approval" in badges


def test_organizer_home_when_nothing_needs_doing_says_so(make, login_as):
    page = _page(login_as(make.user(Role.ORGANIZER)))
    for message in ("今日実施中の受講期はありません", "期限を過ぎた受講者はいません", "止まっている受講者はいません",
                    "長く待っている提出物はありません", "承認を待っているバッジはありません"):
        assert message in page, message


# -- admin ------------------------------------------------------------------------------------------------

def test_admin_home_shows_accounts_invitations_and_issuer_keys(app, make, login_as, runner):
    admin = make.user(Role.ADMIN)
    invitee = make.user(Role.LEARNER, name="招待中 さん", password_hash=None)
    make.user(Role.MENTOR, name="新しい メンター")
    page = _page(login_as(admin))
    assert "まだ発行者がありません" in page
    invited = page.split('id="invited-heading"')[1].split("</section>")[0]
    assert "招待中 さん" in invited and f"/admin/users/{invitee.id}" in invited
    assert "新しい メンター" in page.split('id="recent-heading"')[1]

    assert runner.invoke(args=["badges", "init"]).exit_code == 0
    issuers = _page(login_as(admin)).split('id="issuers-heading"')[1]
    assert "鍵1" in issuers and "あり" in issuers
    for key_file in Path(app.config["KEYS_DIR"]).glob("*"):
        key_file.unlink()
    issuers = _page(login_as(admin)).split('id="issuers-heading"')[1]
    assert "見つかりません" in issuers


def test_invitations_list_only_people_who_have_not_set_a_password(make, login_as):
    make.user(Role.LEARNER, name="設定済み さん")
    page = _page(login_as(make.user(Role.ADMIN)))
    invited = page.split('id="invited-heading"')[1].split("</section>")[0]
    assert "設定済み さん" not in invited
    assert "招待した全員がパスワードを設定しています" in invited


# -- the menu ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, visible, grouped", [
    (Role.LEARNER, ["わたしの学習", "わたしのバッジ"], []),
    (Role.MENTOR, ["ホーム", "レビュー待ち一覧"], []),
    (Role.ORGANIZER, ["ホーム", "受講期", "モジュール", "バッジ"], []),
    (Role.ADMIN, ["ホーム", "レビュー待ち一覧", "受講期", "モジュール", "バッジ"], ["利用者", "所属組織", "バッジの発行者"]),
])
def test_menu_keeps_daily_work_on_top_and_groups_the_rest(make, login_as, role, visible, grouped):
    page = _page(login_as(make.user(role)))
    nav = page.split('class="site-nav"')[1].split("</nav>")[0]
    top, _, group = nav.partition('<details class="menu-group">')
    for label in visible:
        assert f">{label}</a>" in top, label
    for label in grouped:
        assert f">{label}</a>" in group, label
    assert ("管理</summary>" in group) == bool(grouped)
    assert 'id="site-menu-toggle"' in page and 'for="site-menu-toggle"' in page


def test_menu_marks_the_current_page(make, login_as):
    client = login_as(make.user(Role.ORGANIZER))
    nav = _page(client, "/manage/cohorts/").split('class="site-nav"')[1].split("</nav>")[0]
    assert 'href="/manage/cohorts/" aria-current="page"' in nav
    assert nav.count('aria-current="page"') == 1


def test_signed_out_visitors_get_no_menu_button(client):
    page = client.get("/login").get_data(as_text=True)
    assert "site-menu-toggle" not in page and "site-nav" not in page


def test_waiting_work_says_who_holds_it(app, make, login_as):
    mentor, other_mentor = make.user(Role.MENTOR), make.user(Role.MENTOR, name="保留 メンター")
    first, second = make.user(Role.LEARNER, name="一番 さん"), make.user(Role.LEARNER, name="二番 さん")
    group = make.cohort(make.module_version(exercises=1), learners=[first, second], mentors=[mentor, other_mentor])
    mine = _submit(app, make, group, first, group.module_version.exercises[0], days_ago=9).submission
    theirs = _submit(app, make, group, second, group.module_version.exercises[0], days_ago=8).submission
    claim_submission(db.session, submission=mine, mentor=mentor, now=utcnow(), minutes=30)
    claim_submission(db.session, submission=theirs, mentor=other_mentor, now=utcnow(), minutes=30)
    db.session.commit()
    waiting = _page(login_as(mentor)).split('id="waiting-heading"')[1].split("</section>")[0]
    mine_row, theirs_row = waiting.split("一番 さん")[1].split("</tr>")[0], waiting.split("二番 さん")[1].split("</tr>")[0]
    assert "<strong>あなた</strong>" in mine_row and ">レビュー<" in mine_row
    assert "保留 メンター" in theirs_row and ">見る<" in theirs_row
    organizer = _page(login_as(make.user(Role.ORGANIZER))).split('id="waiting-heading"')[1].split("</section>")[0]
    assert "保留 メンター" in organizer.split("二番 さん")[1].split("</tr>")[0]
    # An expired claim holds nothing.
    assert all(w.claim is None for w in queries.mentor_home(db.session, mentor, utcnow() + timedelta(hours=1)).waiting)


def test_a_submission_keeps_its_own_time_for_days_waited(app, make):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], mentors=[mentor])
    _submit(app, make, group, learner, group.module_version.exercises[0], days_ago=3)
    home = queries.mentor_home(db.session, mentor, utcnow() + timedelta(days=1))
    assert [w.days_waited for w in home.waiting] == [4]
    assert home.waiting_total == 1
