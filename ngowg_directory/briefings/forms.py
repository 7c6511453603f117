"""Forms of the briefers' pages; the views fill the choices the viewer is offered."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from ..forms import MultiCheckboxField
from ..models.briefings import RISK_ITEMS

MODE_LABELS = {
    "in_person": _l("In person, at the Council in New York"),
    "remote": _l("Remotely, by video"),
    "either": _l("Either"),
}
NAMED_LABELS = {
    "named": _l("Named: the Working Group's records and reports may give my name"),
    "anonymous": _l("Anonymous: my name is given to nobody beyond the secretariat"),
}
RISK_LABELS = {
    "travel": _l("Travel: visa, route, where to stay, who knows the plans"),
    "visibility": _l("Visibility of the name: the meeting's record, webcast, photographs"),
    "organisation": _l("The briefer's organisation: who there knows, and what they need"),
    "digital": _l("Digital safety: devices, accounts, messaging, what to remove beforehand"),
    "emergency_contact": _l("A contact for emergencies, and how to reach them"),
    "checkin_plan": _l("The check-in plan after the return: when, how, by whom"),
}


class AvailabilityForm(FlaskForm):
    active = BooleanField(_l("I am available to brief the Security Council"))
    situations = MultiCheckboxField(_l("Situations"), choices=[], validate_choice=False)
    themes = MultiCheckboxField(_l("Themes"), choices=[], validate_choice=False)
    languages = MultiCheckboxField(
        _l("Languages I would brief in"), choices=[], validate_choice=False
    )
    modes = MultiCheckboxField(
        _l("How"),
        choices=[(k, MODE_LABELS[k]) for k in ("in_person", "remote")],
        validate_choice=False,
    )
    named = RadioField(
        _l("Named or anonymous"),
        choices=list(NAMED_LABELS.items()),
        default="anonymous",
        description=_l(
            "Anonymous also takes your name off every briefing you accepted before. Named "
            "applies to the briefings you accept from now on; on each earlier one you choose."
        ),
    )
    submit = SubmitField(_l("Save"))


class BriefingRequestForm(FlaskForm):
    meeting = SelectField(_l("Meeting"), choices=[], validate_choice=False)
    meeting_date = DateField(_l("Day of the meeting"), validators=[Optional()])
    item = SelectField(_l("Situation or thematic item"), choices=[], validate_choice=False)
    theme = SelectField(_l("Theme (optional)"), choices=[], validate_choice=False)
    topic = TextAreaField(
        _l("What the briefing is about"),
        description=_l(
            "10 to 1,000 characters. The briefers invited read it: write nothing that could "
            "put anyone at risk."
        ),
        render_kw={"rows": 5, "maxlength": 1000},
    )
    language = SelectField(_l("Language of the briefing"), choices=[], validate_choice=False)
    mode = RadioField(
        _l("In person or remote"), choices=list(MODE_LABELS.items()), default="either"
    )
    deadline = DateField(_l("Answer needed by"), validators=[InputRequired()])
    submit = SubmitField(_l("Ask for a briefer"))


class InviteForm(FlaskForm):
    people = MultiCheckboxField(_l("Invite"), choices=[], coerce=int)
    submit = SubmitField(_l("Invite the people ticked"))


def risk_form_class() -> type[FlaskForm]:
    """The checklist's form: for each item, done and a note."""
    fields: dict[str, object] = {"version": HiddenField()}
    for name in RISK_ITEMS:
        fields[f"{name}_done"] = BooleanField(_l("Done"))
        fields[f"{name}_note"] = TextAreaField(
            RISK_LABELS[name], render_kw={"rows": 3, "maxlength": 2000}
        )
    fields["submit"] = SubmitField(_l("Save the checklist"))
    return type("RiskForm", (FlaskForm,), fields)


RiskForm = risk_form_class()


class OutcomeForm(FlaskForm):
    held_on = DateField(_l("Day it was held"), validators=[InputRequired()])
    follow_up = TextAreaField(
        _l("Follow-up of what the briefer raised"), render_kw={"rows": 4, "maxlength": 2000}
    )
    submit = SubmitField(_l("Record as held"))


class FollowUpForm(FlaskForm):
    follow_up = TextAreaField(
        _l("Follow-up of what the briefer raised"), render_kw={"rows": 4, "maxlength": 2000}
    )
    submit = SubmitField(_l("Save the follow-up"))


class CheckinForm(FlaskForm):
    result = RadioField(
        _l("What the check-in found"),
        choices=[("done", _l("Done: the briefer is safe")), ("concerns", _l("Concerns"))],
    )
    note = TextAreaField(_l("Note"), render_kw={"rows": 3, "maxlength": 2000})
    submit = SubmitField(_l("Record the check-in"))


class ReprisalForm(FlaskForm):
    body = TextAreaField(
        _l("What happened"),
        description=_l(
            "Only the secretariat reads this. It is stored encrypted. You will see that it was "
            "received, and nothing else is shown to anyone."
        ),
        render_kw={"rows": 8, "maxlength": 10000},
    )
    submit = SubmitField(_l("Send the report to the secretariat"))
