"""Health and readiness probes, safety resources (the start page is the directory's)."""

from __future__ import annotations

import logging

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from .. import database, draining, i18n
from ..extensions import db, limiter
from ..urls import safe_local_path
from . import bp

logger = logging.getLogger(__name__)


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    """The process answers; the database is not touched."""
    return Response("ok", mimetype="text/plain")


@bp.get("/readyz")
@limiter.exempt
def readyz() -> tuple[Response, int]:
    """200 when the database answers, else 503; 503 at once while the server drains before it
    stops (SIGTERM). Answers within a second whatever the database does (database.py)."""
    if draining.active():
        return Response("shutting down", mimetype="text/plain"), 503
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object
    ready, reason = database.database_answers(app)
    if not ready:
        logger.warning("readiness check failed: %s", reason)
        answer = Response("database unavailable", mimetype="text/plain")
        answer.headers["Retry-After"] = str(database.RETRY_AFTER_SECONDS)
        return answer, 503
    return Response("ready", mimetype="text/plain"), 200


@bp.get("/safety")
def safety() -> str:
    """Emergency and digital-security help for defenders at risk."""
    return render_template("main/safety.html")


@bp.post("/language")
def set_language() -> BaseResponse:
    """Switch the language: saved for a signed-in person, a cookie for everyone."""
    locale = request.form.get("locale", "")
    if not i18n.is_supported(locale):
        abort(400, description=_("Choose one of the languages offered."))
    if current_user.is_authenticated and current_user.locale != locale:
        current_user.locale = locale
        db.session.commit()
    response = redirect(safe_local_path(request.form.get("next")) or "/")
    response.set_cookie(
        i18n.COOKIE_NAME,
        locale,
        max_age=i18n.COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


# Paths people type for the sign-in and sign-out pages (which live under /auth/): each leads
# there. Registration paths lead to sign-in too, whose page says how to get an invitation.
# They are not on the short list of public pages (sessions.PUBLIC_ENDPOINTS): someone signed
# out is sent to sign in with the path as `next`, which after sign-in goes home instead
# (auth.views.safe_next), so /login ends on the start page either way.
SIGN_IN_PATHS = ("/login", "/log-in", "/signin", "/sign-in", "/register", "/signup", "/sign-up")
SIGN_OUT_PATHS = ("/logout", "/log-out", "/signout", "/sign-out")


def sign_in_path() -> BaseResponse:
    """To the sign-in page, with the page to go on to when one was given."""
    return redirect(url_for("auth.login", next=safe_local_path(request.args.get("next"))))


def sign_out_path() -> BaseResponse:
    """To the sign-out page (which asks first), or sign-in for someone signed out."""
    return redirect(url_for("auth.logout"))


for _path in SIGN_IN_PATHS:
    bp.add_url_rule(_path, view_func=sign_in_path, methods=["GET"])
for _path in SIGN_OUT_PATHS:
    bp.add_url_rule(_path, view_func=sign_out_path, methods=["GET"])
