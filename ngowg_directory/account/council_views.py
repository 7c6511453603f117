"""Her part in the Council's pages: the credits offered to her (or her organisation), and the
key of her calendar feed."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ConfirmForm
from ..services import calendar as calendar_keys
from ..services import credits
from . import bp

# What she is told after each move (privacy.credits.MOVES).
DONE = {
    "accept": _l("Thank you: you are credited while you are listed in the directory."),
    "decline": _l("You are not credited."),
    "withdraw": _l("Your credit was withdrawn: your name is no longer shown."),
}


@bp.get("/credits")
def credits_page() -> str:
    """Credits offered to her and, for a manager, to her organisation: accept, decline,
    withdraw."""
    return render_template(
        "account/credits.html", credits=credits.mine(current_user), confirm=ConfirmForm()
    )


@bp.post("/credits/<int:credit_id>/<any(accept, decline, withdraw):move>")
def answer_credit(credit_id: int, move: str) -> Response:
    """One answer; a credit that is not hers is a 404, one already answered is told so."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    done = credits.answer(current_user, credit_id, move)
    if done is None:
        abort(404)
    db.session.commit()
    if done:
        flash(str(DONE[move]), "success")
    else:
        flash(_("This credit cannot be answered that way now."), "error")
    return redirect(url_for("account.credits_page"))


@bp.route("/calendar", methods=["GET", "POST"])
def calendar() -> str:
    """Her calendar feed's key: made (shown once; any older one stops working) or revoked."""
    form = ConfirmForm()
    secret = None
    if form.validate_on_submit():
        secret = calendar_keys.create(current_user)
        db.session.commit()
    return render_template(
        "account/calendar.html",
        key=calendar_keys.active(current_user),
        secret=secret,
        feed=url_for("council.calendar_feed", key=secret, _external=True) if secret else None,
        confirm=ConfirmForm(),
    )


@bp.post("/calendar/revoke")
def revoke_calendar() -> Response:
    """Her feed stops working at once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if calendar_keys.revoke(current_user):
        db.session.commit()
        flash(_("Your calendar key was revoked: the feed stopped working."), "success")
    return redirect(url_for("account.calendar"))
