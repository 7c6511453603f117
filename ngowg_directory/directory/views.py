"""People and organisation search pages (search_pages.py renders them)."""

from __future__ import annotations

from .. import search_pages
from ..ratelimits import search_limit
from . import bp


@bp.get("/directory")
@search_limit
def people() -> str:
    """Find people by text, role, country, agenda situation, theme, language, organisation."""
    return search_pages.people_page()


@bp.get("/directory/organizations")
@search_limit
def organizations() -> str:
    """Find organisations by text, kind, country and theme."""
    return search_pages.organizations_page()
