"""Forms shared by several blueprints."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from .names import one_line_name

ROLE_LABELS = {
    "admin": _l("Secretariat (admin)"),
    "manager": _l("Organisation manager"),
    "staff": _l("Organisation staff"),
    "defender": _l("Defender"),
    "policy_maker": _l("Policy-maker"),
}


class InviteForm(FlaskForm):
    """Invite one person; the view sets the role and organisation choices it allows."""

    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), Length(max=254)], render_kw={"dir": "ltr"}
    )
    name = StringField(
        _l("Name (optional)"), validators=[Optional(), Length(max=120), one_line_name]
    )
    role = SelectField(_l("Role"), choices=[])
    organization = SelectField(_l("Organisation"), choices=[], validators=[Optional()])
    submit = SubmitField(_l("Send the invitation"))

    def set_roles(self, roles: tuple[str, ...] | list[str]) -> None:
        """Offer these roles only."""
        self.role.choices = [(role, ROLE_LABELS[role]) for role in roles]


class ConfirmForm(FlaskForm):
    """An empty form: a button with a CSRF token."""

    submit = SubmitField(_l("Confirm"))
