"""Availability, requests for a briefer, and the secretariat's invitations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask import request as incoming
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import mail
from ..extensions import db
from ..forms import ConfirmForm, confirmed
from ..models import BriefingRequest
from ..permissions import fresh_admin_required
from ..privacy import briefing_states as states
from ..privacy import briefings as rules
from ..services import briefing_offers, briefing_views, briefings
from ..services.briefings import BriefingError
from ..validation import ValidationError
from . import bp
from .forms import AvailabilityForm, BriefingRequestForm, InviteForm
from .pages import availability_choices, fill_availability, meeting_choices, request_choices


@bp.route("/account/briefing", methods=["GET", "POST"])
def availability() -> str | Response:
    """She says whether, on what, in which languages and how she is available to brief."""
    if not rules.may_offer(current_user):
        abort(403)
    row = briefing_offers.availability(current_user)
    form = AvailabilityForm()
    availability_choices(form, current_user, row)
    if form.is_submitted() and incoming.form.get("off") == "1" and form.validate_on_submit():
        briefing_offers.switch_off(current_user)
        db.session.commit()
        flash(_("You are not available."), "success")
        return redirect(url_for("briefings.availability"))
    if form.validate_on_submit():
        try:
            briefing_offers.save_availability(current_user, form.data)
        except ValidationError as exc:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        else:
            db.session.commit()
            on = bool(form.active.data)
            flash(
                _("You are available to brief.") if on else _("You are not available."), "success"
            )
            return redirect(url_for("briefings.availability"))
    elif not form.is_submitted():
        fill_availability(form, current_user, row)
    return render_template(
        "briefings/availability.html", form=form, active=bool(row and row.active),
        listed=rules.is_listed(current_user),
    )  # fmt: skip


@bp.get("/briefings")
def index() -> str:
    """Requests (the secretariat, the policy-maker who asked) or invitations (she)."""
    if not rules.may_open_briefings(current_user):
        abort(403)
    return render_template(
        "briefings/index.html",
        overview=briefing_views.overview(current_user),
        confirm=ConfirmForm(),
    )


@bp.route("/briefings/new", methods=["GET", "POST"])
def new() -> str | Response:
    """A verified policy-maker of a Council member asks for a briefer."""
    if not rules.may_ask(current_user):
        abort(403)
    form = BriefingRequestForm()
    meetings = meeting_choices(form)
    request_choices(form)
    if form.validate_on_submit():
        meeting = meetings.get(form.meeting.data or "")
        try:
            request = briefings.ask(current_user, form.data, meeting)
        except ValidationError as exc:
            form[exc.field].errors = [*form[exc.field].errors, str(exc)]
        else:
            db.session.commit()
            flash(_("Your request was sent to the secretariat."), "success")
            return redirect(url_for("briefings.show", request_id=request.id))
    return render_template("briefings/new.html", form=form)


def _request_or_404(request_id: int) -> BriefingRequest:
    request = db.session.get(BriefingRequest, request_id)
    if request is None or states.request_state_for(current_user, request) is None:
        abort(404)
    return request


@bp.get("/briefings/<int:request_id>")
def show(request_id: int) -> str:
    """A request; for the secretariat, with the people who match and the invitations."""
    request = _request_or_404(request_id)
    view = briefing_views.request_view(current_user, request)
    matches, form = [], None
    if states.is_secretariat(current_user):
        matches = briefing_offers.matches(request) if states.may_invite(request) else []
        form = InviteForm()
        form.people.choices = [(m.person.id, m.person.name) for m in matches]
    return render_template(
        "briefings/request.html", view=view, matches=matches, form=form, confirm=ConfirmForm()
    )


@bp.post("/briefings/<int:request_id>/invite")
@fresh_admin_required
def invite(request_id: int) -> Response:
    """The secretariat invites the people ticked; each is told by a notice without content."""
    request = _request_or_404(request_id)
    form = InviteForm()
    form.people.choices = [(m.person.id, m.person.name) for m in briefing_offers.matches(request)]
    if not form.validate_on_submit():
        flash(_("Nobody was invited: tick people from the list."), "error")
        return redirect(url_for("briefings.show", request_id=request_id))
    try:
        made = briefings.invite(request, current_user, form.people.data or [])
    except BriefingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("briefings.show", request_id=request_id))
    db.session.commit()
    for invitation in made:
        mail.notify_waiting(invitation.defender)
    flash(_("Invited. Each of them is told that something waits for them."), "success")
    return redirect(url_for("briefings.show", request_id=request_id))


def _end(request_id: int, action: str, done: str) -> Response:
    request = confirmed(db.session.get(BriefingRequest, request_id))
    if states.request_state_for(current_user, request) is None:
        abort(404)
    try:
        briefings.end_request(request, current_user, action)
    except LookupError:
        abort(404)
    except BriefingError as exc:
        flash(str(exc), "error")
        return redirect(url_for("briefings.show", request_id=request_id))
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("briefings.show", request_id=request_id))


@bp.post("/briefings/<int:request_id>/withdraw")
def withdraw(request_id: int) -> Response:
    """The policy-maker who asked withdraws her request."""
    return _end(request_id, "withdraw", _("Your request is withdrawn."))


@bp.post("/briefings/<int:request_id>/cancel")
@fresh_admin_required
def cancel(request_id: int) -> Response:
    """The secretariat cancels a request (and every invitation still open for it)."""
    return _end(request_id, "cancel", _("The request is cancelled."))
