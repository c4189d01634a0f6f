import math
from datetime import datetime, timedelta
from pathlib import Path

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.auth import services
from app.auth.forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, SetPasswordForm
from app.auth.models import User
from app.auth.throttle import LoginThrottle
from app.auth.tokens import TokenExpired, TokenInvalid, TokenPurpose
from app.core import authz
from app.core.mail import send_mail_after_commit
from app.core.templating import ActionForm
from app.core.timeutil import utcnow
from app.core.urls import public_url, same_site_path
from app.extensions import db, limiter

bp = Blueprint("auth", __name__, template_folder="templates")


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot send the user elsewhere after login."""
    return same_site_path(target) or url_for("home.index")


def _login_throttle() -> LoginThrottle:
    config = current_app.config
    if not config["RATELIMIT_ENABLED"]:
        return LoginThrottle(None, (), ())
    return LoginThrottle.from_settings(limiter.limiter, config["LOGIN_ATTEMPTS_PER_ACCOUNT"],
                                       config["LOGIN_FAILURES_PER_ADDRESS"], config.get("RATELIMIT_KEY_PREFIX", ""))


def _client_address() -> str:
    # The proxy's X-Forwarded-For is already applied here when PROXY_FIX_X_FOR trusts it.
    return request.remote_addr or ""


def _paused(template: str, paused_until: datetime, **context):
    """The form again, refused with 429 and the time from which to try again."""
    seconds = max(1, math.ceil((paused_until - utcnow()).total_seconds()))
    # Shown to the minute, so rounded up to the next one: trying at the time shown must work.
    shown = paused_until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    response = current_app.make_response((render_template(template, paused_until=shown, **context), 429))
    response.headers["Retry-After"] = str(seconds)
    return response


def _start_session(user: User) -> None:
    # A fresh session at sign-in: nothing set before it carries over (session fixation), and the
    # CSRF token is a new one.
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@authz.public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = _login_throttle().attempt(form.email.data, _client_address(), lambda: services.authenticate(
            db.session, form.email.data, form.password.data, utcnow()))
        if attempt.paused_until is not None:
            return _paused("auth/login.html", attempt.paused_until, form=form)
        if attempt.result is None:
            form.password.errors.append(_("The email address or password is not correct."))
        else:
            _start_session(attempt.result)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@authz.signed_in
def logout():
    if ActionForm().validate_on_submit():
        # Ends this user's sessions everywhere, so a copy of the cookie is worthless too.
        services.end_sessions(current_user._get_current_object())
        logout_user()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@authz.signed_in
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        def check() -> User | None:
            try:
                services.change_password(user, form.current_password.data, form.password.data)
            except services.WrongPassword:
                return None
            return user

        attempt = _login_throttle().attempt(user.email, _client_address(), check)
        if attempt.paused_until is not None:
            return _paused("auth/set_password.html", attempt.paused_until, form=form)
        if attempt.result is None:
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            _start_session(user)
            flash(_("Your password is changed. Any other place where you were signed in is now signed out."),
                  "success")
            return redirect(url_for("home.index"))
    return render_template("auth/set_password.html", form=form), (422 if form.errors else 200)


@bp.route("/language", methods=["POST"])
@authz.public
def set_language():
    locale = request.form.get("locale")
    if ActionForm().validate_on_submit() and locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
    return redirect(_safe_next(request.form.get("next")))


def _password_from_token(purpose: TokenPurpose, token: str, max_age: int):
    secret = current_app.config["SECRET_KEY"]
    try:
        user = services.user_for_token(db.session, token, purpose, secret, max_age)
    except TokenExpired:
        return render_template("auth/token_problem.html", expired=True), 400
    except TokenInvalid:
        return render_template("auth/token_problem.html", expired=False), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        # Whoever can set the password owns the account: a sign-in pause on it ends.
        _login_throttle().clear_account(user.email)
        _start_session(user)
        flash(_("Your password is saved. Welcome!"), "success")
        return redirect(url_for("home.index"))
    return render_template("auth/set_password.html", form=form, user=user,
                           invitation=purpose == TokenPurpose.INVITATION)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@authz.public
def accept_invitation(token: str):
    return _password_from_token(TokenPurpose.INVITATION, token,
                                current_app.config["INVITATION_MAX_AGE"])


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@authz.public
def reset_password(token: str):
    return _password_from_token(TokenPurpose.PASSWORD_RESET, token,
                                current_app.config["PASSWORD_RESET_MAX_AGE"])


def _password_reset_request_limit() -> str:
    return current_app.config["PASSWORD_RESET_REQUEST_LIMIT"]


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_password_reset_request_limit, methods=["POST"])
@authz.public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(db.session, form.email.data)
        if user is not None and user.is_active:
            token = services.password_reset_token(user, current_app.config["SECRET_KEY"])
            outbox, to = Path(current_app.config["OUTBOX_DIR"]), user.email
            subject = _("Reset your Enshu password")
            body = _("Open this link within %(period)s to choose a new password:\n%(link)s",
                     link=public_url("auth.reset_password", token=token),
                     period=format_timedelta(current_app.config["PASSWORD_RESET_MAX_AGE"]))
            send_mail_after_commit(db.session, outbox, to, subject, body)
        # The same answer whether or not the address exists, so accounts cannot be probed.
        flash(_("If that address has an account, we have sent it a link to reset the password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)
