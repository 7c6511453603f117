"""Fixtures: an app on a real SQLite file (or TEST_DATABASE_URL), users of every role,
a real local SMTP server, and helpers that post forms with their CSRF token."""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade

from ngowg_directory import create_app
from ngowg_directory.extensions import db
from ngowg_directory.models import Organization, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, twofactor


def _for_this_worker(name: str) -> str | None:
    """TEST_DATABASE_URL and TEST_REDIS_URL, made this pytest-xdist worker's own.

    Each worker (gw0, gw1, ...) empties tables and flushes Redis before every test, so workers
    never share them: worker N uses the PostgreSQL database `<name>_gwN` (created on first
    use, see `_create_worker_database`) and the Redis database `<n> - N`. The environment is
    rewritten, so every module and subprocess that reads it gets the worker's own."""
    url = os.environ.get(name) or None
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if url is None or not worker.startswith("gw") or os.environ.get(f"{name}_WORKER") == worker:
        return url
    index = int(worker.removeprefix("gw"))
    parsed = sa.engine.make_url(url)
    if name == "TEST_DATABASE_URL":
        parsed = parsed.set(database=f"{parsed.database}_{worker}")
    else:
        base = int(parsed.database or 0)
        parsed = parsed.set(database=str((base - index) % 16))
    os.environ[name] = parsed.render_as_string(hide_password=False)
    os.environ[f"{name}_WORKER"] = worker  # rewritten once per worker process
    return os.environ[name]


TEST_DATABASE_URL = _for_this_worker("TEST_DATABASE_URL")
TEST_REDIS_URL = _for_this_worker("TEST_REDIS_URL")
PASSWORD = "correct horse battery staple"
FIELD_KEY = "x4bW7XoTPc0Xn0p2ZkQ6gYhE7g8gV1rG0j9aS2mJ3kQ="
SECRET_KEY = "test-secret-key-" + "k" * 40
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def is_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return bool(TEST_DATABASE_URL)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- SMTP sink ---------------------------------------------------------------------------


class Mailbox:
    """Messages received by the local SMTP server, in order."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.raw: list[bytes] = []
        self.peers: list[Any] = []  # the client's address of each message's connection
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.raw.append(envelope.content)
            self.peers.append(session.peer)
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()
            self.raw.clear()
            self.peers.clear()

    def to(self, address: str) -> list[Message]:
        """Messages addressed to one recipient."""
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: Message) -> str:
        """The decoded text body."""
        payload = message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(message.get_content_charset() or "utf-8")

    def links(self, address: str) -> list[str]:
        """Every http link in the messages to an address."""
        found: list[str] = []
        for message in self.to(address):
            found += re.findall(r"https?://\S+", self.body(message))
        return found


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    box, _port = smtp_server
    box.clear()
    return box


# --- database and app --------------------------------------------------------------------


def build_app(instance: Path, database_url: str, **overrides: Any) -> Flask:
    """An app in testing mode with fixed keys; `overrides` win."""
    settings: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": FIELD_KEY,
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL or "memory://",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "BASE_URL": "http://directory.test",
    }
    settings.update(overrides)
    return create_app("testing", **settings)


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory: pytest.TempPathFactory) -> str | None:
    """Build the schema once by running the migrations (never create_all)."""
    instance = tmp_path_factory.mktemp("template")
    if is_postgres():
        _create_worker_database()
        engine = sa.create_engine(_pg_url())
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        url = TEST_DATABASE_URL
    else:
        url = f"sqlite:///{instance / 'template.db'}"
    app = build_app(instance, url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return None if is_postgres() else str(instance / "template.db")


def _create_worker_database() -> None:
    """A pytest-xdist worker's PostgreSQL database, made from the one it was named after."""
    worker = os.environ.get("TEST_DATABASE_URL_WORKER")
    if not worker:
        return
    url = sa.engine.make_url(_pg_url())
    shared = url.set(database=url.database.removesuffix(f"_{worker}"))  # type: ignore[union-attr]
    engine = sa.create_engine(shared, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    engine.dispose()


def _pg_url() -> str:
    from ngowg_directory.config import normalise_database_url

    return normalise_database_url(TEST_DATABASE_URL or "")


def _empty_postgres(app: Flask) -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with app.app_context():
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture
def database_url(tmp_path: Path, schema_template: str | None) -> str:
    """A fresh database for one test: a copy of the migrated SQLite file, or emptied tables."""
    if schema_template is None:
        return TEST_DATABASE_URL or ""
    path = tmp_path / "test.db"
    shutil.copyfile(schema_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Settings a test module may override by redefining this fixture."""
    return {}


@pytest.fixture
def app(
    tmp_path: Path,
    database_url: str,
    smtp_server: tuple[Mailbox, int],
    app_overrides: dict[str, Any],
) -> Iterator[Flask]:
    _box, port = smtp_server
    if TEST_REDIS_URL:
        # Flask-Limiter keeps the first app's key prefix for the process: start each test
        # with an empty Redis database instead, so no counter carries over.
        import redis

        redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, **app_overrides}
    application = build_app(tmp_path / "instance", database_url, **settings)
    if is_postgres():
        _empty_postgres(application)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


class Client(FlaskClient):
    """A test client that fills in the CSRF token like a browser would.

    Each request runs in its own app context, as in production: the test's own context
    (for database access) must not lend its `g` or its session to the requests.
    """

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[override]
        token = _cv_app.set(None)  # type: ignore[arg-type]
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)

    def csrf_token(self, page: str | None = None) -> str:
        """The CSRF token of this client's session, read from a page's form."""
        for candidate in [page, "/safety", "/auth/login"]:
            if candidate is None:
                continue
            html = self.get(candidate).get_data(as_text=True)
            match = CSRF_RE.search(html)
            if match:
                return match.group(1)
        raise AssertionError("no page offered a CSRF token")

    def form(
        self, url: str, data: dict[str, Any] | None = None, page: str | None = None, **kw: Any
    ):
        """POST a form with the session's CSRF token, as the page would send it."""
        fields = dict(data or {})
        fields.setdefault("csrf_token", self.csrf_token(page))
        return self.post(url, data=fields, **kw)


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def new_client(app: Flask):
    """Factory for more independent browsers."""

    def make() -> Client:
        app.test_client_class = Client
        return app.test_client()  # type: ignore[return-value]

    return make


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# --- people ------------------------------------------------------------------------------


@pytest.fixture
def make_org(app: Flask):
    def make(slug: str = "wilpf", name: str | None = None) -> Organization:
        org = db.session.scalar(sa.select(Organization).where(Organization.slug == slug))
        if org is None:
            org = Organization(slug=slug, name=name or slug.upper(), kind="member")
            db.session.add(org)
            db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(app: Flask, make_org):
    """Create an active account who has agreed to be listed (a listed person);
    `consent=False` for one who has not agreed yet; `totp=True` enrols it in 2FA."""

    def make(
        role: str = "defender",
        email: str | None = None,
        *,
        org: str | None = None,
        password: str = PASSWORD,
        totp: bool | None = None,
        name: str | None = None,
        consent: bool = True,
    ) -> User:
        organization = make_org(org) if org else None
        if role == "manager" and organization is None:
            organization = make_org("wilpf")
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.org"
        user = accounts.create_user(
            email, role, name=name or f"Test {role}", organization=organization, password=password
        )
        if consent:
            # As if she had taken the consent step herself (no audit row: tests count them).
            user.profile.consent_at = utcnow()
        needs = role in app.config["TWO_FACTOR_REQUIRED_ROLES"]
        if totp or (totp is None and needs):
            user.totp_secret = twofactor.new_secret()
            user.totp_enabled = True
        db.session.commit()
        return user

    return make


def totp_now(user: User, offset_steps: int = 0) -> str:
    """The code the user's authenticator app would show, `offset_steps` steps away."""
    import time

    assert user.totp_secret
    return pyotp.TOTP(user.totp_secret).at(time.time() + 30 * offset_steps)


@pytest.fixture
def login(app: Flask):
    """Sign a client in through the real pages (password, then a TOTP code if enrolled)."""

    def do(client: Client, user: User, password: str = PASSWORD) -> Any:
        response = client.form("/auth/login", {"email": user.email, "password": password})
        if response.headers.get("Location", "").endswith("/auth/two-factor"):
            db.session.refresh(user)
            # Codes are single-use per step: take the next step if this one was spent.
            offset = 0
            if user.totp_last_step is not None:
                import time

                offset = max(0, user.totp_last_step + 1 - int(time.time() // 30))
            response = client.form("/auth/two-factor", {"code": totp_now(user, offset)})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    return do


# Fixtures that reach TEST_DATABASE_URL or TEST_REDIS_URL: a test that asks for one of them
# runs on the back end under test and must not be marked backend_independent (.ci/run runs
# those in one stage only, so the mark would drop it from the PostgreSQL run).
BACKEND_FIXTURES = frozenset(
    {"database_url", "schema_template", "app", "shared_database", "migrated_template", "engine"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wrong = [
        item.nodeid
        for item in items
        if item.get_closest_marker("backend_independent")
        and BACKEND_FIXTURES & set(getattr(item, "fixturenames", ()))
    ]
    if wrong:
        raise pytest.UsageError(
            "marked backend_independent but uses the back end under test: " + ", ".join(wrong)
        )
