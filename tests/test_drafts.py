"""Nothing typed is lost: checking answers keeps the answer box as typed, and a learner's answer and a
mentor's scores and feedback are kept as server-side drafts (autosaved by the page's script, or saved
with 「下書き保存」), restored on return, seen only by their author and discarded on submit / decision."""

import hashlib
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role
from app.cohorts.models import Enrolment
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.core.timeutil import TOKYO
from app.extensions import db
from app.reviews import services as reviews
from app.reviews.models import ReviewDraft
from app.submissions import services as submissions
from app.submissions.models import AnswerDraft, DraftAttachment, Submission
from tests.test_scenarios import _check, _decide, _submit, scenario  # noqa: F401 (a fixture)


def _answer_drafts() -> list[AnswerDraft]:
    return db.session.scalars(select(AnswerDraft).order_by(AnswerDraft.id)).all()


def _review_drafts() -> list[ReviewDraft]:
    return db.session.scalars(select(ReviewDraft).order_by(ReviewDraft.id)).all()


def _textarea(page: str, name: str) -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\r?\n?(.*?)</textarea>', page, re.S)
    assert match, f"no {name} box on the page"
    return unescape(match.group(1))


def _note(page: str) -> str:
    match = re.search(r'<p class="draft-note"[^>]*>(.*?)</p>', page, re.S)
    assert match, "no draft note on the page"
    return unescape(match.group(1)).strip()


def _saved_label(draft, prefix="Draft (saved ") -> str:
    return f"{prefix}{draft.saved_at.astimezone(TOKYO):%H:%M}"


def _ja_datetime(moment) -> str:
    """The one Japanese format of a moment: 2026年10月2日（金）19:11."""
    t = moment.astimezone(TOKYO)
    return f"{t.year}年{t.month}月{t.day}日（{'月火水木金土日'[t.weekday()]}）{t.hour}:{t:%M}"


def _exercise_url(group, exercise) -> str:
    return f"/cohorts/{group.id}/exercises/{exercise.id}"


# -- checking answers ----------------------------------------------------------------------------------------

def test_checking_answers_shows_the_answer_box_exactly_as_typed_and_the_result_where_the_learner_is(scenario):
    group, first, second, learner, mentor = scenario
    page = learner.get(_exercise_url(group, first)).get_data(as_text=True)
    # The questions send the answer box along, and the page comes back at the questions.
    assert re.search(r'<button[^>]*name="check_answers"[^>]*form="answer-form" formaction="#questions-heading"', page)
    question = next(q for q in first.questions if q.slug == "sardine-total")
    assert re.search(rf'name="q_{question.id}"[^>]*form="answer-form"', page)
    typed = "## 途中\n\nまだ書いている途中の答え"
    response = learner.post(_exercise_url(group, first), content_type="multipart/form-data",
                            data={"check_answers": "1", "body": typed, f"q_{question.id}": "800"})
    checked = response.get_data(as_text=True)
    assert response.status_code == 200 and "Correct." in checked
    assert _textarea(checked, "body") == typed


def test_checking_answers_keeps_the_submitted_version_in_the_box_when_the_box_is_not_sent(scenario):
    group, first, second, learner, mentor = scenario
    assert _submit(learner, group, first, body="第1版の答え").status_code == 302
    assert _decide(mentor, db.session.scalar(select(Submission)), 1, accept=False).status_code == 302
    checked = _check(learner, group, first, {"sardine-total": "700"}).get_data(as_text=True)
    assert "Not correct yet." in checked and _textarea(checked, "body") == "第1版の答え"


def test_a_check_without_an_answer_says_so_beside_the_questions(scenario):
    group, first, second, learner, mentor = scenario
    page = learner.post(_exercise_url(group, first), content_type="multipart/form-data",
                        data={"check_answers": "1", "body": "答え"}).get_data(as_text=True)
    questions = page.index('id="questions-heading"')
    message = page.index("Answer at least one question, then check.", page.index("<main"))
    assert questions < message < page.index('id="answer-heading"')
    assert _textarea(page, "body") == "答え"


# -- a learner's answer ----------------------------------------------------------------------------------

def test_an_autosaved_answer_comes_back_on_a_new_visit_with_its_note(scenario):
    """A closed tab loses nothing: what the script saved is what the next visit opens with."""
    group, first, second, learner, mentor = scenario
    typed = "途中までの答え\r\n\r\n- 水揚量 800 t"
    response = learner.post(f"{_exercise_url(group, first)}/draft", data={"body": typed})
    draft = _answer_drafts()[0]
    assert response.status_code == 200 and response.json == {"note": _saved_label(draft) + ")"}
    assert draft.body_md == typed.replace("\r\n", "\n")
    page = learner.get(_exercise_url(group, first)).get_data(as_text=True)
    assert _textarea(page, "body") == typed.replace("\r\n", "\n")
    assert _note(page) == _saved_label(draft) + ")"


def test_the_note_is_in_japanese_and_shows_the_date_of_an_older_draft(app, make, login_as):
    learner = make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=1), learners=[learner])
    exercise = group.module_version.exercises[0]
    client = login_as(learner)
    client.post(f"{_exercise_url(group, exercise)}/draft", data={"body": "下書き"})
    draft = _answer_drafts()[0]
    assert _note(client.get(_exercise_url(group, exercise)).get_data(as_text=True)) == \
        f"下書き（保存 {draft.saved_at.astimezone(TOKYO):%H:%M}）"
    draft.saved_at = utcnow() - timedelta(days=3)
    db.session.commit()
    assert _note(client.get(_exercise_url(group, exercise)).get_data(as_text=True)) == \
        f"下書き（保存 {_ja_datetime(draft.saved_at)}）"


def test_save_draft_button_keeps_the_answer_without_javascript(scenario):
    group, first, second, learner, mentor = scenario
    response = learner.post(_exercise_url(group, first), content_type="multipart/form-data",
                            data={"body": "ボタンで保存", "save_draft": "1"})
    assert response.status_code == 302 and response.location.endswith(f"{_exercise_url(group, first)}#answer-heading")
    page = learner.get(response.location).get_data(as_text=True)
    assert _textarea(page, "body") == "ボタンで保存" and _note(page).startswith("Draft (saved ")
    assert db.session.scalar(select(func.count(Submission.id))) == 0  # a draft is not a submission


def test_an_emptied_box_is_kept_as_an_empty_draft_rather_than_the_last_version(scenario):
    group, first, second, learner, mentor = scenario
    _decide_returned(scenario)
    learner.post(_exercise_url(group, first), content_type="multipart/form-data", data={"body": "", "save_draft": "1"})
    assert _textarea(learner.get(_exercise_url(group, first)).get_data(as_text=True), "body") == ""


def _decide_returned(scenario):
    group, first, second, learner, mentor = scenario
    assert _submit(learner, group, first, body="第1版").status_code == 302
    assert _decide(mentor, db.session.scalar(select(Submission)), 1, accept=False).status_code == 302


def test_saving_again_replaces_the_one_draft(scenario):
    group, first, second, learner, mentor = scenario
    for text in ("一回目", "二回目"):
        assert learner.post(f"{_exercise_url(group, first)}/draft", data={"body": text}).status_code == 200
    assert [d.body_md for d in _answer_drafts()] == ["二回目"]


def test_submitting_discards_the_draft(scenario):
    group, first, second, learner, mentor = scenario
    learner.post(f"{_exercise_url(group, first)}/draft", data={"body": "下書き"})
    assert _submit(learner, group, first, body="提出した答え").status_code == 302
    assert _answer_drafts() == []
    # While the version waits for review there is no box; once returned, it opens with that version.
    assert 'name="body"' not in learner.get(_exercise_url(group, first)).get_data(as_text=True)
    assert _decide(mentor, db.session.scalar(select(Submission)), 1, accept=False).status_code == 302
    page = learner.get(_exercise_url(group, first)).get_data(as_text=True)
    assert _textarea(page, "body") == "提出した答え" and _note(page) == ""


@pytest.mark.parametrize("how", ["autosave", "button"])
def test_a_draft_for_a_locked_exercise_is_refused_with_a_message(scenario, how):
    group, first, second, learner, mentor = scenario
    response = _save(learner, group, second, "まだ開いていない課題", how)
    assert response.status_code == (409 if how == "autosave" else 422)
    assert "This exercise is not open yet." in _message(response, how)
    assert _answer_drafts() == []


@pytest.mark.parametrize("how", ["autosave", "button"])
def test_a_draft_for_an_accepted_exercise_is_refused_with_a_message(scenario, how):
    group, first, second, learner, mentor = scenario
    assert _submit(learner, group, first).status_code == 302
    assert _decide(mentor, db.session.scalar(select(Submission)), 3).status_code == 302
    response = _save(learner, group, first, "もう一度", how)
    assert response.status_code == (409 if how == "autosave" else 422)
    assert "This exercise has already been accepted; no new version is needed." in _message(response, how)
    assert _answer_drafts() == []


@pytest.mark.parametrize("how", ["autosave", "button"])
def test_a_draft_that_is_too_long_is_refused_and_the_text_stays(app, scenario, how):
    group, first, second, learner, mentor = scenario
    too_long = "あ" * (app.config["MAX_ANSWER_CHARS"] + 1)
    response = _save(learner, group, first, too_long, how)
    assert response.status_code == 422
    assert f"The answer is too long; the limit is {app.config['MAX_ANSWER_CHARS']} characters." in \
        _message(response, how)
    if how == "button":
        assert _textarea(response.get_data(as_text=True), "body") == too_long
    assert _answer_drafts() == []


def test_an_autosave_without_the_answer_is_refused(scenario):
    group, first, second, learner, mentor = scenario
    response = learner.post(f"{_exercise_url(group, first)}/draft", data={"other": "x"})
    assert response.status_code == 422
    assert response.json == {"error": "Nothing was saved: the answer was missing from the request."}
    assert _answer_drafts() == []


def test_an_autosave_for_an_exercise_outside_the_cohort_or_someone_elses_cohort_is_not_found(scenario, make,
                                                                                             login_as):
    group, first, second, learner, mentor = scenario
    elsewhere = make.cohort(make.module_version(exercises=1), learners=[make.user(Role.LEARNER)])
    assert learner.post(f"/cohorts/{group.id}/exercises/{elsewhere.module_version.exercises[0].id}/draft",
                        data={"body": "x"}).status_code == 404
    assert learner.post(f"/cohorts/{group.id}/exercises/999999/draft", data={"body": "x"}).status_code == 404
    assert learner.post(f"/cohorts/{elsewhere.id}/exercises/{first.id}/draft", data={"body": "x"}).status_code == 404
    assert _answer_drafts() == []


def test_a_learners_draft_is_not_shown_to_another_learner_of_the_cohort(scenario, make, login_as):
    group, first, second, learner, mentor = scenario
    learner.post(f"{_exercise_url(group, first)}/draft", data={"body": "わたしだけの下書き"})
    classmate = make.user(Role.LEARNER)
    db.session.add(Enrolment(cohort_id=group.id, user_id=classmate.id))
    db.session.commit()
    page = login_as(classmate).get(_exercise_url(group, first)).get_data(as_text=True)
    assert "わたしだけの下書き" not in page and _note(page) == ""


def _save(client, group, exercise, text, how):
    if how == "autosave":
        return client.post(f"{_exercise_url(group, exercise)}/draft", data={"body": text})
    return client.post(_exercise_url(group, exercise), content_type="multipart/form-data",
                       data={"body": text, "save_draft": "1"})


def _message(response, how) -> str:
    return response.json["error"] if how == "autosave" else unescape(response.get_data(as_text=True))


def test_one_draft_per_enrolment_and_exercise_is_a_database_rule(scenario):
    group, first, second, learner, mentor = scenario
    learner.post(f"{_exercise_url(group, first)}/draft", data={"body": "一つ目"})
    draft = _answer_drafts()[0]
    db.session.add(AnswerDraft(enrolment_id=draft.enrolment_id, exercise_id=draft.exercise_id, body_md="二つ目"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_save_answer_draft_refuses_a_closed_cohort(app, make):
    learner = make.user(Role.LEARNER)
    group = make.cohort(make.module_version(exercises=1), learners=[learner], days_open=1, started_days_ago=3)
    with pytest.raises(submissions.CohortClosed):
        submissions.save_answer_draft(db.session, enrolment=make.enrolment(group, learner),
                                      exercise=group.module_version.exercises[0], body_md="x", now=utcnow(),
                                      max_answer_chars=100)
    assert _answer_drafts() == []


# -- a mentor's scores and feedback ----------------------------------------------------------------------

@pytest.fixture
def waiting(app, make, login_as):
    """A submission awaiting review, its exercise's first criterion, and two mentors who may review it."""
    learner, mentor, colleague = make.user(Role.LEARNER), make.user(Role.MENTOR), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1, criteria=2), learners=[learner], mentors=[mentor, colleague])
    exercise = group.module_version.exercises[0]
    version = submissions.submit_version(
        db.session, enrolment=make.enrolment(group, learner), exercise=exercise, body_md="回答", uploads=[],
        keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(),
        max_answer_chars=1000, max_attachment_bytes=1000)
    db.session.commit()
    return version.submission_id, exercise.criteria, login_as(mentor), login_as(colleague), mentor


def _review_url(submission_id) -> str:
    return f"/review/submissions/{submission_id}"


def _checked_levels(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input checked[^>]*name="(criterion_\d+)"[^>]*value="(\d+)"', page)
                + re.findall(r'<input[^>]*name="(criterion_\d+)"[^>]*value="(\d+)"[^>]*checked', page))


def test_an_autosaved_review_comes_back_with_its_scores_feedback_and_note(waiting):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    response = mentor.post(f"{_review_url(submission_id)}/draft",
                           data={f"criterion_{criteria[0].id}": "2", "feedback": "根拠の数字が\r\n良い"})
    draft = _review_drafts()[0]
    assert response.status_code == 200 and response.json == {"note": _saved_label(draft, "下書き（保存 ") + "）"}
    assert (draft.points_by_criterion, draft.feedback_md) == ({str(criteria[0].id): 2}, "根拠の数字が\n良い")
    page = mentor.get(_review_url(submission_id)).get_data(as_text=True)
    assert _textarea(page, "feedback") == "根拠の数字が\n良い"
    assert _checked_levels(page) == {f"criterion_{criteria[0].id}": "2"}
    assert _note(page) == _saved_label(draft, "下書き（保存 ") + "）"


def test_a_mentors_draft_is_seen_only_by_that_mentor(waiting):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    mentor.post(f"{_review_url(submission_id)}/draft", data={"feedback": "わたしのメモ"})
    page = colleague.get(_review_url(submission_id)).get_data(as_text=True)
    assert "わたしのメモ" not in page and _note(page) == "" and _checked_levels(page) == {}
    colleague.post(f"{_review_url(submission_id)}/draft", data={"feedback": "同僚のメモ"})
    assert sorted(d.feedback_md for d in _review_drafts()) == ["わたしのメモ", "同僚のメモ"]
    assert "同僚のメモ" not in mentor.get(_review_url(submission_id)).get_data(as_text=True)


def test_save_draft_button_keeps_the_review_without_javascript(waiting):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    response = mentor.post(_review_url(submission_id), data={
        "save_draft": "1", f"criterion_{criteria[1].id}": "3", "feedback": "途中"})
    assert response.status_code == 302 and response.location.endswith(f"{_review_url(submission_id)}#score-heading")
    page = mentor.get(response.location).get_data(as_text=True)
    assert _textarea(page, "feedback") == "途中" and _checked_levels(page) == {f"criterion_{criteria[1].id}": "3"}
    assert _note(page).startswith("下書き（保存 ")


def test_deciding_discards_every_mentors_draft_of_the_submission(waiting, make):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    for client in (mentor, colleague):
        client.post(f"{_review_url(submission_id)}/draft", data={"feedback": "メモ"})
    submission = db.session.get(Submission, submission_id)
    data = {"version_id": str(submission.versions[-1].id), "feedback": "直してください",
            "return_for_revision": "1", **make.scores(submission.exercise, 1)}
    assert mentor.post(_review_url(submission_id), data=data).status_code == 302
    assert _review_drafts() == []


@pytest.mark.parametrize("how", ["autosave", "button"])
def test_a_review_draft_for_a_decided_submission_is_refused(waiting, make, how):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    submission = db.session.get(Submission, submission_id)
    reviews.review_version(db.session, version=submission.versions[-1], mentor=mentor_user,
                           decision="accepted", points_by_criterion={c.id: 3 for c in criteria},
                           feedback_md="合格", now=utcnow())
    db.session.commit()
    response = _save_review(colleague, submission_id, {"feedback": "遅れたメモ"}, how)
    assert response.status_code == 409
    assert "この提出はすでに判定済みのため、下書きは保存していません。" in _message(response, how)
    assert _review_drafts() == []


@pytest.mark.parametrize("how", ["autosave", "button"])
@pytest.mark.parametrize("points", ["7", "abc", "-1", "²"])
def test_a_review_draft_with_a_score_that_is_not_a_level_is_refused(waiting, how, points):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    response = _save_review(mentor, submission_id, {f"criterion_{criteria[0].id}": points, "feedback": "x"}, how)
    assert response.status_code == (422 if how == "autosave" else 409)
    assert "ルーブリックにない点数が含まれています。レベルを選び直してください。" in _message(response, how)
    assert _review_drafts() == []


@pytest.mark.parametrize("how", ["autosave", "button"])
def test_a_review_draft_with_feedback_that_is_too_long_is_refused_and_the_text_stays(app, waiting, how):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    limit = app.config["MAX_FEEDBACK_CHARS"]
    response = _save_review(mentor, submission_id, {"feedback": "長" * (limit + 1)}, how)
    assert response.status_code == 422
    assert f"フィードバックが長すぎます。上限は{limit}文字です。" in _message(response, how)
    if how == "button":
        assert _textarea(response.get_data(as_text=True), "feedback") == "長" * (limit + 1)
    assert _review_drafts() == []


def test_a_review_draft_for_another_cohorts_submission_is_not_found(waiting, make, login_as):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    stranger = login_as(make.user(Role.MENTOR))
    assert stranger.post(f"{_review_url(submission_id)}/draft", data={"feedback": "x"}).status_code == 404
    assert mentor.post(f"{_review_url(999999)}/draft", data={"feedback": "x"}).status_code == 404
    assert _review_drafts() == []


def _save_review(client, submission_id, data, how):
    if how == "autosave":
        return client.post(f"{_review_url(submission_id)}/draft", data=data)
    return client.post(_review_url(submission_id), data={**data, "save_draft": "1"})


def test_save_review_draft_refuses_a_criterion_of_another_exercise(waiting, make):
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    other = make.module_version(exercises=1, criteria=1).exercises[0].criteria[0]
    submission = db.session.get(Submission, submission_id)
    with pytest.raises(reviews.UnknownLevel):
        reviews.save_review_draft(db.session, submission=submission, mentor=mentor_user,
                                  points_by_criterion={other.id: 1}, feedback_md="", now=utcnow(),
                                  max_feedback_chars=100)


def test_a_review_draft_from_before_the_latest_version_is_not_restored(waiting):
    """An autosave that crossed the decision on the wire must not come back in the next round."""
    submission_id, criteria, mentor, colleague, mentor_user = waiting
    mentor.post(f"{_review_url(submission_id)}/draft", data={"feedback": "前の版へのメモ"})
    submission = db.session.get(Submission, submission_id)
    submission.last_submitted_at = utcnow() + timedelta(minutes=1)  # a newer version arrived after it
    db.session.commit()
    page = mentor.get(_review_url(submission_id)).get_data(as_text=True)
    assert "前の版へのメモ" not in page and _note(page) == ""


# -- files chosen before checking answers (issue 11: nothing typed is lost) -------------------------------------

def _with_files(data: dict, *files: tuple[str, bytes]) -> dict:
    return {**data, "attachments": [(io.BytesIO(content), name) for name, content in files]}


def test_files_chosen_before_checking_answers_are_kept_shown_and_submitted(scenario):
    group, first, second, learner, mentor = scenario
    learner.post("/language", data={"locale": "ja"})
    question = next(q for q in first.questions if q.slug == "sardine-total")
    checked = learner.post(_exercise_url(group, first), content_type="multipart/form-data", data=_with_files(
        {"check_answers": "1", "body": "途中の答え", f"q_{question.id}": "800"},
        ("表.csv", b"a,b\n1,2\n"), ("memo.txt", b"notes\n")))
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200 and "選択済みのファイル" in page
    assert "表.csv" in page and "memo.txt" in page and 'name="remove_draft_attachment"' in page
    assert _textarea(page, "body") == "途中の答え"
    draft = _answer_drafts()[0]
    assert [(a.filename, a.media_type) for a in draft.attachments] == [("表.csv", "text/csv"),
                                                                      ("memo.txt", "text/plain")]
    # Still there on a new visit; one is taken off again.
    again = learner.get(_exercise_url(group, first)).get_data(as_text=True)
    assert "選択済みのファイル" in again and "表.csv" in again
    memo = draft.attachments[1].id
    removed = learner.post(_exercise_url(group, first), content_type="multipart/form-data",
                           data={"remove_draft_attachment": str(memo), "body": "途中の答え"})
    assert removed.status_code == 302
    assert "ファイルを回答から外しました。" in learner.get(removed.location).get_data(as_text=True)
    db.session.expire_all()
    assert [a.filename for a in _answer_drafts()[0].attachments] == ["表.csv"]
    # Submitting sends the kept file with the version (and one chosen now), and the draft goes.
    submitted = learner.post(_exercise_url(group, first), content_type="multipart/form-data", data=_with_files(
        {"body": "完成した答え", "submit": "1"}, ("追加.txt", b"more\n")))
    assert submitted.status_code == 302
    db.session.expire_all()
    version = db.session.scalar(select(Submission)).versions[-1]
    assert [a.filename for a in version.attachments] == ["表.csv", "追加.txt"]
    assert _answer_drafts() == []


@pytest.mark.parametrize("name, content, message", [
    ("program.exe", b"MZ\x90\x00", "は受け付けていないファイル形式です"),
    ("big.txt", b"x" * 2000, "big.txt は0 MBを超えています"),
])
def test_a_chosen_file_that_a_submit_would_refuse_is_not_kept_and_says_why(app, scenario, name, content, message):
    group, first, second, learner, mentor = scenario
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    learner.post("/language", data={"locale": "ja"})
    question = next(q for q in first.questions if q.slug == "sardine-total")
    checked = learner.post(_exercise_url(group, first), content_type="multipart/form-data", data=_with_files(
        {"check_answers": "1", "body": "途中", f"q_{question.id}": "800"}, (name, content)))
    page = checked.get_data(as_text=True)
    assert checked.status_code == 422 and message in page and "選択済みのファイル" not in page
    # The check is still shown, and the typed answer is in the box.
    assert "正解です" in page and _textarea(page, "body") == "途中"
    assert db.session.scalar(select(func.count()).select_from(DraftAttachment)) == 0


def test_a_refused_file_chosen_with_a_saved_draft_is_named_and_nothing_else_is_kept(scenario):
    """Saving the draft keeps the text and names the file that could not be kept; with a preview, where nothing
    else is stored, the refusal changes nothing (the hostile-input properties test saw a table change on a 422)."""
    group, first, second, learner, mentor = scenario
    learner.post("/language", data={"locale": "ja"})
    url = _exercise_url(group, first)
    previewed = learner.post(url, content_type="multipart/form-data", data=_with_files(
        {"preview": "1", "body": "途中"}, ("program.exe", b"MZ\x90\x00")))
    page = previewed.get_data(as_text=True)
    assert previewed.status_code == 422 and "は受け付けていないファイル形式です" in page
    assert _textarea(page, "body") == "途中" and _answer_drafts() == []
    saved = learner.post(url, content_type="multipart/form-data", follow_redirects=True, data=_with_files(
        {"save_draft": "1", "body": "途中"}, ("program.exe", b"MZ\x90\x00")))
    assert saved.status_code == 200 and "は受け付けていないファイル形式です" in saved.get_data(as_text=True)
    assert [(d.body_md, d.attachments) for d in _answer_drafts()] == [("途中", [])]


def test_more_chosen_files_than_a_version_may_have_are_refused(scenario, monkeypatch):
    group, first, second, learner, mentor = scenario
    monkeypatch.setattr(submissions, "MAX_ATTACHMENTS_PER_VERSION", 2)
    url = _exercise_url(group, first)
    learner.post(url, content_type="multipart/form-data", data=_with_files(
        {"save_draft": "1", "body": "x"}, ("a.txt", b"a\n"), ("b.txt", b"b\n")))
    refused = learner.post(url, content_type="multipart/form-data", data=_with_files(
        {"preview": "1", "body": "x"}, ("c.txt", b"c\n")))
    assert refused.status_code == 422 and "at most 2 attachments" in refused.get_data(as_text=True)
    assert [a.filename for a in _answer_drafts()[0].attachments] == ["a.txt", "b.txt"]


def test_a_learner_cannot_remove_another_learners_chosen_file(scenario, make, login_as):
    group, first, second, learner, mentor = scenario
    learner.post(_exercise_url(group, first), content_type="multipart/form-data", data=_with_files(
        {"save_draft": "1", "body": "x"}, ("mine.txt", b"mine\n")))
    other = make.user(Role.LEARNER)
    db.session.add(Enrolment(cohort_id=group.id, user_id=other.id))
    db.session.commit()
    attachment_id = _answer_drafts()[0].attachments[0].id
    login_as(other).post(_exercise_url(group, first), content_type="multipart/form-data",
                         data={"remove_draft_attachment": str(attachment_id), "body": "y"})
    db.session.expire_all()
    assert db.session.get(DraftAttachment, attachment_id) is not None


def test_a_chosen_files_stored_copy_survives_the_storage_sweep(app, scenario):
    group, first, second, learner, mentor = scenario
    learner.post(_exercise_url(group, first), content_type="multipart/form-data", data=_with_files(
        {"save_draft": "1", "body": "x"}, ("kept.txt", b"kept for later\n")))
    content_hash = _answer_drafts()[0].attachments[0].content_hash
    result = app.test_cli_runner().invoke(args=["storage", "sweep", "--min-age", "0"])
    assert result.exit_code == 0
    assert FileStorage(app.config["STORAGE_DIR"]).path_for(content_hash).exists()


# -- files chosen, then a refused submit (issue 11: nothing chosen is lost) -------------------------------------

GOOD = ("表.csv", b"a,b\n1,2\n")
# What each refused submit sends besides GOOD, and what the page says, in English and in Japanese.
REFUSED_SUBMITS = {
    "empty answer": ("", [], {"en": "Write your answer before submitting.", "ja": "回答を入力してから提出してください。"}),
    "answer too long": (None, [], {"en": "characters long; the limit is", "ja": "文字以内にしてください。"}),
    "forbidden type": ("答え", [("program.exe", b"MZ\x90\x00")], {
        "en": "program.exe is not a file type we accept.", "ja": "program.exe は受け付けていないファイル形式です。"}),
    "too large": ("答え", [("big.txt", b"x" * 2000)], {"en": "big.txt is larger than 0 MB.",
                                                     "ja": "big.txt は0 MBを超えています。"}),
    "name too long": ("答え", [("n" * 300 + ".txt", b"long name\n")], {
        "en": "The file name nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn… is longer than 255 characters",
        "ja": "ファイル名 nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn… が255文字を超えています"}),
    "too many": ("答え", [("b.txt", b"b\n"), ("c.txt", b"c\n")], {
        "en": "c.txt was not kept: a version may have at most 2 attachments.",
        "ja": "c.txt は添付できません。1つの版に添付できるファイルは2個までです。"}),
}


@pytest.mark.parametrize("locale", ["ja", "en"])
@pytest.mark.parametrize("case", list(REFUSED_SUBMITS))
def test_files_chosen_for_a_refused_submit_are_kept_and_the_refused_file_is_named(app, scenario, monkeypatch, case,
                                                                                  locale):
    group, first, second, learner, mentor = scenario
    app.config["MAX_ATTACHMENT_BYTES"] = 1000
    monkeypatch.setattr(submissions, "MAX_ATTACHMENTS_PER_VERSION", 2)
    learner.post("/language", data={"locale": locale})
    body, others, messages = REFUSED_SUBMITS[case]
    body = "あ" * (app.config["MAX_ANSWER_CHARS"] + 1) if body is None else body
    kept = [GOOD[0]] + (["b.txt"] if case == "too many" else [])

    refused = learner.post(_exercise_url(group, first), content_type="multipart/form-data",
                           data=_with_files({"body": body, "submit": "1"}, GOOD, *others))

    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and messages[locale] in page
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    # The acceptable files are kept with the draft and shown as chosen; the refused one is not kept at all.
    assert [a.filename for a in db.session.scalars(select(DraftAttachment).order_by(DraftAttachment.id))] == kept
    chosen = page.split('class="chosen-files"')[1].split("</fieldset>")[0]
    assert {"ja": "選択済みのファイル", "en": "Chosen files"}[locale] in chosen
    assert all(name in chosen for name in kept) and "c.txt" not in chosen
    storage = FileStorage(app.config["STORAGE_DIR"])
    for name, content in others:
        if name not in kept:
            assert not storage.path_for(hashlib.sha256(content).hexdigest()).exists()
    assert _textarea(page, "body") == body  # and what was typed is in the box as typed

    # The learner corrects the answer and submits without choosing the files again.
    submitted = learner.post(_exercise_url(group, first), content_type="multipart/form-data",
                             data={"body": "完成した答え", "submit": "1"})
    assert submitted.status_code == 302
    db.session.expire_all()
    assert [a.filename for a in db.session.scalar(select(Submission)).versions[-1].attachments] == kept
    assert _answer_drafts() == []


def test_add_draft_attachments_keeps_each_acceptable_file_and_returns_the_others_with_why(app, scenario,
                                                                                        monkeypatch):
    group, first, second, learner, mentor = scenario
    monkeypatch.setattr(submissions, "MAX_ATTACHMENTS_PER_VERSION", 2)
    storage = FileStorage(app.config["STORAGE_DIR"])
    uploads = [submissions.Upload(name, io.BytesIO(content)) for name, content in (
        ("program.exe", b"MZ\x90\x00"), ("a.txt", b"a\n"), ("big.txt", b"x" * 2000), ("b.txt", b"b\n"),
        ("c.txt", b"c\n"))]
    draft, refused = submissions.add_draft_attachments(
        db.session, enrolment=db.session.scalar(select(Enrolment)), exercise=first, body_md="途中", uploads=uploads,
        storage=storage, now=utcnow(), max_answer_chars=1000, max_attachment_bytes=1000)
    db.session.commit()
    assert [a.filename for a in draft.attachments] == ["a.txt", "b.txt"] and draft.body_md == "途中"
    assert [(type(r), r.filename) for r in refused] == [
        (submissions.DisallowedFileType, "program.exe"), (submissions.AttachmentTooLarge, "big.txt"),
        (submissions.NoRoomForAttachment, "c.txt")]
    assert all(storage.path_for(a.content_hash).exists() for a in draft.attachments)


def test_a_submit_over_the_limit_with_the_previous_versions_files_keeps_the_new_ones_and_says_so(scenario,
                                                                                                 monkeypatch):
    group, first, second, learner, mentor = scenario
    monkeypatch.setattr(submissions, "MAX_ATTACHMENTS_PER_VERSION", 2)
    url = _exercise_url(group, first)
    assert learner.post(url, content_type="multipart/form-data", data=_with_files(
        {"body": "初版", "submit": "1"}, ("v1.txt", b"v1\n"))).status_code == 302
    submission = db.session.scalar(select(Submission))
    _decide(mentor, submission, 1, accept=False)
    previous = submission.versions[-1].attachments[0].id
    refused = learner.post(url, content_type="multipart/form-data", data=_with_files(
        {"body": "第2版", "submit": "1", "keep_attachment": str(previous)}, ("x.txt", b"x\n"), ("y.txt", b"y\n")))
    assert refused.status_code == 422 and "A version may have at most 2 attachments." in refused.get_data(as_text=True)
    assert [a.filename for a in _answer_drafts()[0].attachments] == ["x.txt", "y.txt"]
