"""Home page, health and readiness probes, safety resources."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Response, render_template

from ..extensions import db, limiter
from ..ratelimits import search_limit
from . import bp

logger = logging.getLogger(__name__)


@bp.get("/")
@search_limit
def index() -> str:
    """The directory is the start page of a signed-in user."""
    from ..directory.views import people

    return people()


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Response:
    """The process answers; the database is not touched."""
    return Response("ok", mimetype="text/plain")


@bp.get("/readyz")
@limiter.exempt
def readyz() -> tuple[Response, int]:
    """200 when the database answers, else 503."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        logger.warning("readiness check failed: %s", type(exc).__name__)
        return Response("database unavailable", mimetype="text/plain"), 503
    return Response("ready", mimetype="text/plain"), 200


@bp.get("/safety")
def safety() -> str:
    """Emergency and digital-security help for defenders at risk."""
    return render_template("main/safety.html")
