"""Directory search: an embedded index (engine.py) that follows the database (changes.py),
the same on SQLite and PostgreSQL.

The index holds only listed people and live organisations, as normalised words field by
field plus filter tokens (see index.py), so a match never needs a privacy check and facet
counts only count what every member may see.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import index
from .facets import BY_NAME
from .text import is_ideograph, words

PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
# The last page number taken: past it, nobody pages by hand (the secretariat's lists too).
MAX_PAGE = 100_000
MAX_QUERY_CHARS = 200
SORTS = ("relevance", "name", "updated")


@dataclass
class Query:
    """What to look for: free text and filter values (already checked by the caller)."""

    text: str = ""
    filters: dict[str, str] = field(default_factory=dict)  # facet name -> value (facets.py)
    sort: str = "relevance"
    page: int = 1
    per_page: int = PAGE_SIZE

    @property
    def words(self) -> list[str]:
        return [w for w in words(self.text) if len(w) > 1 or w.isdigit() or is_ideograph(w)]

    @property
    def tokens(self) -> list[str]:
        return [BY_NAME[name].token(value) for name, value in sorted(self.filters.items())]

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def pages(self, total: int) -> int:
        """How many pages `total` hits fill at this page size: one at least, even when empty."""
        return max(1, math.ceil(total / self.per_page))


@dataclass
class Result:
    """One page of matching ids, the total and the facet counts."""

    ids: list[int]
    total: int
    facets: dict[str, dict[str, int]]  # facet name -> value -> matches
    org_names: dict[str, str] = field(default_factory=dict)  # slug -> name, for the org facet
    suggestion: str | None = None  # when nothing matched: a spelling that finds someone


def search_people(query: Query) -> Result:
    """Listed people matching the query: a page of ids, the total, and facets."""
    return engine.search("people", query)


def search_organizations(query: Query) -> Result:
    """Live organisations matching the query."""
    return engine.search("organizations", query)


from . import changes, engine  # noqa: E402  (they need Query and Result above)

# What keeps the index entries and the change log in step with every write through the ORM.
LISTENERS = (
    (Session, "before_flush", index.keep_index_in_step),
    (Session, "after_flush", changes.log_after_flush),
    (Session, "do_orm_execute", changes.log_bulk_write),
)


def register_listeners() -> None:
    """Attach the index's listeners (the app factory's step; once per process, as they listen
    on every Session)."""
    for target, name, listener in LISTENERS:
        if not sa.event.contains(target, name, listener):
            sa.event.listen(target, name, listener)
