"""A cache of search answers, keyed by the version of the search index.

What is cached is a `Result`: a page of ids, the total, the facet counts and the names of the
organisations in the facet. None of it depends on who searches: the index holds only listed
people and live organisations, and only what every member may see (privacy/ decides what
enters it, index.py builds it), so one answer serves every viewer. The page then loads the
people of the page afresh for each request.

Invalidation: the database holds one version token (table `search_state`). Every flush that
changes an index entry (a person's or organisation's search text, name or filters, a listed
profile created or deleted) and every bulk statement on the indexed tables writes a new random
token in the same transaction. The search statement reads the token together with the matches,
and a stored answer is used only while its token is still the current one, so the first
search after a change commits computes afresh, in every process. A hit costs one primary-key
read; a miss costs no extra query.

Storage: Redis when `SEARCH_CACHE_URL` (default: `RATELIMIT_STORAGE_URI` when it is Redis)
names one, so every worker and machine shares the answers; else a small per-process LRU.
`SEARCH_CACHE_SECONDS=0` turns the cache off. Answers sorted by "updated" are never cached
(that order depends on more than the index).
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol, cast

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import Session

from ..breaker import Breaker
from ..extensions import db
from ..models import Organization, Profile, User
from . import Query, Result

logger = logging.getLogger(__name__)

search_state = sa.Table(
    "search_state",
    db.metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("version", sa.String(length=32), nullable=False),
)

INDEXED_TABLES = frozenset(
    {
        "users",
        "profiles",
        "profile_situations",
        "profile_themes",
        "profile_languages",
        "organizations",
        "organization_countries",
        "organization_themes",
    }
)
USER_INDEX_COLUMNS = frozenset({"name", "role", "status", "organization_id"})
_INDEX_COLUMNS = ("search_name", "search_text", "search_filters")
LOCAL_ENTRIES = 64
DEFAULT_SECONDS = 600


# --- the version token -----------------------------------------------------------------------


def current_version() -> str:
    """The index's version token as committed now ("none" before the first change)."""
    version = db.session.execute(
        sa.select(search_state.c.version).where(search_state.c.id == 1)
    ).scalar()
    return version or "none"


def bump(connection: sa.Connection) -> None:
    """Write a new random version token, in the caller's transaction."""
    token = secrets.token_hex(12)
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(search_state).values(id=1, version=token)
    connection.execute(
        statement.on_conflict_do_update(index_elements=["id"], set_={"version": token})
    )


def _index_changed(session: Session) -> bool:
    for obj in session.new:
        if isinstance(obj, Profile | Organization) and obj.search_text is not None:
            return True
    for obj in session.deleted:
        if isinstance(obj, Profile | Organization | User):
            return True
    for obj in session.dirty:
        if isinstance(obj, Profile | Organization):
            state: sa.orm.InstanceState[Any] = sa.inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _INDEX_COLUMNS):
                return True
    return False


def bump_after_flush(session: Session, flush_context: Any) -> None:
    """After a flush that changed an index entry: a new version, in the same transaction."""
    if _index_changed(session):
        bump(session.connection())


def bump_on_bulk_write(state: Any) -> None:
    """Core statements that write the indexed tables (bulk data) bypass the flush: bump here.

    An UPDATE of `users` bumps only when it sets a column the index reads (the sign-in
    failure counter, for one, does not). Raw SQL text is not looked at: the app writes none to
    these tables."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    statement = state.statement
    name = getattr(getattr(statement, "table", None), "name", None)
    if name not in INDEXED_TABLES:
        return
    if state.is_update and name == "users":
        values = getattr(statement, "_values", None) or {}
        columns = {getattr(column, "key", str(column)) for column in values}
        if columns and not columns & USER_INDEX_COLUMNS:
            return
    bump(state.session.connection())


# --- where answers are kept ------------------------------------------------------------------


class Store(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, seconds: int) -> None: ...


class LocalStore:
    """A per-process LRU with expiry (one per app)."""

    def __init__(self, size: int = LOCAL_ENTRIES) -> None:
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


class RedisStore:
    """Answers shared by every process through Redis; an unreachable Redis only costs speed,
    and after one failure nothing at all until the breaker probes it again."""

    def __init__(self, url: str, breaker: Breaker | None = None) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.breaker = breaker or Breaker("search cache (Redis)")

    def get(self, key: str) -> str | None:
        if not self.breaker.allows():
            return None
        try:
            value = self.client.get(key)
        except Exception as exc:  # a cache must never break a search
            self.breaker.failed(exc)
            return None
        self.breaker.succeeded()
        # redis-py types get() for its sync and async clients at once; this one is sync.
        return value.decode() if isinstance(value, bytes) else cast("str | None", value)

    def set(self, key: str, value: str, seconds: int) -> None:
        if not self.breaker.allows():
            return
        try:
            self.client.set(key, value, ex=seconds)
        except Exception as exc:
            self.breaker.failed(exc)
            return
        self.breaker.succeeded()


def cache_url() -> str:
    """Where answers are kept: SEARCH_CACHE_URL, else the limiter's Redis, else memory://."""
    config = current_app.config
    url = config.get("SEARCH_CACHE_URL") or ""
    if not url:
        limiter = str(config.get("RATELIMIT_STORAGE_URI") or "")
        url = limiter if limiter.startswith(("redis://", "rediss://")) else "memory://"
    return url


def store() -> Store | None:
    """This app's store, made on first use; None when the cache is off."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if int(app.config.get("SEARCH_CACHE_SECONDS", DEFAULT_SECONDS)) <= 0:
        return None
    found = app.extensions.get("search_cache")
    if found is None:
        url = cache_url()
        found = LocalStore() if url.startswith("memory://") else RedisStore(url)
        app.extensions["search_cache"] = found
    return found


# --- cached search ---------------------------------------------------------------------------


def _database_key() -> str:
    url = db.engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def cache_key(kind: str, query: Query) -> str:
    """The key of one answer: the database, and the query as the index sees it."""
    described = json.dumps(
        [kind, query.words, query.tokens, query.sort, query.page, query.per_page],
        ensure_ascii=True,
    )
    digest = hashlib.sha256(described.encode()).hexdigest()[:32]
    return f"ngowg:search:{_database_key()}:{digest}"


def dumps(result: Result) -> str:
    """An answer as stored: what the search found, and the index version it was read at."""
    return json.dumps(
        {
            "version": result.version,
            "ids": result.ids,
            "total": result.total,
            "facets": result.facets,
            "org_names": result.org_names,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def loads(value: str) -> Result:
    data = json.loads(value)
    return Result(
        ids=data["ids"],
        total=data["total"],
        facets=data["facets"],
        org_names=data["org_names"],
        version=data["version"],
    )


def cached(kind: str, query: Query, compute: Callable[[Query], Result]) -> Result:
    """The stored answer when the index has not changed since it was computed, else a fresh one.

    A stored answer carries the version token its matches were read with (in the same
    statement). It is used only while that token is still the current one: any committed
    change to the index since then writes a new token, and the answer is computed again."""
    where = store()
    if where is None or query.sort == "updated":
        return compute(query)
    key = cache_key(kind, query)
    version: str | None = None  # read once, and only when there is an answer to check
    # This process's copy first (no round trip to Redis, no decoding): like the shared one, it
    # is used only while its version is the current one.
    near = _near(where)
    stored = near.get(key) if near is not None else None
    if stored is not None:
        version = current_version()
        if stored.version == version:
            return stored
    hit = where.get(key)
    if hit is not None:
        stored = loads(hit)
        if stored.version is not None and stored.version == (version or current_version()):
            if near is not None:
                near.set(key, stored)
            return stored
    result = compute(query)
    if result.version is not None:  # nothing matched: cheap to compute, nothing to key it by
        seconds = int(current_app.config.get("SEARCH_CACHE_SECONDS", DEFAULT_SECONDS))
        where.set(key, dumps(result), seconds)
        if near is not None:
            near.set(key, result)
    return result


class NearCopies:
    """Answers this process has already read from Redis, decoded (a small LRU). Read-only for
    the pages; an old copy is never served (its version is checked), only evicted."""

    def __init__(self, size: int = LOCAL_ENTRIES) -> None:
        self.size = size
        self._items: OrderedDict[str, Result] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Result | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def set(self, key: str, result: Result) -> None:
        with self._lock:
            self._items[key] = result
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def _near(where: Store) -> NearCopies | None:
    """This process's copies in front of a shared store (none in front of the local one)."""
    if not isinstance(where, RedisStore):
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    near = app.extensions.get("search_near")
    if near is None:
        near = app.extensions["search_near"] = NearCopies()
    return near


# --- rendered result sections ----------------------------------------------------------------

PAGE_ENTRIES = 64


def cached_section(
    kind: str, query: Query, result: Result, render: Callable[[], str], *, shared: bool = True
) -> Markup:
    """The rendered results section of a search page (form, facets, results, pager), from this
    process's memory while the answer's index version, the language and the query string are
    the same.

    Like the answers, the section does not depend on who looks: it shows only what every member
    may see of listed people and live organisations; the page around it (menu, language switch,
    CSRF tokens) is rendered for each request. It is kept per process: rendering, not finding,
    was most of a cached search's time (docs/PERFORMANCE.md). A viewer who sees more than
    every member (`shared=False`, privacy.listing_is_shared) gets a section rendered for her
    alone, neither read from nor kept in memory."""
    from flask import request
    from flask_babel import get_locale

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not shared or store() is None or query.sort == "updated" or result.version is None:
        return _rendered(render())
    sections = app.extensions.get("search_sections")
    if sections is None:
        sections = app.extensions["search_sections"] = LocalStore(PAGE_ENTRIES)
    described = b"\0".join(
        [kind.encode(), str(get_locale()).encode(), result.version.encode(), request.query_string]
    )
    key = hashlib.sha256(described).hexdigest()
    hit = sections.get(key)
    if hit is not None:
        return _rendered(hit)
    html = render()
    seconds = int(current_app.config.get("SEARCH_CACHE_SECONDS", DEFAULT_SECONDS))
    sections.set(key, html, seconds)
    return _rendered(html)


def _rendered(html: str) -> Markup:
    """Template output (Jinja escaped every value in it) marked as such for the page around."""
    return Markup(html)  # noqa: S704  # nosec B704  (rendered by render_template, autoescaped)
