"""Forms and fields shared by several blueprints (a blueprint never imports another's forms)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import i18n, validation
from .labels import ROLE_LABELS
from .names import one_line_name
from .services import passwords
from .services.locking import Conflict

T = TypeVar("T")


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
    # Each language named in itself, as the switch names them; the page's language unless
    # the inviter picks another.
    language = SelectField(
        _l("Language of the invitation"),
        choices=list(i18n.LANGUAGE_AUTONYMS.items()),
        default=i18n.current_language,
        description=_l(
            "The invitation e-mail and the page where it is accepted are written in this language."
        ),
    )
    submit = SubmitField(_l("Send the invitation"))

    def set_roles(self, roles: tuple[str, ...] | list[str]) -> None:
        """Offer these roles only."""
        self.role.choices = [(role, ROLE_LABELS[role]) for role in roles]


class ConfirmForm(FlaskForm):
    """An empty form: a button with a CSRF token."""

    submit = SubmitField(_l("Confirm"))


def confirmed(found: T | None) -> T:
    """What a confirmed POST acts on: 404 when there is nothing (unknown, or not for this
    viewer), then 400 when the form's CSRF token is missing or wrong."""
    if found is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return found


def _policy(form: FlaskForm, field: PasswordField) -> None:
    email = getattr(form, "_email", None)
    try:
        passwords.check_policy(field.data or "", email=email)
    except passwords.PasswordRejected as exc:
        raise ValidationError(str(exc)) from exc


class NewPasswordMixin:
    """A new password and its repetition, checked against the policy (sign-up, reset, change)."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), _policy],
        description=_l("At least 12 characters. A few unrelated words make a strong password."),
        render_kw={"autocomplete": "new-password", "maxlength": passwords.MAX_LENGTH},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes: works on every phone without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequestForm(FlaskForm):
    """Ask a person for contact (her profile page and the connections pages)."""

    message = TextAreaField(
        _l("Why do you ask for contact?"),
        description=_l(
            "20 to 1,000 characters, plain text. Only the person you are writing to (and, "
            "if they allowed it, their organisation's managers) will read it."
        ),
        render_kw={"rows": 5, "maxlength": 1000, "minlength": 20},
    )
    submit = SubmitField(_l("Ask for contact"))


def save_edit(
    form: FlaskForm,
    editable: tuple[str, ...],
    save: Callable[[dict[str, Any], str], None],
    sign: Callable[[], str],
) -> tuple[bool, dict[str, Any] | None]:
    """Submit an edit form under the optimistic lock (services/locking.py): whether `save`
    (data, opened) stored it, for the view to commit, and what someone else changed since the
    form was opened, if anyone did. A value the service refuses is shown at its field.

    A form opened now, or shown again with a conflict, carries the record as it is now
    (`sign()`, after the form holds its values): the next save is checked against what she
    was shown. A form refused for a value keeps what it was opened with."""
    if not form.validate_on_submit():
        if not form.is_submitted():
            form.opened.data = sign()
        return False, None
    data = {name: form[name].data for name in editable}
    try:
        save(data, form.opened.data or "")
    except validation.ValidationError as exc:
        form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        return False, None
    except Conflict as exc:
        form.opened.data = sign()
        return False, exc.changes
    return True, None


def field_labels(form: FlaskForm, editable: tuple[str, ...]) -> dict[str, str]:
    """The labels of an edit form's fields, by name, for its list of conflicting changes."""
    return {name: form[name].label.text for name in editable}
