"""Sign-in, two-factor, sign-out, password reset and invitation pages."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import audit, i18n, mail
from ..extensions import db, limiter
from ..forms import ConfirmForm
from ..models import User
from ..models._types import utcnow
from ..ratelimits import login_limit
from ..services import accounts, invitations, passwords, twofactor
from ..sessions import end_session, start_session
from ..urls import safe_local_path
from . import bp
from .forms import (
    AcceptInviteForm,
    LoginForm,
    ReauthenticateForm,
    ResetPasswordForm,
    ResetRequestForm,
    TwoFactorForm,
)

logger = logging.getLogger(__name__)

sign_in_limit = limiter.shared_limit(login_limit, scope="sign-in", methods=["POST"])
SIGN_IN_FAILED = _l(
    "The e-mail address or password is not right. After five failed attempts an account is "
    "locked for 15 minutes."
)


# Pages nobody means to land on once signed in: the sign-in steps, sign-out, and the short
# paths people type for them (/login, /logout: main/views.py).
NOT_AFTER_SIGN_IN = frozenset(
    {"auth.login", "auth.two_factor", "auth.logout", "main.sign_in_path", "main.sign_out_path"}
)
SIGN_IN_PAGES = frozenset({"auth.login", "main.sign_in_path"})


def safe_next(target: str | None, depth: int = 0) -> str:
    """A path on this site to continue to after sign-in; anything else goes home, and so does
    a sign-in or sign-out page (typing /login led, once signed in, to "Page not found"). A
    sign-in page's own `next` (/login?next=/account) is where she meant to go."""
    path = safe_local_path(target)
    if path is None:
        return url_for("directory.index")
    endpoint = _endpoint_of(path)
    if endpoint not in NOT_AFTER_SIGN_IN:
        return path
    inner = parse_qs(urlsplit(path).query).get("next")
    if endpoint in SIGN_IN_PAGES and inner and depth < 3:
        return safe_next(inner[0], depth + 1)
    return url_for("directory.index")


def _endpoint_of(path: str) -> str | None:
    """The endpoint a GET of `path` reaches, or None (no page, or a redirect first)."""
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return None
    try:
        endpoint, _values = adapter.match(unquote(urlsplit(path).path), method="GET")
    except HTTPException:  # not found, not for GET, or a redirect (a missing trailing slash)
        return None
    return str(endpoint)


def _refusal(reason: str | None) -> str:
    """What the sign-in page says when the password check failed. That the account is
    suspended is said only to someone who gave its right password (check_credentials checks
    the password first), so it tells nobody else anything; why is not said."""
    if reason != "suspended":
        return str(SIGN_IN_FAILED)
    address = current_app.config.get("SECRETARIAT_EMAIL")
    if address:
        return _(
            "Your account is suspended, so you cannot sign in. To find out why or to have it "
            "restored, please write to the secretariat at %(email)s.",
            email=address,
        )
    return _(
        "Your account is suspended, so you cannot sign in. To find out why or to have it "
        "restored, please contact the secretariat of the NGO Working Group."
    )


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limit
def login() -> str | Response:
    """E-mail and password; then the two-factor step where it is on."""
    next_url = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(safe_next(next_url))
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.check_credentials(form.email.data or "", form.password.data or "")
        if result.ok and result.user is not None:
            return _after_password(result.user, next_url)
        db.session.commit()
        if result.just_locked and result.user is not None:
            accounts.notify_lockout(result.user)
        flash(_refusal(result.reason), "error")
    return render_template("auth/login.html", form=form)


def _after_password(user: User, next_url: str | None) -> Response:
    if user.totp_enabled:
        session.clear()
        session["pending_2fa"] = {
            "u": user.id,
            "v": user.session_version,
            "at": int(time.time()),
            "next": next_url,
        }
        db.session.commit()
        return redirect(url_for("auth.two_factor"))
    accounts.register_success(user)
    start_session(user)
    db.session.commit()
    return redirect(safe_next(next_url))


def _pending_user() -> User | None:
    pending = session.get("pending_2fa")
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        return None
    user = db.session.get(User, pending.get("u"))
    if user is None or not user.is_active or user.session_version != pending.get("v"):
        return None
    return user


@bp.route("/two-factor", methods=["GET", "POST"])
@sign_in_limit
def two_factor() -> str | Response:
    """The second step: a TOTP code or a recovery code."""
    user = _pending_user()
    if user is None:
        session.pop("pending_2fa", None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    if form.validate_on_submit():
        code = form.code.data or ""
        locked = user.locked_until is not None and user.locked_until > utcnow()
        if not locked and (
            twofactor.verify_totp(user, code) or twofactor.use_recovery_code(user, code)
        ):
            next_url = session["pending_2fa"].get("next")
            accounts.register_success(user)
            start_session(user)
            db.session.commit()
            return redirect(safe_next(next_url))
        just_locked = accounts.register_failure(user, reason="two_factor") if not locked else False
        db.session.commit()
        if locked or just_locked:
            if just_locked:
                accounts.notify_lockout(user)
            session.pop("pending_2fa", None)
            flash(str(SIGN_IN_FAILED), "error")
            return redirect(url_for("auth.login"))
        flash(_("That code is not right, or it was already used. Try the next code."), "error")
    return render_template("auth/two_factor.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> str | Response:
    """End this session and every other session of the user. Typed in (GET), the page asks
    first: a link alone must not sign anyone out. Signed out already: the sign-in page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if request.method == "GET":
        return render_template("auth/logout.html", form=ConfirmForm())
    user_id = current_user.id
    end_session()
    audit.record("logout", actor=user_id, target_type="user", target_id=user_id)
    db.session.commit()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@sign_in_limit
def reset_request() -> str | Response:
    """Ask for a reset link; the answer is the same whether the address is known or not."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = accounts.find_by_email(form.email.data or "")
        if user is not None and user.is_active:
            token = accounts.make_reset_token(user)
            link = current_app.config["BASE_URL"] + url_for("auth.reset_password", token=token)
            audit.record("password_reset_requested", target=user)
            db.session.commit()
            if not mail.try_send_template(
                user.email,
                _l("Reset your directory password"),
                "reset",
                locale=mail.language_for(user),
                link=link,
            ):
                logger.warning("reset link for user %s could not be sent", user.id)
        flash(
            _(
                "If an account exists for that address, we have sent it a link to choose a new "
                "password. The link works for one hour."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@sign_in_limit
def reset_password(token: str) -> str | Response | tuple[str, int]:
    """Choose a new password through a valid link."""
    user = accounts.user_for_reset_token(token)
    if user is None:
        return render_template("auth/link_invalid.html", kind="reset"), 400
    form = ResetPasswordForm()
    form._email = user.email
    if form.validate_on_submit():
        if not accounts.reset_password(user, form.password.data):
            return render_template("auth/link_invalid.html", kind="reset"), 400
        db.session.commit()
        flash(_("Your password has been changed. Please sign in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


@bp.route("/invite/<token>", methods=["GET", "POST"])
@sign_in_limit
def accept_invite(token: str) -> str | Response | tuple[str, int]:
    """Accept an invitation: choose a display name and a password."""
    invitation = invitations.find_open(token)
    if invitation is None:
        return render_template("auth/link_invalid.html", kind="invite"), 400
    i18n.use_invitation_language(invitation.locale)
    # The name the invitation holds (the inviter's or the import's), hers to change.
    form = AcceptInviteForm(name=invitation.user.name or None)
    form._email = invitation.user.email
    if form.validate_on_submit():
        if current_user.is_authenticated:
            end_session()
        user = invitations.accept(invitation, form.name.data or "", form.password.data)
        if user is None:
            return render_template("auth/link_invalid.html", kind="invite"), 400
        # She goes on in the language she accepted in (the invitation's, or the one she
        # switched to): her saved choice, which the switch changes.
        user.locale = i18n.current_language()
        start_session(user)
        db.session.commit()
        flash(_("Welcome. Your account is ready."), "success")
        # First run: nothing about her is shown until she agrees on the consent step.
        return redirect(url_for("account.consent"))
    return render_template("auth/accept_invite.html", form=form, invitation=invitation)


@bp.route("/reauthenticate", methods=["GET", "POST"])
@sign_in_limit
def reauthenticate() -> str | Response:
    """Admin actions need a sign-in of the last ten minutes: password and a fresh code."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    form = ReauthenticateForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        password_ok = passwords.verify_password(user.password_hash, form.password.data or "")
        if password_ok and twofactor.verify_totp(user, form.code.data or ""):
            session["auth_at"] = int(time.time())
            audit.record("reauthenticated", actor=user, target=user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        accounts.register_failure(user, reason="reauthenticate")
        db.session.commit()
        flash(_("The password or the code is not right."), "error")
    return render_template("auth/reauthenticate.html", form=form)
