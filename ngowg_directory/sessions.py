"""Sessions: loading the user, idle and absolute lifetimes, sign-in and 2FA requirements."""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy.orm import lazyload
from werkzeug.wrappers import Response

from . import i18n
from .extensions import db
from .models import User
from .services import accounts

logger = logging.getLogger(__name__)

# Endpoints an anonymous visitor may reach; everything else needs a signed-in user.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "main.healthz",
        "main.readyz",
        "main.safety",
        "main.set_language",
        "auth.login",
        "auth.two_factor",
        "auth.reset_request",
        "auth.reset_password",
        "auth.accept_invite",
        # A calendar application has no session: the feed's key is its sign-in.
        "council.calendar_feed",
    }
)
# Requests that show no page: they leave her language alone.
PAGELESS_ENDPOINTS = frozenset({"static", "main.healthz", "main.readyz", "council.calendar_feed"})
# What a user who must enrol in 2FA may reach before enrolling.
ENROLMENT_ENDPOINTS = frozenset(
    {
        "static",
        "main.healthz",
        "main.readyz",
        "main.safety",
        "main.set_language",
        "account.two_factor_setup",
        "auth.logout",
    }
)


def init_login_manager(login_manager: LoginManager) -> None:
    """Load users by id and session version; a bumped version ends the session."""
    login_manager.session_protection = None
    login_manager.login_view = "auth.login"

    @login_manager.user_loader
    def load_user(session_key: str) -> User | None:
        user_id, _sep, version = session_key.partition(".")
        if not (
            user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()
        ):
            return None
        # The profile (and its encrypted contact details) loads only where a page uses it.
        user = db.session.get(User, int(user_id), options=[lazyload(User.profile)])
        if user is None or not user.is_active or user.session_version != int(version):
            return None
        return user


def start_session(user: User) -> None:
    """Renew the session for a user who just proved who she is."""
    # login_user must get the object itself: storing the current_user proxy in g recurses.
    user = getattr(user, "_get_current_object", lambda: user)()
    session.clear()
    session.permanent = True
    login_user(user)
    now = int(time.time())
    session["started"] = now
    session["seen"] = now
    session["auth_at"] = now
    # The language her pages will speak from now on (her saved choice first), noted with the
    # sign-in that the caller commits.
    user.last_locale = user.locale if i18n.is_supported(user.locale) else i18n.current_language()


def end_session() -> None:
    """Sign out here and, through the session version, everywhere else."""
    if current_user.is_authenticated:
        current_user.end_all_sessions()
    logout_user()
    session.clear()


def requires_two_factor(user: User) -> bool:
    """True when the user's role must use 2FA and she has not enrolled yet."""
    return user.role in current_app.config["TWO_FACTOR_REQUIRED_ROLES"] and not user.totp_enabled


def _enforce_lifetime() -> None:
    if "_user_id" not in session or request.path.startswith("/api/"):
        return
    now = int(time.time())
    config = current_app.config
    started, seen = session.get("started", 0), session.get("seen", 0)
    if (
        now - started > config["SESSION_ABSOLUTE_SECONDS"]
        or now - seen > config["SESSION_IDLE_SECONDS"]
    ):
        logout_user()
        session.clear()
        flash(_("Your session ended. Please sign in again."), "info")
        return
    if now - seen >= 30:
        session["seen"] = now


def _require_sign_in() -> Response | None:
    endpoint = request.endpoint
    # The API authenticates every request by its token (api/), never by the session cookie.
    if endpoint in PUBLIC_ENDPOINTS or request.path.startswith("/api/"):
        return None
    if not current_user.is_authenticated:
        target = request.full_path if request.method == "GET" else None
        if target and target.endswith("?"):
            target = target[:-1]
        return redirect(url_for("auth.login", next=target))
    if requires_two_factor(current_user) and endpoint not in ENROLMENT_ENDPOINTS:
        flash(_("Your role needs two-factor sign-in. Please set it up to continue."), "info")
        return redirect(url_for("account.two_factor_setup"))
    return None


def _remember_language() -> None:
    """The language a signed-in page speaks (her saved choice, else the cookie, else her
    browser's Accept-Language) is the one her e-mails speak when she saved no choice."""
    if (
        "_user_id" not in session
        or request.endpoint in PAGELESS_ENDPOINTS
        or request.path.startswith("/api/")
        or not current_user.is_authenticated
    ):
        return
    accounts.remember_language(current_user._get_current_object(), i18n.current_language())


def init_app(app: Flask) -> None:
    """Register the hooks in order: lifetime first, then the sign-in requirement, then the
    language she reads the site in."""
    app.before_request(_enforce_lifetime)
    app.before_request(_require_sign_in)
    app.before_request(_remember_language)
