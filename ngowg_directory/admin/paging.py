"""The page number of the secretariat's long lists, from the query string."""

from __future__ import annotations

from flask import request

from ..search import MAX_PAGE


def page_number() -> int:
    """`page` as a number from 1 to MAX_PAGE: anything else is the first page, and a number
    past MAX_PAGE (2^63 and more included, which the database cannot take) is MAX_PAGE, as
    on the directory's pages."""
    raw = request.args.get("page", "").strip()
    if not raw.isascii() or not raw.isdigit():
        return 1
    digits = raw.lstrip("0") or "0"
    return MAX_PAGE if len(digits) > 6 else max(1, min(MAX_PAGE, int(digits)))
