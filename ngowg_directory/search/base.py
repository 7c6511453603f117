"""What both back ends share: paging, sorting and facets over a matched-id subquery."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

import sqlalchemy as sa

from .. import reference
from ..extensions import db
from ..models import ORG_KINDS, ROLES, Organization
from ..privacy import org_listed_clause
from . import Query, Result
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


def trim_orgs(facets: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Keep the ORG_FACET_SIZE organisations with most matches.

    With thousands of organisations, a broad search would otherwise list every one of them:
    a menu nobody reads, and most of the page's rendering time."""
    orgs = facets.get("o")
    if not orgs or len(orgs) <= ORG_FACET_SIZE:
        return facets
    # (An organisation filtered on is always kept: every match belongs to it.)
    top = sorted(orgs.items(), key=lambda item: (-item[1], item[0]))[:ORG_FACET_SIZE]
    facets["o"] = dict(top)
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


# Matching rows are read and counted this many at a time: a broad search (30,000 matches)
# never holds every row and every token at once, which kept a worker's memory high long after
# the answer was sent (the allocator keeps what a peak took).
SCAN_BATCH = 2_000


def scan(sql: str, params: dict[str, Any], counter: Counter, filters_at: int) -> Iterator[sa.Row]:
    """Rows of `sql`, a batch at a time, counting the filter tokens in column `filters_at`
    into `counter` as they pass."""
    result = db.session.execute(sa.text(sql).execution_options(yield_per=SCAN_BATCH), params)
    for batch in result.partitions(SCAN_BATCH):
        counter.update(" ".join(filter(None, (row[filters_at] for row in batch))).split())
        yield from batch


# The search index's version token (search/cache.py), read in the same statement as the
# matches so that a cached answer is stored under the version of the data it was read from.
VERSION_SQL = "(SELECT version FROM search_state WHERE id = 1) AS index_version"


class Index:
    """A search over one kind of record; back ends supply `matched()`."""

    filter_join = "JOIN profiles t ON t.user_id = m.id"
    name_order = "lower(u.name)"
    updated_order = "p.updated_at DESC"
    joins = "JOIN users u ON u.id = m.id JOIN profiles p ON p.user_id = m.id"

    def matched(self, query: Query) -> tuple[str, dict[str, Any]]:
        """SQL selecting the id of every match, and its parameters."""
        raise NotImplementedError

    def rows_sql(self, matched: str) -> str:
        """SQL for (id, search_name, search_filters) of every match."""
        return (
            f"SELECT m.id, t.search_name, t.search_filters "  # nosec B608
            f"FROM ({matched}) m {self.filter_join}"
        )

    def search(self, query: Query) -> Result:
        """The page of ids, the total and the facets, in one statement or two."""
        matched, params = self.matched(query)
        sort = query.sort if query.words or query.sort != "relevance" else "name"
        if sort == "relevance":
            return self._by_relevance(query, matched, params)
        order = {"name": self.name_order, "updated": self.updated_order}[sort]
        page_sql = (
            f"SELECT m.id, {VERSION_SQL} FROM ({matched}) m {self.joins} "  # nosec B608
            f"ORDER BY {order}, m.id LIMIT :limit OFFSET :offset"
        )
        page = db.session.execute(
            sa.text(page_sql), {**params, "limit": query.per_page, "offset": query.offset}
        ).all()
        # Facets come from the matching rows' filter tokens: one narrow read, counted here.
        facet_sql = f"SELECT t.search_filters FROM ({matched}) m {self.filter_join}"  # nosec B608
        counter: Counter = Counter()
        total = sum(1 for _ in scan(facet_sql, params, counter, 0))
        return with_org_slugs(
            Result(
                ids=[row[0] for row in page],
                total=total,
                facets=trim_orgs(facets_from(counter)),
                version=page[0][1] if page else None,
            )
        )

    def _by_relevance(self, query: Query, matched: str, params: dict[str, Any]) -> Result:
        # One pass over the matches gives the ranking, the total and the facets together.
        rows_sql = f"SELECT r.*, {VERSION_SQL} FROM ({self.rows_sql(matched)}) r"  # nosec B608
        counter: Counter = Counter()
        version = None
        rows = []
        for row in scan(rows_sql, params, counter, 2):
            rows.append((row[0], row[1]))  # only what the ranking needs is kept
            version = row[3]
        words = query.words
        rows.sort(key=lambda row: (relevance(words, row[1]), row[1] or "", row[0]))
        page = rows[query.offset : query.offset + query.per_page]
        return with_org_slugs(
            Result(
                ids=[row[0] for row in page],
                total=len(rows),
                facets=trim_orgs(facets_from(counter)),
                version=version,
            )
        )


def relevance(words: list[str], name: str | None) -> tuple[int, int]:
    """Sort key: people (or organisations) whose name holds the words come first.

    Every row already matches every word somewhere; what ranks it is how many words are
    whole words of the name, then how many start a word of the name. The same on both
    back ends, so one corpus gives one order."""
    if not name or not any(word in name for word in words):
        return (0, 0)  # the common case in large result sets: no need to split
    tokens = name.split()
    exact = sum(1 for word in words if word in tokens)
    prefix = sum(1 for word in words if any(t.startswith(word) for t in tokens))
    return (-exact, -prefix)


class OrganizationMixin:
    """Column and facet choices for organisations."""

    filter_join = "JOIN organizations t ON t.id = m.id"
    name_order = "lower(o.name)"
    updated_order = "o.updated_at DESC"
    joins = "JOIN organizations o ON o.id = m.id"
