"""URL converters: ids in paths are bounded to what a 64-bit database column holds.

Werkzeug's `int` converter takes any run of digits, and an id of 2**63 or more then fails
inside the database driver (SQLite's OverflowError, PostgreSQL's out-of-range), a 500. This
converter replaces `int` for the whole URL map, so every `<int:…>` rule matches only ids
a row can have and anything beyond answers the usual 404 (JSON under /api/).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**63 - 1  # the largest value of a signed 64-bit column (BIGINT, SQLite INTEGER)


class BoundedIntConverter(IntegerConverter):
    """`int` limited to 0…2**63-1 and to ASCII digits (a rule may narrow it further)."""

    regex = "[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.max = MAX_ID if self.max is None else min(self.max, MAX_ID)
        self.min = -MAX_ID - 1 if self.min is None else max(self.min, -MAX_ID - 1)


def init_app(app: Flask) -> None:
    """Use the bounded converter for `<int:…>`; call before any route is added."""
    app.url_map.converters["int"] = BoundedIntConverter
