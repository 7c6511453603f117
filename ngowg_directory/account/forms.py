"""Forms of the account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..forms import MultiCheckboxField, NewPasswordMixin
from ..names import one_line_name


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Change password"))


class EnableTwoFactorForm(FlaskForm):
    code = StringField(
        _l("6-digit code from your app"),
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class ConfirmPasswordForm(FlaskForm):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Confirm"))


AUDIENCE_LABELS = {
    "members": _l("All members of the directory"),
    "policy_makers": _l("Policy-makers, the secretariat and my organisation's managers"),
    "connections": _l("Only people whose contact request I accepted"),
    "private": _l("Nobody (only me)"),
}
AUDIENCE_CHOICES = [SelectChoice(value, label) for value, label in AUDIENCE_LABELS.items()]
FIELD_LABELS = {
    "email": _l("Contact e-mail"),
    "phone": _l("Phone"),
    "messaging": _l("Messaging (for example Signal)"),
    "city": _l("City"),
}


# The four contact details' inputs, the same on the profile form and the privacy page.
def email_field() -> EmailField:
    return EmailField(
        FIELD_LABELS["email"], validators=[Optional(), Length(max=254)], render_kw={"dir": "ltr"}
    )


def phone_field() -> StringField:
    return StringField(
        FIELD_LABELS["phone"],
        validators=[Optional(), Length(max=40)],
        description=_l("With the country code, for example +249 912 345 678."),
        render_kw={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"},
    )


def messaging_field() -> StringField:
    return StringField(
        _l("Messaging (for example a Signal number or username)"),
        validators=[Optional(), Length(max=100)],
        description=_l("Say which app, for example Signal: +249 912 345 678."),
        render_kw={"dir": "ltr"},
    )


def city_field() -> StringField:
    return StringField(
        _l("City or town"),
        validators=[Optional(), Length(max=100)],
        description=_l("Only the city: never a street address."),
    )


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Name shown to others"),
        validators=[DataRequired(), Length(max=120), one_line_name],
        description=_l("Defenders may use a pseudonym."),
    )
    title = StringField(_l("Title or position"), validators=[Optional(), Length(max=150)])
    affiliation = StringField(
        _l("Mission or UN entity"),
        validators=[Optional(), Length(max=200)],
        description=_l("For policy-makers: for example Permanent Mission of Ghana, UN Women."),
    )
    country = SelectField(_l("Country where you work"), choices=[], validate_choice=False)
    situations = MultiCheckboxField(
        _l("Security Council agenda situations you work on"), choices=[], validate_choice=False
    )
    themes = MultiCheckboxField(_l("Themes"), choices=[], validate_choice=False)
    # Checkboxes, the most used first and the rest under "Other languages"
    # (templates/account/profile.html); codes are checked against the full list on save.
    languages = MultiCheckboxField(
        _l("Languages you work in"),
        choices=[],
        validate_choice=False,
        description=_l("Tick each one. Any other language is under “Other languages”."),
    )
    bio = TextAreaField(
        _l("About your work"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Plain text, at most 1,000 characters. Never write an address here."),
        render_kw={"rows": 6, "maxlength": 1000},
    )
    email = email_field()
    phone = phone_field()
    messaging = messaging_field()
    city = city_field()
    opened = HiddenField()
    submit = SubmitField(_l("Save my profile"))


class PrivacyForm(FlaskForm):
    """Each contact detail beside its audience, on one page.

    The audiences keep the names of the contact fields (email, phone, messaging, city); the
    values are `<field>_value`, saved when the form carries `opened` (the details as the page
    showed them, for the optimistic lock). A post of the audiences alone changes no value."""

    email = RadioField(FIELD_LABELS["email"], choices=AUDIENCE_CHOICES)
    phone = RadioField(FIELD_LABELS["phone"], choices=AUDIENCE_CHOICES)
    messaging = RadioField(FIELD_LABELS["messaging"], choices=AUDIENCE_CHOICES)
    city = RadioField(FIELD_LABELS["city"], choices=AUDIENCE_CHOICES)
    email_value = email_field()
    phone_value = phone_field()
    messaging_value = messaging_field()
    city_value = city_field()
    opened = HiddenField()
    submit = SubmitField(_l("Save my contact details and who sees them"))


class ConsentForm(FlaskForm):
    """The consent step's button: she agrees herself, after seeing each audience's view."""

    submit = SubmitField(_l("I agree to be listed in the directory"))


class DeleteAccountForm(FlaskForm):
    current = PasswordField(
        _l("Your password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my profile, contact details and connections are deleted for good."),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Delete my account"))


class ConnectionSettingsForm(FlaskForm):
    notify_email = BooleanField(
        _l("E-mail me when a contact request is waiting or one of mine is answered")
    )
    managers_may_answer = BooleanField(
        _l("Let my organisation's managers answer contact requests for me")
    )
    submit = SubmitField(_l("Save these settings"))


class TokenForm(FlaskForm):
    name = StringField(
        _l("What the token is for"),
        validators=[DataRequired(), Length(max=100), one_line_name],
        description=_l("For example: our CRM, the monthly report."),
    )
    days = SelectField(
        _l("Works for"),
        choices=[
            SelectChoice("30", _l("30 days")),
            SelectChoice("90", _l("90 days")),
            SelectChoice("365", _l("one year")),
        ],
        default="90",
    )
    # A token reads the directory as its owner: making one proves who she is, as a sign-in does.
    password = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        description=_l("A token reads the directory as you, so making one needs your password."),
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("6-digit code from your app"),
        validators=[Optional(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Create the token"))
