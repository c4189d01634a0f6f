"""Groups (班) of a cohort (issue 12): group deliverables submitted once per group and accepted for every
member, the organizer's groups page, the group filters of the queue and the progress table, and the
mentor load page."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.cohorts.membership import move, withdraw
from app.completions.models import CompletionRecord
from app.content.loader import load_all
from app.core.db import utcnow
from app.core.storage import FileStorage
from app.core.transaction import commit
from app.extensions import db
from app.groups import services as groups
from app.groups.models import CohortGroup, GroupMembership, GroupMentor
from app.reviews.services import review_version
from app.submissions import services as submissions
from app.submissions.models import Submission, SubmissionVersion

CONTENT = Path(__file__).parent / "fixtures" / "content" / "mini-module"


@pytest.fixture
def team(make):
    """A running cohort whose first exercise is a group deliverable (the second is each learner's own), with
    learners A and B in group 1, C in group 2, D in no group, and a mentor."""
    people = {name: make.user(Role.LEARNER, name=f"受講者{name}") for name in "ABCD"}
    mentor, organizer = make.user(Role.MENTOR, name="メンター"), make.user(Role.ORGANIZER)
    cohort = make.cohort(make.module_version(exercises=2, criteria=1), learners=list(people.values()), mentors=[mentor])
    group_work, own_work = cohort.module_version.exercises
    group_work.is_group_deliverable = True
    first = groups.create_group(db.session, cohort, "1班", organizer)
    second = groups.create_group(db.session, cohort, "2班", organizer)
    enrolments = {name: make.enrolment(cohort, person) for name, person in people.items()}
    groups.place_learners(db.session, cohort, {enrolments["A"].id: first.id, enrolments["B"].id: first.id,
                                               enrolments["C"].id: second.id}, organizer)
    db.session.commit()
    return dict(people=people, mentor=mentor, organizer=organizer, cohort=cohort, group_work=group_work,
                own_work=own_work, first=first, second=second, enrolments=enrolments)


def _submit(client, cohort, exercise, body, **extra):
    return client.post(f"/cohorts/{cohort.id}/exercises/{exercise.id}", data={"body": body, "submit": "1", **extra},
                       content_type="multipart/form-data")


def _submit_service(app, enrolment, exercise, body="回答"):
    return submissions.submit_version(
        db.session, enrolment=enrolment, exercise=exercise, body_md=body, uploads=[], keep_attachment_ids=set(),
        storage=FileStorage(app.config["STORAGE_DIR"]), now=utcnow(), max_answer_chars=10_000,
        max_attachment_bytes=10_000)


def _accept(version, mentor):
    review_version(db.session, version=version, mentor=mentor, decision="accepted",
                   points_by_criterion={c.id: 3 for c in version.submission.exercise.criteria}, feedback_md="合格です。",
                   now=utcnow())


def _status(client, path) -> int:
    response = client.get(path)
    response.close()  # a file download holds its file open until closed
    return response.status_code


def _flash(client, response) -> str:
    assert response.status_code == 302
    return client.get(response.location).get_data(as_text=True)


# --- group deliverables, end to end ---

def test_one_member_submits_another_revises_and_acceptance_completes_both(app, team, make, login_as):
    a, b = team["people"]["A"], team["people"]["B"]
    cohort, exercise = team["cohort"], team["group_work"]
    client_a, client_b, mentor = login_as(a), login_as(b), login_as(team["mentor"])

    page = client_a.get(f"/cohorts/{cohort.id}/exercises/{exercise.id}").get_data(as_text=True)
    assert "班で1つ提出します" in page and "1班" in page and "受講者B" in page
    file, name = make.pdf_file()
    assert _submit(client_a, cohort, exercise, "# 班の初版", attachments=[(file, name)]).status_code == 302

    # B sees the group's submission (with who sent it) and sends the next version of the same submission.
    page_b = client_b.get(f"/cohorts/{cohort.id}/exercises/{exercise.id}").get_data(as_text=True)
    assert "班の初版" in page_b and "提出者: 受講者A" in page_b
    submission = db.session.scalar(select(Submission).where(Submission.exercise_id == exercise.id))
    attachment_id = submission.versions[0].attachments[0].id
    assert _status(client_b, f"/attachments/{attachment_id}") == 200
    assert _submit(client_b, cohort, exercise, "# 班の第2版", keep_attachment=str(attachment_id)).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    assert submission.group_id == team["first"].id
    assert [(v.number, v.submitted_by_id) for v in submission.versions] == [(1, a.id), (2, b.id)]

    queue = mentor.get("/review/").get_data(as_text=True)
    assert "班「1班」" in queue
    review = mentor.get(f"/review/submissions/{submission.id}").get_data(as_text=True)
    assert "1班の班の提出物" in review and "提出者: 受講者B" in review
    latest = submission.versions[-1]
    data = {"version_id": str(latest.id), "feedback": "よくできています。", "accept": "1", **make.scores(exercise)}
    assert mentor.post(f"/review/submissions/{submission.id}", data=data).status_code == 302

    # The other exercise is each learner's own: accepting it completes the module for each of them.
    for name in "AB":
        _accept(_submit_service(app, team["enrolments"][name], team["own_work"]), team["mentor"])
    commit(db.session)  # runs what waits for the commit: the badges are issued after it
    records = db.session.scalars(select(CompletionRecord).order_by(CompletionRecord.enrolment_id)).all()
    assert [r.enrolment.user_id for r in records] == [a.id, b.id]
    for record in records:
        assert latest in record.accepted_versions
    assert "合格" in client_b.get(f"/cohorts/{cohort.id}/exercises/{exercise.id}").get_data(as_text=True)
    # The badge's evidence names the group work and its members.
    from app.badges.models import Credential
    credential = db.session.scalar(select(Credential).where(Credential.completion_record_id == records[1].id))
    assert "班で提出: 1班（受講者A、受講者B）" in json.dumps(json.loads(credential.ob3_json), ensure_ascii=False)


def test_accepted_group_work_completes_every_member_at_once(app, team):
    for name in "AB":
        _accept(_submit_service(app, team["enrolments"][name], team["own_work"]), team["mentor"])
    _accept(_submit_service(app, team["enrolments"]["A"], team["group_work"]), team["mentor"])
    db.session.commit()
    completed = set(db.session.scalars(select(CompletionRecord.enrolment_id)))
    assert completed == {team["enrolments"]["A"].id, team["enrolments"]["B"].id}


def test_a_withdrawn_member_does_not_complete_through_the_group_work(app, team):
    d = team["enrolments"]["D"]
    groups.place_learners(db.session, team["cohort"], {d.id: team["first"].id}, team["organizer"])
    _accept(_submit_service(app, d, team["own_work"]), team["mentor"])
    withdraw(db.session, d, team["organizer"], utcnow())
    _accept(_submit_service(app, team["enrolments"]["A"], team["group_work"]), team["mentor"])
    db.session.commit()
    assert db.session.scalar(select(CompletionRecord).where(CompletionRecord.enrolment_id == d.id)) is None


def test_a_group_deliverable_accepted_is_closed_for_every_member(app, team):
    _accept(_submit_service(app, team["enrolments"]["A"], team["group_work"]), team["mentor"])
    db.session.commit()
    with pytest.raises(submissions.AlreadyAccepted):
        _submit_service(app, team["enrolments"]["B"], team["group_work"])


def test_each_group_has_its_own_submission(app, team):
    _submit_service(app, team["enrolments"]["A"], team["group_work"])
    _submit_service(app, team["enrolments"]["C"], team["group_work"])
    db.session.commit()
    owners = dict(db.session.execute(select(Submission.group_id, Submission.enrolment_id)).all())
    assert owners == {team["first"].id: team["enrolments"]["A"].id, team["second"].id: team["enrolments"]["C"].id}


def test_a_learner_of_another_group_gets_404_for_the_group_work(app, team, make, login_as):
    cohort, exercise = team["cohort"], team["group_work"]
    file, name = make.pdf_file()
    assert _submit(login_as(team["people"]["A"]), cohort, exercise, "1班の回答", attachments=[(file, name)]).status_code == 302
    attachment = db.session.scalar(select(SubmissionVersion)).attachments[0]
    other = login_as(team["people"]["C"])
    assert _status(other, f"/attachments/{attachment.id}") == 404
    assert "1班の回答" not in other.get(f"/cohorts/{cohort.id}/exercises/{exercise.id}").get_data(as_text=True)
    assert _status(login_as(team["mentor"]), f"/attachments/{attachment.id}") == 200


def test_a_learner_in_no_group_is_told_why_and_cannot_submit(app, team, login_as):
    cohort, exercise = team["cohort"], team["group_work"]
    client = login_as(team["people"]["D"])
    message = "この課題は班で提出しますが、あなたはまだどの班にも入っていません。"
    page = client.get(f"/cohorts/{cohort.id}/exercises/{exercise.id}").get_data(as_text=True)
    assert message in page and 'id="answer-form"' not in page
    response = _submit(client, cohort, exercise, "ひとりの回答")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Submission.id))) == 0
    with pytest.raises(submissions.NotInGroup):
        _submit_service(app, team["enrolments"]["D"], exercise)


def test_a_member_who_joins_later_sees_the_group_submission(app, team, login_as):
    _submit_service(app, team["enrolments"]["A"], team["group_work"], "先に提出した版")
    groups.place_learners(db.session, team["cohort"], {team["enrolments"]["D"].id: team["first"].id}, team["organizer"])
    db.session.commit()
    page = login_as(team["people"]["D"]).get(
        f"/cohorts/{team['cohort'].id}/exercises/{team['group_work'].id}").get_data(as_text=True)
    assert "先に提出した版" in page and "受講者D" in page


def test_module_page_shows_the_learners_group_and_its_mentor(app, team, login_as):
    groups.set_group_mentors(db.session, team["first"], {team["mentor"].id}, team["organizer"])
    db.session.commit()
    page = login_as(team["people"]["B"]).get(f"/cohorts/{team['cohort'].id}/").get_data(as_text=True)
    assert "あなたの班: 1班" in page and "受講者A、受講者B" in page and "メンター" in page and "班で提出" in page


def test_moving_to_another_cohort_leaves_the_group(app, team, make):
    target = make.cohort(team["cohort"].module_version)
    move(db.session, team["enrolments"]["A"], target, team["organizer"], utcnow())
    db.session.commit()
    assert db.session.scalar(select(GroupMembership).where(
        GroupMembership.enrolment_id == team["enrolments"]["A"].id)) is None


# --- content: the module file's key ---

@pytest.mark.parametrize("value, error", [
    ('"yes"', "'group_deliverable' must be true or false"),
    ("1", "'group_deliverable' must be true or false"),
])
def test_module_file_refuses_a_group_deliverable_that_is_not_true_or_false(tmp_path, value, error):
    root = tmp_path / "exercises"
    shutil.copytree(CONTENT, root / CONTENT.name)
    path = root / CONTENT.name / "02-plan" / "exercise.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("weight = 2", f"weight = 2\ngroup_deliverable = {value}"),
                    encoding="utf-8")
    errors = [str(e) for e in load_all(root)[1]]
    assert any(f"{CONTENT.name}/02-plan/exercise.toml:3: {error}" in e for e in errors), errors


def test_module_file_declares_a_group_deliverable(tmp_path):
    root = tmp_path / "exercises"
    shutil.copytree(CONTENT, root / CONTENT.name)
    path = root / CONTENT.name / "02-plan" / "exercise.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("weight = 2", "weight = 2\ngroup_deliverable = true"),
                    encoding="utf-8")
    specs, errors = load_all(root)
    assert errors == []
    assert [e.is_group_deliverable for e in specs[0].exercises] == [False, True]


# --- the organizer's groups page ---

def test_organizer_creates_renames_and_places_learners(app, team, login_as):
    client, cohort = login_as(team["organizer"]), team["cohort"]
    page = client.get(f"/manage/cohorts/{cohort.id}/groups").get_data(as_text=True)
    assert "1班" in page and "受講者D" in page
    assert "班「3班」を作成しました。" in _flash(client, client.post(f"/manage/cohorts/{cohort.id}/groups/new",
                                                                   data={"name": " 3班 "}))
    third = db.session.scalar(select(CohortGroup).where(CohortGroup.name == "3班"))
    assert "班の名前を「三班」に変更しました。" in _flash(client, client.post(
        f"/manage/cohorts/{cohort.id}/groups/{third.id}/rename", data={"name": "三班"}))
    d = team["enrolments"]["D"]
    assert "1人の班を変更しました。" in _flash(client, client.post(
        f"/manage/cohorts/{cohort.id}/groups/placements",
        data={f"group_{d.id}": str(third.id), f"group_{team['enrolments']['A'].id}": str(team["first"].id)}))
    assert db.session.scalar(select(GroupMembership.group_id).where(GroupMembership.enrolment_id == d.id)) == third.id


@pytest.mark.parametrize("path, data, message", [
    ("new", {"name": "1班"}, "この受講期には同じ名前の班がすでにあります。"),
    ("new", {"name": ""}, "班の名前を入力してください。"),
    ("new", {"name": "班" * 101}, "100"),
    ("{second}/rename", {"name": "1班"}, "この受講期には同じ名前の班がすでにあります。"),
    ("placements", {"group_{D}": "{other_group}"}, "その班はこの受講期にありません。"),
    ("placements", {"group_{D}": "abc"}, "その班はこの受講期にありません。"),
    ("placements", {"group_{other_enrolment}": "{second}"}, "その受講者はこの受講期に登録されていません。"),
    ("{second}/mentors", {"g{second}-mentor_ids": "{outsider}"}, "班を担当できるのは、この受講期のメンターだけです。"),
])
def test_refused_group_changes_say_why_and_change_nothing(app, team, make, login_as, path, data, message):
    other = make.cohort(make.module_version(exercises=1), learners=[make.user(Role.LEARNER)])
    other_group = groups.create_group(db.session, other, "1班", team["organizer"])
    outsider = make.user(Role.MENTOR)
    db.session.commit()
    values = {"second": team["second"].id, "D": team["enrolments"]["D"].id, "other_group": other_group.id,
              "other_enrolment": other.enrolments[0].id, "outsider": outsider.id}
    data = {k.format(**values): v.format(**values) for k, v in data.items()}
    before = [(g.id, g.name) for g in db.session.scalars(select(CohortGroup).order_by(CohortGroup.id))]
    members = db.session.execute(select(GroupMembership.enrolment_id, GroupMembership.group_id)
                                 .order_by(GroupMembership.id)).all()
    client = login_as(team["organizer"])
    page = _flash(client, client.post(f"/manage/cohorts/{team['cohort'].id}/groups/{path.format(**values)}", data=data))
    assert message in page
    db.session.expire_all()
    assert [(g.id, g.name) for g in db.session.scalars(select(CohortGroup).order_by(CohortGroup.id))] == before
    assert db.session.execute(select(GroupMembership.enrolment_id, GroupMembership.group_id)
                              .order_by(GroupMembership.id)).all() == members
    assert db.session.scalar(select(func.count(GroupMentor.id))) == 0


@pytest.mark.parametrize("data", [{}, {"confirm": "1"}, {"confirm": "no"}])
def test_deleting_a_group_asks_first_and_an_unconfirmed_post_deletes_nothing(app, team, login_as, data):
    """The shared confirmation step (ConfirmForm, danger_zone): only its red button sends confirm=yes."""
    client, cohort, group = login_as(team["organizer"]), team["cohort"], team["second"]
    index = client.get(f"/manage/cohorts/{cohort.id}/groups").get_data(as_text=True)
    url = f"/manage/cohorts/{cohort.id}/groups/{group.id}/delete"
    assert f'href="{url}"' in index
    for page in (client.get(url), client.post(url, data=data)):
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "班「2班」を削除しますか？" in body and 'name="confirm" value="yes"' in body
        assert "button--danger" in body and f'href="/manage/cohorts/{cohort.id}/groups"' in body
    db.session.expire_all()
    assert db.session.get(CohortGroup, group.id) is not None


def test_a_group_with_work_is_not_deleted_and_an_empty_one_is(app, team, login_as):
    _submit_service(app, team["enrolments"]["A"], team["group_work"])
    db.session.commit()
    client, cohort = login_as(team["organizer"]), team["cohort"]
    page = _flash(client, client.post(f"/manage/cohorts/{cohort.id}/groups/{team['first'].id}/delete",
                                      data={"confirm": "yes"}))
    assert "この班には提出物があるため削除できません。" in page
    page = _flash(client, client.post(f"/manage/cohorts/{cohort.id}/groups/{team['second'].id}/delete",
                                      data={"confirm": "yes"}))
    assert "班「2班」を削除しました。" in page
    db.session.expire_all()
    assert [g.name for g in db.session.scalars(select(CohortGroup))] == ["1班"]
    assert db.session.scalar(select(GroupMembership).where(
        GroupMembership.enrolment_id == team["enrolments"]["C"].id)) is None


def test_group_mentors_are_chosen_from_the_cohorts_mentors(app, team, login_as):
    client, cohort, group = login_as(team["organizer"]), team["cohort"], team["first"]
    page = _flash(client, client.post(f"/manage/cohorts/{cohort.id}/groups/{group.id}/mentors",
                                      data={f"g{group.id}-mentor_ids": str(team["mentor"].id)}))
    assert "班「1班」の担当メンターを保存しました。" in page
    assert db.session.scalar(select(func.count(GroupMentor.id)).where(GroupMentor.group_id == group.id)) == 1


# --- filters and the mentor load ---

def test_queue_filters_by_group_and_a_group_mentor_starts_on_their_group(app, team, login_as):
    _submit_service(app, team["enrolments"]["A"], team["group_work"], "1班の回答")
    _submit_service(app, team["enrolments"]["C"], team["group_work"], "2班の回答")
    _submit_service(app, team["enrolments"]["D"], team["own_work"], "Dの回答")
    db.session.commit()
    client = login_as(team["mentor"])
    everything = client.get("/review/").get_data(as_text=True)
    assert all(name in everything for name in ("受講者A", "受講者C", "受講者D"))
    only_second = client.get(f"/review/?group={team['second'].id}").get_data(as_text=True)
    assert "受講者C" in only_second and "受講者A" not in only_second and "受講者D" not in only_second

    groups.set_group_mentors(db.session, team["first"], {team["mentor"].id}, team["organizer"])
    db.session.commit()
    preselected = client.get("/review/").get_data(as_text=True)
    assert "受講者A" in preselected and "受講者C" not in preselected
    whole = client.get("/review/?group=").get_data(as_text=True)
    assert "受講者C" in whole and "受講者D" in whole


def test_progress_table_filters_by_group_and_shows_group_work_in_each_members_row(app, team, login_as):
    _submit_service(app, team["enrolments"]["A"], team["group_work"])
    db.session.commit()
    client = login_as(team["organizer"])
    page = client.get(f"/manage/progress/cohorts/{team['cohort'].id}?group={team['first'].id}").get_data(as_text=True)
    assert "受講者A" in page and "受講者B" in page and "受講者C" not in page and "受講者D" not in page
    from app.progress.queries import Filters, cohort_progress
    table = cohort_progress(db.session, team["cohort"], locale="ja", now=utcnow(),
                            filters=Filters(group_id=team["first"].id))
    assert [row.cells[0].state for row in table.rows] == ["awaiting_review", "awaiting_review"]


def test_progress_counts_and_status_filters_count_group_work_for_every_member(app, team):
    from app.progress.queries import Filters, LearnerFilter, cohort_progress

    def names(status):
        table = cohort_progress(db.session, team["cohort"], locale="ja", now=utcnow(), filters=Filters(status=status))
        return sorted(row.display_name for row in table.rows)

    version = _submit_service(app, team["enrolments"]["A"], team["group_work"])
    db.session.commit()
    assert names(LearnerFilter.AWAITING_REVIEW) == ["受講者A", "受講者B"]
    assert names(LearnerFilter.NOTHING_SUBMITTED) == ["受講者C", "受講者D"]
    table = cohort_progress(db.session, team["cohort"], locale="ja", now=utcnow())
    assert (table.columns[0].waiting, table.columns[0].accepted) == (2, 0)

    _accept(version, team["mentor"])
    db.session.commit()
    table = cohort_progress(db.session, team["cohort"], locale="ja", now=utcnow())
    assert (table.columns[0].waiting, table.columns[0].accepted) == (0, 2)
    assert names(LearnerFilter.AWAITING_REVIEW) == []


def test_mentor_load_shows_cohorts_groups_waiting_work_and_recent_reviews(app, team, login_as):
    groups.set_group_mentors(db.session, team["first"], {team["mentor"].id}, team["organizer"])
    _accept(_submit_service(app, team["enrolments"]["A"], team["own_work"]), team["mentor"])
    _submit_service(app, team["enrolments"]["B"], team["own_work"])
    _submit_service(app, team["enrolments"]["C"], team["own_work"])
    db.session.commit()
    from app.progress.mentor_load import mentor_loads
    load = next(m for m in mentor_loads(db.session, utcnow()) if m.mentor.id == team["mentor"].id)
    assert (load.cohorts, load.groups, load.waiting, load.recent_reviews) == (
        [team["cohort"].name], [f"{team['cohort'].name}: 1班"], 2, 1)
    page = login_as(team["organizer"]).get("/manage/progress/mentors").get_data(as_text=True)
    assert "メンターの担当状況" in page and "メンター" in page
