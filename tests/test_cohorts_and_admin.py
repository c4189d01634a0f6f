"""Organizer and admin pages: cohorts, enrolment, mentors, progress, users and organizations."""

import io

import pytest
from sqlalchemy import func, select

from app.auth.models import AuditEntry, Organization, Role, User
from app.cohorts.models import Cohort, Enrolment, MentorAssignment
from app.extensions import db


@pytest.fixture
def organizer(make, login_as):
    client = login_as(make.user(Role.ORGANIZER))
    client.post("/language", data={"locale": "en"})
    return client


def _cohort_form(version, starts="2027-04-01", ends="2027-06-30", due="2027-05-15", name="2027年度 第1期"):
    data = {"name": name, "starts_on": starts, "ends_on": ends}
    data.update({f"due_{e.id}": due for e in version.exercises})
    return data


def test_organizer_creates_a_cohort_with_due_dates(organizer, make):
    version = make.module_version(exercises=2)
    response = organizer.post(f"/manage/cohorts/new/{version.id}", data=_cohort_form(version))
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    assert cohort.module_version_id == version.id
    # Dates are whole days in Japan time, stored in UTC.
    assert cohort.starts_at.isoformat() == "2027-03-31T15:00:00+00:00"
    assert cohort.ends_at.isoformat() == "2027-06-30T14:59:59+00:00"
    assert {s.due_at.isoformat() for s in cohort.schedule} == {"2027-05-15T14:59:59+00:00"}
    assert db.session.scalar(select(AuditEntry.action)) == "cohort.create"


@pytest.mark.parametrize("overrides, message", [
    ({"ends_on": "2027-03-01"}, "The end date must be on or after the start date."),
    ({"due": "2027-08-01"}, "The due date must be between the start and end dates."),
    ({"name": ""}, "Enter a name for the cohort."),
    ({"starts": "not-a-date"}, "Not a valid date value."),
    ({"starts": ""}, "Enter the start date."),
])
def test_bad_cohort_input_is_refused(organizer, make, overrides, message):
    version = make.module_version(exercises=1)
    data = _cohort_form(version, **{k: v for k, v in overrides.items() if k in ("starts", "due", "name")})
    data.update({k: v for k, v in overrides.items() if k == "ends_on"})
    response = organizer.post(f"/manage/cohorts/new/{version.id}", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(func.count(Cohort.id))) == 0


def test_enrolment_reports_each_address_it_could_not_enrol(organizer, make):
    group = make.cohort()
    learner = make.user(Role.LEARNER, email="ok@example.jp")
    make.user(Role.MENTOR, email="mentor@example.jp")
    response = organizer.post(f"/manage/cohorts/{group.id}/enrol",
                              data={"emails": "OK@example.jp\nmentor@example.jp\nnobody@example.jp\n"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nobody@example.jp: no account has this address" in page
    assert "mentor@example.jp: this account is not a learner account." in page
    assert "Nobody was enrolled" in page
    assert db.session.scalars(select(Enrolment.user_id)).all() == []
    organizer.post(f"/manage/cohorts/{group.id}/enrol", data={"emails": "ok@example.jp"})
    again = organizer.post(f"/manage/cohorts/{group.id}/enrol", data={"emails": "ok@example.jp"}, follow_redirects=True)
    assert "Already enrolled: ok@example.jp" in again.get_data(as_text=True)
    assert db.session.scalars(select(Enrolment.user_id)).all() == [learner.id]


def test_empty_enrolment_is_refused(organizer, make):
    group = make.cohort()
    response = organizer.post(f"/manage/cohorts/{group.id}/enrol", data={"emails": ""})
    assert response.status_code == 422 and "Enter at least one email address." in response.get_data(as_text=True)


def test_assign_and_remove_a_mentor(organizer, make):
    group = make.cohort()
    mentor = make.user(Role.MENTOR)
    assert organizer.post(f"/manage/cohorts/{group.id}/mentors", data={"mentor_id": mentor.id}).status_code == 302
    assert db.session.scalar(select(MentorAssignment.user_id)) == mentor.id
    learner = make.user(Role.LEARNER)
    response = organizer.post(f"/manage/cohorts/{group.id}/mentors", data={"mentor_id": learner.id})
    assert response.status_code == 422 and "Not a valid choice" in response.get_data(as_text=True)
    organizer.post(f"/manage/cohorts/{group.id}/mentors/{mentor.id}/remove")
    assert db.session.scalar(select(func.count(MentorAssignment.id))) == 0


def test_progress_table_shows_each_learner_and_exercise(organizer, make):
    learners = [make.user(Role.LEARNER, name=n) for n in ("青木", "井上")]
    group = make.cohort(make.module_version(exercises=3), learners=learners)
    page = organizer.get(f"/manage/progress/cohorts/{group.id}").get_data(as_text=True)
    assert "青木" in page and "井上" in page and page.count("Not started") == 6


@pytest.mark.parametrize("role", [Role.LEARNER, Role.MENTOR])
def test_learners_and_mentors_cannot_manage_cohorts(make, login_as, role):
    group = make.cohort()
    client = login_as(make.user(role))
    for path in ("/manage/cohorts/", f"/manage/cohorts/{group.id}", f"/manage/cohorts/new/{group.module_version_id}"):
        assert client.get(path).status_code == 403
    assert client.post(f"/manage/cohorts/{group.id}/enrol", data={"emails": "a@example.jp"}).status_code == 403
    # Mentors read the progress table of their own cohorts only (tests/test_selfenrol.py): this is not one.
    progress = client.get(f"/manage/progress/cohorts/{group.id}").status_code
    assert progress == (404 if role == Role.MENTOR else 403)


def test_unknown_cohort_is_404(organizer):
    assert organizer.get("/manage/cohorts/99999").status_code == 404
    assert organizer.get("/manage/progress/cohorts/99999").status_code == 404
    assert organizer.get("/manage/cohorts/new/99999").status_code == 404


@pytest.fixture
def admin(make, login_as):
    client = login_as(make.user(Role.ADMIN, email="root@example.jp"))
    client.post("/language", data={"locale": "en"})
    return client


def test_admin_creates_a_user_and_gets_an_invitation_link(admin, tmp_path):
    response = admin.post("/admin/users/new", data={"email": "New.Person@example.jp", "display_name": "新人",
                                                    "role": "learner", "organization_id": ""})
    assert response.status_code == 200 and "/invitation/" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "new.person@example.jp"))
    assert user.password_hash is None
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


@pytest.mark.parametrize("data, message", [
    ({"email": "ROOT@example.jp"}, "An account with this email address already exists."),
    ({"email": "not-an-email"}, "Enter a valid email address."),
    ({"display_name": ""}, "Enter the person's name."),
    ({"role": "superuser"}, "Not a valid choice"),
])
def test_bad_user_input_is_refused(admin, data, message):
    form = {"email": "x@example.jp", "display_name": "名前", "role": "learner", "organization_id": "", **data}
    response = admin.post("/admin/users/new", data=form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_admin_edits_a_user_and_the_change_is_audited(admin, make):
    user = make.user(Role.LEARNER)
    response = admin.post(f"/admin/users/{user.id}", data={"display_name": "改名", "role": "mentor",
                                                           "organization_id": "", "is_active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (user.display_name, user.role) == ("改名", "mentor")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.update"))
    assert entry.before["role"] == "learner" and entry.after["role"] == "mentor"


def test_admin_cannot_remove_own_admin_rights(admin):
    me = db.session.scalar(select(User).where(User.email == "root@example.jp"))
    response = admin.post(f"/admin/users/{me.id}", data={"display_name": "x", "role": "learner",
                                                         "organization_id": "", "is_active": "y"})
    assert response.status_code == 422 and "cannot remove your own administrator rights" in response.get_data(as_text=True)


def test_admin_adds_an_organization(admin):
    response = admin.post("/admin/organizations", data={"name_ja": "北海道大学", "name_en": "Hokkaido University",
                                                        "kind": "university", "parent_id": ""})
    assert response.status_code == 302
    assert db.session.scalar(select(Organization.name_en)) == "Hokkaido University"
    refused = admin.post("/admin/organizations", data={"name_ja": "", "name_en": "x", "kind": "university",
                                                       "parent_id": ""})
    assert refused.status_code == 422 and "Enter the Japanese name." in refused.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.LEARNER, Role.MENTOR, Role.ORGANIZER])
def test_only_admins_manage_users(make, login_as, role):
    client = login_as(make.user(role))
    for path in ("/admin/users", "/admin/users/new", "/admin/organizations"):
        assert client.get(path).status_code == 403


def test_municipalities_seed_is_complete_and_idempotent(app):
    from app.auth.services import load_municipalities
    assert load_municipalities(db.session) == (14, 179)
    assert load_municipalities(db.session) == (14, 179)
    db.session.commit()
    assert db.session.scalar(select(func.count(Organization.id))) == 193
    sapporo = db.session.scalar(select(Organization).where(Organization.code == "011002"))
    assert sapporo.name_ja == "札幌市" and sapporo.parent.name_ja == "石狩振興局"
    kushiro = db.session.scalar(select(Organization).where(Organization.name_ja == "釧路総合振興局"))
    assert len(kushiro.children) == 8


def _import(client, group, text: str | bytes, name: str = "participants.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(f"/manage/cohorts/{group.id}/import", data={"participants": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("data, message", [
    (b"\x00\x01\x02\xff\xfe\x00binary", "The file is not a text CSV file."),
    ("name,code\n佐藤,1\n", "The first line must name the columns"),
    ("email,name\n\n", "The file has a header but no participants."),
    ("", "The first line must name the columns"),
])
def test_unreadable_participant_files_are_refused(organizer, make, data, message):
    group = make.cohort()
    response = _import(organizer, group, data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0


def test_csv_import_needs_a_file(organizer, make):
    group = make.cohort()
    response = organizer.post(f"/manage/cohorts/{group.id}/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose the CSV file of participants." in response.get_data(as_text=True)


def test_sample_participants_file_downloads(organizer):
    response = organizer.get("/manage/cohorts/participants-sample.csv")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.decode("utf-8-sig").startswith("email,name,municipality_code")
