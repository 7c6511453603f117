"""Facets: filter tokens counted by the engine, named as the pages and the API show them."""

from __future__ import annotations

from collections import Counter
from functools import cache

import sqlalchemy as sa

from .. import reference
from ..extensions import db
from ..models import ORG_KINDS, ROLES, Organization
from ..privacy import org_listed_clause
from . import Result
from .index import token

# Organisations listed in the organisation facet of one answer, most matches first.
ORG_FACET_SIZE = 100


@cache
def _token_values() -> dict[str, tuple[str, str]]:
    """Filter token -> (facet kind, canonical value), for every value known in advance."""
    known: dict[str, list[str]] = {
        "r": list(ROLES),
        "k": list(ORG_KINDS),
        "c": sorted(reference.country_codes()),
        "s": list(reference.situations()),
        "t": list(reference.themes()),
        "l": sorted(reference.language_codes()),
    }
    return {token(kind, value): (kind, value) for kind, values in known.items() for value in values}


def with_org_slugs(result: Result) -> Result:
    """Turn the organisation facet's compact tokens back into slugs, and name them."""
    compact = result.facets.get("o")
    if not compact:
        return result
    # An archived organisation is named in no facet, even by an entry not yet reindexed.
    rows = db.session.execute(
        sa.select(Organization.slug, Organization.name).where(
            sa.func.replace(Organization.slug, "-", "").in_(list(compact)),
            org_listed_clause(),
        )
    )
    result.org_names = {slug: name for slug, name in rows}
    result.facets["o"] = {slug: compact[slug.replace("-", "")] for slug in result.org_names}
    return result


def trim_orgs(
    facets: dict[str, dict[str, int]], keep: frozenset[str] = frozenset()
) -> dict[str, dict[str, int]]:
    """Keep the ORG_FACET_SIZE organisations with most matches, and those in `keep` (the one
    filtered on, whatever its count).

    With thousands of organisations, a broad search would otherwise list every one of them:
    a menu nobody reads, and most of the page's rendering time."""
    orgs = facets.get("o")
    if not orgs or len(orgs) <= ORG_FACET_SIZE:
        return facets
    ranked = sorted(orgs.items(), key=lambda item: (-item[1], item[0]))
    top = dict(ranked[:ORG_FACET_SIZE])
    top.update({key: orgs[key] for key in keep if key in orgs})
    facets["o"] = top
    return facets


def facets_from(counter: Counter) -> dict[str, dict[str, int]]:
    """Facet counts from the filter tokens counted over every matching row.

    Organisations are counted by their compact token ("o" facet keys are slugs without
    dashes); with_org_slugs turns them back into slugs."""
    known = _token_values()
    facets: dict[str, dict[str, int]] = {}
    for tok, count in counter.items():
        if tok in known:
            kind, value = known[tok]
            facets.setdefault(kind, {})[value] = count
        elif tok.startswith("xo"):
            facets.setdefault("o", {})[tok[2:]] = count
    return facets
