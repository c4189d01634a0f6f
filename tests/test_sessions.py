"""Sessions end when they should (logout, password change or reset, deactivation, an administrator's
sign-out), a new one starts clean at sign-in, and signed-in pages are neither cached nor sent over http."""

import re

from app.auth import services
from app.auth.models import AuditEntry, Role, User
from app.extensions import db
from tests.factories import PASSWORD


def _copy_of_session(app, client):
    """Another browser holding a copy of `client`'s session cookie (as a thief would)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _is_signed_in(client) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def _user(user_id: int) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def test_cookie_copied_before_logout_no_longer_works(app, make, login_as):
    client = login_as(make.user())
    thief = _copy_of_session(app, client)
    assert _is_signed_in(thief)
    client.post("/logout")
    assert not _is_signed_in(client)
    assert not _is_signed_in(thief)


def test_cookie_copied_before_password_reset_no_longer_works(app, make, login_as):
    user = make.user()
    thief = _copy_of_session(app, login_as(user))
    token = services.password_reset_token(user, app.config["SECRET_KEY"])
    owner = app.test_client()
    response = owner.post(f"/password/reset/{token}", data={"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302
    assert _is_signed_in(owner)
    assert not _is_signed_in(thief)


def test_password_change_keeps_this_browser_and_signs_out_the_others(app, make, login_as):
    user = make.user()
    client = login_as(user)
    thief = _copy_of_session(app, client)
    client.post("/language", data={"locale": "en"})
    response = client.post("/password", data={"current_password": PASSWORD, "password": "brand-new-pass",
                                              "confirm": "brand-new-pass"}, follow_redirects=True)
    assert "Your password is changed." in response.get_data(as_text=True)
    assert _is_signed_in(client)
    assert not _is_signed_in(thief)
    assert services.authenticate(db.session, user.email, "brand-new-pass", user.created_at) is not None


def test_password_change_refuses_a_wrong_current_password_in_the_users_language(app, make, login_as):
    user = make.user()
    client = login_as(user)
    thief = _copy_of_session(app, client)
    data = {"current_password": "not-my-password", "password": "brand-new-pass", "confirm": "brand-new-pass"}
    response = client.post("/password", data=data)
    assert response.status_code == 422
    assert "現在のパスワードが正しくありません。" in response.get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    assert "The current password is not correct." in client.post("/password", data=data).get_data(as_text=True)
    assert _is_signed_in(thief)
    assert services.authenticate(db.session, user.email, PASSWORD, user.created_at) is not None


def test_deactivation_ends_sessions_for_good(app, make, login_as):
    admin, user = make.user(Role.ADMIN), make.user()
    client = login_as(user)
    admin_client = login_as(admin)
    form = {"display_name": user.display_name, "role": "learner", "organization_id": ""}
    assert admin_client.post(f"/admin/users/{user.id}", data=form).status_code == 302  # is_active unticked
    assert not _is_signed_in(client)
    assert admin_client.post(f"/admin/users/{user.id}", data={**form, "is_active": "y"}).status_code == 302
    assert _user(user.id).is_active_account
    assert not _is_signed_in(client)  # reactivated, but the old cookie stays dead


def test_admin_signs_a_user_out_on_every_device(app, make, login_as):
    admin, user = make.user(Role.ADMIN), make.user()
    client, other_device = login_as(user), login_as(user)
    admin_client = login_as(admin)
    admin_client.post("/language", data={"locale": "en"})
    response = admin_client.post(f"/admin/users/{user.id}/sign-out", follow_redirects=True)
    assert f"{user.display_name} is signed out on every device." in response.get_data(as_text=True)
    assert not _is_signed_in(client) and not _is_signed_in(other_device)
    assert _is_signed_in(admin_client)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.sign_out_everywhere"))
    assert (entry.actor_id, entry.object_id) == (admin.id, user.id)


def test_only_administrators_sign_others_out(app, make, login_as):
    user = make.user()
    client = login_as(user)
    assert login_as(make.user(Role.ORGANIZER)).post(f"/admin/users/{user.id}/sign-out").status_code == 403
    assert _is_signed_in(client)


def test_session_ids_name_the_current_token(app, make):
    user = make.user()
    assert services.user_for_session(db.session, user.get_id()) is user
    for stale in (str(user.id), f"{user.id}:", f"{user.id}:not-the-token", "x:y", f"{user.id}:{user.session_token}é"):
        assert services.user_for_session(db.session, stale) is None
    old_id = user.get_id()
    services.end_sessions(user)
    assert services.user_for_session(db.session, old_id) is None
    assert services.user_for_session(db.session, user.get_id()) is user


def test_deactivated_users_session_is_refused_even_with_the_current_token(app, make):
    user = make.user(is_active_account=False)
    assert services.user_for_session(db.session, user.get_id()) is None


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_sign_in_starts_a_new_session_with_a_new_csrf_token(app_with, make):
    app = app_with(WTF_CSRF_ENABLED=True)
    user = make.user()
    client = app.test_client()
    token_before = _csrf_token(client.get("/login").get_data(as_text=True))
    with client.session_transaction() as session:
        raw_before = session["csrf_token"]
        session["planted"] = "by someone else"
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token_before})
    assert response.status_code == 302
    token_after = _csrf_token(client.get("/").get_data(as_text=True))
    with client.session_transaction() as session:
        assert session["csrf_token"] != raw_before
        assert "planted" not in session
    # A form token from before sign-in is refused; the new one works.
    assert client.post("/logout", data={"csrf_token": token_before}).status_code == 400
    assert _is_signed_in(client)
    assert client.post("/logout", data={"csrf_token": token_after}).status_code == 302
    assert not _is_signed_in(client)


def test_signed_in_pages_are_not_stored(app, client, make, login_as):
    anonymous = client.get("/login")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    signed_in = login_as(make.user())
    page = signed_in.get("/")
    assert page.headers["Cache-Control"] == "no-store"
    assert "Cookie" in page.headers["Vary"]
    with signed_in.get("/static/enshu.css") as static:
        assert "no-store" not in static.headers.get("Cache-Control", "")


def test_https_site_sends_secure_cookies_and_hsts(app_with, make):
    app = app_with(BASE_URL="https://enshu.example.jp")
    user = make.user()
    response = app.test_client().post("/login", data={"email": user.email, "password": PASSWORD},
                                      base_url="https://enshu.example.jp")
    assert "; Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"] == f"max-age={365 * 24 * 3600}"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_http_site_sends_neither(app, client):
    response = client.get("/login")
    assert "Strict-Transport-Security" not in response.headers
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["REMEMBER_COOKIE_SECURE"] is False
