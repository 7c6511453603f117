"""PostgreSQL back end: a generated tsvector (text weight A, filter tokens weight D) + GIN."""

from __future__ import annotations

from typing import Any

from . import Query
from .base import Index, OrganizationMixin


def tsquery(query: Query) -> str:
    """A to_tsquery string: prefix words restricted to weight A, exact tokens to weight D."""
    # Words and tokens hold only letters and digits (text.normalise), so quoting is safe.
    terms = [f"'{word}':*A" for word in query.words]
    terms += [f"'{tok}':D" for tok in query.tokens]
    return " & ".join(terms)


class PeopleIndex(Index):
    table, key = "profiles", "user_id"

    def matched(self, query: Query) -> tuple[str, dict[str, Any]]:
        expression = tsquery(query)
        if not expression:
            return (
                f"SELECT {self.key} AS id FROM {self.table} WHERE search_text IS NOT NULL",
                {},
            )
        return (
            f"SELECT {self.key} AS id FROM {self.table} "
            "WHERE search_vector @@ to_tsquery('simple', :match)",
            {"match": expression},
        )


class OrganizationIndex(OrganizationMixin, PeopleIndex):
    table, key = "organizations", "id"
