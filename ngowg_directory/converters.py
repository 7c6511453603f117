"""URL converters: ids in paths are bounded to what the id columns can hold.

Werkzeug's `int` converter takes any run of digits, and an id the column cannot hold then
fails inside the database driver, a 500: SQLite's OverflowError from 2**63, PostgreSQL's
"integer out of range" from 2**31 (the ids are `sa.Integer` columns, 32-bit there). This
converter replaces `int` for the whole URL map, so every `<int:…>` rule matches only ids a
row can have, and anything beyond answers the usual 404 (JSON under /api/).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

# The largest value of an `sa.Integer` column on every back end (PostgreSQL INTEGER; SQLite's
# are 64-bit, and its ids are given out from 1 upwards). tests/test_hardening.py checks that
# every id column is still an `sa.Integer`.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`int` limited to ASCII digits and to MAX_ID (a rule may narrow it further)."""

    regex = "[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.max = MAX_ID if self.max is None else min(self.max, MAX_ID)
        self.min = -MAX_ID - 1 if self.min is None else max(self.min, -MAX_ID - 1)


def init_app(app: Flask) -> None:
    """Use the bounded converter for `<int:…>`; call before any route is added."""
    app.url_map.converters["int"] = BoundedIntConverter
