"""The mentor's review queue at size: paged, sorted by due date then waiting time, filtered by cohort and
exercise with a count per choice, and a fixed number of queries however long the queue is."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from app.auth.models import Role
from app.cohorts.models import CohortStatus, Enrolment, ScheduledExercise
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.reviews import gate, queries, views
from app.reviews.models import Decision, ProposalState
from app.submissions.models import Submission
from app.submissions.services import submit_version
from tests.test_query_budgets import QueryCounter, _queries


def _submit(app, make, group, learner, exercise, minutes_ago: int = 0):
    submit_version(db.session, enrolment=make.enrolment(group, learner), exercise=exercise, body_md="x",
                   uploads=[], keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]),
                   now=utcnow() - timedelta(minutes=minutes_ago), max_answer_chars=10, max_attachment_bytes=10)


def _cohort_with_work(app, make, mentor, learners: int, exercises: int = 1, name: str = "受講期"):
    people = [make.user(Role.LEARNER, name=f"{name}の受講者{i}") for i in range(learners)]
    group = make.cohort(make.module_version(exercises=exercises), learners=people, mentors=[mentor], name=name)
    for i, person in enumerate(people):
        for exercise in group.module_version.exercises:
            # The first learner has waited longest.
            _submit(app, make, group, person, exercise, minutes_ago=learners - i)
    db.session.commit()
    return group, people


def _rows(page: str) -> list[str]:
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return re.findall(r"<tr>\s*<td[^>]*>([^<]*)</td>", body)


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(views, "QUEUE_PAGE_SIZE", 2)


def test_queue_pages_with_previous_and_next_links(app, make, login_as, small_pages):
    mentor = make.user(Role.MENTOR)
    group, people = _cohort_with_work(app, make, mentor, learners=5)
    client = login_as(mentor)
    client.post("/language", data={"locale": "en"})
    first = client.get("/review/").get_data(as_text=True)
    assert _rows(first) == [p.display_name for p in people[:2]]
    assert "Page 1 of 3" in first and "Next page" in first and "Previous page" not in first
    assert "5 submissions are waiting for review." in first
    last = client.get("/review/?page=3").get_data(as_text=True)
    assert _rows(last) == [people[4].display_name]
    assert "Previous page" in last and "Next page" not in last and 'href="/review/?page=2"' in last


def test_page_past_the_end_shows_the_last_page(app, make, login_as, small_pages):
    mentor = make.user(Role.MENTOR)
    _, people = _cohort_with_work(app, make, mentor, learners=3)
    page = login_as(mentor).get("/review/?page=999").get_data(as_text=True)
    assert _rows(page) == [people[2].display_name] and "2ページ中2ページ目" in page and "前のページ" in page


def test_page_links_keep_the_filter(app, make, login_as, small_pages):
    mentor = make.user(Role.MENTOR)
    group, _ = _cohort_with_work(app, make, mentor, learners=3, exercises=2)
    client = login_as(mentor)
    client.post("/language", data={"locale": "en"})
    page = client.get(f"/review/?cohort={group.id}&exercise=ex-2").get_data(as_text=True)
    assert f'href="/review/?cohort={group.id}&amp;exercise=ex-2&amp;page=2"' in page
    assert "Showing only:" in page and "cohort 受講期" in page and "exercise Exercise 2" in page


def test_filter_choices_are_counted_within_the_other_filter(app, make):
    mentor = make.user(Role.MENTOR)
    big, _ = _cohort_with_work(app, make, mentor, learners=3, exercises=2, name="大きい期")
    small, _ = _cohort_with_work(app, make, mentor, learners=1, exercises=2, name="小さい期")
    whole = queries.review_queue(db.session, mentor, "ja")
    assert whole.total == 8
    assert {c.label: c.count for c in whole.cohorts} == {"大きい期": 6, "小さい期": 2}
    assert {e.value: e.count for e in whole.exercises} == {"ex-1": 4, "ex-2": 4}
    narrowed = queries.review_queue(db.session, mentor, "ja", cohort_id=small.id, exercise_slug="ex-2")
    assert narrowed.total == 1 and len(narrowed.items) == 1
    assert {c.label: c.count for c in narrowed.cohorts} == {"大きい期": 3, "小さい期": 1}
    assert {e.value: e.count for e in narrowed.exercises} == {"ex-1": 1, "ex-2": 1}


def test_work_without_a_due_date_comes_after_dated_work(app, make):
    mentor = make.user(Role.MENTOR)
    undated, _ = _cohort_with_work(app, make, mentor, learners=1, name="期限なし")
    dated, _ = _cohort_with_work(app, make, mentor, learners=1, name="期限あり")
    db.session.execute(delete(ScheduledExercise).where(ScheduledExercise.cohort_id == undated.id))
    db.session.commit()
    items = queries.review_queue(db.session, mentor, "ja").items
    assert [i.submission.enrolment.cohort.name for i in items] == ["期限あり", "期限なし"]
    assert items[1].due_at is None


def test_other_mentors_work_is_neither_listed_nor_counted(app, make):
    mentor, other = make.user(Role.MENTOR), make.user(Role.MENTOR)
    _cohort_with_work(app, make, other, learners=2, name="他の期")
    mine, _ = _cohort_with_work(app, make, mentor, learners=1, name="自分の期")
    page = queries.review_queue(db.session, mentor, "ja")
    assert page.total == 1 and [c.label for c in page.cohorts] == ["自分の期"]


def test_archived_cohorts_work_is_neither_listed_nor_offered(app, make):
    mentor = make.user(Role.MENTOR)
    archived, _ = _cohort_with_work(app, make, mentor, learners=2, name="昨年度の期")
    _cohort_with_work(app, make, mentor, learners=1, name="今年度の期")
    archived.status = CohortStatus.ARCHIVED
    db.session.commit()
    page = queries.review_queue(db.session, mentor, "ja")
    assert page.total == 1 and [c.label for c in page.cohorts] == ["今年度の期"]
    assert [i.submission.enrolment.cohort.name for i in page.items] == ["今年度の期"]


def test_query_count_is_the_same_for_one_page_and_many(app, make, login_as, small_pages):
    counts = []
    for learners in (1, 9):
        mentor = make.user(Role.MENTOR)
        for n in range(learners // 3 + 1):
            _cohort_with_work(app, make, mentor, learners=learners, exercises=2, name=f"期{n}")
        client = login_as(mentor)
        for path in ("/review/", "/review/?page=2", "/review/?exercise=ex-1"):
            counts.append(_queries(app, client, path))
    assert len(set(counts)) == 1 and counts[0] <= 12, counts


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_the_datetime_filter_formats_each_moment_once_per_request_and_locale(app, locale, monkeypatch):
    from datetime import datetime, timezone

    import flask_babel
    from babel.dates import format_datetime as babel_format_datetime
    from flask_babel import force_locale

    from app.core import templating
    moments = [datetime(2026, 3, 31, 15, 30, tzinfo=timezone.utc), datetime(2026, 12, 31, 23, 59)]
    calls = []

    def counted(moment, style, **kwargs):
        calls.append(moment)
        return babel_format_datetime(moment, style, **kwargs)

    with app.test_request_context(), force_locale(locale):
        # "short" is the one format of each language (templating.DATETIME_PATTERNS).
        expected = [flask_babel.format_datetime(m, templating.DATETIME_PATTERNS[locale]) for m in moments + moments]
        monkeypatch.setattr(templating, "format_datetime", counted)
        assert [templating.tokyo_datetime(m, "short") for m in moments + moments] == expected
        assert calls == moments
        other = "en" if locale == "ja" else "ja"
        with force_locale(other):  # a mail in its recipient's language within the same request
            assert templating.tokyo_datetime(moments[0], "short") == flask_babel.format_datetime(
                moments[0], templating.DATETIME_PATTERNS[other])


def _names(page: str) -> list[str]:
    """The learners of the queue's rows, whatever tags follow their names."""
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return [name.strip() for name in re.findall(r"<tr>\s*<td[^>]*>([^<]*)", body)]


def _propose(mentor, submission, decision: Decision):
    """A decision of `mentor` through the cohort's checks (a proposal when one applies)."""
    return gate.decide(db.session, version=gate.latest_version(db.session, submission), mentor=mentor, now=utcnow(),
                       claim_minutes=30, decision=decision, points_by_criterion={
                           c.id: (c.max_points if decision == Decision.ACCEPTED else 0)
                           for c in submission.exercise.criteria},
                       feedback_md="見ました")


def test_the_queue_marks_decisions_that_wait_and_filters_and_counts_them(app, make, login_as):
    """Issue 13: work whose decision waits for release or a second review stays in the queue, marked, and a
    filter shows it with counts (each counted within the other filters)."""
    mentor = make.user(Role.MENTOR)
    group, people = _cohort_with_work(app, make, mentor, learners=4)
    group.moderation, group.release_gate, group.release_gate_decisions = True, True, None
    db.session.commit()
    works = [db.session.scalar(select(Submission).join(Enrolment).where(Enrolment.user_id == p.id)) for p in people]
    # Moderation takes an acceptance; the release gate holds the new mentor's return.
    assert _propose(mentor, works[0], Decision.ACCEPTED).state == ProposalState.AWAITING_SECOND
    assert _propose(mentor, works[1], Decision.RETURNED).state == ProposalState.HELD
    db.session.commit()
    client = login_as(mentor)
    page = client.get("/review/").get_data(as_text=True)
    assert "二次確認待ち</span>" in page and "公開待ち</span>" in page
    for label, count in (("判定待ち", 2), ("公開待ち", 1), ("二次確認待ち", 1), ("事務局の判断待ち", 0)):
        assert f">{label} ({count})</option>" in page
    held = client.get("/review/?state=held").get_data(as_text=True)
    assert _names(held) == [people[1].display_name] and "絞り込み中: 公開待ち" in " ".join(held.split())
    to_decide = client.get("/review/?state=to_decide").get_data(as_text=True)
    assert _names(to_decide) == [p.display_name for p in people[2:]]
    # The other filters count within the state chosen: the cohort has 1 held.
    assert f'<option value="{group.id}" >{group.name} (1)</option>' in held
    # An unknown state shows everything.
    assert len(_names(client.get("/review/?state=nonsense").get_data(as_text=True))) == 4


def test_the_queue_costs_the_same_queries_with_waiting_decisions(app, make):
    mentor = make.user(Role.MENTOR)
    group, _ = _cohort_with_work(app, make, mentor, learners=3)
    group.release_gate = True
    db.session.commit()
    with QueryCounter(db.engine) as before:
        queries.review_queue(db.session, mentor, "ja")
    for work in db.session.scalars(select(Submission)).all():
        _propose(mentor, work, Decision.RETURNED)
    db.session.commit()
    with QueryCounter(db.engine) as after:
        page = queries.review_queue(db.session, mentor, "ja", state="held")
    assert [item.proposal_state for item in page.items] == ["held"] * 3
    assert after.count == before.count
