"""Ask for contact, answer requests, end connections, download a connection's vCard."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import audit, privacy
from ..extensions import db
from ..forms import ConfirmForm, RequestForm, confirmed
from ..models import ContactRequest
from ..privacy import request_states
from ..services import connections, vcards
from ..services.connections import DraftError, RequestError
from . import bp

# The names of her contact details where a request says which of them accepting shows.
CONTACT_LABELS = {
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "messaging": _l("Messaging"),
    "city": _l("City"),
}


@bp.get("/connections")
def index() -> str:
    """Requests waiting for her (and for those she answers for), sent, and connections."""
    overview = connections.overview(current_user)
    return render_template(
        "connections/index.html",
        overview=overview,
        confirm=ConfirmForm(),
        contact_labels=CONTACT_LABELS,
        hidden=bool(overview.received) and current_user.profile.hidden,
    )


@bp.post("/connections/request/<int:person_id>")
def ask(person_id: int) -> WerkzeugResponse | str:
    """Ask a person for contact; a hidden or unknown person is a 404 alike."""
    person = privacy.person_or_404(current_user, person_id, tags=False)
    form = RequestForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        request = connections.ask(current_user, person, form.message.data)
    except DraftError as exc:
        # Her text comes back in the form, with the reason at the field: nothing is lost.
        form.message.errors = [str(exc)]
        flash(str(exc), "error")
        return render_template(
            "connections/ask.html",
            person_id=person.id,
            name=person.name,
            form=form,
            # This address answers POST only: the language switch leads back to the profile.
            language_next=url_for("people.show", person_id=person.id),
        )
    except RequestError as exc:
        flash(str(exc), "error")
        return redirect(url_for("people.show", person_id=person.id))
    db.session.commit()
    # A request to someone who blocked the sender goes nowhere; the sender is told the same.
    if connections.delivered(request):
        connections.notify(person, "request_received", _l("A contact request is waiting for you"))
    flash(
        _(
            "Your request has been sent. If it is accepted, you will see the contact details "
            "this person shares with connections."
        ),
        "success",
    )
    return redirect(url_for("people.show", person_id=person.id))


def _request_or_404(request_id: int) -> ContactRequest:
    return confirmed(db.session.get(ContactRequest, request_id))


def _refused(move: Callable[[], object]) -> WerkzeugResponse | None:
    """Make a move on a request and commit it: None when it was made, else the answer to a
    refused one (a 404 for whoever may not even try, the reason for anyone else)."""
    try:
        move()
    except LookupError:
        abort(404)
    except RequestError as exc:
        flash(str(exc), "error")
        return redirect(url_for("connections.index"))
    db.session.commit()
    return None


def _answer(request_id: int, decision: str) -> WerkzeugResponse:
    request = _request_or_404(request_id)
    refused = _refused(lambda: connections.answer(request, current_user, decision))
    if refused is not None:
        return refused
    if decision == "accept":
        connections.notify(
            request.requester, "request_accepted", _l("A contact request was answered")
        )
    flash(
        {
            "accept": _("Accepted. You can now see each other's contact details for connections."),
            "decline": _("Declined. The sender is not told."),
            "block": _("Blocked. This person cannot ask you again, and is not told."),
        }[decision],
        "success",
    )
    return redirect(url_for("connections.index"))


@bp.post("/connections/<int:request_id>/accept")
def accept(request_id: int) -> WerkzeugResponse:
    """Accept a request."""
    return _answer(request_id, "accept")


@bp.post("/connections/<int:request_id>/decline")
def decline(request_id: int) -> WerkzeugResponse:
    """Decline a request (the sender keeps seeing it as waiting)."""
    return _answer(request_id, "decline")


@bp.post("/connections/<int:request_id>/block")
def block(request_id: int) -> WerkzeugResponse:
    """Decline and refuse any further request from the sender."""
    return _answer(request_id, "block")


@bp.post("/connections/<int:request_id>/end")
def end(request_id: int) -> WerkzeugResponse:
    """End a connection; the details it revealed are hidden again at once."""
    request = _request_or_404(request_id)
    refused = _refused(lambda: connections.end(request, current_user))
    if refused is not None:
        return refused
    flash(_("The connection has ended."), "success")
    return redirect(url_for("connections.index"))


@bp.get("/connections/<int:request_id>/vcard")
def vcard(request_id: int) -> Response:
    """The other side's vCard (RFC 6350) with only what the downloader may see."""
    request = db.session.get(ContactRequest, request_id)
    if request is None or not request_states.is_connection(current_user, request):
        abort(404)
    mine = request.requester_id == current_user.id
    other = privacy.person_or_404(
        current_user, request.recipient_id if mine else request.requester_id
    )
    view = privacy.view_of(current_user, other, connected=True)
    if view is None:
        abort(404)
    audit.record("vcard_downloaded", actor=current_user, target=other, request=request.id)
    privacy.record_reveal(current_user, view, channel="vcard")
    db.session.commit()
    response = Response(vcards.vcard_for(view), mimetype="text/vcard")
    response.headers["Content-Disposition"] = vcards.attachment(view.name)
    return response
