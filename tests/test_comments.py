"""Comments around a review (issue 13): mentors' comments anchored to passages of the answer, shown to the
learner beside the passage once the work is decided; the comment bank per exercise; the discussion between
learner and mentors; the learner's filled rubric and revising beside the feedback."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from markupsafe import Markup
from sqlalchemy import func, select

from app.auth.models import Role
from app.core.db import utcnow
from app.core.markdown import render_markdown
from app.core.passages import Passage, find_passage, mark_passages, passage_text
from app.extensions import db
from app.reviews import annotations, bank
from app.reviews.models import AnchoredComment, CommentBankAudit, CommentBankEntry, DiscussionMessage
from app.submissions.models import Submission
from tests.test_markdown import OWN_PAYLOADS

ANSWER = ("# 釧路の漁獲\n\n今年の**サンマ**の漁獲量は前年より20%減った。\n\n"
          "- 原因は海水温の上昇\n- 対策は魚種の転換\n\n最後に、加工業者との連携を提案する。")


@pytest.fixture
def people(make, login_as):
    learner, other_learner = make.user(Role.LEARNER), make.user(Role.LEARNER)
    mentor, other_mentor = make.user(Role.MENTOR), make.user(Role.MENTOR)
    organizer = make.user(Role.ORGANIZER)
    group = make.cohort(make.module_version(exercises=1, criteria=2), learners=[learner], mentors=[mentor])
    make.cohort(make.module_version(exercises=1, criteria=1), learners=[other_learner], mentors=[other_mentor])
    clients = {name: login_as(user) for name, user in (
        ("learner", learner), ("other_learner", other_learner), ("mentor", mentor), ("other_mentor", other_mentor),
        ("organizer", organizer))}
    for client in clients.values():
        client.post("/language", data={"locale": "en"})
    exercise = group.module_version.exercises[0]
    return group, exercise, clients


def _exercise_url(group, exercise) -> str:
    return f"/cohorts/{group.id}/exercises/{exercise.id}"


def _submitted(people, body=ANSWER) -> Submission:
    group, exercise, clients = people
    response = clients["learner"].post(_exercise_url(group, exercise), data={"body": body, "submit": "1"},
                                       content_type="multipart/form-data")
    assert response.status_code == 302
    return db.session.scalar(select(Submission).where(Submission.exercise_id == exercise.id))


def _comment(client, submission, quote, body, **extra):
    return client.post(f"/review/submissions/{submission.id}/comments", data={"quote": quote, "comment": body, **extra})


def _decide(client, submission, points=2, accept=False):
    data = {"version_id": str(submission.versions[-1].id), "feedback": "Please revise the plan.",
            **{f"criterion_{c.id}": str(points) for c in submission.exercise.criteria}}
    data["accept" if accept else "return_for_revision"] = "1"
    return client.post(f"/review/submissions/{submission.id}", data=data)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- finding and marking passages ---------------------------------------------------------------------------

def test_a_quote_is_found_in_the_rendered_text_across_formatting_and_in_the_paragraph_named():
    html = render_markdown("A fish.\n\nThe **fish** count fell.\n\nThe fish count rose.")
    text = passage_text(html)
    assert find_passage(html, "fish count") == text.index("fish count")
    assert find_passage(html, "fish count", block=2) == text.rindex("fish count")
    assert find_passage(html, "  The fish\ncount ") == text.index("The fish count")  # white space as selected
    assert find_passage(html, "fish counts") is None and find_passage(html, "   ") is None


def test_marks_wrap_only_text_and_notes_follow_the_paragraph_of_their_passage():
    html = render_markdown(ANSWER)
    quote = "サンマの漁獲量"
    marked = str(mark_passages(html, [Passage(find_passage(html, quote), quote, 1, Markup("<p>根拠は？</p>"),
                                              "Comment 1")]))
    assert '<strong><mark class="passage" id="passage-1">サンマ</mark></strong><mark class="passage">の漁獲量</mark>' \
           '<a class="passage-ref" href="#comment-1">1</a>' in marked
    block = re.search(r'<div class="passage-block"><p>今年の.*?</p><div class="passage-notes">(.*?)</div></div>', marked)
    assert block and '<aside class="passage-note" id="comment-1" aria-label="Comment 1">' in block.group(1)
    assert "根拠は？" in block.group(1)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    handle_startendtag = handle_starttag


_MARKUP_TAGS = {"a", "abbr", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
                "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul", "dl",
                "dt", "dd", "mark", "aside", "div"}


@pytest.mark.parametrize("payload", OWN_PAYLOADS)
def test_payloads_in_the_answer_the_quote_and_the_comment_leave_no_active_content(payload):
    html = render_markdown(f"前文 {payload} 後文")
    text = passage_text(html)
    # The quote is the answer's text itself (raw HTML stays text here), so it matches and is escaped again.
    passages = [Passage(0, text, 1, render_markdown(payload), f"Comment {payload}"),
                Passage(0, payload, 2, render_markdown(payload), "Comment 2")]
    parser = _Elements()
    parser.feed(str(mark_passages(html, passages)))
    for tag, attributes in parser.elements:
        assert tag in _MARKUP_TAGS, payload
        for name, value in attributes:
            assert name in ("href", "title", "rel", "align", "class", "id", "aria-label"), payload
            if name == "href":
                scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value or "")
                assert scheme is None or scheme.group(1).lower() in ("http", "https", "mailto"), payload


# -- anchored comments --------------------------------------------------------------------------------------

def test_a_comment_reaches_the_learner_beside_its_passage_only_after_the_decision(people):
    group, exercise, clients = people
    submission = _submitted(people)
    response = _comment(clients["mentor"], submission, "対策は魚種の転換", "**どの魚種**に転換しますか？", paragraph="2")
    assert response.status_code == 302
    stored = db.session.scalar(select(AnchoredComment))
    assert stored.quote == "対策は魚種の転換" and stored.paragraph == 2
    assert stored.text_offset == passage_text(submission.versions[-1].body_html).index("対策は魚種の転換")
    review_page = clients["mentor"].get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert '<mark class="passage" id="passage-1">対策は魚種の転換</mark>' in review_page

    before = clients["learner"].get(_exercise_url(group, exercise)).get_data(as_text=True)
    assert "どの魚種" not in before and "passage-1" not in before

    assert _decide(clients["mentor"], submission).status_code == 302
    after = clients["learner"].get(_exercise_url(group, exercise)).get_data(as_text=True)
    block = re.search(r'<div class="passage-block"><ul>.*?</ul><div class="passage-notes">(.*?)</div></div>', after,
                      re.S)
    assert block, "the note follows the list its passage is in"
    assert '<li><mark class="passage" id="passage-1">対策は魚種の転換</mark>' in after
    assert "<strong>どの魚種</strong>に転換しますか？" in block.group(1)


def test_comments_are_numbered_in_the_order_of_their_passages(people):
    group, exercise, clients = people
    submission = _submitted(people)
    _comment(clients["mentor"], submission, "加工業者との連携", "誰と？")
    _comment(clients["mentor"], submission, "海水温の上昇", "出典は？")
    _decide(clients["mentor"], submission)
    page = clients["learner"].get(_exercise_url(group, exercise)).get_data(as_text=True)
    assert page.index('id="passage-1">海水温の上昇') < page.index('id="passage-2">加工業者との連携')


@pytest.mark.parametrize("quote, body, message", [
    ("サンマ", "   ", "Write the comment."),
    ("", "根拠は？", "Quote the passage of the answer that the comment is about."),
    ("この文は答えにない", "根拠は？", "This passage is not in the learner&#39;s answer."),
])
def test_a_refused_comment_says_why_keeps_what_was_typed_and_stores_nothing(people, quote, body, message):
    group, exercise, clients = people
    submission = _submitted(people)
    response = _comment(clients["mentor"], submission, quote, body, save_to_bank="y")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert "根拠は？" not in body or "根拠は？" in page
    assert _count(AnchoredComment) == 0 and _count(CommentBankEntry) == 0


def test_no_comment_is_added_or_taken_back_once_the_version_is_decided(people):
    group, exercise, clients = people
    submission = _submitted(people)
    _comment(clients["mentor"], submission, "サンマ", "根拠は？")
    _decide(clients["mentor"], submission)
    response = _comment(clients["mentor"], submission, "サンマ", "もう一つ")
    assert response.status_code == 422 and "has been decided or replaced" in response.get_data(as_text=True)
    comment = db.session.scalar(select(AnchoredComment))
    taken = clients["mentor"].post(f"/review/submissions/{submission.id}/comments/delete",
                                   data={"comment_id": str(comment.id)}, follow_redirects=True)
    assert "has been decided or replaced" in taken.get_data(as_text=True)
    assert _count(AnchoredComment) == 1


def test_a_mentor_takes_back_only_their_own_comment(people, make):
    group, exercise, clients = people
    submission = _submitted(people)
    _comment(clients["mentor"], submission, "サンマ", "根拠は？")
    comment = db.session.scalar(select(AnchoredComment))
    with pytest.raises(annotations.NotYourComment):
        annotations.delete_comment(db.session, comment=comment, mentor=make.user(Role.MENTOR))
    db.session.rollback()
    response = clients["mentor"].post(f"/review/submissions/{submission.id}/comments/delete",
                                      data={"comment_id": str(comment.id)}, follow_redirects=True)
    assert "The comment was taken back." in response.get_data(as_text=True) and _count(AnchoredComment) == 0


def test_a_mentor_of_another_cohort_cannot_comment(people):
    group, exercise, clients = people
    submission = _submitted(people)
    assert _comment(clients["other_mentor"], submission, "サンマ", "x").status_code == 404
    assert clients["learner"].post(f"/review/submissions/{submission.id}/comments",
                                   data={"quote": "サンマ", "comment": "x"}).status_code == 403
    assert _count(AnchoredComment) == 0


def test_xss_in_a_comment_and_its_quote_reaches_the_learner_as_text(people):
    group, exercise, clients = people
    submission = _submitted(people, body="計画: <script>alert(1)</script> を実行する。")
    response = _comment(clients["mentor"], submission, "<script>alert(1)</script>",
                        '<img src=x onerror=alert(2)> [x](javascript:alert(3))')
    assert response.status_code == 302
    _decide(clients["mentor"], submission)
    page = clients["learner"].get(_exercise_url(group, exercise)).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "javascript:" not in page
    assert '<mark class="passage" id="passage-1">&lt;script&gt;alert(1)&lt;/script&gt;</mark>' in page


# -- the comment bank --------------------------------------------------------------------------------------

def test_a_mentor_saves_a_comment_to_the_bank_and_inserts_it_into_feedback_without_script(people):
    group, exercise, clients = people
    submission = _submitted(people)
    criterion = exercise.criteria[1]
    _comment(clients["mentor"], submission, "サンマ", "数字の出典を書きましょう。", save_to_bank="y",
             bank_criterion=criterion.slug)
    entry = db.session.scalar(select(CommentBankEntry))
    assert entry.body_md == "数字の出典を書きましょう。" and entry.criterion_slug == criterion.slug
    page = clients["mentor"].get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert 'data-bank-text="数字の出典を書きましょう。"' in page
    inserted = clients["mentor"].post(f"/review/submissions/{submission.id}", data={
        "feedback": "よく書けています。", "bank_entry": str(entry.id), "insert_bank": "1"}).get_data(as_text=True)
    feedback = re.search(r'<textarea[^>]*name="feedback"[^>]*>\r?\n?(.*?)</textarea>', inserted, re.S).group(1)
    assert unescape(feedback) == "よく書けています。\n\n数字の出典を書きましょう。"


def test_organizers_edit_reorder_and_delete_bank_comments(people, make):
    group, exercise, clients = people
    author = make.user(Role.MENTOR)
    first, second = (bank.add_entry(db.session, exercise=exercise, criterion_slug=None, body_md=text, author=author,
                                    now=utcnow(), max_chars=100) for text in ("一つ目", "二つ目"))
    db.session.commit()
    url = f"/review/exercises/{exercise.id}/bank"
    organizer = clients["organizer"]
    assert "一つ目" in organizer.get(url).get_data(as_text=True)
    organizer.post(url, data={"entry_id": str(second.id), "move_up": "1"})
    assert [e.body_md for e in bank.entries(db.session, exercise)] == ["二つ目", "一つ目"]
    organizer.post(url, data={"entry_id": str(first.id), "criterion": "c1", "body": "直した", "save": "1"})
    organizer.post(url, data={"entry_id": str(second.id), "delete": "1"})
    organizer.post(url, data={"criterion": "", "body": "新しい", "save": "1"})
    assert [(e.body_md, e.criterion_slug) for e in bank.entries(db.session, exercise)] == [("直した", "c1"),
                                                                                          ("新しい", None)]


def test_every_bank_change_is_in_the_audit_trail_organizers_read(people, make, login_as):
    """Issue 13: who added, edited and deleted which bank comment, when, before and after; moves and saves
    that change nothing leave no entry. Organizers read it on the cohort's review audit trail."""
    group, exercise, clients = people
    submission = _submitted(people)
    _comment(clients["mentor"], submission, "サンマ", "出典を書きましょう。", save_to_bank="y", bank_criterion="")
    entry_id = db.session.scalar(select(CommentBankEntry.id))
    url = f"/review/exercises/{exercise.id}/bank"
    organizer = clients["organizer"]
    organizer.post(url, data={"entry_id": str(entry_id), "criterion": "c1", "body": "出典と年を書きましょう。",
                              "save": "1"})
    # Saved again unchanged, and moved: no comment changed.
    organizer.post(url, data={"entry_id": str(entry_id), "criterion": "c1", "body": "出典と年を書きましょう。",
                              "save": "1"})
    organizer.post(url, data={"entry_id": str(entry_id), "move_up": "1"})
    organizer.post(url, data={"entry_id": str(entry_id), "delete": "1"})
    trail = list(db.session.scalars(select(CommentBankAudit).order_by(CommentBankAudit.id)))
    assert [(t.action, t.entry_id, t.before, t.after) for t in trail] == [
        ("add", entry_id, None, {"criterion": None, "body": "出典を書きましょう。"}),
        ("edit", entry_id, {"criterion": None, "body": "出典を書きましょう。"},
         {"criterion": "c1", "body": "出典と年を書きましょう。"}),
        ("delete", entry_id, {"criterion": "c1", "body": "出典と年を書きましょう。"}, None)]
    organizer_id = db.session.scalar(select(CommentBankAudit.actor_id).where(CommentBankAudit.action == "edit"))
    assert trail[0].actor_id != organizer_id and trail[2].actor_id == organizer_id
    assert all(t.created_at is not None for t in trail)
    staff = login_as(make.user(Role.ORGANIZER))  # in Japanese
    page = " ".join(staff.get(f"/review/cohorts/{group.id}/audit").get_data(as_text=True).split())
    section = page.split('id="bank-audit-heading"')[1]
    assert "コメント集の変更" in page
    assert section.count("コメントを追加") == 1 and section.count("コメントを編集") == 1
    assert "コメントを削除" in section and "出典と年を書きましょう。" in section
    assert exercise.criteria[0].title_ja in section and "課題全体" in section
    assert clients["mentor"].get(f"/review/cohorts/{group.id}/audit").status_code == 403


@pytest.mark.parametrize("data, message", [
    ({"body": "  ", "save": "1"}, "Write the comment to keep in the bank."),
    ({"body": "x", "criterion": "nonexistent", "save": "1"}, "Choose the whole exercise or one of its rubric"),
    ({"entry_id": "999999", "delete": "1"}, "This comment is no longer in the bank of this exercise."),
])
def test_a_refused_bank_change_says_why_and_changes_nothing(people, make, data, message):
    group, exercise, clients = people
    bank.add_entry(db.session, exercise=exercise, criterion_slug=None, body_md="元のまま",
                   author=make.user(Role.MENTOR), now=utcnow(), max_chars=100)
    db.session.commit()
    response = clients["organizer"].post(f"/review/exercises/{exercise.id}/bank", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert [e.body_md for e in bank.entries(db.session, exercise)] == ["元のまま"]


def test_an_entry_of_another_exercises_bank_is_not_changed_through_this_one(people, make):
    group, exercise, clients = people
    elsewhere = make.module_version(exercises=1).exercises[0]
    entry = bank.add_entry(db.session, exercise=elsewhere, criterion_slug=None, body_md="よそ",
                           author=make.user(Role.MENTOR), now=utcnow(), max_chars=100)
    db.session.commit()
    response = clients["organizer"].post(f"/review/exercises/{exercise.id}/bank",
                                         data={"entry_id": str(entry.id), "delete": "1"})
    assert response.status_code == 422 and _count(CommentBankEntry) == 1


@pytest.mark.parametrize("who", ["learner", "mentor"])
def test_only_organizers_curate_the_bank(people, who):
    group, exercise, clients = people
    assert clients[who].get(f"/review/exercises/{exercise.id}/bank").status_code == 403
    assert clients[who].post(f"/review/exercises/{exercise.id}/bank",
                             data={"body": "x", "save": "1"}).status_code == 403
    assert _count(CommentBankEntry) == 0


# -- the discussion ----------------------------------------------------------------------------------------

def test_learner_and_mentor_discuss_a_submission_on_their_pages(people):
    group, exercise, clients = people
    submission = _submitted(people)
    url = f"/review/submissions/{submission.id}/discussion"
    asked = clients["learner"].post(url, data={"message": "表は**添付**でよいですか？"})
    assert asked.status_code == 302 and asked.location.endswith(f"{_exercise_url(group, exercise)}#discussion-heading")
    answered = clients["mentor"].post(url, data={"message": "はい、添付で大丈夫です。"})
    assert answered.location.endswith(f"/review/submissions/{submission.id}#discussion-heading")
    for page in (clients["learner"].get(_exercise_url(group, exercise)).get_data(as_text=True),
                 clients["mentor"].get(f"/review/submissions/{submission.id}").get_data(as_text=True)):
        assert page.index("表は<strong>添付</strong>でよいですか？") < page.index("はい、添付で大丈夫です。")
    organizer = clients["organizer"].post(url, data={"message": "事務局です。"}, follow_redirects=True)
    assert "事務局です。" in organizer.get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_learner", "other_mentor"])
def test_people_outside_the_submission_cannot_read_or_post_to_its_discussion(people, who):
    submission = _submitted(people)
    response = people[2][who].post(f"/review/submissions/{submission.id}/discussion", data={"message": "のぞき見"})
    assert response.status_code == 404 and _count(DiscussionMessage) == 0


def test_an_empty_message_is_refused_with_a_message(people):
    submission = _submitted(people)
    response = people[2]["learner"].post(f"/review/submissions/{submission.id}/discussion", data={"message": "  \n"})
    assert response.status_code == 422 and "Write a message before sending it." in response.get_data(as_text=True)
    assert _count(DiscussionMessage) == 0


# -- the learner's side ------------------------------------------------------------------------------------

def test_returned_work_shows_the_filled_rubric_and_opens_the_editor_on_it_beside_the_feedback(people):
    group, exercise, clients = people
    submission = _submitted(people)
    _decide(clients["mentor"], submission, points=2)
    page = clients["learner"].get(_exercise_url(group, exercise)).get_data(as_text=True)
    rubric = re.search(r'<table class="table table--cards filled-rubric">(.*?)</table>', page, re.S).group(1)
    assert re.search(r"Criterion 1</th>\s*<td[^>]*>Level 2</td>\s*<td[^>]*>2 / 3</td>", rubric)
    assert '<div class="revise-layout revise-layout--beside">' in page
    assert page.index('id="feedback-heading"') < page.index('id="answer-heading"')
    box = re.search(r'<textarea[^>]*name="body"[^>]*>\r?\n?(.*?)</textarea>', page, re.S).group(1)
    assert unescape(box) == ANSWER


def test_taking_back_a_comment_that_is_gone_says_so(people):
    submission = _submitted(people)
    response = people[2]["mentor"].post(f"/review/submissions/{submission.id}/comments/delete",
                                        data={"comment_id": "999999"}, follow_redirects=True)
    assert "This comment has already been taken back." in response.get_data(as_text=True)


def test_the_review_page_offers_the_comment_form_and_the_discussion_with_distinct_fields(people):
    submission = _submitted(people)
    page = people[2]["mentor"].get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert 'data-comment-form="comment-form"' in page and 'id="comment-form"' in page
    ids = re.findall(r'<(?:textarea|select|input(?![^>]*type="hidden"))[^>]*\sid="([^"]+)"', page)
    assert ids and len(ids) == len(set(ids)), ids


def test_a_comment_never_lands_on_a_version_the_mentor_has_not_seen(people):
    group, exercise, clients = people
    submission = _submitted(people)
    seen = submission.versions[-1].id
    _decide(clients["mentor"], submission)
    clients["learner"].post(_exercise_url(group, exercise), data={"body": ANSWER + "\n\n追記", "submit": "1"},
                            content_type="multipart/form-data")
    response = _comment(clients["mentor"], submission, "サンマ", "根拠は？", version_id=str(seen))
    assert response.status_code == 422 and "has been decided or replaced" in response.get_data(as_text=True)
    assert _count(AnchoredComment) == 0
