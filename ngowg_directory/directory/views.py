"""The start page and the people and organisation search pages (pages.py renders them)."""

from __future__ import annotations

from flask import redirect, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from ..ratelimits import search_limit
from ..services import consent
from . import bp, pages


@bp.get("/")
@search_limit
def index() -> str | BaseResponse:
    """The directory is the start page of a signed-in user; once a sign-in, until she agrees
    or says "not now", it leads her to the consent step first. One search of her budget,
    as /directory is."""
    if not session.get("consent_led") and consent.remembered_state(current_user) == consent.STEP:
        session["consent_led"] = True
        return redirect(url_for("account.consent"))
    return pages.people_page()


@bp.get("/directory")
@search_limit
def people() -> str:
    """Find people by text, role, country, agenda situation, theme, language, organisation."""
    return pages.people_page()


@bp.get("/directory/organizations")
@search_limit
def organizations() -> str:
    """Find organisations by text, kind, country and theme."""
    return pages.organizations_page()
