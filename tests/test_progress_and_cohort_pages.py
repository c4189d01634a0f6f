"""The organizer's progress table (paged, searchable, totals over the whole cohort) and the cohorts index
(paged, filtered by fiscal year and state)."""

from datetime import datetime, timedelta, timezone

import pytest

from app.auth.models import Organization, Role, User
from app.cohorts.models import CohortStatus
from app.cohorts.views import fiscal_year, fiscal_year_span
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.progress.queries import PAGE_SIZE, Filters, cohort_progress
from app.submissions.services import submit_version


@pytest.fixture
def organizer(make, login_as):
    client = login_as(make.user(Role.ORGANIZER))
    client.post("/language", data={"locale": "en"})
    return client


def _learners(names: list[str], organization: Organization | None = None) -> list[User]:
    people = [User(email=f"p{i}-{name}@example.jp", display_name=name, role=str(Role.LEARNER),
                   organization=organization) for i, name in enumerate(names)]
    db.session.add_all(people)
    db.session.commit()
    return people


def _municipality(name_ja: str, name_en: str) -> Organization:
    place = Organization(name_ja=name_ja, name_en=name_en, kind="municipality")
    db.session.add(place)
    db.session.commit()
    return place


def _submit(app, group, learner, exercise):
    submit_version(db.session, enrolment=next(e for e in group.enrolments if e.user_id == learner.id),
                   exercise=exercise, body_md="x", uploads=[], keep_attachment_ids=set(),
                   storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(), max_answer_chars=100,
                   max_attachment_bytes=100)
    db.session.commit()


def test_progress_pages_learners_by_name_and_counts_totals_over_the_whole_cohort(app, make):
    people = _learners(["江藤", "青木", "井上", "上田", "大野"])
    group = make.cohort(make.module_version(exercises=2), learners=people)
    _submit(app, group, people[0], group.module_version.exercises[0])
    first = cohort_progress(db.session, group, locale="ja", now=utcnow(), page_size=2)
    last = cohort_progress(db.session, group, locale="ja", now=utcnow(), page=3, page_size=2)
    assert [row.display_name for row in first.rows] == ["上田", "井上"]
    assert [row.display_name for row in last.rows] == ["青木"] and not last.has_next and first.has_next
    # 江藤 is on page 2, yet the totals count her work on every page.
    assert first.learners == 5 and first.matching == 5
    assert [row.statuses for row in first.rows] == [["not_started", "not_started"]] * 2


def test_progress_search_finds_learners_by_name_or_municipality_in_either_language(app, make):
    kushiro = _municipality("釧路市", "Kushiro")
    people = _learners(["佐藤", "鈴木"], kushiro) + _learners(["高橋", "佐藤 次郎"])
    group = make.cohort(learners=people)
    names = lambda search: sorted(r.display_name for r in cohort_progress(
        db.session, group, locale="en", now=utcnow(), filters=Filters(search=search)).rows)
    assert names("佐藤") == ["佐藤", "佐藤 次郎"]
    assert names("釧路") == names("kushiro") == ["佐藤", "鈴木"]
    assert names("%") == [] and names("_") == []
    table = cohort_progress(db.session, group, locale="en", now=utcnow(), filters=Filters(search="釧路"))
    assert table.matching == 2 and table.learners == 4 and table.rows[0].municipality == "Kushiro"


def test_progress_table_shows_a_page_of_learners_with_statuses_municipality_and_pager(app, make, organizer):
    hakodate = _municipality("函館市", "Hakodate")
    people = _learners([f"受講者{i:03d}" for i in range(PAGE_SIZE + 1)], hakodate)
    group = make.cohort(make.module_version(exercises=2), learners=people)
    _submit(app, group, people[0], group.module_version.exercises[1])
    page = organizer.get(f"/manage/progress/cohorts/{group.id}").get_data(as_text=True)
    assert "受講者000" in page and f"受講者{PAGE_SIZE - 1:03d}" in page and f"受講者{PAGE_SIZE:03d}" not in page
    assert page.count("status--not_started") == 2 * PAGE_SIZE - 1 and page.count("status--awaiting_review") == 1
    assert "Hakodate" in page and f"Learners 1–{PAGE_SIZE} of {PAGE_SIZE + 1}" in page and "Next page" in page
    second = organizer.get(f"/manage/progress/cohorts/{group.id}?page=2").get_data(as_text=True)
    assert f"受講者{PAGE_SIZE:03d}" in second and "Previous page" in second and "Next page" not in second
    found = organizer.get(f"/manage/progress/cohorts/{group.id}?q=受講者050").get_data(as_text=True)
    assert "受講者050" in found and "受講者051" not in found and "Learners 1–1 of 1" in found
    assert "No learners match these filters." in organizer.get(
        f"/manage/progress/cohorts/{group.id}?q=nobody").get_data(as_text=True)


def test_progress_table_speaks_japanese(make, login_as):
    group = make.cohort(learners=_learners(["青木"]))
    page = login_as(make.user(Role.ORGANIZER, locale="ja")).get(f"/manage/progress/cohorts/{group.id}")
    text = page.get_data(as_text=True)
    assert '<html lang="ja">' in text and "未着手" in text and "氏名または市町村で検索" in text


def test_a_day_belongs_to_the_fiscal_year_that_starts_in_april_in_tokyo():
    assert fiscal_year(datetime(2026, 3, 31, 14, 59, tzinfo=timezone.utc)) == 2025
    assert fiscal_year(datetime(2026, 3, 31, 15, 0, tzinfo=timezone.utc)) == 2026  # 1 April, 0:00 in Tokyo
    start, end = fiscal_year_span(2026)
    assert fiscal_year(start) == 2026 and fiscal_year(end - timedelta(seconds=1)) == 2026 and fiscal_year(end) == 2027


def _cohort_names(client, query: str = "") -> str:
    return client.get(f"/manage/cohorts/{query}").get_data(as_text=True)


def test_cohorts_index_filters_by_state_and_fiscal_year(make, organizer):
    version = make.module_version()
    make.cohort(version, name="開講中の期", started_days_ago=1)
    make.cohort(version, name="これからの期", started_days_ago=-10, status=CohortStatus.OPEN)
    make.cohort(version, name="終わった期", started_days_ago=800, days_open=30, status=CohortStatus.CLOSED)
    everything = _cohort_names(organizer)
    assert all(name in everything for name in ("開講中の期", "これからの期", "終わった期"))
    # Each row names its state (the organizer's, not the dates').
    assert '<span class="status status--cohort-open">Open for enrolment</span>' in everything
    running = _cohort_names(organizer, "?state=running")
    assert "開講中の期" in running and "これからの期" not in running and "終わった期" not in running
    assert "これからの期" in _cohort_names(organizer, "?state=open")
    closed = _cohort_names(organizer, "?state=closed")
    assert "終わった期" in closed and "開講中の期" not in closed
    old_year = fiscal_year(utcnow() - timedelta(days=800))
    of_that_year = _cohort_names(organizer, f"?year={old_year}")
    assert "終わった期" in of_that_year and "開講中の期" not in of_that_year
    assert f'<option value="{old_year}" selected>' in of_that_year
    # A year without cohorts, or a state we do not know, shows every cohort rather than an error.
    assert "開講中の期" in _cohort_names(organizer, "?year=1999&state=ended")
    assert "No cohorts match these filters." in _cohort_names(organizer, f"?year={old_year}&state=running")


def test_cohorts_index_shows_fifty_cohorts_a_page_newest_first(make, organizer):
    version = make.module_version()
    for day in range(51):
        make.cohort(version, name=f"期{day:02d}", started_days_ago=day + 1)
    first = _cohort_names(organizer)
    assert "期00" in first and "期49" in first and "期50" not in first and "Next page" in first
    second = _cohort_names(organizer, "?page=2")
    assert "期50" in second and "期00" not in second and "Previous page" in second
