"""An invitation and, once accepted, the briefing's record: her answer, the risk assessment,
the outcome and follow-up, the safety check-ins, reprisal reports; the annual report's CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from ..extensions import db
from ..forms import ConfirmForm, confirmed
from ..models import BriefingInvitation
from ..permissions import fresh_admin_required
from ..privacy import briefing_states as states
from ..services import (
    briefing_checkins,
    briefing_figures,
    briefing_offers,
    briefing_records,
    briefing_views,
    briefings,
)
from ..services.briefings import BriefingError
from ..validation import ValidationError
from . import bp
from .forms import CheckinForm, FollowUpForm, OutcomeForm, ReprisalForm, RiskForm

DONE = {
    "accept": _l("Accepted. The secretariat will be in touch to prepare it with you, safely."),
    "decline": _l("Declined. Nobody but the secretariat learns that you declined."),
    "step_back": _l("You stepped back. The secretariat is told."),
    "withdraw": _l("The invitation is withdrawn."),
}


def _invitation_or_404(invitation_id: int) -> BriefingInvitation:
    invitation = db.session.get(BriefingInvitation, invitation_id)
    if invitation is None or states.invitation_state_for(current_user, invitation) is None:
        abort(404)
    return invitation


def _back(invitation_id: int) -> WerkzeugResponse:
    return redirect(url_for("briefings.invitation", invitation_id=invitation_id))


@bp.get("/briefings/invitations/<int:invitation_id>")
def invitation(invitation_id: int) -> str:
    """The invitation and its record, as she or the secretariat may see it."""
    found = _invitation_or_404(invitation_id)
    view = briefing_views.invitation_view(current_user, found, detail=True)
    if view is None:
        abort(404)
    secretariat = states.is_secretariat(current_user)
    return render_template(
        "briefings/invitation.html",
        view=view,
        confirm=ConfirmForm(),
        checklist=briefing_records.checklist(found) if view.may_assess else None,
        checkins=briefing_checkins.checkins(found) if secretariat and view.may_assess else [],
        reports=briefing_records.reports(current_user, found),
        follow_up=found.follow_up if secretariat else None,
        outcome_form=OutcomeForm(prefix="held"),
        follow_up_form=FollowUpForm(prefix="fu", follow_up=found.follow_up or ""),
        checkin_form=CheckinForm(prefix="ci"),
    )


def _move(invitation_id: int, action: str) -> WerkzeugResponse:
    found = confirmed(db.session.get(BriefingInvitation, invitation_id))
    if states.invitation_state_for(current_user, found) is None:
        abort(404)
    try:
        briefings.move(found, current_user, action)
    except LookupError:
        abort(404)
    except BriefingError as exc:
        flash(str(exc), "error")
        return _back(invitation_id)
    db.session.commit()
    if action in ("accept", "decline", "step_back"):
        briefings.notify_secretariat(
            "briefing_answered", _l("A briefing invitation was answered"), invitation=found.id
        )
    flash(str(DONE[action]), "success")
    return _back(invitation_id)


@bp.post("/briefings/invitations/<int:invitation_id>/accept")
def accept(invitation_id: int) -> WerkzeugResponse:
    """She accepts to brief."""
    return _move(invitation_id, "accept")


@bp.post("/briefings/invitations/<int:invitation_id>/decline")
def decline(invitation_id: int) -> WerkzeugResponse:
    """She declines (the policy-maker who asked keeps reading it as no answer yet)."""
    return _move(invitation_id, "decline")


@bp.post("/briefings/invitations/<int:invitation_id>/step-back")
def step_back(invitation_id: int) -> WerkzeugResponse:
    """She takes back her acceptance, at any time."""
    return _move(invitation_id, "step_back")


@bp.post("/briefings/invitations/<int:invitation_id>/name")
def name(invitation_id: int) -> WerkzeugResponse:
    """She says whether she is named on this briefing (field `named`: named or anonymous)."""
    found = confirmed(db.session.get(BriefingInvitation, invitation_id))
    if states.invitation_state_for(current_user, found) is None:
        abort(404)
    choice = request.form.get("named")
    if choice not in ("named", "anonymous"):
        flash(_("Choose named or anonymous."), "error")
        return _back(invitation_id)
    if not briefing_offers.choose_name(found, current_user, choice == "named"):
        flash(_("Only she who accepted the briefing says whether she is named on it."), "error")
        return _back(invitation_id)
    db.session.commit()
    flash(
        _("You are named on this briefing.")
        if choice == "named"
        else _("Your name is off this briefing: it is given to nobody beyond the secretariat."),
        "success",
    )
    return _back(invitation_id)


@bp.post("/briefings/invitations/<int:invitation_id>/withdraw")
@fresh_admin_required
def withdraw_invitation(invitation_id: int) -> WerkzeugResponse:
    """The secretariat withdraws an invitation."""
    return _move(invitation_id, "withdraw")


@bp.post("/briefings/invitations/<int:invitation_id>/held")
@fresh_admin_required
def held(invitation_id: int) -> WerkzeugResponse:
    """The secretariat records that the briefing was held, and its follow-up."""
    found = _invitation_or_404(invitation_id)
    form = OutcomeForm(prefix="held")
    if not form.validate_on_submit():
        flash(_("Give the day it was held."), "error")
        return _back(invitation_id)
    try:
        briefing_records.record_held(found, current_user, form.held_on.data, form.follow_up.data)
    except (ValidationError, BriefingError) as exc:
        flash(str(exc), "error")
        return _back(invitation_id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(_("Recorded as held. The safety check-ins are counted from that day."), "success")
    return _back(invitation_id)


@bp.post("/briefings/invitations/<int:invitation_id>/follow-up")
@fresh_admin_required
def follow_up(invitation_id: int) -> WerkzeugResponse:
    """The secretariat's follow-up of what she raised."""
    found = _invitation_or_404(invitation_id)
    form = FollowUpForm(prefix="fu")
    if not form.validate_on_submit():
        abort(400)
    try:
        briefing_records.save_follow_up(found, current_user, form.follow_up.data)
    except ValidationError as exc:
        flash(str(exc), "error")
        return _back(invitation_id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(_("The follow-up is saved."), "success")
    return _back(invitation_id)


@bp.post("/briefings/invitations/<int:invitation_id>/checkins/<int:days>")
@fresh_admin_required
def checkin(invitation_id: int, days: int) -> WerkzeugResponse:
    """What a safety check-in found."""
    found = _invitation_or_404(invitation_id)
    form = CheckinForm(prefix="ci")
    if not form.validate_on_submit():
        flash(_("Say whether the check-in was done or found concerns."), "error")
        return _back(invitation_id)
    try:
        briefing_checkins.record_checkin(
            found, current_user, days, form.result.data, form.note.data
        )
    except ValidationError as exc:
        flash(str(exc), "error")
        return _back(invitation_id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash(_("The check-in is recorded."), "success")
    return _back(invitation_id)


def _fill(form: Any, checklist: briefing_records.Checklist) -> None:
    for name, (done, note) in checklist.items.items():
        form[f"{name}_done"].data, form[f"{name}_note"].data = done, note
    form.version.data = str(checklist.version)


@bp.route("/briefings/invitations/<int:invitation_id>/risk", methods=["GET", "POST"])
def risk(invitation_id: int) -> str | WerkzeugResponse:
    """The risk assessment's checklist: she and the secretariat complete it."""
    found = _invitation_or_404(invitation_id)
    if not states.may_assess(current_user, found):
        abort(404)
    form = RiskForm()
    current = briefing_records.checklist(found)
    editable = states.may_change_assessment(current_user, found)
    if form.is_submitted() and not editable:
        flash(str(briefing_records.KEPT), "error")
        return _back(invitation_id)
    if form.validate_on_submit():
        raw = form.version.data or ""
        version = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 9 else -1
        try:
            briefing_records.save_checklist(found, current_user, form.data, version)
        except ValidationError as exc:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        except BriefingError as exc:
            # Saved by someone else meanwhile: the checklist as it is now, to do again.
            flash(str(exc), "error")
            _fill(form, briefing_records.checklist(found))
        else:
            db.session.commit()
            flash(_("The checklist is saved."), "success")
            return _back(invitation_id)
    elif not form.is_submitted():
        _fill(form, current)
    return render_template(
        "briefings/risk.html",
        form=form,
        checklist=current,
        invitation_id=found.id,
        editable=editable,
    )


@bp.route("/briefings/invitations/<int:invitation_id>/reprisal", methods=["GET", "POST"])
def reprisal(invitation_id: int) -> str | WerkzeugResponse:
    """A confidential report of intimidation or reprisal, read by the secretariat alone."""
    found = _invitation_or_404(invitation_id)
    if not states.may_report(current_user, found):
        abort(404)
    form = ReprisalForm()
    if form.validate_on_submit():
        try:
            briefing_records.file_report(found, current_user, form.body.data)
        except ValidationError as exc:
            form.body.errors = [*form.body.errors, str(exc)]
        else:
            db.session.commit()
            briefings.notify_secretariat(
                "briefing_report_received", _l("A confidential report was received")
            )
            flash(_("Your report was received by the secretariat."), "success")
            return _back(invitation_id)
    return render_template("briefings/reprisal.html", form=form, invitation_id=found.id)


# The annual report's columns (briefing_figures.COLUMNS) in the admin's language.
@bp.get("/admin/briefings.csv")
@fresh_admin_required
def report_csv() -> Response:
    """Briefings held, counted by year, region, item and theme, for the annual MAP report."""
    text = briefing_figures.to_csv(
        current_user, [str(label) for label in briefing_figures.HEADER], bom=True
    )
    db.session.commit()
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="briefings.csv"'
    return response
