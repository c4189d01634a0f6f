"""The organizer's progress matrix (issue 12): overdue judged by when work came, counts per learner and
per exercise, municipality and status filters, links to each submission, the weekly activity chart, and
the CSV / Excel exports of the matrix and the gradebook (Japanese Excel, no formula injection)."""

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from app.auth.models import Organization, Role
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.progress.queries import Filters, LearnerFilter, cohort_progress, is_overdue, tokyo_weeks, weekly_activity
from app.reviews.services import review_version
from app.submissions.services import submit_version
from tests.test_query_budgets import _queries

NOW = utcnow()
DUE = NOW - timedelta(days=5)


@pytest.fixture
def organizer(make, login_as):
    client = login_as(make.user(Role.ORGANIZER))
    client.post("/language", data={"locale": "en"})
    return client


def _submit(app, group, learner, exercise, at, body="回答"):
    enrolment = next(e for e in group.enrolments if e.user_id == learner.id)
    version = submit_version(db.session, enrolment=enrolment, exercise=exercise, body_md=body, uploads=[],
                             keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]), now=at,
                             max_answer_chars=1000, max_attachment_bytes=100)
    db.session.commit()
    return version


def _review(version, mentor, decision, at):
    review_version(db.session, version=version, mentor=mentor, decision=decision,
                   points_by_criterion={c.id: 2 for c in version.submission.exercise.criteria},
                   feedback_md="所見", now=at)
    db.session.commit()


def _place(name_ja, name_en, kind="municipality", parent=None, code=None):
    place = Organization(name_ja=name_ja, name_en=name_en, kind=kind, parent=parent, code=code)
    db.session.add(place)
    db.session.commit()
    return place


@pytest.fixture
def overdue_world(app, make):
    """Exercise 1 was due five days ago, exercise 2 (optional) too, exercise 3 is due in the future.
    青木 did nothing; 伊藤 submitted exercise 1 a day late; 上田 on time, still awaiting review;
    江藤 on time, returned; 小野 late but accepted; 加藤 on time and accepted, and exercise 3 early."""
    kushiro_sub = _place("釧路総合振興局", "Kushiro Subprefecture", kind="subprefecture", code="01-kushiro")
    kushiro = _place("釧路市", "Kushiro", parent=kushiro_sub, code="012068")
    akkeshi = _place("厚岸町", "Akkeshi", parent=kushiro_sub, code="016616")
    sapporo = _place("札幌市", "Sapporo", code="011002")
    names = {"青木": kushiro, "伊藤": kushiro, "上田": akkeshi, "江藤": sapporo, "小野": sapporo, "加藤": None}
    people = {name: make.user(Role.LEARNER, name=name, organization=place) for name, place in names.items()}
    mentor = make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=3, criteria=1, optional=(2,)), learners=people.values(),
                        mentors=[mentor], started_days_ago=20, days_open=60)
    first, second, third = group.module_version.exercises
    for scheduled in group.schedule:
        scheduled.due_at = NOW + timedelta(days=10) if scheduled.exercise_id == third.id else DUE
    db.session.commit()
    _submit(app, group, people["伊藤"], first, DUE + timedelta(days=1))
    _submit(app, group, people["上田"], first, DUE - timedelta(days=1))
    _review(_submit(app, group, people["江藤"], first, DUE - timedelta(hours=1)), mentor, "returned",
            DUE + timedelta(days=1))
    _review(_submit(app, group, people["小野"], first, DUE + timedelta(days=2)), mentor, "accepted",
            DUE + timedelta(days=3))
    _review(_submit(app, group, people["加藤"], first, DUE), mentor, "accepted", DUE + timedelta(days=1))
    _submit(app, group, people["加藤"], third, NOW - timedelta(hours=1))
    return group, people, mentor


@pytest.mark.parametrize("due, required, state, first_submitted, expected", [
    (None, True, "not_started", None, False),  # an exercise without a due date is never overdue
    (DUE, False, "not_started", None, False),  # nor is optional work
    (DUE, True, "not_started", None, True),
    (NOW + timedelta(days=1), True, "not_started", None, False),
    (DUE, True, "awaiting_review", DUE, False),  # submitted at the very minute it was due: in time
    (DUE, True, "awaiting_review", DUE + timedelta(seconds=1), True),
    (DUE, True, "returned", DUE - timedelta(days=1), False),  # the revision may take longer than the due date
    (DUE, True, "accepted", DUE + timedelta(days=3), False),  # accepted late work is done
])
def test_work_is_overdue_by_when_it_was_first_submitted_not_by_today(due, required, state, first_submitted,
                                                                      expected):
    assert is_overdue(due_at=due, now=NOW, is_required=required, state=state,
                      first_submitted_at=first_submitted) is expected


def test_matrix_shows_each_cell_with_overdue_judged_by_submission_time(overdue_world):
    group, people, _ = overdue_world
    table = cohort_progress(db.session, group, locale="ja", now=NOW)
    statuses = {row.display_name: row.statuses for row in table.rows}
    assert statuses == {
        "青木": ["overdue", "not_started", "not_started"],
        "伊藤": ["overdue", "not_started", "not_started"],
        "上田": ["awaiting_review", "not_started", "not_started"],
        "江藤": ["returned", "not_started", "not_started"],
        "小野": ["accepted", "not_started", "not_started"],
        "加藤": ["accepted", "not_started", "awaiting_review"],
    }
    late = next(row for row in table.rows if row.display_name == "伊藤").cells[0]
    assert late.state == "awaiting_review" and late.is_overdue and late.submission_id
    # Accepted of the two required exercises, per learner; per exercise over the whole cohort.
    assert {row.display_name: row.accepted_required for row in table.rows} == {
        "青木": 0, "伊藤": 0, "上田": 0, "江藤": 0, "小野": 1, "加藤": 1}
    assert table.required == 2
    assert [(c.accepted, c.waiting, c.overdue) for c in table.columns] == [(2, 2, 2), (0, 0, 0), (0, 1, 0)]


def test_before_the_due_date_missing_work_is_not_overdue(overdue_world):
    group, _, _ = overdue_world
    table = cohort_progress(db.session, group, locale="ja", now=DUE - timedelta(minutes=1))
    assert next(row for row in table.rows if row.display_name == "青木").statuses[0] == "not_started"
    assert [c.overdue for c in table.columns] == [0, 0, 0]


@pytest.mark.parametrize("status, expected", [
    (LearnerFilter.OVERDUE, ["伊藤", "青木"]),
    (LearnerFilter.AWAITING_REVIEW, ["上田", "伊藤", "加藤"]),
    (LearnerFilter.RETURNED, ["江藤"]),
    (LearnerFilter.NOTHING_SUBMITTED, ["青木"]),
    (LearnerFilter.NOT_COMPLETED, ["上田", "伊藤", "加藤", "江藤", "小野", "青木"]),
    (LearnerFilter.COMPLETED, []),
])
def test_status_filter_lists_the_learners_with_such_work(overdue_world, status, expected):
    group, _, _ = overdue_world
    table = cohort_progress(db.session, group, locale="ja", now=NOW, filters=Filters(status=status))
    assert sorted(row.display_name for row in table.rows) == sorted(expected)
    assert table.matching == len(expected) and table.learners == 6


def test_place_filter_takes_a_municipality_or_a_whole_subprefecture(overdue_world):
    group, people, _ = overdue_world
    kushiro = people["青木"].organization
    names = lambda place_id, status=None: sorted(r.display_name for r in cohort_progress(
        db.session, group, locale="ja", now=NOW, filters=Filters(place_id=place_id, status=status)).rows)
    assert names(kushiro.id) == ["伊藤", "青木"]
    assert names(kushiro.parent_id) == sorted(["伊藤", "青木", "上田"])
    assert names(kushiro.parent_id, LearnerFilter.AWAITING_REVIEW) == sorted(["伊藤", "上田"])


def test_completion_and_its_revocation_show_distinctly(app, make, organizer):
    learner, other, mentor = make.user(Role.LEARNER, name="完了者"), make.user(Role.LEARNER, name="取消者"), \
        make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=1, criteria=1), learners=[learner, other], mentors=[mentor])
    make.complete_module(group, learner, mentor, app.config["STORAGE_DIR"])
    record = make.complete_module(group, other, mentor, app.config["STORAGE_DIR"])
    record.revoked_at, record.revocation_reason, record.revoked_by_id = utcnow(), "誤り", mentor.id
    db.session.commit()
    table = cohort_progress(db.session, group, locale="ja", now=utcnow())
    assert (table.learners, table.completed, table.revoked) == (2, 1, 1)
    revoked = cohort_progress(db.session, group, locale="ja", now=utcnow(),
                              filters=Filters(status=LearnerFilter.REVOKED)).rows
    assert [row.display_name for row in revoked] == ["取消者"]
    page = organizer.get(f"/manage/progress/cohorts/{group.id}").get_data(as_text=True)
    assert page.count('class="status status--revoked">Completion revoked') == 1 and "Completed:" in page


def test_page_links_each_cell_with_work_to_the_submission_and_filters_through_the_query(overdue_world, organizer):
    group, people, _ = overdue_world
    page = organizer.get(f"/manage/progress/cohorts/{group.id}").get_data(as_text=True)
    submission_ids = [cell.submission_id for row in cohort_progress(db.session, group, locale="en", now=NOW).rows
                      for cell in row.cells if cell.submission_id]
    assert len(submission_ids) == 6
    assert all(f'href="/manage/progress/submissions/{sid}"' in page for sid in submission_ids)
    assert page.count("status--overdue") == 2 and "Kushiro Subprefecture" in page and "All of Kushiro" in page
    assert "there are no drafts" in page
    kushiro = people["青木"].organization
    filtered = organizer.get(f"/manage/progress/cohorts/{group.id}?status=overdue&place={kushiro.id}")
    text = filtered.get_data(as_text=True)
    assert "青木" in text and "上田" not in text and "Learners 1–2 of 2" in text
    assert f"export.csv?place={kushiro.id}&amp;status=overdue" in text
    # A status we do not know shows everyone rather than an error.
    assert "Learners 1–6 of 6" in organizer.get(f"/manage/progress/cohorts/{group.id}?status=nonsense").get_data(
        as_text=True)


def test_submission_page_shows_every_version_and_review_to_staff_only(app, overdue_world, organizer, make, login_as):
    group, people, mentor = overdue_world
    row = next(r for r in cohort_progress(db.session, group, locale="en", now=NOW).rows if r.display_name == "江藤")
    page = organizer.get(f"/manage/progress/submissions/{row.cells[0].submission_id}").get_data(as_text=True)
    assert "回答" in page and "所見" in page and "Version 1" in page and "Returned for revision" in page
    assert "Open the review page" not in page
    assert login_as(people["江藤"]).get(f"/manage/progress/submissions/{row.cells[0].submission_id}").status_code == 403


def _csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode()) and b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def test_matrix_csv_opens_in_japanese_excel_and_has_every_learner(overdue_world, make, login_as):
    group, _, _ = overdue_world
    client = login_as(make.user(Role.ORGANIZER, locale="ja"))
    response = client.get(f"/manage/progress/cohorts/{group.id}/export.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # one charset, said once
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="enshu-cohort-{group.id}-matrix-') and disposition.isascii()
    assert "filename*=UTF-8''%E3%83%86%E3%82%B9%E3%83%88" in disposition  # テスト受講期-進捗-….csv
    lines = _csv(response)
    assert lines[0][:4] == ["受講者", "メールアドレス", "市町村", "課題1"] and lines[0][-3] == "合格（必須2件中）"
    by_name = {line[0]: line for line in lines[1:]}
    assert len(by_name) == 6
    assert by_name["伊藤"][3:6] == ["期限超過 (レビュー待ち)", "未着手", "未着手"] and by_name["伊藤"][2] == "釧路市"
    assert by_name["小野"][6] == "1"


def test_gradebook_has_status_score_and_times_in_tokyo_per_learner_and_exercise(overdue_world, organizer):
    group, _, mentor = overdue_world
    lines = _csv(organizer.get(f"/manage/progress/cohorts/{group.id}/export.csv?table=gradebook"))
    header, rows = lines[0], lines[1:]
    assert len(rows) == 6 * 3
    line = dict(zip(header, next(r for r in rows if r[0] == "小野" and r[3] == "1")))
    submitted = (DUE + timedelta(days=2)).astimezone(timezone(timedelta(hours=9))).strftime("%Y-%m-%d %H:%M")
    assert line["Status"] == "Accepted" and line["Overdue"] == ""
    assert line["Score"] == "2" and line["Maximum score"] == "3"
    assert line["First submitted at"] == submitted and line["Reviewed by"] == mentor.display_name
    late = dict(zip(header, next(r for r in rows if r[0] == "伊藤" and r[3] == "1")))
    assert late["Status"] == "Awaiting review" and late["Overdue"] == "Yes" and late["Score"] == ""


@pytest.fixture
def hostile_names(app, make):
    """Learners whose names a spreadsheet would run as formulas."""
    names = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2", "@SUM(A1)", "\tcmd", "\r=1", "普通の名前"]
    people = [make.user(Role.LEARNER, name=name) for name in names]
    return make.cohort(learners=people), names


def test_csv_cells_that_start_a_formula_get_a_leading_apostrophe(hostile_names, organizer):
    group, names = hostile_names
    for table in ("matrix", "gradebook"):
        lines = _csv(organizer.get(f"/manage/progress/cohorts/{group.id}/export.csv?table={table}"))
        written = {line[0] for line in lines[1:]}
        assert written == {"'" + name for name in names[:-1]} | {"普通の名前"}


def test_xlsx_round_trip_keeps_the_values_as_text_never_formulas(hostile_names, organizer):
    group, names = hostile_names
    response = organizer.get(f"/manage/progress/cohorts/{group.id}/export.xlsx?table=gradebook")
    assert response.status_code == 200 and "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(min_row=2))
    assert {row[0].value for row in rows} == set(names)
    assert all(row[0].data_type == "s" for row in rows)
    assert {row[0].value for row in rows if row[0].quotePrefix} == set(names[:-1])
    due = rows[0][6].value  # the due date: a date and time of Tokyo, not a text
    assert isinstance(due, datetime) and due.tzinfo is None


def test_xlsx_matrix_round_trip(overdue_world, organizer):
    group, _, _ = overdue_world
    sheet = load_workbook(io.BytesIO(organizer.get(f"/manage/progress/cohorts/{group.id}/export.xlsx")
                                     .get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Learner", "Email address", "Municipality"] and len(values) == 7
    ono = next(v for v in values if v[0] == "小野")
    assert ono[3] == "Accepted" and ono[6] == 1


def test_exports_follow_the_filters_and_refuse_an_unknown_table(overdue_world, organizer):
    group, _, _ = overdue_world
    lines = _csv(organizer.get(f"/manage/progress/cohorts/{group.id}/export.csv?status=returned"))
    assert [line[0] for line in lines[1:]] == ["江藤"]
    assert organizer.get(f"/manage/progress/cohorts/{group.id}/export.csv?table=passwords").status_code == 404
    assert organizer.get("/manage/progress/cohorts/99999/export.xlsx").status_code == 404


TOKYO = timezone(timedelta(hours=9))


def test_weeks_run_monday_to_sunday_in_tokyo():
    # Sunday 23:30 and Monday 00:10 in Tokyo are in different weeks, though the same UTC day.
    weeks = tokyo_weeks(datetime(2026, 11, 29, 23, 30, tzinfo=TOKYO), datetime(2026, 11, 30, 0, 10, tzinfo=TOKYO))
    assert weeks == [datetime(2026, 11, 23, tzinfo=TOKYO), datetime(2026, 11, 30, tzinfo=TOKYO)]


def test_weekly_activity_counts_submissions_and_reviews_in_tokyo_weeks(app, make):
    learner, mentor = make.user(Role.LEARNER), make.user(Role.MENTOR)
    group = make.cohort(make.module_version(exercises=2, criteria=1), learners=[learner], mentors=[mentor],
                        started_days_ago=30, days_open=60)
    group.starts_at = datetime(2026, 11, 2, 9, tzinfo=TOKYO)  # a Monday
    db.session.commit()
    first, second = group.module_version.exercises
    sunday_night = datetime(2026, 11, 8, 23, 30, tzinfo=TOKYO)
    version = _submit(app, group, learner, first, sunday_night)
    _review(version, mentor, "returned", sunday_night + timedelta(minutes=40))  # Monday 0:10
    _submit(app, group, learner, first, datetime(2026, 11, 9, 10, tzinfo=TOKYO))
    _submit(app, group, learner, second, datetime(2026, 11, 10, 10, tzinfo=TOKYO))
    weeks = weekly_activity(db.session, group, datetime(2026, 11, 20, tzinfo=TOKYO))
    assert [(w.starts_at.day, w.submissions, w.reviews) for w in weeks] == [(2, 1, 0), (9, 2, 1), (16, 0, 0)]


def test_progress_page_draws_the_weekly_chart_as_svg_with_a_table(overdue_world, organizer):
    group, _, _ = overdue_world
    page = organizer.get(f"/manage/progress/cohorts/{group.id}").get_data(as_text=True)
    assert "<svg viewBox=" in page and 'role="img"' in page and "The same numbers as a table" in page
    assert page.count("chart-bar--submissions") == page.count("chart-bar--reviews") >= 3
    assert "<script" not in page.split("<main")[1]


def test_filtered_page_runs_as_many_queries_for_one_learner_as_for_many(app, make, login_as):
    kushiro = _place("釧路市", "Kushiro", code="012068")
    counts = []
    for size in (1, 8):
        people = [make.user(Role.LEARNER, organization=kushiro) for _ in range(size)]
        group = make.cohort(make.module_version(exercises=3), learners=people, started_days_ago=10)
        for person in people:
            _submit(app, group, person, group.module_version.exercises[0], utcnow())
        client = login_as(make.user(Role.ORGANIZER))
        counts.append(_queries(app, client, f"/manage/progress/cohorts/{group.id}?status=awaiting_review"
                                            f"&place={kushiro.id}&q=%E5%88%A9"))
    assert counts[0] == counts[1] <= 12, counts
