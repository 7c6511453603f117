"""Rendered result sections of the search pages, kept per process by what they show.

With the embedded engine (engine.py) finding and counting take milliseconds at any size, so
answers are computed afresh for every search; what is kept is the rendering of a page's
results section (form, facets, hits, pager). Its key is what the section shows: the page's
kind, its language, its query string, the answer (ids, total, facets) and every field of
every hit as read for this request. A change anywhere is seen at once, and a change that
alters nothing on a page (someone else's profile, a person on another page whose edit
leaves the counts alone) leaves its rendering in use.

Like the answers, the section does not depend on who looks: it shows only what every member
may see of listed people and live organisations; the page around it (menu, language switch,
CSRF tokens) is rendered for each request. A viewer who sees more than every member
(`shared=False`, privacy.listing_is_shared) gets a section rendered for her alone, neither
read from nor kept in memory. `SEARCH_CACHE_SECONDS=0` turns it off.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import current_app
from markupsafe import Markup

from ..search import Query, Result

DEFAULT_SECONDS = 600
PAGE_ENTRIES = 64


class LocalStore:
    """A per-process LRU with expiry (one per app)."""

    def __init__(self, size: int = PAGE_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def set(self, key: str, value: str, seconds: int) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def section_key(kind: str, locale: str, query_string: bytes, result: Result, hits: Any) -> str:
    """What a section shows, digested: equal keys render equal sections."""
    described = repr((kind, locale, query_string, result, hits)).encode()
    return hashlib.sha256(described).hexdigest()


def cached_section(
    kind: str,
    query: Query,
    result: Result,
    hits: list[Any],
    render: Callable[[], str],
    *,
    shared: bool = True,
) -> Markup:
    """The rendered results section of a search page, from this process's memory while
    everything it shows is the same."""
    from flask import request
    from flask_babel import get_locale

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object
    seconds = int(app.config.get("SEARCH_CACHE_SECONDS", DEFAULT_SECONDS))
    if not shared or seconds <= 0:
        return _rendered(render())
    sections = app.extensions.get("search_sections")
    if sections is None:
        sections = app.extensions["search_sections"] = LocalStore(PAGE_ENTRIES)
    key = section_key(kind, str(get_locale()), request.query_string, result, hits)
    hit = sections.get(key)
    if hit is not None:
        return _rendered(hit)
    html = render()
    sections.set(key, html, seconds)
    return _rendered(html)


def _rendered(html: str) -> Markup:
    """Template output (Jinja escaped every value in it) marked as such for the page around."""
    return Markup(html)  # noqa: S704  # nosec B704  (rendered by render_template, autoescaped)
