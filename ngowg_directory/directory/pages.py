"""The people and organisation search pages: a GET form, facets, paging, an empty state.

The directory's pages, and its start page, which is the people search of a signed-in user.
Each keeps its own route, and its rate limit (one search each).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import render_template, request
from flask_login import current_user

from .. import privacy
from ..labels import kind_label, role_label
from ..search import Query, Result, search_organizations, search_people
from ..search.facets import Facet
from ..search.params import ORG_FACETS, PEOPLE_FACETS, Parsed, parse
from ..services import council_search
from .section_cache import cached_section


def _labels(org_names: dict[str, str]) -> dict[str, object]:
    """Functions the templates use to name facet values and applied filters."""
    from ..templating import tag_label

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


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager shows: the first, the last, and `around` on each side of the
    current one; None where numbers are left out (shown as an ellipsis)."""
    wanted = {1, pages, *range(page - around, page + around + 1)}
    shown = sorted(n for n in wanted if 1 <= n <= pages)
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def _paging(parsed: Parsed, result: Result) -> dict[str, Any]:
    pages = parsed.query.pages(result.total)
    page = parsed.query.page
    return {
        "page": page,
        "pages": pages,
        "total": result.total,
        "numbers": page_numbers(page, pages) if page <= pages else [],
    }


def _page(
    kind: str,
    facets: tuple[Facet, ...],
    search: Callable[[Query], Result],
    hits: Callable[[Result], list[Any]],
    *,
    shared: bool = True,
    **extra: Any,
) -> str:
    """A search page: the query from the arguments, the answer, and its section of hits (the
    rendered section kept while what it shows is the same: section_cache.py)."""
    parsed = parse(request.args, facets)
    result = search(parsed.query)
    found = hits(result)

    def section() -> str:
        return render_template(
            f"directory/_{kind}_section.html",
            parsed=parsed,
            result=result,
            hits=found,
            paging=_paging(parsed, result),
            **_labels(result.org_names),
        )

    return render_template(
        f"directory/{kind}.html",
        section=cached_section(kind, parsed.query, result, found, section, shared=shared),
        **extra,
    )


def people_page() -> str:
    """People found by text, role, country, agenda situation, theme, language, organisation."""
    return _page(
        "people",
        PEOPLE_FACETS,
        search_people,
        lambda result: privacy.listing_views(current_user, result.ids),
        shared=privacy.listing_is_shared(current_user),
        # Published recommendations matching the words (services/council_search.py).
        council_hits=council_search.matches(request.args.get("q")),
    )


def organizations_page() -> str:
    """Organisations found by text, kind, country and theme."""
    return _page(
        "organizations",
        ORG_FACETS,
        search_organizations,
        lambda result: privacy.org_views(current_user, result.ids),
    )
