"""PostgreSQL back end: generated tsvector columns for words and for filter tokens, GIN."""

from __future__ import annotations

from typing import Any

from . import Query
from .base import Index, OrganizationMixin


def tsqueries(query: Query) -> tuple[str, str]:
    """to_tsquery strings for the words (as prefixes) and for the filter tokens."""
    # Words and tokens hold only letters and digits (text.normalise), so quoting is safe.
    words = " & ".join(f"'{word}':*" for word in query.words)
    tokens = " & ".join(f"'{tok}'" for tok in query.tokens)
    return words, tokens


class PeopleIndex(Index):
    table, key = "profiles", "user_id"

    def matched(self, query: Query) -> tuple[str, dict[str, Any]]:
        words, tokens = tsqueries(query)
        conditions = ["search_text IS NOT NULL"]
        params: dict[str, Any] = {}
        if words:
            conditions.append("search_vector @@ to_tsquery('simple', :words)")
            params["words"] = words
        if tokens:
            conditions.append("filter_vector @@ to_tsquery('simple', :tokens)")
            params["tokens"] = tokens
        where = " AND ".join(conditions)
        return f"SELECT {self.key} AS id FROM {self.table} WHERE {where}", params  # nosec B608

    def rows_sql(self, matched: str) -> str:
        # The match already reads the table itself: select the columns there, no self-join.
        return matched.replace(
            f"SELECT {self.key} AS id FROM",
            f"SELECT {self.key} AS id, search_name, search_filters FROM",
            1,
        )


class OrganizationIndex(OrganizationMixin, PeopleIndex):
    table, key = "organizations", "id"
