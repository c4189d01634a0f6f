"""`flask seed scale`: generated data has its size, follows the app's rules, and is the same for the same seed."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.auth.models import Organization, Role, User
from app.autocheck.models import QuestionAttempt
from app.auth.services import load_municipalities
from app.badges.verification import verify_document
from app.badges.listeners import badge_settings
from app.badges.models import Credential, CredentialStatus
from app.catalogue.models import CatalogueCourse, CatalogueTopic, CourseDone
from app.catalogue.queries import Filters, search
from app.cohorts.models import Cohort, Enrolment
from app.completions.models import CompletionRecord
from app.completions.services import _weighted_score
from app.extensions import db
from app.reviews.models import Review
from app.reviews.services import points_needed_to_pass
from app.seed import services
from app.seed.catalogue import courses_for
from app.seed.sizes import SIZES
from app.submissions.models import Submission
from tests.conftest import _empty_all_tables, login

NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)


def _load_setup(runner):
    load_municipalities(db.session)
    db.session.commit()
    assert runner.invoke(args=["content", "sync"]).exit_code == 0


def _generate(app, size="XS", seed=1, jobs=1):
    keys, urls, defaults = badge_settings(app.config)
    report = services.generate(db.session, SIZES[size], seed=seed, now=NOW, keys=keys, urls=urls,
                               defaults=defaults, jobs=jobs)
    db.session.commit()
    return report


@pytest.fixture
def xs(app, runner):
    _load_setup(runner)
    return _generate(app)


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_xs_has_the_people_and_the_one_cohort_of_its_row_in_the_size_table(xs):
    size = SIZES["XS"]
    assert _count(User, User.role == Role.LEARNER) == size.learners == 10
    assert _count(User, User.role == Role.MENTOR) == size.mentors
    assert _count(User, User.role == Role.ORGANIZER) == size.organizers
    assert _count(Cohort) == 1 and _count(Enrolment) == 10
    kinds = set(db.session.scalars(select(Organization.kind).join(User, User.organization_id == Organization.id)
                                   .where(User.role == Role.LEARNER)))
    assert kinds == {"municipality"}
    assert xs.counts["user_account"] == 12 and xs.counts["submission_version"] == _count(Review) + _count(
        Submission, Submission.status == "awaiting_review")


def test_the_catalogue_has_its_courses_found_by_the_search_and_marked_done_by_learners(xs):
    courses = db.session.scalars(select(CatalogueCourse)).all()
    assert len(courses) == courses_for(SIZES["XS"].learners) == xs.counts["catalogue_course"] == 20
    assert all(c.topics for c in courses) and xs.counts["catalogue_topic"] == _count(CatalogueTopic)
    # The search index was filled as the rows were inserted: a word is found where the text has it.
    learner = db.session.scalar(select(User.id).where(User.role == Role.LEARNER).limit(1))
    found = search(db.session, Filters(words="データ"), user_id=learner)
    assert 0 < found.total == sum("データ" in c.search_text for c in courses) < len(courses)
    marked_by = set(db.session.scalars(select(User.role).join(CourseDone, CourseDone.user_id == User.id)))
    assert marked_by == {"learner"} and _count(CourseDone) == xs.counts["catalogue_course_done"] > 0


def test_generated_versions_are_numbered_reviewed_once_and_decided_by_the_cohorts_mentor(xs):
    statuses = set()
    for submission in db.session.scalars(select(Submission)):
        cohort, exercise = submission.enrolment.cohort, submission.exercise
        versions = submission.versions
        assert [v.number for v in versions] == list(range(1, submission.latest_version_number + 1))
        assert submission.last_submitted_at == versions[-1].submitted_at
        mentors = {m.user_id for m in cohort.mentor_assignments}
        reviews = [db.session.scalar(select(Review).where(Review.submission_version_id == v.id)) for v in versions]
        assert all(r is not None and r.decision == "returned" for r in reviews[:-1])
        assert submission.status == (reviews[-1].decision if reviews[-1] else "awaiting_review")
        statuses.add(submission.status)
        for version, review in zip(versions, reviews):
            assert cohort.starts_at <= version.submitted_at < min(cohort.ends_at, NOW)
            if exercise.unlock_days_after_start is not None:
                assert version.submitted_at >= cohort.starts_at + timedelta(days=exercise.unlock_days_after_start)
            if review is None:
                continue
            assert review.mentor_id in mentors and version.submitted_at < review.created_at <= NOW
            levels = {s.criterion_id: {lv.points for lv in s.criterion.levels} for s in review.scores}
            assert all(s.points in levels[s.criterion_id] for s in review.scores)
            assert review.total_points == sum(s.points for s in review.scores)
            if review.decision == "accepted":
                assert review.total_points >= points_needed_to_pass(exercise.pass_threshold, review.max_points)
        if exercise.unlock_after_slug:
            earlier = db.session.scalar(select(Submission).where(
                Submission.enrolment_id == submission.enrolment_id,
                Submission.exercise.has(slug=exercise.unlock_after_slug,
                                        module_version_id=exercise.module_version_id)))
            assert earlier is not None and earlier.versions[0].submitted_at < versions[0].submitted_at
            if exercise.unlock_when == "accepted":
                assert earlier.status == "accepted"
    assert {"accepted", "awaiting_review"} <= statuses


def test_questions_are_answered_while_the_cohort_is_open_and_last_answered_right(xs):
    attempts = db.session.scalars(select(QuestionAttempt).order_by(QuestionAttempt.attempted_at)).all()
    assert attempts
    latest = {}
    for attempt in attempts:
        cohort = attempt.enrolment.cohort
        assert cohort.starts_at <= attempt.attempted_at < min(cohort.ends_at, NOW)
        latest[(attempt.enrolment_id, attempt.question_id)] = attempt
    assert all(a.is_correct for a in latest.values())


def test_completion_records_exist_exactly_for_enrolments_with_every_required_exercise_accepted(xs):
    records = {r.enrolment_id: r for r in db.session.scalars(select(CompletionRecord))}
    assert records, "XS with seed 1 completes some enrolments"
    for enrolment in db.session.scalars(select(Enrolment)):
        exercises = enrolment.cohort.module_version.exercises
        accepted = {s.exercise_id: s for s in db.session.scalars(select(Submission).where(
            Submission.enrolment_id == enrolment.id, Submission.status == "accepted"))}
        complete = all(e.id in accepted for e in exercises if e.is_required)
        assert (enrolment.id in records) == complete
        if complete:
            record = records[enrolment.id]
            reviews = {r.submission_version_id: r for r in db.session.scalars(select(Review).where(
                Review.submission_version_id.in_([v.id for v in record.accepted_versions])))}
            assert all(reviews[v.id].decision == "accepted" for v in record.accepted_versions)
            assert record.total_points == sum(r.total_points for r in reviews.values())
            # The same score the completion service gives.
            assert record.score_percent == _weighted_score(db.session, enrolment, exercises, accepted, reviews)


def test_every_credential_is_signed_by_the_issuers_key_and_verifies(app, runner):
    _load_setup(runner)
    report = _generate(app, jobs=2)   # the pool of signing processes
    urls = badge_settings(app.config)[1]
    credentials = db.session.scalars(select(Credential)).all()
    assert len(credentials) == _count(CompletionRecord) == report.signed > 0
    for credential in credentials:
        assert credential.status == CredentialStatus.ISSUED
        assert credential.recipient_id == credential.completion_record.enrolment.user_id
        report = verify_document(db.session, json.loads(credential.ob3_json), urls, NOW)
        assert (report.outcome, report.credential) == ("genuine", credential)


def _unsigned(ob3_json: str | None):
    """The credential without its proof: each run signs with a new key."""
    return ob3_json and {k: v for k, v in json.loads(ob3_json).items() if k != "proof"}


def _snapshot(tables) -> dict:
    """Every row of the generated tables, but for the password hash (its salt is new on each run)."""
    rows = {}
    for table in (t for t in db.metadata.sorted_tables if t.name in tables):
        columns = [c for c in table.columns if c.name != "password_hash"]
        rows[table.name] = [tuple(_unsigned(value) if column.name == "ob3_json" else value
                                  for column, value in zip(columns, row))
                            for row in db.session.execute(select(*columns).order_by(*table.primary_key))]
    return rows


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(app, runner):
    _load_setup(runner)
    tables = _generate(app, seed=7).counts
    assert len(tables) == 16
    first = _snapshot(tables)
    db.session.remove()
    _empty_all_tables()
    _load_setup(runner)
    _generate(app, seed=7)
    assert _snapshot(tables) == first
    db.session.remove()
    _empty_all_tables()
    _load_setup(runner)
    _generate(app, seed=8)
    assert _snapshot(tables)["submission_version"] != first["submission_version"]


def test_generated_accounts_sign_in_and_see_their_pages(app, xs, client):
    learner = db.session.scalar(select(User).where(User.email == services.email("learner", 1)))
    cohort = db.session.scalar(select(Cohort))
    login(client, learner, services.PASSWORD)
    assert cohort.name in client.get("/").get_data(as_text=True)
    mentor = app.test_client()
    login(mentor, db.session.scalar(select(User).where(User.role == Role.MENTOR)), services.PASSWORD)
    assert mentor.get("/review/").status_code == 200
    organizer = app.test_client()
    login(organizer, db.session.scalar(select(User).where(User.role == Role.ORGANIZER)), services.PASSWORD)
    assert organizer.get(f"/manage/progress/cohorts/{cohort.id}").status_code == 200
    uuid = db.session.scalar(select(Credential.uuid).limit(1))
    assert app.test_client().get(f"/c/{uuid}").status_code == 200


def test_the_command_needs_the_setup_and_refuses_a_second_data_set(app, runner):
    result = runner.invoke(args=["seed", "scale", "--size", "XS", "--jobs", "1"])
    assert result.exit_code == 1 and "load-municipalities" in result.output
    _load_setup(runner)
    result = runner.invoke(args=["seed", "scale", "--size", "XS", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "user_account" in result.output and "credentials signed" in result.output
    again = runner.invoke(args=["seed", "scale", "--size", "XS", "--jobs", "1"])
    assert again.exit_code == 1 and "scale data already" in again.output
    assert _count(User) == 12


def test_floor_pages_of_the_benchmark_exist_only_when_the_setting_asks_for_them(app, app_with, client):
    assert client.get("/_bench/healthz").status_code == 404
    load_municipalities(db.session)
    db.session.commit()
    bench = app_with(BENCH_FLOOR_PAGES=True).test_client()
    assert bench.get("/_bench/healthz").get_data(as_text=True) == "ok"
    page = bench.get("/_bench/query50").get_data(as_text=True)
    assert page.count("<tr>") == 50


def test_coverage_and_level_counts_over_a_generated_data_set_match_a_count_of_the_rows(app, runner):
    """Issue 15: on generated data over all 179 municipalities, the visibility pages' grouped queries say
    what counting the badges one by one says."""
    from app.content.models import ModuleVersion
    from app.visibility import queries as visibility
    _load_setup(runner)
    _generate(app, size="S")
    holders_by_place: dict[int, set[int]] = {}
    for credential, target_level, organization_id in db.session.execute(
            select(Credential, ModuleVersion.target_level, User.organization_id)
            .join(CompletionRecord, Credential.completion_record_id == CompletionRecord.id)
            .join(ModuleVersion, CompletionRecord.module_version_id == ModuleVersion.id)
            .join(User, Credential.recipient_id == User.id)):
        if credential.status == CredentialStatus.ISSUED and target_level >= 1 and organization_id is not None:
            holders_by_place.setdefault(organization_id, set()).add(credential.recipient_id)
    municipalities = db.session.scalars(select(Organization).where(Organization.kind == "municipality")).all()
    covered = {m.id for m in municipalities if m.id in holders_by_place}
    assert len(municipalities) == 179 and 0 < len(covered) < 179

    found = visibility.coverage(db.session)
    assert (found.municipalities_total, found.municipalities_covered) == (179, len(covered))
    assert {m.id for _, ms in found.municipalities_uncovered for m in ms} == {m.id for m in municipalities} - covered
    table = visibility.area_table(db.session, visibility.Scope())
    counted = {part.organization.id: sum(part.counts.holders[level] for level in (1, 2, 3))
               for area in table.subprefectures for part in area.parts}
    assert {place for place, n in counted.items() if n} == covered
