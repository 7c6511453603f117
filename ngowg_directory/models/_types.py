"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column


def utcnow() -> datetime:
    """The current time in UTC (a callable default, never evaluated at import)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored naive in UTC and always returned timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class SearchEntry:
    """A row's entry in the search index, written by search/index.py: normalised words and
    filter tokens, empty while the row is not listed, never a contact detail."""

    search_name: Mapped[str | None] = mapped_column(sa.String(200))
    search_text: Mapped[str | None] = mapped_column(sa.Text)
    search_filters: Mapped[str | None] = mapped_column(sa.Text)
