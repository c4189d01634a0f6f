"""Scenario mechanics: unlock rules, events, auto-checked questions, pass thresholds, weights,
and what changed between module versions."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.autocheck.models import QuestionAttempt
from app.completions.models import CompletionRecord
from app.content.loader import load_all
from app.content.models import ModuleVersion
from app.content.services import sync_modules
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.submissions.models import Submission

FIXTURES = Path(__file__).parent / "fixtures" / "content"


@pytest.fixture
def scenario(app, make, login_as):
    """The fixture module synced, a cohort on it with a learner and a mentor, both signed in (English)."""
    sync_modules(db.session, load_all(FIXTURES)[0], FileStorage(app.config["STORAGE_DIR"]), utcnow())
    version = db.session.scalar(select(ModuleVersion))
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(version, learners=[learner], mentors=[mentor])
    clients = login_as(learner), login_as(mentor)
    for client in clients:
        client.post("/language", data={"locale": "en"})
    first, second = version.exercises
    return group, first, second, clients[0], clients[1]


def _page(client, group, exercise):
    return client.get(f"/cohorts/{group.id}/exercises/{exercise.id}").get_data(as_text=True)


def _submit(client, group, exercise, body="answer"):
    return client.post(f"/cohorts/{group.id}/exercises/{exercise.id}", data={"body": body, "submit": "1"},
                       content_type="multipart/form-data")


def _decide(client, submission, points, accept=True):
    version = submission.versions[-1]
    data = {"version_id": str(version.id), "feedback": "ok",
            **{f"criterion_{c.id}": str(points) for c in submission.exercise.criteria}}
    data["accept" if accept else "return_for_revision"] = "1"
    return client.post(f"/review/submissions/{submission.id}", data=data)


def test_locked_exercise_shows_what_unlocks_it_and_refuses_work(scenario):
    group, first, second, learner, mentor = scenario
    page = _page(learner, group, second)
    assert "This exercise is not open yet" in page and "It opens when “Look at the situation” has been accepted." in page
    assert "Write a plan" not in page and "record low" not in page  # brief and event stay hidden
    response = _submit(learner, group, second)
    assert response.status_code == 422 and "This exercise is not open yet." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Submission.id))) == 0
    overview = learner.get(f"/cohorts/{group.id}/").get_data(as_text=True)
    assert "Not open yet" in overview and "opens when “Look at the situation” is accepted" in overview


def test_accepting_the_earlier_exercise_opens_the_next_with_its_event(scenario):
    group, first, second, learner, mentor = scenario
    _submit(learner, group, first)
    assert "This exercise is not open yet" in _page(learner, group, second)  # submitted is not enough here
    submission = db.session.scalar(select(Submission))
    assert _decide(mentor, submission, 2).status_code == 302
    page = _page(learner, group, second)
    assert "New development" in page and "A record poor catch" in page and "The saury catch fell to a record low." in page
    assert _submit(learner, group, second).status_code == 302


def test_days_after_start_keeps_an_exercise_closed_until_that_day(scenario):
    group, first, second, learner, mentor = scenario
    first.unlock_days_after_start = 10
    db.session.commit()
    page = _page(learner, group, first)
    assert "It opens on" in page
    assert _submit(learner, group, first).status_code == 422
    group.starts_at = utcnow() - timedelta(days=11)
    db.session.commit()
    assert _submit(learner, group, first).status_code == 302


def _check(client, group, exercise, answers: dict):
    data = {"check_answers": "1"}
    by_slug = {q.slug: q for q in exercise.questions}
    for slug, value in answers.items():
        data[f"q_{by_slug[slug].id}"] = value
    return client.post(f"/cohorts/{group.id}/exercises/{exercise.id}", data=data)


def test_questions_are_graded_at_once_with_hints_and_counted_attempts(scenario):
    group, first, second, learner, mentor = scenario
    wrong = _check(learner, group, first, {"sardine-total": "700"}).get_data(as_text=True)
    assert "Not correct yet." in wrong and "Filter by species." in wrong and "1 try so far" in wrong
    right = _check(learner, group, first, {"sardine-total": "８００ t"}).get_data(as_text=True)  # full-width digits and unit
    assert "Correct." in right and "2 tries so far" in right and "last answer correct" in right
    assert _check(learner, group, first, {"saury-mean": "53.3", "biggest-year": "y2024",
                                          "dx-tools": ["qr", "db"]}).get_data(as_text=True).count("Correct.") == 3
    assert "Not correct yet." in _check(learner, group, first, {"dx-tools": ["qr"]}).get_data(as_text=True)
    attempts = db.session.scalars(select(QuestionAttempt).order_by(QuestionAttempt.id)).all()
    assert [a.is_correct for a in attempts] == [False, True, True, True, True, False]


def test_unreadable_answers_are_refused_and_not_counted(scenario):
    group, first, second, learner, mentor = scenario
    response = _check(learner, group, first, {"sardine-total": "たくさん", "biggest-year": "nope"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a number, for example 93 or 12.5." in page and "Choose an answer." in page
    assert "Answer at least one question" in _check(learner, group, first, {}).get_data(as_text=True)
    assert db.session.scalar(select(func.count(QuestionAttempt.id))) == 0


def test_a_readable_answer_is_counted_beside_an_unreadable_one(scenario):
    group, first, second, learner, mentor = scenario
    response = _check(learner, group, first, {"sardine-total": "800", "biggest-year": "nope"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Correct." in page and "Choose an answer." in page
    assert db.session.scalars(select(QuestionAttempt.is_correct)).all() == [True]


def test_answer_key_never_reaches_the_page(scenario):
    group, first, second, learner, mentor = scenario
    page = _page(learner, group, first)
    assert 'name="q_' in page
    for leak in ("800", "53.3", "correct", "answer_key", "tolerance"):
        assert leak not in page.replace("Correct", "").lower().replace("correct yet", ""), leak


def test_questions_cannot_be_answered_in_a_locked_exercise(scenario, app):
    group, first, second, learner, mentor = scenario
    q = second.questions
    assert q == []  # the fixture's second exercise has none; lock the first instead
    first.unlock_days_after_start = 30
    db.session.commit()
    response = _check(learner, group, first, {"sardine-total": "800"})
    assert "cannot be answered now" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(QuestionAttempt.id))) == 0


def test_mentor_cannot_accept_below_the_pass_threshold(scenario):
    group, first, second, learner, mentor = scenario
    _submit(learner, group, first)
    submission = db.session.scalar(select(Submission))
    page = mentor.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert "at least 5 of 9 points" in page  # threshold 0.5 of 9 points
    response = _decide(mentor, submission, 1)
    assert response.status_code == 409
    assert "the score must reach at least 5 of 9 points" in response.get_data(as_text=True)
    db.session.expire_all()
    assert submission.status == "awaiting_review"
    assert _decide(mentor, submission, 1, accept=False).status_code == 302  # returning is always possible


def test_completion_score_is_weighted_and_counts_auto_checked_points(scenario):
    group, first, second, learner, mentor = scenario
    _check(learner, group, first, {"sardine-total": "800", "saury-mean": "53.3", "missing": "1",
                                   "biggest-year": "y2024", "dx-tools": ["qr", "db"]})
    _submit(learner, group, first)
    _decide(mentor, db.session.scalar(select(Submission)), 2)   # 6/9 rubric + 5/5 questions = 11/14
    _submit(learner, group, second)
    second_submission = db.session.scalar(select(Submission).where(Submission.exercise_id == second.id))
    _decide(mentor, second_submission, 3)                        # 9/9, weight 2
    record = db.session.scalar(select(CompletionRecord))
    assert record.score_percent == round(100 * (1 * 11 / 14 + 2 * 1.0) / 3, 1)
    assert (record.total_points, record.max_points) == (15, 18)


def test_organizer_sees_what_changed_between_versions(app, make, login_as, tmp_path):
    import shutil
    root = tmp_path / "content"
    shutil.copytree(FIXTURES, root)
    storage = FileStorage(app.config["STORAGE_DIR"])
    sync_modules(db.session, load_all(root)[0], storage, utcnow())
    brief = root / "mini-module" / "02-plan" / "brief.en.md"
    brief.write_text(brief.read_text(encoding="utf-8") + "Include a budget.\n", encoding="utf-8")
    rubric = root / "mini-module" / "01-look" / "rubric.toml"
    rubric.write_text(rubric.read_text(encoding="utf-8").replace('"Excellent"', '"Outstanding"', 1), encoding="utf-8")
    sync_modules(db.session, load_all(root)[0], storage, utcnow())
    db.session.commit()
    organizer = login_as(make.user(Role.ORGANIZER))
    organizer.post("/language", data={"locale": "en"})
    index = organizer.get("/manage/modules/").get_data(as_text=True)
    assert "What changed from version 1" in index
    page = organizer.get("/manage/modules/mini-module/changes?from=1&to=2").get_data(as_text=True)
    assert "<ins>+ Include a budget.</ins>" in page
    assert "Outstanding" in page and "Brief (English)" in page and "Rubric" in page
    assert organizer.get("/manage/modules/mini-module/changes?from=1&to=9").status_code == 404
    assert organizer.get("/manage/modules/nothing/changes").status_code == 404
    learner = login_as(make.user(Role.LEARNER))
    assert learner.get("/manage/modules/mini-module/changes").status_code == 403


MENTOR_PACK_LINE = "Saury down 60 %."  # from tests/fixtures/content/mini-module/01-look/mentor.en.md


def test_mentor_pack_is_shown_to_the_cohorts_mentor_on_the_review_page(scenario, make, login_as):
    group, first, second, learner, mentor = scenario
    _submit(learner, group, first)
    submission = db.session.scalar(select(Submission))
    page = mentor.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert "Mentor pack: exemplar answers" in page and MENTOR_PACK_LINE in page
    other_mentor = login_as(make.user(Role.MENTOR))
    assert other_mentor.get(f"/review/submissions/{submission.id}").status_code == 404


def test_learner_never_sees_the_mentor_pack(scenario):
    group, first, second, learner, mentor = scenario
    _submit(learner, group, first)
    for url in (f"/cohorts/{group.id}/", f"/cohorts/{group.id}/exercises/{first.id}", "/progress/"):
        assert MENTOR_PACK_LINE not in learner.get(url).get_data(as_text=True), url
    submission = db.session.scalar(select(Submission))
    assert learner.get(f"/review/submissions/{submission.id}").status_code == 403
    assert learner.get("/manage/modules/mini-module/mentor-packs").status_code == 403
    assert mentor.get("/manage/modules/mini-module/mentor-packs").status_code == 403


def test_organizer_reads_every_mentor_pack_of_the_latest_version(scenario, make, login_as):
    organizer = login_as(make.user(Role.ORGANIZER))
    organizer.post("/language", data={"locale": "en"})
    assert "Mentor packs of the latest version" in organizer.get("/manage/modules/").get_data(as_text=True)
    page = organizer.get("/manage/modules/mini-module/mentor-packs").get_data(as_text=True)
    assert MENTOR_PACK_LINE in page and "This exercise has no mentor pack." in page
    organizer.post("/language", data={"locale": "ja"})
    page = organizer.get("/manage/modules/mini-module/mentor-packs").get_data(as_text=True)
    assert "さんまの減少率 60 %。" in page and "この演習にはメンター用資料がありません。" in page
    assert organizer.get("/manage/modules/nothing/mentor-packs").status_code == 404


def test_module_page_shows_personas_and_sources(scenario):
    group, first, second, learner, mentor = scenario
    page = learner.get(f"/cohorts/{group.id}/").get_data(as_text=True)
    assert "Yamada (fictional)" in page and "https://www.pref.hokkaido.lg.jp/" in page
