"""Enrolment: importing a participants list (preview, then confirm, all or nothing), municipalities by
name or by a code Excel mangled, and withdrawing, re-admitting and moving a learner without losing work."""

import csv
import html
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEntry, Organization, Role, User
from app.auth.municipality_codes import MunicipalityDirectory, candidate_codes, check_digit
from app.cohorts import membership
from app.cohorts.models import CohortStatus, Enrolment, EnrolmentStatus
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.extensions import db
from app.reviews.queries import review_queue
from app.submissions.models import Submission
from app.submissions.services import LearnerWithdrawn, submit_version

MUNICIPALITIES = Path(__file__).resolve().parents[1] / "app/auth/data/hokkaido_municipalities.csv"


@pytest.fixture
def municipalities(app):
    from app.auth.services import load_municipalities
    load_municipalities(db.session)
    db.session.commit()


@pytest.fixture
def organizer(make, login_as):
    client = login_as(make.user(Role.ORGANIZER))
    client.post("/language", data={"locale": "en"})
    return client


@pytest.fixture
def organizer_ja(make, login_as):
    return login_as(make.user(Role.ORGANIZER))


def _preview(client, group, content: str | bytes):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(f"/manage/cohorts/{group.id}/import", data={"participants": (io.BytesIO(data), "p.csv")},
                       content_type="multipart/form-data")


def _hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1))


def _confirm(client, group, preview_page: str, **overrides):
    data = {"content": _hidden(preview_page, "content"), "token": _hidden(preview_page, "token"), **overrides}
    return client.post(f"/manage/cohorts/{group.id}/import/confirm", data=data)


def _counts():
    return (db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Enrolment.id))))


def _outbox(tmp_path):
    return list((tmp_path / "outbox").glob("*.eml"))


# The JIS local government code ------------------------------------------------------------------------

def test_the_check_digit_of_every_hokkaido_municipality_code():
    with MUNICIPALITIES.open(encoding="utf-8") as f:
        codes = [row["code"] for row in csv.DictReader(f)]
    assert len(codes) == 179
    assert [code for code in codes if check_digit(code[:5]) != code[5]] == []


@pytest.mark.parametrize("five, digit", [
    ("01210", "6"),  # 岩見沢市: the weighted sum 16 leaves 5, 11 - 5 = 6
    ("01205", "0"),  # 室蘭市: the remainder 1 gives 10, whose last digit is 0
    ("01213", "1"),  # 苫小牧市: the remainder 0 gives 11, whose last digit is 1
    ("13101", "6"),  # 千代田区 (131016), outside Hokkaido: the rule is national
])
def test_check_digit_edge_cases(five, digit):
    assert check_digit(five) == digit


@pytest.mark.parametrize("typed, code", [
    ("012106", "012106"), ("12106", "012106"), ("01210", "012106"), ("1210", "012106"), ("11002", "011002"),
])
def test_codes_excel_mangled_are_restored(typed, code):
    assert code in candidate_codes(typed)


def test_a_wrong_check_digit_is_not_taken_for_another_code():
    assert candidate_codes("012107") == []


@pytest.mark.parametrize("typed", ["岩見沢市", "岩見沢", "北海道岩見沢市", " 岩見沢 市 ", "Iwamizawa-shi", "iwamizawa",
                                   "012106", "０１２１０６", "12106", "01210"])
def test_the_directory_finds_a_municipality_however_it_is_written(municipalities, typed):
    directory = MunicipalityDirectory(list(db.session.scalars(
        select(Organization).where(Organization.code.isnot(None)))))
    found = directory.find(typed)
    assert found.problem is None and found.organization.name_ja == "岩見沢市"


def test_a_name_two_municipalities_share_is_ambiguous(municipalities):
    directory = MunicipalityDirectory(list(db.session.scalars(
        select(Organization).where(Organization.code.isnot(None)))))
    found = directory.find("釧路")
    assert found.problem == "ambiguous_municipality"
    assert {o.name_ja for o in found.choices} == {"釧路市", "釧路町"}
    assert directory.find("釧路町").organization.name_ja == "釧路町"


# Preview and confirm -----------------------------------------------------------------------------------

def test_the_preview_lists_every_row_and_writes_nothing(organizer, make, municipalities, tmp_path):
    group = make.cohort()
    make.user(Role.LEARNER, email="existing@example.jp", name="既存 一郎")
    already = make.user(Role.LEARNER, email="already@example.jp")
    db.session.add(Enrolment(cohort=group, user=already))
    db.session.commit()
    before = _counts()
    response = _preview(organizer, group, "email,name,municipality_code\n"
                                          "existing@example.jp,,\n"
                                          "New.Person@example.jp,新人 太郎,12106\n"
                                          "already@example.jp,,\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    rows = re.findall(r'<tr id="row-(\d+)"', page)
    assert rows == ["2", "3", "4"]
    assert "New account and invitation" in page and "Enrol</span>" in page and "Already enrolled" in page
    # The code Excel shortened is shown with the municipality it was read as.
    assert "Iwamizawa-shi <span class=\"meta\">(012106, from “12106”)</span>" in page
    assert "Import 2 participant(s)" in page
    assert _counts() == before and _outbox(tmp_path) == []


def test_confirming_imports_everything_and_the_same_file_again_adds_nothing(organizer, make, municipalities,
                                                                            tmp_path):
    group = make.cohort()
    existing = make.user(Role.LEARNER, email="existing@example.jp")
    content = "email,name,municipality_code\nexisting@example.jp,,\nnew.person@example.jp,新人 太郎,岩見沢\n"
    response = _confirm(organizer, group, _preview(organizer, group, content).get_data(as_text=True))
    assert response.status_code == 302
    page = organizer.get(response.location).get_data(as_text=True)
    assert "2 participant(s) enrolled; 1 of them got a new account and an invitation by email." in page
    new = db.session.scalar(select(User).where(User.email == "new.person@example.jp"))
    assert new.role == "learner" and new.password_hash is None and new.organization.name_ja == "岩見沢市"
    assert set(db.session.scalars(select(Enrolment.user_id).where(Enrolment.cohort_id == group.id))) == {
        existing.id, new.id}
    assert len(_outbox(tmp_path)) == 1
    audits = db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "cohort.import"))

    counts = _counts()
    again = _preview(organizer, group, content).get_data(as_text=True)
    assert again.count("Already enrolled</span>") == 2 and "Import 0 participant(s)" in again
    response = _confirm(organizer, group, again)
    assert "Nothing changed: everyone in the file was already in this cohort." in \
        organizer.get(response.location).get_data(as_text=True)
    assert _counts() == counts and len(_outbox(tmp_path)) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "cohort.import")) == audits


def test_excel_shift_jis_file_with_japanese_headers_names_and_mangled_codes(organizer_ja, make, municipalities):
    group = make.cohort()
    # What Excel writes for 「CSV（コンマ区切り）」 on Japanese Windows: CP932 bytes, CRLF, the codes as
    # numbers (leading zero gone) or cut to five digits.
    content = ("メールアドレス,氏名,市町村コード\r\n"
               "sato@example.jp,佐藤 花子,12106\r\n"
               "suzuki@example.jp,鈴木 髙橋,01210\r\n"
               "takahashi@example.jp,高橋 ①,岩見沢市\r\n").encode("cp932")
    assert b"\x8d\xb2\x93\xa1" in content  # 佐藤 in Shift_JIS: really not UTF-8
    preview = _preview(organizer_ja, group, content)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "3人を取り込む" in page and "「12106」から判定" in page
    assert "鈴木 髙橋" in page and "高橋 ①" in page
    assert _confirm(organizer_ja, group, page).status_code == 302
    people = db.session.scalars(select(User).where(User.email.like("%@example.jp"), User.role == "learner")).all()
    assert {(u.display_name, u.organization.code) for u in people} == {
        ("佐藤 花子", "012106"), ("鈴木 髙橋", "012106"), ("高橋 ①", "012106")}


@pytest.mark.parametrize("row, message", [
    ("not-an-address,名前,", "“not-an-address” is not a valid email address."),
    ("fine@example.jp,,", "“fine@example.jp” is already on an earlier line."),
    ("nobody@example.jp,,", "No account has the address “nobody@example.jp”: enter a name in the file to create one."),
    ("long@example.jp," + "長" * 101 + ",", f"The name “{'長' * 101}” is longer than 100 characters."),
    ("bell@example.jp,ベル\x07,", "The name “ベル\x07” contains an invisible control character."),
    ("someone@example.jp,誰か,99999", "No municipality in Hokkaido has the code “99999”."),
    ("someone@example.jp,誰か,012107", "No municipality in Hokkaido has the code “012107”."),
    ("someone@example.jp,誰か,東京市", "No municipality in Hokkaido is called “東京市”."),
    ("someone@example.jp,誰か,釧路", "“釧路” could be Kushiro-shi or Kushiro-cho: write the full name or the code."),
    ("mentor@example.jp,,", "The account “mentor@example.jp” is not a learner account."),
])
def test_each_refused_row_names_its_line_and_value_and_nothing_is_written(organizer, make, municipalities, row,
                                                                           message, tmp_path):
    group = make.cohort()
    make.user(Role.MENTOR, email="mentor@example.jp")
    make.user(Role.LEARNER, email="fine@example.jp")
    before = _counts()
    response = _preview(organizer, group, f"email,name,municipality\nfine@example.jp,,\n{row}\n")
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Nothing can be imported yet: 1 row(s) to correct" in page
    assert f'<a href="#row-3">Line 3</a>: {message}' in page
    # No confirmation is offered for a file with a wrong row.
    assert 'name="token"' not in page
    assert _counts() == before and _outbox(tmp_path) == []


def test_a_changed_file_is_not_imported_without_a_new_preview(organizer, make):
    group = make.cohort()
    make.user(Role.LEARNER, email="one@example.jp")
    make.user(Role.LEARNER, email="two@example.jp")
    page = _preview(organizer, group, "email\none@example.jp\n").get_data(as_text=True)
    other = _preview(organizer, group, "email\ntwo@example.jp\n").get_data(as_text=True)
    before = _counts()
    # The content of another file with this preview's token.
    response = _confirm(organizer, group, page, content=_hidden(other, "content"))
    assert response.status_code == 409
    assert "This is not the file that was previewed, so nothing was imported." in response.get_data(as_text=True)
    # A token for another cohort.
    elsewhere = make.cohort()
    response = organizer.post(f"/manage/cohorts/{elsewhere.id}/import/confirm",
                              data={"content": _hidden(page, "content"), "token": _hidden(page, "token")})
    assert response.status_code == 409
    # A forged token and a content that is not what the form sends.
    assert _confirm(organizer, group, page, token="forged").status_code == 409
    assert _confirm(organizer, group, page, content="not base64!").status_code == 409
    assert _counts() == before


def test_what_changed_after_the_preview_is_shown_again_before_anything_is_written(organizer, make):
    group = make.cohort()
    learner = make.user(Role.LEARNER, email="one@example.jp")
    page = _preview(organizer, group, "email,name\none@example.jp,\nnew@example.jp,新人\n").get_data(as_text=True)
    # Meanwhile someone enrols the learner and creates the other account.
    db.session.add(Enrolment(cohort=group, user=learner))
    make.user(Role.LEARNER, email="new@example.jp")
    before = _counts()
    response = _confirm(organizer, group, page)
    again = response.get_data(as_text=True)
    assert response.status_code == 409 and "Something changed since the preview" in again
    assert "Already enrolled</span>" in again and "Import 1 participant(s)" in again
    assert _counts() == before
    assert _confirm(organizer, group, again).status_code == 302
    assert _counts() == (before[0], before[1] + 1)


def test_an_account_created_while_confirming_stops_the_import_with_a_new_preview(organizer, make, monkeypatch,
                                                                              tmp_path):
    from app.cohorts import participants
    group = make.cohort()
    page = _preview(organizer, group, "email,name\nnew@example.jp,新人\nother@example.jp,別人\n").get_data(as_text=True)
    real_apply = participants.apply_import

    def apply_after_another_request(session, *args, **kwargs):
        # Another request commits the same address between this request's check and its write.
        make.user(Role.LEARNER, email="other@example.jp")
        return real_apply(session, *args, **kwargs)

    monkeypatch.setattr(participants, "apply_import", apply_after_another_request)
    before = _counts()
    response = _confirm(organizer, group, page)
    again = response.get_data(as_text=True)
    assert response.status_code == 409 and "Something changed since the preview" in again
    assert "Import 2 participant(s)" in again and again.count("Enrol</span>") == 1
    assert _counts() == (before[0] + 1, before[1]) and _outbox(tmp_path) == []


def test_the_email_form_and_the_import_say_the_same_about_accounts(organizer, make):
    group = make.cohort()
    page = organizer.get(f"/manage/cohorts/{group.id}").get_data(as_text=True)
    assert "The people must already have learner accounts." not in page
    assert "For people who already have a learner account. For people without one, import a participants list " \
           "(CSV) below: it creates their accounts and sends the invitations." in page
    refused = organizer.post(f"/manage/cohorts/{group.id}/enrol", data={"emails": "nobody@example.jp"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "An administrator can invite" not in text
    assert "nobody@example.jp: no account has this address. To create one, put the person in a participants " \
           "list (CSV) and import it below: they get an account and an invitation by email." in text


# Withdraw, re-admit, move ------------------------------------------------------------------------------

def _submit(app, enrolment, exercise):
    return submit_version(db.session, enrolment=enrolment, exercise=exercise, body_md="答え", uploads=[],
                          keep_attachment_ids=set(), storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(),
                          max_answer_chars=1000, max_attachment_bytes=1000)


@pytest.fixture
def taking_part(app, make):
    """A cohort with a mentor and a learner who has submitted the first exercise."""
    learner, mentor = make.user(Role.LEARNER, name="受講 花子"), make.user(Role.MENTOR)
    group = make.cohort(learners=[learner], mentors=[mentor])
    _submit(app, make.enrolment(group, learner), group.module_version.exercises[0])
    db.session.commit()
    return group, learner, mentor


def test_withdraw_asks_first_keeps_the_work_and_stops_submitting(app, organizer, make, login_as, taking_part):
    group, learner, mentor = taking_part
    confirm = organizer.get(f"/manage/cohorts/{group.id}/learners/{learner.id}/withdraw")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "button button--danger" in page and "Nothing is deleted" in page
    assert make.enrolment(group, learner).status == EnrolmentStatus.ACTIVE
    response = organizer.post(f"/manage/cohorts/{group.id}/learners/{learner.id}/withdraw", data={"confirm": "yes"})
    assert response.status_code == 302
    enrolment = make.enrolment(group, learner)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN and enrolment.withdrawn_at is not None
    assert db.session.scalar(select(func.count(Submission.id)).where(Submission.enrolment_id == enrolment.id)) == 1
    detail = organizer.get(response.location).get_data(as_text=True)
    assert "was withdrawn from this cohort" in detail and "Re-admit" in detail and "1 withdrawn" in detail

    with pytest.raises(LearnerWithdrawn):
        _submit(app, enrolment, group.module_version.exercises[1])
    db.session.rollback()
    student = login_as(learner)
    student.post("/language", data={"locale": "en"})
    exercise = group.module_version.exercises[1]
    refused = student.post(f"/cohorts/{group.id}/exercises/{exercise.id}", data={"body": "答え", "submit": "1"})
    assert refused.status_code == 422 and "You were withdrawn from this cohort, so you cannot submit." in \
        refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Submission.id))) == 1


def test_withdrawn_learners_leave_the_queue_and_progress_unless_asked_for(app, organizer, make, login_as,
                                                                          taking_part):
    group, learner, mentor = taking_part
    membership.withdraw(db.session, make.enrolment(group, learner), mentor, utcnow())
    db.session.commit()
    assert review_queue(db.session, mentor, "en").total == 0
    assert review_queue(db.session, mentor, "en", include_withdrawn=True).total == 1
    reviewer = login_as(mentor)
    assert "受講 花子" not in reviewer.get("/review/").get_data(as_text=True)
    assert "受講 花子" in reviewer.get("/review/?withdrawn=1").get_data(as_text=True)
    # The progress table counts active learners only, unless the organizer asks for the others.
    other = make.user(Role.LEARNER, name="継続 次郎")
    db.session.add(Enrolment(cohort=group, user=other))
    db.session.commit()
    progress = organizer.get(f"/manage/progress/cohorts/{group.id}").get_data(as_text=True)
    assert "受講 花子" not in progress and "継続 次郎" in progress and "Learners 1–1 of 1" in progress
    shown = organizer.get(f"/manage/progress/cohorts/{group.id}?withdrawn=1").get_data(as_text=True)
    assert "受講 花子" in shown and "Withdrawn" in shown and "Learners 1–2 of 2" in shown


def test_readmit_brings_the_learner_back_with_their_work(app, organizer, make, taking_part):
    group, learner, mentor = taking_part
    membership.withdraw(db.session, make.enrolment(group, learner), mentor, utcnow())
    db.session.commit()
    response = organizer.post(f"/manage/cohorts/{group.id}/learners/{learner.id}/readmit", follow_redirects=True)
    assert "is taking part in this cohort again, with all their earlier work." in response.get_data(as_text=True)
    enrolment = make.enrolment(group, learner)
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.withdrawn_at is None
    _submit(app, enrolment, group.module_version.exercises[1])
    db.session.commit()
    assert db.session.scalar(select(func.count(Submission.id)).where(Submission.enrolment_id == enrolment.id)) == 2
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "enrolment")).all()
    assert actions == ["enrolment.withdraw", "enrolment.readmit"]


def test_a_withdrawn_cohort_asks_nothing_of_the_learner(app, make, login_as, taking_part):
    from app.learn.queries import learner_dashboard
    group, learner, mentor = taking_part
    assert learner_dashboard(db.session, learner, utcnow()).due_next
    membership.withdraw(db.session, make.enrolment(group, learner), mentor, utcnow())
    db.session.commit()
    dashboard = learner_dashboard(db.session, learner, utcnow())
    assert [p.cohort.id for p in dashboard.cohorts] == [group.id]
    assert dashboard.due_next == [] and dashboard.awaiting == [] and dashboard.returned == []
    student = login_as(learner)
    student.post("/language", data={"locale": "en"})
    assert "Withdrawn</span>" in student.get("/").get_data(as_text=True)


def test_the_database_ties_withdrawn_to_its_time(app, make, taking_part):
    from sqlalchemy.exc import IntegrityError
    group, learner, _ = taking_part
    enrolment = make.enrolment(group, learner)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_move_takes_the_submissions_to_a_cohort_of_the_same_version(organizer, make, taking_part):
    group, learner, mentor = taking_part
    later = make.cohort(group.module_version, name="第2期")
    page = organizer.get(f"/manage/cohorts/{group.id}/learners/{learner.id}/move").get_data(as_text=True)
    assert f'<option value="{later.id}">第2期</option>' in page
    response = organizer.post(f"/manage/cohorts/{group.id}/learners/{learner.id}/move",
                              data={"target_id": str(later.id)})
    assert response.status_code == 302 and response.location.endswith(f"/manage/cohorts/{later.id}")
    assert make.enrolment(group, learner) is None
    moved = make.enrolment(later, learner)
    submission = db.session.scalar(select(Submission))
    assert submission.enrolment_id == moved.id
    assert "moved to 第2期 with all their work" in organizer.get(response.location).get_data(as_text=True)


@pytest.mark.parametrize("target, message", [
    ("other_version", "A learner can only move to a cohort of the same module version"),
    ("already_in", "The learner is already enrolled in that cohort."),
    ("same", "The learner is already in this cohort. Choose another one."),
    ("archived", "That cohort is closed or archived and no longer takes learners."),
    ("missing", "Choose the cohort to move the learner to."),
    ("", "Choose the cohort to move the learner to."),
])
def test_a_move_that_cannot_be_is_refused_with_its_reason(organizer, make, taking_part, target, message):
    group, learner, mentor = taking_part
    cohorts = {"other_version": make.cohort(name="別の版"), "same": group,
               "already_in": make.cohort(group.module_version, learners=[learner], name="登録済み"),
               "archived": make.cohort(group.module_version, name="保管済み", status=CohortStatus.ARCHIVED)}
    target_id = str(cohorts[target].id) if target in cohorts else ("999999" if target == "missing" else "")
    enrolments = db.session.execute(select(Enrolment.id, Enrolment.cohort_id).order_by(Enrolment.id)).all()
    response = organizer.post(f"/manage/cohorts/{group.id}/learners/{learner.id}/move",
                              data={"target_id": target_id})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and 'class="error-summary"' in page
    assert db.session.execute(select(Enrolment.id, Enrolment.cohort_id).order_by(Enrolment.id)).all() == enrolments


def test_withdraw_and_move_are_for_learners_of_the_cohort_only(organizer, make, taking_part):
    group, learner, _ = taking_part
    stranger = make.user(Role.LEARNER)
    for action in ("withdraw", "move"):
        assert organizer.get(f"/manage/cohorts/{group.id}/learners/{stranger.id}/{action}").status_code == 404
    assert organizer.post(f"/manage/cohorts/{group.id}/learners/{stranger.id}/readmit").status_code == 404


def test_services_refuse_a_move_across_module_versions(app, make, taking_part):
    group, learner, mentor = taking_part
    with pytest.raises(membership.MoveRefused) as refused:
        membership.move(db.session, make.enrolment(group, learner), make.cohort(), mentor, utcnow())
    assert refused.value.code == "other_module_version"
    assert membership.move_targets(db.session, make.enrolment(group, learner)) == []
    later = make.cohort(group.module_version, started_days_ago=-30)
    make.cohort(group.module_version, status=CohortStatus.CLOSED)
    make.cohort(group.module_version, status=CohortStatus.ARCHIVED)
    assert [c.id for c in membership.move_targets(db.session, make.enrolment(group, learner))] == [later.id]


@pytest.mark.parametrize("state, action, message", [
    (CohortStatus.ARCHIVED, "withdraw", "This cohort is archived: it can no longer be changed."),
    (CohortStatus.ARCHIVED, "move", "This cohort is archived: it can no longer be changed."),
    (CohortStatus.ARCHIVED, "readmit", "This cohort is archived: it can no longer be changed."),
    (CohortStatus.ARCHIVED, "import", "This cohort is archived: it can no longer be changed."),
    (CohortStatus.CLOSED, "readmit", "This cohort is closed: learners can no longer be enrolled."),
    (CohortStatus.CLOSED, "import", "This cohort is closed: learners can no longer be enrolled."),
    (CohortStatus.CLOSED, "confirm", "This cohort is closed: learners can no longer be enrolled."),
])
def test_the_cohort_state_refuses_changes_to_its_learners(organizer, make, taking_part, state, action, message):
    group, learner, mentor = taking_part
    if action == "readmit":
        membership.withdraw(db.session, make.enrolment(group, learner), mentor, utcnow())
    preview = _preview(organizer, group, "email,name\nnew@example.jp,新人\n").get_data(as_text=True)
    group.status = state
    db.session.commit()
    before = db.session.execute(select(Enrolment.id, Enrolment.cohort_id, Enrolment.status)).all()
    base = f"/manage/cohorts/{group.id}/learners/{learner.id}"
    if action == "import":
        response = _preview(organizer, group, "email,name\nnew@example.jp,新人\n")
    elif action == "confirm":
        response = _confirm(organizer, group, preview)
    elif action == "move":
        response = organizer.post(f"{base}/move", data={"target_id": str(make.cohort(group.module_version).id)})
    else:
        response = organizer.post(f"{base}/{action}")
    assert response.status_code == 302 and response.location.endswith(f"/manage/cohorts/{group.id}")
    assert message in organizer.get(response.location).get_data(as_text=True)
    assert db.session.execute(select(Enrolment.id, Enrolment.cohort_id, Enrolment.status)).all() == before
    assert db.session.scalar(select(func.count(User.id)).where(User.email == "new@example.jp")) == 0


def test_a_closed_cohort_still_lets_the_organizer_withdraw_and_hides_what_it_refuses(organizer, make, taking_part):
    group, learner, _ = taking_part
    group.status = CohortStatus.CLOSED
    db.session.commit()
    page = organizer.get(f"/manage/cohorts/{group.id}").get_data(as_text=True)
    assert "This cohort no longer takes learners." in page and "Preview the import" not in page
    assert f"{learner.id}/withdraw" in page
    assert organizer.post(f"/manage/cohorts/{group.id}/learners/{learner.id}/withdraw", data={"confirm": "yes"}).status_code == 302
    assert make.enrolment(group, learner).status == EnrolmentStatus.WITHDRAWN
    page = organizer.get(f"/manage/cohorts/{group.id}").get_data(as_text=True)
    assert f"{learner.id}/readmit" not in page and "Re-admit" not in page
    group.status = CohortStatus.ARCHIVED
    membership.readmit(db.session, make.enrolment(group, learner), make.user(Role.ORGANIZER))
    db.session.commit()
    page = organizer.get(f"/manage/cohorts/{group.id}").get_data(as_text=True)
    assert f"{learner.id}/withdraw" not in page and f"{learner.id}/move" not in page
