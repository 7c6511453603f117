"""Database engine settings and what happens when the database does not answer.

SQLite runs in WAL mode with a busy timeout and foreign keys. PostgreSQL connections come from
a small pool per process, each one tested before use (`pool_pre_ping`), so that connections
killed by a database restart are dropped instead of failing a request. While the database does
not answer, pages answer 503 with Retry-After (never a traceback) and `/readyz` answers 503.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from typing import Any

import sqlalchemy as sa
from flask import Flask, g, request
from sqlalchemy.engine import Engine
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

logger = logging.getLogger(__name__)

# Below gunicorn's 30 s worker timeout: a writer waits for the lock, then the page answers.
SQLITE_BUSY_TIMEOUT_MS = 15_000
# What a 503 tells the browser (and a load balancer) about when to try again.
RETRY_AFTER_SECONDS = 30


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
) -> dict[str, Any]:
    """SQLAlchemy engine options for a database URL (see the pool notes in config.py).

    Every connection is tested before use. The pool sizes and the connect timeout apply to
    server databases only: SQLite has no server to wait for, and an in-memory SQLite database
    uses a pool that takes no size.
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    if sa.engine.make_url(url).get_backend_name() == "sqlite":
        return options
    options.update(
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_recycle=pool_recycle,
    )
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": connect_timeout}
    return options


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


def _reason(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    first_line = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first_line[:200]}"


def handle_unavailable(error: Exception) -> Response:
    """Roll back, log one line, and answer 503 with Retry-After in the site's look (any other
    database error is a bug: the usual 500, with its traceback in the log)."""
    from .errors import handle_unexpected, render_error
    from .extensions import db, login_manager
    from .redaction import loggable_path

    if not is_unavailable(error):
        return handle_unexpected(error)
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            db.session.invalidate()
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


def init_app(app: Flask) -> None:
    """Make a SQLite database file (and its folder, when missing) private before SQLite opens
    it; answer 503 while the database does not answer."""
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
