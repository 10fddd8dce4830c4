"""The account and recording forms (Flask-WTF: every one carries a CSRF token)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, PasswordField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Regexp

_NAME = [InputRequired(), Length(3, 40), Regexp(r"^[A-Za-z0-9_.-]+$", message="letters, digits, '.', '_' and '-' only")]
_PASSWORD = [InputRequired(), Length(8, 128)]


class RegisterForm(FlaskForm):
    """Create an account."""

    username = StringField("Username", _NAME)
    password = PasswordField("Password", _PASSWORD)


class LoginForm(FlaskForm):
    """Log in (the lengths are checked by the store: a wrong one is just a wrong login)."""

    username = StringField("Username", [InputRequired()])
    password = PasswordField("Password", [InputRequired()])


class PasswordForm(FlaskForm):
    """Change the password: the current one, then the new one."""

    password = PasswordField("Current password", [InputRequired()])
    new_password = PasswordField("New password", _PASSWORD)


class TokenForm(FlaskForm):
    """Create an API token."""

    name = StringField("Token name", [InputRequired(), Length(1, 60)])


class ConfirmForm(FlaskForm):
    """A button that only posts (logout, delete, revoke): the CSRF token is its only field."""


class RenameForm(FlaskForm):
    """Rename a recording."""

    name = StringField("Name", [InputRequired(), Length(1, 120)])


class FrameForm(FlaskForm):
    """Choose the content frame the pictures are drawn over."""

    frame_at = FloatField("Background frame at (s)", [InputRequired(), NumberRange(0, 86400)])


class DeleteForm(FlaskForm):
    """Delete a recording: the box must be ticked."""

    confirm = BooleanField("Yes, delete this recording with all its samples", [InputRequired()])
