"""Forms of the organisation pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..forms import MultiCheckboxField
from ..names import one_line_name


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200), one_line_name])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=30)])
    mission = TextAreaField(
        _l("Mission statement"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 6, "maxlength": 2000},
    )
    website = StringField(
        _l("Website"),
        validators=[Optional(), Length(max=300)],
        description=_l("For example wilpf.org (https:// is added)."),
        render_kw={"dir": "ltr"},
    )
    headquarters_country = SelectField(_l("Headquarters"), choices=[], validate_choice=False)
    countries = SelectMultipleField(
        _l("Countries where it works"),
        choices=[],
        validate_choice=False,
        description=_l("Hold Ctrl (or Cmd) to choose several on a computer."),
        render_kw={"size": 8},
    )
    themes = MultiCheckboxField(_l("Themes"), choices=[], validate_choice=False)
    contact_email = EmailField(
        _l("Public contact e-mail"),
        validators=[Optional(), Length(max=254)],
        render_kw={"dir": "ltr"},
    )
    member_since = DateField(_l("Member of the Working Group since"), validators=[Optional()])
    opened = HiddenField()
    submit = SubmitField(_l("Save the organisation"))


class LogoForm(FlaskForm):
    logo = FileField(
        _l("Logo"),
        description=_l("PNG, JPEG or WebP, at most 512 KB. It is resized and cleaned of metadata."),
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )
    submit = SubmitField(_l("Upload the logo"))
