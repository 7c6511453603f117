"""The people and organisation search pages: a GET form, facets, paging, an empty state.

Shared by two blueprints: the directory's pages and the start page, which is the people
search of a signed-in user. Each keeps its own route, and its rate limit (one search each).
"""

from __future__ import annotations

import math

from flask import render_template, request
from flask_login import current_user

from . import privacy
from .labels import kind_label, role_label
from .search import Result, search_organizations, search_people
from .search.cache import cached_section
from .search.params import ORG_FILTERS, PEOPLE_FILTERS, Parsed, parse


def _labels(org_names: dict[str, str]) -> dict[str, object]:
    """Functions the templates use to name facet values and applied filters."""
    from .templating import tag_label

    def org_name(slug: str) -> str:
        return org_names.get(slug, slug)

    def filter_label(name: str, value: str) -> str:
        if name == "role":
            return role_label(value)
        if name == "kind":
            return kind_label(value)
        if name == "org":
            return org_name(value)
        plural = {"theme": "themes", "situation": "situations", "language": "languages"}
        return tag_label(plural.get(name, "countries"), value)

    return {
        "org_name": org_name,
        "role_label": role_label,
        "kind_label": kind_label,
        "filter_label": filter_label,
    }


def _paging(parsed: Parsed, result: Result) -> dict[str, int]:
    pages = max(1, math.ceil(result.total / parsed.query.per_page))
    return {"page": parsed.query.page, "pages": pages, "total": result.total}


def people_page() -> str:
    """People found by text, role, country, agenda situation, theme, language, organisation."""
    parsed = parse(request.args, PEOPLE_FILTERS)

    result = search_people(parsed.query)

    def section() -> str:
        return render_template(
            "directory/_people_section.html",
            parsed=parsed,
            result=result,
            hits=privacy.listing_views(current_user, result.ids),
            paging=_paging(parsed, result),
            **_labels(result.org_names),
        )

    shared = privacy.listing_is_shared(current_user)
    return render_template(
        "directory/people.html",
        section=cached_section("people", parsed.query, result, section, shared=shared),
    )


def organizations_page() -> str:
    """Organisations found by text, kind, country and theme."""
    parsed = parse(request.args, ORG_FILTERS)

    result = search_organizations(parsed.query)

    def section() -> str:
        return render_template(
            "directory/_organizations_section.html",
            parsed=parsed,
            result=result,
            hits=privacy.org_views(current_user, result.ids),
            paging=_paging(parsed, result),
            **_labels({}),
        )

    return render_template(
        "directory/organizations.html",
        section=cached_section("organizations", parsed.query, result, section),
    )
