from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.auth.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired(_l("Enter your email address.")), Email(_l("Enter a valid email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    submit = SubmitField(_l("Sign in"))


class SetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Enter a password.")),
        Length(min=MIN_PASSWORD_LENGTH, max=200,
               message=_l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH))])
    confirm = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Enter the password again.")),
        EqualTo("password", _l("The two passwords are not the same."))])
    submit = SubmitField(_l("Save password"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email address"), filters=[lambda v: v.strip() if v else v], validators=[
        DataRequired(_l("Enter your email address.")), Email(_l("Enter a valid email address."))])
    submit = SubmitField(_l("Send reset link"))


class ChangePasswordForm(SetPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[
        DataRequired(_l("Enter your current password."))])
