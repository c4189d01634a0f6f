"""Issue 10: the mentor queue's counts and order and the progress table's column counts, weekly activity and
rows (and those rows rendered) are remembered (app/reviews/revision.py) until the work changes: what the
pages show is always what a recount gives, right after a submit, a decision, a second mentor's disagreement,
a withdrawal, an extension or a cohort's change of state, and when a due date passes."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEntry, Organization, Role
from app.auth.services import MUNICIPALITIES_CSV, load_municipalities
from app.cohorts import membership
from app.cohorts.models import CohortStatus, Enrolment
from app.cohorts.services import change_status
from app.core.db import utcnow
from app.core.memory import Memory
from app.core.storage import FileStorage
from app.deadlines.services import grant_extension
from app.extensions import db
from app.progress.queries import Filters, cohort_progress, place_choices, weekly_activity
from app.reviews import gate, queries
from app.reviews.models import Decision, ProposalState
from app.reviews.revision import Remembered
from app.reviews.services import review_version
from app.submissions.models import Submission
from app.submissions.services import submit_version
from tests.test_query_budgets import QueryCounter


class World:
    """A running cohort of three learners and two required exercises (due in one and two days), with a second
    mentor and moderation on: each learner's first exercise submitted, the first two learners' second
    exercise too, and the first learner's second exercise accepted by a mentor, awaiting a second mentor."""

    def __init__(self, app, make):
        self.storage = FileStorage(app.config["STORAGE_DIR"])
        self.mentor, self.second, self.organizer = (make.user(Role.MENTOR), make.user(Role.MENTOR),
                                                    make.user(Role.ORGANIZER))
        self.learners = [make.user(Role.LEARNER, name=f"受講者{i}") for i in range(3)]
        self.cohort = make.cohort(make.module_version(exercises=2, criteria=1), learners=self.learners,
                                  mentors=[self.mentor, self.second])
        self.cohort.moderation = True
        self.first, self.later = self.cohort.module_version.exercises
        for minutes, learner in enumerate(self.learners):
            self.submit(learner, self.first, minutes_ago=60 - minutes)
        for learner in self.learners[:2]:
            self.submit(learner, self.later, minutes_ago=30)
        self.proposal = gate.decide(db.session, version=self.version(self.learners[0], self.later), mentor=self.mentor,
                                    now=utcnow(), claim_minutes=30, decision=Decision.ACCEPTED,
                                    points_by_criterion={c.id: c.max_points for c in self.later.criteria},
                                    feedback_md="良いです")
        assert self.proposal.state == ProposalState.AWAITING_SECOND
        db.session.commit()

    def enrolment(self, learner) -> Enrolment:
        return db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == self.cohort.id,
                                                         Enrolment.user_id == learner.id))

    def submit(self, learner, exercise, minutes_ago: int = 0):
        return submit_version(db.session, enrolment=self.enrolment(learner), exercise=exercise, body_md="答え",
                              uploads=[], keep_attachment_ids=set(), storage=self.storage,
                              now=utcnow() - timedelta(minutes=minutes_ago), max_answer_chars=100,
                              max_attachment_bytes=100)

    def version(self, learner, exercise):
        work = db.session.scalar(select(Submission).where(Submission.enrolment_id == self.enrolment(learner).id,
                                                          Submission.exercise_id == exercise.id))
        return gate.latest_version(db.session, work)


def _submit(world):
    world.submit(world.learners[2], world.later)


def _review(world):
    review_version(db.session, version=world.version(world.learners[1], world.first), mentor=world.mentor,
                   decision=Decision.ACCEPTED, points_by_criterion={c.id: c.max_points for c in world.first.criteria},
                   feedback_md="合格です", now=utcnow())


def _disagree(world):
    # The proposal changes state without a new row: the fingerprint counts second reviews.
    gate.second_review(db.session, proposal=world.proposal, mentor=world.second, now=utcnow(), agree=False,
                       points_by_criterion={c.id: 0 for c in world.later.criteria}, feedback_md="根拠が足りません")


def _withdraw(world):
    membership.withdraw(db.session, world.enrolment(world.learners[1]), world.organizer, utcnow())


def _extend(world):
    # The first learner's first exercise goes from the head of the queue to its end; their second exercise,
    # not submitted by the third learner, is extended past the moment the progress table is read at.
    grant_extension(db.session, world.cohort, world.organizer, user_id=world.learners[0].id,
                    exercise_id=world.first.id, due_at=utcnow() + timedelta(days=20), reason="療養", now=utcnow())
    grant_extension(db.session, world.cohort, world.organizer, user_id=world.learners[2].id,
                    exercise_id=world.later.id, due_at=utcnow() + timedelta(days=20), reason="療養", now=utcnow())


def _archive(world):
    change_status(db.session, world.cohort, expected=CohortStatus.RUNNING, to=CohortStatus.CLOSED,
                  actor=world.organizer)
    change_status(db.session, world.cohort, expected=CohortStatus.CLOSED, to=CohortStatus.ARCHIVED,
                  actor=world.organizer)


CHANGES = {"submit": _submit, "review": _review, "second mentor disagrees": _disagree, "withdrawal": _withdraw,
           "extension": _extend, "cohort archived": _archive}


def _queue(world, remembered=None) -> tuple:
    page = queries.review_queue(db.session, world.mentor, "ja", tallies=remembered)
    return (page.total, [(o.value, o.count) for o in page.cohorts], [(o.value, o.count) for o in page.exercises],
            [(o.value, o.count) for o in page.states], [item.submission.id for item in page.items])


def _progress(world, memory: Memory | None, pages: Memory | None = None) -> tuple:
    # Three days on, both due dates have passed: work not submitted is overdue unless extended.
    now = utcnow() + timedelta(days=3)
    remembered = Remembered(db.session, memory) if memory is not None else None
    table = cohort_progress(db.session, world.cohort, locale="ja", now=now, tallies=remembered, pages=pages)
    weeks = weekly_activity(db.session, world.cohort, now, tallies=remembered)
    return (table.learners, table.completed, [(c.accepted, c.waiting, c.overdue) for c in table.columns],
            [(w.submissions, w.reviews) for w in weeks], table.matching,
            [(r.display_name, r.statuses, r.accepted_required, r.is_withdrawn) for r in table.rows])


def _remembered_queue(world, memory: Memory) -> tuple[tuple, int]:
    """The queue read with `memory` as a request reads it, and the number of queries it took."""
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        shown = _queue(world, Remembered(db.session, memory))
    return shown, counter.count


@pytest.mark.parametrize("change", CHANGES)
def test_the_queue_shows_a_recount_after_each_change(app, make, change):
    world, memory = World(app, make), Memory(16)
    before, first_cost = _remembered_queue(world, memory)
    again, remembered_cost = _remembered_queue(world, memory)
    assert before == again == _queue(world)
    # Nothing changed: the counts and the order come from memory.
    assert remembered_cost < first_cost
    CHANGES[change](world)
    db.session.commit()
    after, _ = _remembered_queue(world, memory)
    assert after == _queue(world) and after != before


@pytest.mark.parametrize("change", [name for name in CHANGES if name != "cohort archived"])
def test_the_progress_counts_weekly_activity_and_rows_show_a_recount_after_each_change(app, make, change):
    world, memory, pages = World(app, make), Memory(16), Memory(4)
    before = _progress(world, memory, pages)
    assert before == _progress(world, memory, pages) == _progress(world, None)
    assert len(memory) == 2 and len(pages) == 1  # the column counts and the weeks; the page's rows
    CHANGES[change](world)
    db.session.commit()
    after = _progress(world, memory, pages)
    assert after == _progress(world, None)
    if change != "second mentor disagrees":  # a proposal is no state of the table
        assert after != before


def test_the_overdue_count_follows_the_clock_though_the_work_does_not_change(app, make):
    world, memory = World(app, make), Memory(16)
    due = world.cohort.schedule[1].due_at

    def overdue_at(now, remembered) -> list[int]:
        return [c.overdue for c in cohort_progress(db.session, world.cohort, locale="ja", now=now,
                                                   tallies=remembered).columns]

    before_due = overdue_at(due - timedelta(minutes=1), Remembered(db.session, memory))
    after_due = overdue_at(due + timedelta(minutes=1), Remembered(db.session, memory))
    # The third learner has not submitted the second exercise: overdue once its due date has passed.
    assert before_due == [0, 0] and after_due == [0, 1] == overdue_at(due + timedelta(minutes=1), None)


def test_the_remembered_rows_follow_the_clock_though_the_work_does_not_change(app, make):
    world, memory, pages = World(app, make), Memory(16), Memory(4)
    due = world.cohort.schedule[1].due_at

    def third_learners_cells(now) -> list[str]:
        table = cohort_progress(db.session, world.cohort, locale="ja", now=now,
                                tallies=Remembered(db.session, memory), pages=pages)
        return next(row.statuses for row in table.rows if row.display_name == "受講者2")

    assert third_learners_cells(due - timedelta(minutes=1)) == ["awaiting_review", "not_started"]
    assert third_learners_cells(due) == ["awaiting_review", "not_started"]
    assert third_learners_cells(due + timedelta(minutes=1)) == ["awaiting_review", "overdue"]
    # Asked again at an earlier time (another request's clock), the rows are worked out for it, not reused.
    assert third_learners_cells(due - timedelta(minutes=2)) == ["awaiting_review", "not_started"]


def test_each_filter_page_and_language_has_rows_of_its_own(app, make):
    world, memory, pages = World(app, make), Memory(16), Memory(8)

    def names(**how) -> list[str]:
        table = cohort_progress(db.session, world.cohort, locale=how.pop("locale", "ja"), now=utcnow(),
                                tallies=Remembered(db.session, memory), pages=pages, **how)
        return [row.display_name for row in table.rows]

    assert names() == ["受講者0", "受講者1", "受講者2"]
    assert names(filters=Filters(search="受講者1")) == ["受講者1"]
    assert names(page_size=2, page=2) == ["受講者2"]
    assert names(locale="en") == ["受講者0", "受講者1", "受講者2"]
    assert len(pages) == 4


def test_the_review_page_steps_through_the_remembered_queue_as_through_a_recount(app, make, login_as):
    world = World(app, make)
    client = login_as(world.mentor)
    ids = _queue(world)[-1]
    for position, submission_id in enumerate(ids):
        remembered = queries.queue_neighbours(db.session, world.mentor, db.session.get(Submission, submission_id),
                                              tallies=Remembered(db.session, Memory(4)))
        assert remembered == queries.queue_neighbours(db.session, world.mentor,
                                                      db.session.get(Submission, submission_id))
        assert remembered.next_id == (ids[position + 1] if position + 1 < len(ids) else None)
    page = client.get(f"/review/submissions/{ids[0]}").get_data(as_text=True)
    assert f'href="/review/submissions/{ids[1]}"' in page
    _extend(world)  # the first submission goes to the end of the queue
    db.session.commit()
    page = client.get(f"/review/submissions/{ids[0]}").get_data(as_text=True)
    assert f'href="/review/submissions/{ids[1]}"' not in page


def without_csrf_tokens(page: str) -> str:
    """The page with its forms' CSRF tokens left out: they are signed with the time, to the second."""
    for token in set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)):
        page = page.replace(token, "")
    return page


def _in_english(world, login_as) -> tuple:
    """The world's mentor and organizer signed in, in English, and the address of the cohort's progress."""
    mentor, organizer = login_as(world.mentor), login_as(world.organizer)
    for client in (mentor, organizer):
        client.post("/language", data={"locale": "en"})
    return mentor, organizer, f"/manage/progress/cohorts/{world.cohort.id}"


def test_the_pages_show_new_work_at_once(app, make, login_as):
    world = World(app, make)
    mentor, organizer, progress = _in_english(world, login_as)
    assert "5 submissions are waiting for review." in mentor.get("/review/").get_data(as_text=True)
    # The second exercise's column: two learners' work awaits review (one accepted, awaiting a second mentor).
    assert "Awaiting review: 2</li>" in organizer.get(progress).get_data(as_text=True)
    _submit(world)
    db.session.commit()
    assert "6 submissions are waiting for review." in mentor.get("/review/").get_data(as_text=True)
    shown = organizer.get(progress).get_data(as_text=True)
    assert "Awaiting review: 3</li>" in shown and "Awaiting review: 2</li>" not in shown
    # The third learner's second exercise: not started, then awaiting review (the rows are not reused).
    assert shown.count(">Awaiting review<") == 6


def test_the_rendered_rows_are_reused_only_for_the_same_language_and_role(app, make, login_as):
    world = World(app, make)
    mentor, organizer, progress = _in_english(world, login_as)

    def shown(client) -> tuple[str, int]:
        with QueryCounter(db.engine) as counter:
            page = client.get(progress).get_data(as_text=True)
        return without_csrf_tokens(page), counter.count

    first, first_cost = shown(organizer)
    again, again_cost = shown(organizer)
    assert again == first and again_cost < first_cost  # the rows come from memory
    assert "/manage/progress/submissions/" in first and ">Awaiting review<" in first
    # The mentor reads the same rows, linking to the review page rather than the organizer's.
    by_mentor, _ = shown(mentor)
    assert "/review/submissions/" in by_mentor and "/manage/progress/submissions/" not in by_mentor
    # In Japanese, the same rows are worked out and rendered again.
    mentor.post("/language", data={"locale": "ja"})
    in_japanese, _ = shown(mentor)
    assert ">Awaiting review<" in by_mentor and ">Awaiting review<" not in in_japanese


def test_a_municipality_renamed_by_loading_the_list_again_shows_in_the_remembered_rows(app, make, tmp_path):
    world, memory, pages = World(app, make), Memory(16), Memory(4)
    load_municipalities(db.session)
    world.learners[0].organization_id = db.session.scalar(select(Organization.id).where(Organization.code == "011002"))
    db.session.commit()

    def municipalities() -> list[str | None]:
        remembered = Remembered(db.session, memory)
        table = cohort_progress(db.session, world.cohort, locale="ja", now=utcnow(), tallies=remembered, pages=pages)
        # The filter's choices, remembered too, name the same place.
        [group] = place_choices(db.session, world.cohort, "ja", tallies=remembered)
        assert [place.name for place in group.municipalities] == [table.rows[0].municipality]
        return [row.municipality for row in table.rows]

    assert municipalities() == ["札幌市", None, None]
    audited = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "organization.load")
    entries = db.session.scalar(audited)
    load_municipalities(db.session)  # nothing changes: no entry, the rows stay remembered
    db.session.commit()
    assert db.session.scalar(audited) == entries and municipalities() == ["札幌市", None, None]
    renamed = tmp_path / "municipalities.csv"
    renamed.write_text(MUNICIPALITIES_CSV.read_text(encoding="utf-8").replace(",札幌市,", ",新札幌市,"),
                       encoding="utf-8")
    load_municipalities(db.session, renamed)
    db.session.commit()
    assert db.session.scalar(audited) == entries + 1 and municipalities() == ["新札幌市", None, None]


def test_the_remembered_page_shows_a_new_week_though_the_work_does_not_change(app, make, login_as, monkeypatch):
    cohort = make.cohort(make.module_version(exercises=1), learners=[make.user()])
    cohort.schedule[0].due_at = utcnow() + timedelta(days=25)  # no due date passes in the week the test moves on
    db.session.commit()
    client = login_as(make.user(Role.ORGANIZER))

    def weeks_shown() -> int:
        return client.get(f"/manage/progress/cohorts/{cohort.id}").get_data(as_text=True).count(
            '</th><td class="count">')

    this_week = weeks_shown()
    assert this_week == weeks_shown() >= 1
    later = utcnow() + timedelta(days=7)
    monkeypatch.setattr("app.progress.views.utcnow", lambda: later)
    assert weeks_shown() == this_week + 1
