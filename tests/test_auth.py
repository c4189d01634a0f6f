"""Signing in, invitations and password resets, and what they refuse."""

import email
import email.policy
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from app import config
from app.auth import passwords, services
from app.auth.models import Role, User
from app.auth.tokens import TokenExpired, TokenInvalid, TokenPurpose
from app.extensions import db
from tests.conftest import TEST_PASSWORD_HASHING
from tests.factories import PASSWORD


def test_login_with_the_right_password_opens_the_dashboard(client, make):
    user = make.user(Role.LEARNER, email="taro@example.jp")
    response = client.post("/login", data={"email": "Taro@Example.JP ", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/").status_code == 200
    assert db.session.get(User, user.id).last_login_at is not None


@pytest.mark.parametrize("email, password", [("taro@example.jp", "wrong-password"), ("nobody@example.jp", PASSWORD)])
def test_wrong_credentials_are_refused_with_one_message(client, make, email, password):
    make.user(email="taro@example.jp")
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 200
    assert "メールアドレスまたはパスワードが正しくありません" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_empty_login_form_shows_field_errors(client):
    client.post("/language", data={"locale": "en"})
    page = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email address." in page and "Enter your password." in page
    assert 'aria-invalid="true"' in page


def test_deactivated_account_cannot_sign_in(client, make):
    make.user(email="gone@example.jp", is_active_account=False)
    assert client.post("/login", data={"email": "gone@example.jp", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "/\t/evil.example/", "javascript:alert(1)", "evil.example"])
def test_login_does_not_redirect_to_other_sites(client, make, target):
    user = make.user()
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.location == "/"


def test_login_goes_back_to_the_page_of_this_site_it_was_asked_for(client, make):
    user = make.user()
    response = client.post("/login", query_string={"next": "/cohorts/3?tab=progress"},
                           data={"email": user.email, "password": PASSWORD})
    assert response.location == "/cohorts/3?tab=progress"


def test_logout_requires_post_and_signs_out(client, make, login_as):
    client = login_as(make.user())
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_emails_are_unique_case_insensitively(app, make):
    make.user(email="hanako@example.jp")
    with pytest.raises(services.EmailTaken):
        services.create_user(db.session, email="HANAKO@example.jp", display_name="x", role=Role.LEARNER,
                             organization_id=None, actor=None)


def test_database_refuses_upper_case_email(app, make):
    db.session.add(User(email="Upper@example.jp", display_name="x", role="learner"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_passwords_are_hashed_with_argon2(app, make):
    user = services.create_user(db.session, email="a@example.jp", display_name="a", role=Role.LEARNER,
                                organization_id=None, actor=None, password="long-enough-pw")
    assert user.password_hash.startswith("$argon2id$")


@pytest.fixture
def production_hashing(app_with):
    """An app hashing at the default cost; the suite's own cheap profile is back afterwards."""
    try:
        yield app_with(PASSWORD_HASHING=config.PASSWORD_HASHING)
    finally:
        passwords.use_profile(TEST_PASSWORD_HASHING)


def test_the_default_cost_is_memory_hard(production_hashing):
    # argon2id, 64 MiB, 3 passes, 4 lanes: RFC 9106's second recommended option.
    assert passwords.hash_password("long-enough-pw").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_a_hash_made_at_a_lower_cost_is_upgraded_at_sign_in(production_hashing, make):
    user = make.user(email="taro@example.jp")
    assert "m=65536" not in user.password_hash
    production_hashing.test_client().post("/login", data={"email": "taro@example.jp", "password": PASSWORD})
    db.session.rollback()
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(upgraded, PASSWORD)


def test_an_unknown_hashing_profile_stops_the_app_at_start(app_with):
    with pytest.raises(RuntimeError, match="PASSWORD_HASHING must be one of"):
        app_with(PASSWORD_HASHING="FAST")


def test_invitation_link_sets_password_once(app, client, make):
    user = make.user(email="new@example.jp", password_hash=None)
    token = services.invitation_link_token(user, app.config["SECRET_KEY"])
    assert "new@example.jp" in client.get(f"/invitation/{token}").get_data(as_text=True)
    response = client.post(f"/invitation/{token}", data={"password": "a-new-password", "confirm": "a-new-password"})
    assert response.status_code == 302
    assert services.authenticate(db.session, "new@example.jp", "a-new-password", user.created_at) is not None
    reused = app.test_client().post(f"/invitation/{token}", data={"password": "another-one!", "confirm": "another-one!"})
    assert reused.status_code == 400
    assert services.authenticate(db.session, "new@example.jp", "another-one!", user.created_at) is None


def test_expired_token_is_refused(app, client, make):
    user = make.user(password_hash=None)
    token = services.invitation_link_token(user, app.config["SECRET_KEY"])
    app.config["INVITATION_MAX_AGE"] = -1
    client.post("/language", data={"locale": "en"})
    response = client.get(f"/invitation/{token}")
    assert response.status_code == 400 and "The link has expired." in response.get_data(as_text=True)
    with pytest.raises(TokenExpired):
        services.user_for_token(db.session, token, TokenPurpose.INVITATION, app.config["SECRET_KEY"], -1)


def test_tampered_or_wrong_purpose_token_is_refused(app, make):
    user = make.user()
    token = services.password_reset_token(user, app.config["SECRET_KEY"])
    for bad, purpose in ((token[:-2] + "xx", TokenPurpose.PASSWORD_RESET), (token, TokenPurpose.INVITATION)):
        with pytest.raises(TokenInvalid):
            services.user_for_token(db.session, bad, purpose, app.config["SECRET_KEY"], 3600)


def test_mismatched_or_short_password_is_refused(app, client, make):
    user = make.user(password_hash=None)
    token = services.invitation_link_token(user, app.config["SECRET_KEY"])
    client.post("/language", data={"locale": "en"})
    page = client.post(f"/invitation/{token}", data={"password": "short", "confirm": "other"}).get_data(as_text=True)
    assert "Use at least 10 characters." in page and "The two passwords are not the same." in page
    assert db.session.get(User, user.id).password_hash is None


def _mailed_bodies(outbox: Path) -> list[str]:
    return [email.message_from_bytes(mail.read_bytes(), policy=email.policy.default).get_content()
            for mail in sorted(outbox.glob("*.eml"))]


def _mailed_links(outbox: Path) -> list[str]:
    return [word for body in _mailed_bodies(outbox) for word in body.split() if word.startswith("http")]


def test_password_reset_mail_and_link(app, client, make, tmp_path):
    make.user(email="forgot@example.jp")
    response = client.post("/password/forgot", data={"email": "forgot@example.jp"})
    assert response.status_code == 302
    [link] = _mailed_links(tmp_path / "outbox")
    assert link.startswith("http://127.0.0.1:5000/password/reset/")
    path = link.removeprefix("http://127.0.0.1:5000")
    assert client.post(path, data={"password": "brand-new-pass", "confirm": "brand-new-pass"}).status_code == 302
    assert app.test_client().post(path, data={"password": "again-new-pass", "confirm": "again-new-pass"}).status_code == 400


def test_mails_and_the_invitation_page_say_how_long_links_work_as_configured(app_with, make, tmp_path):
    from tests.conftest import login
    app = app_with(PASSWORD_RESET_MAX_AGE=30 * 60, INVITATION_MAX_AGE=3 * 24 * 3600)
    make.user(email="forgot@example.jp")
    client = app.test_client()
    client.post("/language", data={"locale": "en"})
    assert client.post("/password/forgot", data={"email": "forgot@example.jp"}).status_code == 302
    admin = login(app.test_client(), make.user(Role.ADMIN, locale="en"))
    admin.post("/language", data={"locale": "en"})
    page = admin.post("/admin/users/new", data={"email": "new@example.jp", "display_name": "New", "role": "learner",
                                                "organization_id": ""}).get_data(as_text=True)
    assert "it works once, for 3 days:" in page
    reset, invitation = _mailed_bodies(tmp_path / "outbox")
    assert reset.startswith("Open this link within 30 minutes to choose a new password:")
    assert "新しいパスワード" not in reset and "3 日以内に次のリンクを開き" in invitation  # the invitee's language


def test_a_forged_host_header_is_refused_and_nothing_is_mailed(client, make, tmp_path):
    make.user(email="victim@example.jp")
    response = client.post("/password/forgot", data={"email": "victim@example.jp"},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert not (tmp_path / "outbox").exists()


def test_mailed_links_use_the_public_address_even_from_another_trusted_host(app_with, make, tmp_path):
    app = app_with(BASE_URL="https://enshu.example.jp/training", TRUSTED_HOSTS=["enshu.example.jp", "internal.lan"])
    make.user(email="forgot@example.jp")
    client = app.test_client()
    assert client.get("/login", base_url="http://localhost").status_code == 400
    response = client.post("/password/forgot", data={"email": "forgot@example.jp"}, base_url="http://internal.lan")
    assert response.status_code == 302
    [link] = _mailed_links(tmp_path / "outbox")
    assert link.startswith("https://enshu.example.jp/training/password/reset/")


def test_only_the_base_url_host_is_trusted_by_default(app_with):
    client = app_with(BASE_URL="https://enshu.example.jp").test_client()
    assert client.get("/login", base_url="https://enshu.example.jp").status_code == 200
    assert client.get("/login", base_url="http://127.0.0.1").status_code == 400


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(client, tmp_path):
    response = client.post("/password/forgot", data={"email": "nobody@example.jp"})
    assert response.status_code == 302
    assert not (tmp_path / "outbox").exists()


def test_csrf_is_required_on_forms(app_with, make):
    app = app_with(WTF_CSRF_ENABLED=True)
    user = make.user()
    response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert db.session.get(User, user.id).last_login_at is None


def test_language_switch_changes_the_page_language(client):
    assert '<html lang="ja">' in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "Sign in" in page
    client.post("/language", data={"locale": "xx"})
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
