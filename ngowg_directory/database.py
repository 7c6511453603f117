"""Database engine settings and what happens when the database does not answer.

SQLite runs in WAL mode with a busy timeout (its lock timeout) and foreign keys. PostgreSQL
connections come from a small pool per process, each one tested before use (`pool_pre_ping`),
so that connections killed by a database restart are dropped instead of failing a request.
While the database does not answer, pages answer 503 with Retry-After (never a traceback) and
`/readyz` answers 503.

Time limits, so that a database that hangs (stopped, not refusing) costs seconds, not workers:
libpq's `connect_timeout`, TCP keepalives and `tcp_user_timeout` (a peer that vanished), the
server's `statement_timeout` (a statement that runs too long), and, for a server that accepts
bytes but answers nothing (its processes stopped: the kernel still acknowledges), the
`Watchdog`: a thread of each process that shuts the sockets of the process's connections down
once one server call has waited past the statement timeout and a grace, which libpq reports
as a lost connection (503).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request
from sqlalchemy.engine import Engine
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from .breaker import Breaker

logger = logging.getLogger(__name__)

# Below gunicorn's 30 s worker timeout: a writer waits for the lock, then the page answers.
SQLITE_BUSY_TIMEOUT_MS = 15_000
# What a 503 tells the browser (and a load balancer) about when to try again.
RETRY_AFTER_SECONDS = 30
# TCP: an idle connection is probed after 10 s, 3 times 3 s apart; data left unacknowledged
# for 10 s ends the connection (a peer machine or network that vanished).
KEEPALIVES = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 3,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}
# A request's database calls get the statement timeout and this much more before the
# watchdog cuts the process's connections (the server's own timeout answers first when the
# server runs at all).
WATCHDOG_GRACE_SECONDS = 1.0
# /readyz waits this long for `SELECT 1`, whatever the database does.
READY_WAIT_SECONDS = 0.8


@sa.event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def engine_options(
    url: str,
    *,
    pool_size: int,
    max_overflow: int,
    pool_timeout: int,
    pool_recycle: int,
    connect_timeout: int,
    statement_timeout: int = 0,
) -> dict[str, Any]:
    """SQLAlchemy engine options for a database URL (see the pool notes in config.py).

    Every connection is tested before use, and no statement's parameters are put in an error
    message (they can be what a person typed: errors reach the log). The pool sizes and the
    time limits apply to server databases only: SQLite has no server to wait for, and an
    in-memory SQLite database uses a pool that takes no size. `statement_timeout` (seconds,
    0 for none) is PostgreSQL's for every statement of these connections.
    """
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if sa.engine.make_url(url).get_backend_name() == "sqlite":
        return options
    options.update(
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
    )
    if url.startswith("postgresql"):
        connect_args: dict[str, Any] = {"connect_timeout": connect_timeout, **KEEPALIVES}
        if statement_timeout > 0:
            connect_args["options"] = f"-c statement_timeout={statement_timeout * 1000}"
        options["connect_args"] = connect_args
    return options


# --- the watchdog ------------------------------------------------------------------------


@dataclass(slots=True)
class Watched:
    """One connection the watchdog looks at: how long a call may wait, its engine's breaker,
    how many calls it began, and which call was seen in progress since when."""

    limit: float
    breaker: Any
    calls: int = 0
    seen: tuple[int, float] | None = None


class Watchdog:
    """Cuts a PostgreSQL connection of this process that has waited too long on one call.

    A PostgreSQL whose processes are stopped (SIGSTOP, a hung machine whose kernel still
    answers TCP) never answers and never refuses: libpq would wait for ever, and gunicorn
    would kill the worker after 30 s. A thread of each process looks at its connections every
    0.1 s: a connection whose server call (a statement, a commit, the ping before use) has been
    in progress longer than its limit (the connection's statement timeout plus a grace: the
    server's own timeout answers first whenever the server runs at all) has its socket shut
    down, and the blocked call fails as a lost connection (SQLAlchemy invalidates it; the page
    answers 503); the other connections of the process to the same stopped server are cut
    with it, so they are not reused either. Only a call in progress counts: a long request
    whose statements each answer (a large import, an export) is never cut. The thread reads
    the connection's libpq status and never uses the connection otherwise: `shutdown` on a
    duplicate of the socket is safe from any thread, and the file descriptor stays the
    connection's own."""

    TICK = 0.1

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: weakref.WeakKeyDictionary[Any, Watched] = weakref.WeakKeyDictionary()
        self._pid: int | None = None
        self.cuts = 0

    def track(self, dbapi_connection: Any, limit: float, breaker: Any = None) -> None:
        """Watch a connection whose calls may last `limit` seconds (0: never cut); once cut,
        its engine's breaker of new connections opens."""
        if limit <= 0:
            return
        self._ensure_thread()
        with self._lock:
            self._connections[dbapi_connection] = Watched(limit, breaker)

    def call_begins(self, dbapi_connection: Any) -> None:
        """A new server call on this connection (a statement, a commit): its clock restarts."""
        watched = self._connections.get(dbapi_connection)
        if watched is not None:
            watched.calls += 1

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():  # a forked worker starts its own thread
                return
            self._pid = os.getpid()
            threading.Thread(target=self._run, name="database-watchdog", daemon=True).start()

    def overdue(self, now: float) -> list[tuple[Any, Any, float]]:
        """The connections whose call in progress began more than their limit ago."""
        found = []
        with self._lock:
            entries = list(self._connections.items())
        for connection, watched in entries:
            seen = watched.seen
            if not _in_progress(connection):
                watched.seen = None
            elif seen is None or seen[0] != watched.calls:
                watched.seen = (watched.calls, now)
            elif now - seen[1] > watched.limit:
                watched.seen = None  # once per call
                found.append((connection, watched.breaker, watched.limit))
        return found

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            overdue = self.overdue(time.monotonic())
            if overdue:
                self.cut(overdue)

    def cut(self, overdue: list[tuple[Any, Any, float]]) -> None:
        """Shut down every connection of the process to the servers of the overdue ones."""
        breakers = {id(b): b for _c, b, _l in overdue if b is not None}
        with self._lock:
            connections = [
                c
                for c, watched in self._connections.items()
                if watched.breaker is None or id(watched.breaker) in breakers
            ]
        cut = sum(_shut_down(c) for c in connections)
        for breaker in breakers.values():
            breaker.failed(TimeoutError("no answer"))
        self.cuts += cut
        logger.warning(
            "database did not answer within %.1f s: %d connection(s) of this process cut",
            overdue[0][2],
            cut,
        )


def _in_progress(dbapi_connection: Any) -> bool:
    """Whether a server call is under way on a psycopg connection (libpq's PQTRANS_ACTIVE)."""
    try:
        if dbapi_connection.closed:
            return False
        return int(dbapi_connection.info.transaction_status) == _ACTIVE
    except Exception:  # closed meanwhile
        return False


_ACTIVE = 1  # psycopg.pq.TransactionStatus.ACTIVE (libpq's PQTRANS_ACTIVE)


def _shut_down(dbapi_connection: Any) -> int:
    try:
        if dbapi_connection.closed:
            return 0
        fd = dbapi_connection.fileno()
        duplicate = socket.socket(fileno=os.dup(fd))
    except Exception:  # closed meanwhile
        return 0
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
        return 1
    except OSError:
        return 0
    finally:
        duplicate.close()


watchdog = Watchdog()


class ConnectBreaker(Breaker):
    """The breaker of new connections of one engine, which probes in the background.

    After a connect timeout, or once the watchdog had to cut, new connections to that
    PostgreSQL are refused at once for 3 s (doubling up to 15 s while it lasts): without it
    every request would wait its connect timeout, every worker stuck in turn, /readyz queued
    behind them. Meanwhile a thread of the process tries a connection every second (each try
    bounded by the connect timeout), outside any request, and closes the breaker as soon as
    the server answers: service is back within about a second of the database, not at the
    end of a pause, and no request waits on a probe."""

    PROBE_EVERY = 1.0

    def __init__(self) -> None:
        super().__init__("PostgreSQL (new connections)", seconds=3, longest=15)
        self.connect: Any = None  # how to open a connection, learnt from the first one
        self._prober: tuple[int, threading.Thread] | None = None

    def failed(self, error: Exception) -> None:
        super().failed(error)
        if self.connect is None:
            return
        with self._lock:
            running = self._prober
            if running and running[0] == os.getpid() and running[1].is_alive():
                return
            thread = threading.Thread(target=self._probe, name="database-probe", daemon=True)
            self._prober = (os.getpid(), thread)
        thread.start()

    def _probe(self) -> None:
        while self.is_open():
            time.sleep(self.PROBE_EVERY)
            if self._answers():
                self.succeeded()

    def _answers(self) -> bool:
        try:
            self.connect().close()
        except Exception:  # still away: the next try in a second
            return False
        return True


def connecting(dialect: Any) -> ConnectBreaker:
    """The breaker of new connections of one engine (its dialect)."""
    found = getattr(dialect, "_ngowg_connecting", None)
    if found is None:
        found = dialect._ngowg_connecting = ConnectBreaker()
    return found


@sa.event.listens_for(Engine, "do_connect")
def _connect_unless_hung(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Any:
    if dialect.name != "postgresql":
        return None
    breaker = connecting(dialect)
    if breaker.connect is None:
        breaker.connect = lambda: dialect.connect(*cargs, **cparams)
    if not breaker.allows():
        raise dialect.loaded_dbapi.OperationalError(
            "the database did not answer lately: not asked again yet"
        )
    probing = breaker.is_open()
    try:
        connection = dialect.connect(*cargs, **cparams)
    except Exception as exc:
        if probing or type(exc).__name__ == "ConnectionTimeout":
            breaker.failed(exc)
        raise
    breaker.succeeded()
    watchdog.track(connection, call_limit(cparams.get("options")), breaker)
    return connection


def call_limit(options: str | None) -> float:
    """How long one server call may wait before the watchdog cuts (0: never): the
    connection's statement timeout (from its libpq options) plus a grace."""
    found = re.search(r"statement_timeout=(\d+)", options or "")
    milliseconds = int(found.group(1)) if found else 0
    return milliseconds / 1000 + WATCHDOG_GRACE_SECONDS if milliseconds > 0 else 0


@sa.event.listens_for(Engine, "before_cursor_execute")
def _statement_begins(conn: Any, cursor: Any, *_args: Any) -> None:
    if conn.dialect.name == "postgresql":
        watchdog.call_begins(conn.connection.dbapi_connection)


@sa.event.listens_for(Engine, "commit")
@sa.event.listens_for(Engine, "rollback")
def _transaction_ends(conn: Any) -> None:
    # A rollback after the connection was lost: nothing to watch (and `conn.connection`
    # would raise, asking for the very rollback under way).
    if conn.dialect.name == "postgresql" and not conn.invalidated:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            watchdog.call_begins(conn.connection.dbapi_connection)


@sa.event.listens_for(Engine, "handle_error")
def _failed_ping_is_a_lost_connection(context: Any) -> None:
    """Any error of the test before a pooled connection is used means the connection is gone:
    reconnect. (psycopg raises ProgrammingError, "can't change 'autocommit' now", when the
    ping ran into a socket that a terminated backend had closed: SQLAlchemy would let that
    through as a bug, a 500.)"""
    if context.is_pre_ping:
        context.is_disconnect = True


# --- readiness -----------------------------------------------------------------------------

_ready_lock = threading.Lock()
_ready_pending: dict[int, threading.Thread] = {}


def database_answers(app: Flask, wait: float = READY_WAIT_SECONDS) -> tuple[bool, str]:
    """Whether the database answers `SELECT 1` within `wait` seconds, and why not.

    The check runs in a thread of its own, so that the probe answers in time whatever the
    database does (a stopped server, a full pool); while one check is still waiting, the next
    probe answers at once without starting another."""
    from .extensions import db

    engine = db.engine
    outcome: dict[str, str] = {}

    def check() -> None:
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            outcome["ok"] = "ready"
        except Exception as exc:
            outcome["error"] = type(exc).__name__

    with _ready_lock:
        pending = _ready_pending.get(id(engine))
        if pending is not None and pending.is_alive():
            return False, "still waiting for the previous check"
        thread = threading.Thread(target=check, name="readiness-check", daemon=True)
        _ready_pending[id(engine)] = thread
        thread.start()
    thread.join(wait)
    if thread.is_alive():
        return False, f"no answer within {wait} s"
    if "ok" in outcome:
        return True, "ready"
    return False, outcome.get("error", "unknown")


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer (down, restarting, unreachable, or its pool exhausted)."""


# Errors that may say the database cannot be reached right now (is_unavailable decides).
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.TimeoutError,
)
# SQLite reports a missing table with the same class as a lock wait that ran out.
SQLITE_UNAVAILABLE = ("database is locked", "database is busy", "unable to open", "disk I/O")


def is_unavailable(error: Exception) -> bool:
    """True when the database cannot be reached right now (a refused or dropped connection,
    SQLite's lock wait running out, no free pooled connection), not when a query is wrong."""
    if isinstance(error, sa.exc.TimeoutError | sa.exc.InterfaceError):
        return True
    if getattr(error, "connection_invalidated", False):
        return True
    original = getattr(error, "orig", None)
    if isinstance(original, sqlite3.Error):
        return any(text in str(original) for text in SQLITE_UNAVAILABLE)
    # psycopg raises OperationalError for connection trouble; SQL mistakes have other classes.
    return isinstance(error, sa.exc.OperationalError)


class QuietLostConnections(logging.Filter):
    """SQLAlchemy's own pool logs an error with its traceback when closing a cursor or
    resetting a connection that the server has killed. A lost connection is an outage, not a
    bug: one warning line instead (a handler filter: the pool's loggers are many)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("sqlalchemy") or not record.exc_info:
            return True
        error = record.exc_info[1]
        lost = isinstance(error, sa.exc.DBAPIError) and is_unavailable(error)
        if not lost and error is not None:
            # The DBAPI's own error, not wrapped: psycopg reports connection trouble as
            # OperationalError (a terminated backend: AdminShutdown, one of them).
            lost = any(cls.__name__ == "OperationalError" for cls in type(error).__mro__)
        if lost and isinstance(error, Exception):
            record.msg = f"{record.getMessage()} ({_reason(error)})"
            record.args = None
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


QUIET_LOST_CONNECTIONS = QuietLostConnections()


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    first_line = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first_line[:200]}"


def rollback_or_discard(session: Any) -> None:
    """Roll the request's session back; if the connection is dead and even that fails, its
    connections are discarded (the pool makes new ones) and the session is usable again."""
    try:
        session.rollback()
    except Exception:
        discard(session)


def discard(session: Any) -> None:
    """Invalidate the connections of a scoped session's current session, whatever state
    they are in (`invalidate` is a method of the session, not of its scoped proxy)."""
    with contextlib.suppress(Exception):
        session().invalidate()


def handle_unavailable(error: Exception) -> Response:
    """Roll back, log one line, and answer 503 with Retry-After in the site's look (any other
    database error is a bug: the usual 500, with its traceback in the log)."""
    from .errors import handle_unexpected, render_error
    from .extensions import db, login_manager
    from .redaction import loggable_path

    if not is_unavailable(error):
        return handle_unexpected(error)
    rollback_or_discard(db.session)
    logger.warning(
        "database unavailable on %s %s (%s)",
        request.method,
        loggable_path(request.path),
        _reason(error),
    )
    # The error page must not need the database: render it as for a visitor who is not
    # signed in (the navigation would otherwise load the user and her organisation).
    g._login_user = login_manager.anonymous_user()
    response = render_error(DatabaseUnavailable())
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def note_request(error: BaseException | None = None) -> None:
    """Keep what release_session may log (the request is gone by then): method and path."""
    from .redaction import loggable_path

    g.ngowg_request = f"{request.method} {loggable_path(request.path)}"


def release_session(error: BaseException | None = None) -> None:
    """End the app context's session without letting a dead connection break the answer.

    Flask-SQLAlchemy's own teardown closes the session too, but a rollback on a connection
    the server has just killed raises there, outside every error handler, and gunicorn would
    answer its bare 500. This runs first (registered after it: teardowns run in reverse): the
    answer is already made and right (every read and commit of the request succeeded), so the
    failure only costs the connection, which is discarded, and one line in the log."""
    from .extensions import db

    try:
        db.session.remove()
    except Exception as exc:
        discard(db.session)
        with contextlib.suppress(Exception):
            db.session.registry.clear()
        where = g.get("ngowg_request", "a command")
        if is_unavailable(exc):
            logger.warning("database connection lost after %s, discarded (%s)", where, _reason(exc))
        else:
            logger.error("closing the session failed after %s", where, exc_info=exc)


def init_app(app: Flask) -> None:
    """Make a SQLite database file (and its folder, when missing) private before SQLite opens
    it; answer 503 while the database does not answer; close sessions safely."""
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        from pathlib import Path

        from . import files

        folder = Path(url.database).parent
        if not folder.is_dir():  # an existing folder is the operator's (it may be shared)
            files.private_dir(folder)
        files.private_sqlite(url.database)
    for error in UNAVAILABLE_ERRORS:
        app.register_error_handler(error, handle_unavailable)
    app.teardown_request(note_request)
    app.teardown_appcontext(release_session)
