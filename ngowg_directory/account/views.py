"""Password and two-factor settings."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from .. import crypto
from ..extensions import db
from ..services import accounts, passwords, twofactor
from ..sessions import requires_two_factor, start_session
from . import bp
from .forms import (
    ChangePasswordForm,
    ConfirmPasswordForm,
    DeleteAccountForm,
    EnableTwoFactorForm,
)


def check_current(form: ChangePasswordForm | ConfirmPasswordForm | DeleteAccountForm) -> bool:
    """Whether the form's `current` field holds her password; if not, it says so there."""
    if passwords.verify_password(current_user.password_hash, form.current.data or ""):
        return True
    form.current.errors = [*form.current.errors, _("This is not your current password.")]
    return False


@bp.route("/security", methods=["GET", "POST"])
def security() -> str | Response:
    """Change the password; see and change two-factor sign-in."""
    form = ChangePasswordForm(prefix="pw")
    form._email = current_user.email
    if form.validate_on_submit() and check_current(form):
        accounts.set_password(current_user, form.password.data)
        start_session(current_user)
        db.session.commit()
        flash(_("Your password has been changed. Other sessions were signed out."), "success")
        return redirect(url_for("account.security"))
    return render_template(
        "account/security.html",
        form=form,
        disable_form=ConfirmPasswordForm(prefix="off"),
        codes_form=ConfirmPasswordForm(prefix="codes"),
        remaining=twofactor.remaining_codes(current_user),
        required=current_user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"],
    )


@bp.route("/security/two-factor", methods=["GET", "POST"])
def two_factor_setup() -> str | Response:
    """Enrol: scan the QR code (or type the secret), then prove it with a code."""
    if current_user.totp_enabled:
        return redirect(url_for("account.security"))
    # The secret waits in the (signed, readable) cookie only in encrypted form.
    stored = session.get("totp_setup")
    secret = crypto.decrypt(stored) if stored else twofactor.new_secret()
    session["totp_setup"] = crypto.encrypt(secret)
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        codes = twofactor.enable(current_user, secret, form.code.data or "")
        if codes is not None:
            session.pop("totp_setup", None)
            start_session(current_user)
            db.session.commit()
            flash(_("Two-factor sign-in is on."), "success")
            return render_template("account/recovery_codes.html", codes=codes)
        form.code.errors = [
            *form.code.errors,
            _("That code is not right. Check the time on your phone and try the next code."),
        ]
    uri = twofactor.provisioning_uri(current_user, secret)
    return render_template(
        "account/two_factor_setup.html",
        form=form,
        secret=secret,
        otpauth_uri=uri,
        qr_svg=twofactor.qr_svg(uri),
        must=requires_two_factor(current_user),
    )


@bp.post("/security/two-factor/disable")
def two_factor_disable() -> str | Response:
    """Turn two-factor sign-in off, where the role allows it."""
    if current_user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"]:
        abort(403)
    form = ConfirmPasswordForm(prefix="off")
    if form.validate_on_submit() and check_current(form):
        twofactor.disable(current_user)
        start_session(current_user)
        db.session.commit()
        flash(_("Two-factor sign-in is off."), "success")
    else:
        flash(_("Two-factor sign-in is still on: the password was not right."), "error")
    return redirect(url_for("account.security"))


@bp.post("/security/recovery-codes")
def recovery_codes() -> str | Response:
    """Replace the recovery codes; the old ones stop working."""
    form = ConfirmPasswordForm(prefix="codes")
    if not current_user.totp_enabled:
        return redirect(url_for("account.security"))
    if form.validate_on_submit() and check_current(form):
        codes = twofactor.regenerate_recovery_codes(current_user)
        db.session.commit()
        return render_template("account/recovery_codes.html", codes=codes)
    flash(_("New codes were not made: the password was not right."), "error")
    return redirect(url_for("account.security"))
