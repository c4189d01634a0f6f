"""The learner's wallet, organizers revoking, administrators' issuers and keys."""

from sqlalchemy import func, select

from app.auth.models import Role
from app.badges.models import CredentialStatus
from app.extensions import db


def test_wallet_lists_own_badges_with_downloads_and_share_links(completed, login_as, make):
    learner, mentor, group, record, credential = completed
    client = login_as(learner)
    page = client.get("/wallet").get_data(as_text=True)
    assert f"/c/{credential.uuid}/badge.png" in page and f"/c/{credential.uuid}/credential.json" in page
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page
    stranger = login_as(make.user(Role.LEARNER))
    assert credential.uuid not in stranger.get("/wallet").get_data(as_text=True)
    assert stranger.post(f"/wallet/{credential.uuid}/settings",
                         data={f"c{credential.id}-display_name": "乗っ取り"}).status_code == 404


def test_learner_chooses_name_and_publishing_of_work(client, completed, login_as):
    learner, mentor, group, record, credential = completed
    slug = record.accepted_versions[0].submission.exercise.slug
    assert client.get(f"/c/{credential.uuid}/evidence/{slug}").status_code == 404
    login_as(learner).post(f"/wallet/{credential.uuid}/settings",
                           data={f"c{credential.id}-display_name": "Hanako S.", f"c{credential.id}-evidence_public": "y"})
    assert "Hanako S." in client.get(f"/c/{credential.uuid}").get_data(as_text=True)
    assert "の回答" in client.get(f"/c/{credential.uuid}/evidence/{slug}").get_data(as_text=True)


def test_organizer_revokes_with_a_reason(client, completed, make, login_as):
    credential = completed[4]
    organizer = login_as(make.user(Role.ORGANIZER))
    organizer.post("/language", data={"locale": "en"})
    refused = organizer.post(f"/manage/badges/{credential.uuid}/revoke", data={"reason": " "})
    assert refused.status_code == 422 and "Give the reason for revoking" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert credential.status == CredentialStatus.ISSUED
    assert organizer.post(f"/manage/badges/{credential.uuid}/revoke", data={"reason": "誤発行", "confirm": "yes"}).status_code == 302
    page = client.get(f"/c/{credential.uuid}").get_data(as_text=True)
    assert "誤発行" in page
    assert login_as(completed[0]).get("/manage/badges").status_code == 403


def test_issuers_page_only_reads(app_with, make, tmp_path):
    from app.badges.models import Issuer
    from tests.conftest import login
    app = app_with(KEYS_DIR=str(tmp_path / "keys"))
    admin = login(app.test_client(), make.user(Role.ADMIN))
    admin.post("/language", data={"locale": "en"})
    page = admin.get("/admin/issuers").get_data(as_text=True)
    assert "There is no issuer yet" in page
    assert db.session.scalar(select(func.count(Issuer.id))) == 0
    assert not (tmp_path / "keys").exists()
    assert app.test_cli_runner().invoke(args=["badges", "init"]).exit_code == 0
    page = admin.get("/admin/issuers").get_data(as_text=True)
    assert "Hokkaido Digital Talent Programme Office" in page and "There is no issuer yet" not in page
    assert len(list((tmp_path / "keys").iterdir())) == 1


def test_admin_rotates_keys_and_adds_an_issuer_for_an_organization(app, make, login_as, runner):
    from app.auth.models import Organization
    from app.badges.models import Issuer
    admin = login_as(make.user(Role.ADMIN))
    admin.post("/language", data={"locale": "en"})
    assert runner.invoke(args=["badges", "init"]).exit_code == 0
    assert "Badge issuers" in admin.get("/admin/issuers").get_data(as_text=True)
    admin.post("/admin/issuers/1/keys", data={"confirm": "yes"})
    assert [k.number for k in db.session.get(Issuer, 1).keys] == [1, 2]
    university = Organization(name_ja="北海道大学", name_en="Hokkaido University", kind="university")
    db.session.add(university)
    db.session.commit()
    data = {"organization_id": str(university.id), "name_ja": "北海道大学 DX講座", "name_en": "Hokkaido Univ. DX",
            "url": "https://www.hokudai.ac.jp/", "email": "dx@example.jp"}
    refused = admin.post("/admin/issuers", data={**data, "url": "not a url"})
    assert refused.status_code == 422 and "Enter a full address starting with https://." in refused.get_data(as_text=True)
    assert admin.post("/admin/issuers", data=data).status_code == 302
    again = admin.post("/admin/issuers", data=data)
    assert again.status_code == 422 and "already has an issuer profile" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Issuer.id))) == 2
    assert login_as(make.user(Role.ORGANIZER)).get("/admin/issuers").status_code == 403


def test_revoking_asks_first_and_a_post_without_the_confirmation_changes_nothing(completed, make, login_as):
    credential = completed[4]
    organizer = login_as(make.user(Role.ORGANIZER))
    organizer.post("/language", data={"locale": "en"})
    page = organizer.get(f"/manage/badges/{credential.uuid}/revoke").get_data(as_text=True)
    assert 'class="button button--danger"' in page and ">Cancel</a>" in page  # red, with a way back
    unconfirmed = organizer.post(f"/manage/badges/{credential.uuid}/revoke", data={"reason": "誤発行"})
    assert unconfirmed.status_code == 200 and "Revoking cannot be undone." in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert credential.status == CredentialStatus.ISSUED
