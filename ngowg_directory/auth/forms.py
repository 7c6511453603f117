"""Forms of the sign-in pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from ..forms import NewPasswordMixin
from ..names import one_line_name
from ..validation import clean_text


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Length(max=254)], render_kw={"dir": "ltr"}
    )
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign in"))


class TwoFactorForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )
    submit = SubmitField(_l("Verify"))


class ResetRequestForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Length(max=254)], render_kw={"dir": "ltr"}
    )
    submit = SubmitField(_l("Send me a link"))


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    submit = SubmitField(_l("Set the new password"))


def _visible_name(form: FlaskForm, field: StringField) -> None:
    if not clean_text(field.data or "", len(field.data or ""), "name"):
        raise ValidationError(_l("Please give a name; a pseudonym is fine."))


class AcceptInviteForm(NewPasswordMixin, FlaskForm):
    name = StringField(
        _l("Your name as others will see it"),
        validators=[
            DataRequired(message=_l("Please give a name; a pseudonym is fine.")),
            Length(max=120),
            one_line_name,
            _visible_name,
        ],
        description=_l("Defenders may use a pseudonym."),
    )
    submit = SubmitField(_l("Create my account"))


class ReauthenticateForm(FlaskForm):
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    code = StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Confirm it is you"))
