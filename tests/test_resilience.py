"""Faults degrade service, never correctness, headers or privacy (issue 21), in one process:
a dead connection at the end of a request, an error escaping Flask, a database or Redis that
hangs, the drain before a stop, the limits while Redis is away, and the one log redaction.
The same faults with real servers are in test_faults.py (slow)."""

from __future__ import annotations

import io
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from ngowg_directory import draining, redaction
from ngowg_directory.config import normalise_database_url
from ngowg_directory.database import watchdog
from ngowg_directory.ratelimits import divided

from .conftest import Client, build_app

DOWN_MESSAGE = "The directory is not available right now"


def lost_connection() -> sa.exc.OperationalError:
    """What SQLAlchemy raises when the server killed the connection under a statement."""
    error = sa.exc.OperationalError("ROLLBACK", {}, Exception("server closed the connection"))
    error.connection_invalidated = True
    return error


def assert_site_headers(answer) -> None:
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert name in answer.headers, answer.headers
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port where the kernel accepts connections and nothing ever answers (a server whose
    processes are stopped)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


# --- the end of a request ---------------------------------------------------------------------


def test_a_rollback_failing_on_a_dead_connection_keeps_the_answer(
    app: Flask, client: Client, make_user, login, monkeypatch, caplog
) -> None:
    """The server kills the connection as the request finishes: the session's closing rollback
    raises in teardown. The answer already made stands (every read and commit succeeded), the
    session is discarded, and the log has one warning without the query string."""
    from ngowg_directory.extensions import db

    login(client, make_user("staff"))
    session_class = type(db.session())
    real_close = session_class.close
    failures = []

    def close(self):
        if not failures:
            failures.append(True)
            raise lost_connection()
        return real_close(self)

    monkeypatch.setattr(session_class, "close", close)
    answer = client.get("/directory?q=women&country=SS")
    assert answer.status_code == 200, answer.status_code
    assert failures, "the failing close was not reached"
    assert_site_headers(answer)
    warnings = [r for r in caplog.records if "connection lost after" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "GET /directory" in warnings[0].getMessage()
    assert "women" not in caplog.text and not warnings[0].exc_info
    monkeypatch.undo()
    assert client.get("/directory").status_code == 200  # the next request is served


def call_like_gunicorn(app: Flask, path: str) -> tuple[int, dict[str, str], str]:
    """One request through the whole WSGI stack with a server's start_response, which (as
    gunicorn's, and as WSGI allows) takes a replacement until the headers are sent. Werkzeug's
    test client re-raises any replacement instead."""
    from werkzeug.test import EnvironBuilder

    answer: dict[str, object] = {}

    def start_response(status: str, headers: list, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    environ = EnvironBuilder(path=path, headers={"Accept": "text/html"}).get_environ()
    body = b"".join(app.wsgi_app(environ, start_response)).decode()
    return int(str(answer["status"]).split()[0]), answer["headers"], body  # type: ignore[return-value]


def test_an_error_escaping_flask_is_the_sites_page_with_every_header(tmp_path: Path) -> None:
    """Whatever escapes Flask's handlers (here a teardown, after the answer was started) is
    answered by the safety net: the site's 503 page with Retry-After when the database is
    gone, its 500 page otherwise, each with every security header; never gunicorn's bare 500."""
    app = build_app(tmp_path / "instance", f"sqlite:///{tmp_path / 'db.sqlite'}")
    raised: list[Exception] = []

    @app.teardown_appcontext
    def failing_teardown(error):
        if raised:
            raise raised.pop()

    raised.append(lost_connection())
    status, headers, body = call_like_gunicorn(app, "/auth/login")
    assert status == 503
    assert DOWN_MESSAGE in body
    assert int(headers["Retry-After"]) == 30
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert name in headers, headers
    assert headers["Cache-Control"] == "no-store"

    raised.append(RuntimeError("a bug"))
    status, headers, body = call_like_gunicorn(app, "/auth/login")
    assert status == 500
    assert "Something went wrong" in body and "Traceback" not in body
    assert "Content-Security-Policy" in headers and headers["Cache-Control"] == "no-store"
    status, _headers, body = call_like_gunicorn(app, "/auth/login")
    assert status == 200 and "csrf_token" in body  # untouched when nothing fails


# --- a database that hangs ---------------------------------------------------------------------


def test_readyz_answers_within_a_second_when_the_database_hangs(
    tmp_path: Path, silent_port: int
) -> None:
    url = f"postgresql://postgres@127.0.0.1:{silent_port}/hung"
    app = build_app(tmp_path / "instance", normalise_database_url(url), DATABASE_CONNECT_TIMEOUT=3)
    client = app.test_client()
    for _ in range(2):  # the second while the first check still waits: at once
        started = time.monotonic()
        ready = client.get("/readyz")
        assert time.monotonic() - started < 1.2
        assert ready.status_code == 503
        assert ready.get_data(as_text=True) == "database unavailable"
        assert ready.headers["Retry-After"].isdigit()
    assert client.get("/healthz").status_code == 200


def test_postgres_connections_have_time_limits(tmp_path: Path) -> None:
    url = normalise_database_url("postgresql://postgres@127.0.0.1:5432/x")
    app = build_app(tmp_path / "instance", url, DATABASE_STATEMENT_TIMEOUT=7)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    args = options["connect_args"]
    assert args["connect_timeout"] == 5
    assert args["keepalives"] == 1 and args["tcp_user_timeout"] == 10_000
    assert args["options"] == "-c statement_timeout=7000"
    assert options["pool_pre_ping"] and options["hide_parameters"]
    sqlite_app = build_app(tmp_path / "other", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert "connect_args" not in sqlite_app.config["SQLALCHEMY_ENGINE_OPTIONS"]  # busy timeout


def real_postgres() -> str:
    """A PostgreSQL to hold real connections to (the suite's, else the local one)."""
    import psycopg

    url = os.environ.get("TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    url = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {url}: {exc}")
    return url


def test_the_watchdog_cuts_a_call_that_waits_past_its_limit() -> None:
    """A statement the server does not answer in time (here pg_sleep, with no server-side
    timeout, standing for a stopped server) has its connection shut down once the limit has
    passed: the blocked call fails as a lost connection, well before it would have ended."""
    import psycopg

    connection = psycopg.connect(real_postgres(), autocommit=True)
    watchdog.track(connection, 0.4)
    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError):
        connection.execute("SELECT pg_sleep(5)")
    assert 0.35 < time.monotonic() - started < 2
    connection.close()


def test_the_watchdog_lets_a_long_run_of_quick_calls_be() -> None:
    """A long request whose statements each answer (an import, an export) is never cut, however
    long it runs in all: only one call in progress counts."""
    import psycopg

    connection = psycopg.connect(real_postgres())
    watchdog.track(connection, 0.4)
    cuts = watchdog.cuts
    started = time.monotonic()
    while time.monotonic() - started < 1.5:
        watchdog.call_begins(connection)
        connection.execute("SELECT pg_sleep(0.05)")
        time.sleep(0.1)  # Python work between statements, in a transaction
    watchdog.call_begins(connection)
    connection.commit()
    assert watchdog.cuts == cuts
    assert connection.execute("SELECT 1").fetchone() == (1,)
    connection.close()


def test_the_watchdog_follows_each_connections_own_statement_timeout(tmp_path: Path) -> None:
    """The app's PostgreSQL connections are watched with their statement timeout plus a grace;
    the command line's (no statement timeout) are never cut."""
    from ngowg_directory.database import WATCHDOG_GRACE_SECONDS, call_limit

    assert call_limit("-c statement_timeout=7000") == 7 + WATCHDOG_GRACE_SECONDS
    assert call_limit(None) == 0 and call_limit("") == 0
    url = normalise_database_url(real_postgres())
    app = build_app(tmp_path / "instance", url, DATABASE_STATEMENT_TIMEOUT=7)
    from ngowg_directory.extensions import db

    with app.app_context():
        with db.engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            assert watchdog._connections[raw].limit == 7 + WATCHDOG_GRACE_SECONDS
        db.engine.dispose()


# --- Redis --------------------------------------------------------------------------------------


def test_limits_divided_among_the_processes_while_redis_is_away() -> None:
    assert divided("300 per hour", 1) == "300 per hour"
    assert divided("300 per hour", 4) == "75 per 1 hour"
    assert divided("10 per minute", 4) == "2 per 1 minute"  # 8 in all: never more than 10
    assert divided("10 per minute", 40) == "1 per 4 minute"
    assert divided("20 per minute; 1000 per day", 3) == "6 per 1 minute; 333 per 1 day"


# --- the drain before a stop ---------------------------------------------------------------------


def test_readyz_says_503_while_the_server_drains(client: Client) -> None:
    assert client.get("/readyz").status_code == 200
    draining.start()
    try:
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.get_data(as_text=True) == "shutting down"
        assert client.get("/healthz").status_code == 200
        assert client.get("/auth/login").status_code == 200  # still serving
    finally:
        draining.reset()


# --- one redaction for every log --------------------------------------------------------------


def test_one_redaction_for_every_log_line(app: Flask) -> None:
    line = redaction.redact_text
    assert line("Error handling request GET /directory?q=women&country=SS") == (
        "Error handling request GET /directory"
    )
    assert line('"GET /auth/reset/abc123secret HTTP/1.1" 200') == (
        '"GET /auth/reset/[redacted] HTTP/1.1" 200'
    )
    assert line("see https://directory.test/people?q=amina for") == (
        "see https://directory.test/people for"
    )
    assert line("Bearer ngowg_" + "x" * 40) == "Bearer ngowg_[redacted]"
    assert line('File "/work/app/ngowg_directory/views.py", line 3') == (
        'File "/work/app/ngowg_directory/views.py", line 3'
    )


def test_gunicorns_error_log_holds_no_query_string() -> None:
    """gunicorn writes a failed request's whole URL in its error log: the logger of
    gunicorn.conf.py redacts it, tracebacks included."""
    import runpy

    from gunicorn.config import Config

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    config = Config()
    config.set("errorlog", "-")
    log = settings["RedactingLogger"](config)
    stream = io.StringIO()
    for handler in log.error_log.handlers:
        handler.setStream(stream)
    try:
        raise ValueError("bad /directory?q=secret-search")
    except ValueError:
        log.exception("Error handling request %s %s", "GET", "/directory?q=women&country=SS")
    written = stream.getvalue()
    assert "Error handling request GET /directory" in written
    assert "women" not in written and "country=" not in written and "secret-search" not in written
    assert "ValueError" in written


def test_no_statement_parameters_in_database_errors(app: Flask, caplog) -> None:
    """What a person typed never reaches the log through an error's message."""
    from ngowg_directory.extensions import db

    with pytest.raises(sa.exc.DBAPIError) as raised:
        db.session.execute(sa.text("SELECT * FROM no_such_table WHERE x = :v"), {"v": "amina"})
    db.session.rollback()
    assert "amina" not in str(raised.value)


def test_the_watchdog_thread_is_started_once_per_process() -> None:
    class Closed:
        closed = True

    for _ in range(2):
        watchdog.track(Closed(), 5)
    names = [t.name for t in threading.enumerate()]
    assert names.count("database-watchdog") == 1


def test_a_lost_connection_in_sqlalchemys_own_log_is_one_warning_line() -> None:
    import psycopg

    from ngowg_directory.database import QUIET_LOST_CONNECTIONS

    logger = logging.getLogger("sqlalchemy.pool.impl.QueuePool")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(QUIET_LOST_CONNECTIONS)
    logger.addHandler(handler)
    try:
        try:
            raise psycopg.errors.AdminShutdown("terminating connection")
        except psycopg.Error:
            logger.error("Error closing cursor", exc_info=True)
        try:
            raise ValueError("a bug")
        except ValueError:
            logger.error("Something else", exc_info=True)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "Error closing cursor (AdminShutdown: terminating connection)"
    assert "Traceback" in stream.getvalue().split("Something else", 1)[1]  # bugs keep theirs


def test_the_connect_breaker_closes_from_its_background_probe_without_a_request() -> None:
    """Once new connections are refused, a thread tries the server every second and closes the
    breaker at its first answer: the first request after recovery is served, not refused."""
    from ngowg_directory.database import ConnectBreaker

    tries: list[float] = []

    class Answer:
        def close(self) -> None:
            pass

    def connect() -> Answer:
        tries.append(time.monotonic())
        if len(tries) < 3:
            raise OSError("still away")
        return Answer()

    breaker = ConnectBreaker()
    breaker.PROBE_EVERY = 0.05
    breaker.connect = connect
    breaker.failed(TimeoutError("no answer"))
    assert not breaker.allows()  # refused at once, for its 3 s pause
    deadline = time.monotonic() + 2
    while breaker.is_open() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not breaker.is_open() and breaker.allows()
    assert len(tries) == 3  # stopped probing once it answered
    time.sleep(0.2)
    assert len(tries) == 3
