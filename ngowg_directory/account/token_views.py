"""Personal access tokens for the JSON API."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..forms import ConfirmForm
from ..services import accounts, tokens
from . import bp
from .forms import TokenForm

logger = logging.getLogger(__name__)


@bp.route("/tokens", methods=["GET", "POST"])
def api_tokens() -> str | Response:
    """Create a token (shown once) with the password and a code, and see or revoke the ones
    that work."""
    user = current_user._get_current_object()
    form = TokenForm()
    secret = None
    if form.validate_on_submit():
        name, days = form.name.data or "", int(form.days.data)
        try:
            tokens.check_request(user, name, days)  # a bad name spends no password attempt
            accounts.confirm_owner(user, form.password.data or "", form.code.data or "")
            _token, secret = tokens.create(user, name, days)
        except tokens.OwnerNotConfirmed as exc:
            db.session.commit()  # the failed attempt counts toward the lockout
            if exc.just_locked:
                accounts.notify_lockout(user)
            form.password.errors = [*form.password.errors, str(exc)]
        except tokens.TokenError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    return render_template(
        "account/tokens.html",
        form=form,
        secret=secret,
        tokens=tokens.active(user),
        confirm=ConfirmForm(),
    )


@bp.post("/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    """Revoke a token: it stops working at once."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not tokens.revoke(current_user, token_id):
        abort(404)
    db.session.commit()
    flash(_("The token was revoked."), "success")
    return redirect(url_for("account.api_tokens"))
