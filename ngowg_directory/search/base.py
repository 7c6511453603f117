"""Facets: filter tokens counted by the engine, named as the pages and the API show them."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Organization
from ..privacy import org_listed_clause
from . import Result
from .facets import ORG, known_tokens

# Organisations listed in the organisation facet of one answer, most matches first.
ORG_FACET_SIZE = 100


def _listed_orgs(state: tuple[str, int]) -> dict[str, tuple[str, str]]:
    """Compact token -> (slug, name) of every organisation every member may see, read once
    for each state of the database (any change to an organisation moves it: changes.py)."""
    cache = current_app.extensions.setdefault("search_org_names", {})
    found = cache.get("orgs")
    if found is None or found[0] != state:
        rows = db.session.execute(
            sa.select(Organization.slug, Organization.name).where(org_listed_clause())
        )
        found = (state, {slug.replace("-", ""): (slug, name) for slug, name in rows})
        cache["orgs"] = found
    return found[1]


def with_org_slugs(result: Result, state: tuple[str, int]) -> Result:
    """Turn the organisation facet's compact tokens back into slugs, and name them."""
    compact = result.facets.get(ORG.name)
    if not compact:
        return result
    # An archived organisation is named in no facet, even by an entry not yet reindexed.
    listed = _listed_orgs(state)
    named = [listed[key] for key in compact if key in listed]
    result.org_names = dict(named)
    result.facets[ORG.name] = {slug: compact[slug.replace("-", "")] for slug, _name in named}
    return result


def trim_orgs(
    facets: dict[str, dict[str, int]], keep: frozenset[str] = frozenset()
) -> dict[str, dict[str, int]]:
    """Keep the ORG_FACET_SIZE organisations with most matches, and those in `keep` (the one
    filtered on, whatever its count).

    With thousands of organisations, a broad search would otherwise list every one of them:
    a menu nobody reads, and most of the page's rendering time."""
    orgs = facets.get(ORG.name)
    if not orgs or len(orgs) <= ORG_FACET_SIZE:
        return facets
    ranked = sorted(orgs.items(), key=lambda item: (-item[1], item[0]))
    top = dict(ranked[:ORG_FACET_SIZE])
    top.update({key: orgs[key] for key in keep if key in orgs})
    facets[ORG.name] = top
    return facets


def facets_from(counter: Counter) -> dict[str, dict[str, int]]:
    """Facet counts from the filter tokens counted over every matching row.

    Organisations are counted by their compact token (the org facet's keys are slugs without
    dashes); with_org_slugs turns them back into slugs."""
    known = known_tokens()
    org_prefix = ORG.token("")
    facets: dict[str, dict[str, int]] = {}
    for tok, count in counter.items():
        if tok in known:
            name, value = known[tok]
            facets.setdefault(name, {})[value] = count
        elif tok.startswith(org_prefix):
            facets.setdefault(ORG.name, {})[tok[len(org_prefix) :]] = count
    return facets
