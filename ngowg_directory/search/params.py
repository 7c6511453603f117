"""Reading search parameters: every bad value gets a message and is left out, never a 500.

The names of the filters a page or the API accepts and the one-letter kinds of their index
tokens (index.py writes them, base.py counts them as facets) are listed here once; the
directory pages and the API read their arguments through `parse`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from .. import reference
from ..models import ORG_KINDS, ROLES
from . import MAX_PAGE_SIZE, MAX_QUERY_CHARS, PAGE_SIZE, SORTS, Query

PEOPLE_FILTERS = {
    "role": "r",
    "country": "c",
    "situation": "s",
    "theme": "t",
    "language": "l",
    "org": "o",
}
ORG_FILTERS = {"kind": "k", "country": "c", "theme": "t"}


@dataclass
class Parsed:
    """A checked query, the filters applied (parameter -> value) and a message per bad value."""

    query: Query
    applied: dict[str, str] = field(default_factory=dict)  # parameter -> value
    messages: list[str] = field(default_factory=list)


def _valid(name: str, value: str) -> str | None:
    """The value in its canonical form, or None when it is not one of the allowed ones."""
    if name == "role":
        return value if value in ROLES else None
    if name == "kind":
        return value if value in ORG_KINDS else None
    if name == "country":
        code = value.upper()
        return code if code in reference.country_codes() else None
    if name == "situation":
        code = value.upper()
        return code if code in reference.situations() else None
    if name == "theme":
        return value if value in reference.themes() else None
    if name == "language":
        code = value.lower()
        return code if code in reference.language_codes() else None
    if name == "org":
        slug = value.lower()
        ok = 0 < len(slug) <= 100 and all(ch.isalnum() or ch == "-" for ch in slug)
        return slug if ok else None
    return None


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


def parse(args: MultiDict, filters: dict[str, str]) -> Parsed:
    """A Query from request arguments, with a message for each value that was left out."""
    messages: list[str] = []
    text = args.get("q", "").strip()
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        messages.append(
            _("The search text was cut to its first %(n)s characters.", n=MAX_QUERY_CHARS)
        )
    applied: dict[str, str] = {}
    tokens: dict[str, str] = {}
    for name, kind in filters.items():
        value = args.get(name, "").strip()
        if not value:
            continue
        valid = _valid(name, value[:100])
        if valid is None:
            messages.append(
                _(
                    "“%(value)s” is not a known %(name)s; that filter was left out.",
                    value=value[:40],
                    name=name,
                )
            )
            continue
        applied[name] = valid
        tokens[kind] = valid
    sort = args.get("sort", "relevance")
    if sort not in SORTS:
        messages.append(_("Unknown sort order; sorted by relevance."))
        sort = "relevance"
    per_page = _int(args, "per_page", PAGE_SIZE, 1, MAX_PAGE_SIZE, messages)
    page = _int(args, "page", 1, 1, 100_000, messages)
    query = Query(text=text, filters=tokens, sort=sort, page=page, per_page=per_page)
    return Parsed(query=query, applied=applied, messages=messages)
