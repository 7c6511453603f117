"""SQLite back end: external-content FTS5 tables with filter tokens in their own column."""

from __future__ import annotations

from typing import Any

from . import Query
from .base import Index, OrganizationMixin


def match_expression(query: Query) -> str:
    """An FTS5 query: every word as a quoted prefix, every filter as an exact token."""
    parts = []
    if query.words:
        text = " AND ".join('"' + w.replace('"', "") + '"*' for w in query.words)
        parts.append(f"search_text : ({text})")
    if query.tokens:
        filters = " AND ".join(f'"{t}"' for t in query.tokens)
        parts.append(f"search_filters : ({filters})")
    return " AND ".join(parts)


class PeopleIndex(Index):
    table, fts, key = "profiles", "people_fts", "user_id"

    def matched(self, query: Query) -> tuple[str, dict[str, Any]]:
        expression = match_expression(query)
        if not expression:
            return (
                f"SELECT {self.key} AS id FROM {self.table} WHERE search_text IS NOT NULL",  # nosec B608
                {},
            )
        return (
            f"SELECT rowid AS id FROM {self.fts} WHERE {self.fts} MATCH :match",  # nosec B608
            {"match": expression},
        )


class OrganizationIndex(OrganizationMixin, PeopleIndex):
    table, fts, key = "organizations", "organizations_fts", "id"
