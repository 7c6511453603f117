"""Reading search parameters: every bad value gets a message and is left out, never a 500.

The filters a page or the API accepts are the facets of facets.py; the directory pages and the
API read their arguments through `parse`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from . import MAX_PAGE, MAX_PAGE_SIZE, MAX_QUERY_CHARS, PAGE_SIZE, SORTS, Query
from .facets import ORG_FACETS, PEOPLE_FACETS, Facet

__all__ = ["ORG_FACETS", "PEOPLE_FACETS", "Parsed", "parse"]

UNREADABLE = "\ufffd"  # what rawinput.py writes for bytes that are not UTF-8


@dataclass
class Parsed:
    """A checked query, the filters applied (parameter -> value) and a message per bad value."""

    query: Query
    applied: dict[str, str] = field(default_factory=dict)  # parameter -> value
    messages: list[str] = field(default_factory=list)


def _int(args: MultiDict, name: str, default: int, low: int, high: int, messages: list[str]) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        messages.append(
            _(
                "“%(name)s” must be a number from %(low)s to %(high)s; showing %(default)s.",
                name=name,
                low=low,
                high=high,
                default=default,
            )
        )
        return default
    return int(raw)


def parse(args: MultiDict, facets: tuple[Facet, ...]) -> Parsed:
    """A Query from request arguments, with a message for each value that was left out."""
    messages: list[str] = []
    text = args.get("q", "")
    readable = "".join(ch for ch in text if ch != UNREADABLE and unicodedata.category(ch) != "Cc")
    if readable != text:
        messages.append(_("Characters of the search that are not text were left out."))
    text = readable.strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        messages.append(
            _("The search text was cut to its first %(n)s characters.", n=MAX_QUERY_CHARS)
        )
    applied: dict[str, str] = {}
    for facet in facets:
        given = [value.strip() for value in args.getlist(facet.name) if value.strip()]
        if not given:
            continue
        if len(given) > 1:
            messages.append(
                _(
                    "Only one %(name)s at a time: “%(value)s” was used.",
                    name=facet.name,
                    value=given[0][:40],
                )
            )
        value = given[0]
        valid = facet.canonical(value)
        if valid is None:
            messages.append(
                _(
                    "“%(value)s” is not a known %(name)s; that filter was left out.",
                    value=value[:40],
                    name=facet.name,
                )
            )
            continue
        applied[facet.name] = valid
    sort = args.get("sort", "relevance")
    if sort not in SORTS:
        messages.append(_("Unknown sort order; sorted by relevance."))
        sort = "relevance"
    per_page = _int(args, "per_page", PAGE_SIZE, 1, MAX_PAGE_SIZE, messages)
    page = _int(args, "page", 1, 1, MAX_PAGE, messages)
    query = Query(text=text, filters=dict(applied), sort=sort, page=page, per_page=per_page)
    return Parsed(query=query, applied=applied, messages=messages)
