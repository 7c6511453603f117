"""Fixtures: an app on a real SQLite file (or TEST_DATABASE_URL), users of every role,
a real local SMTP server, and a test client that posts forms with their CSRF token. What the
fixtures stand on, and what the benchmarks share with the tests, is in testsupport/."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from ngowg_directory import create_app
from ngowg_directory.extensions import db
from ngowg_directory.models import Organization, User
from ngowg_directory.models._types import utcnow
from ngowg_directory.services import accounts, twofactor
from testsupport import databases
from testsupport.flask_client import Client
from testsupport.keys import FIELD_KEY, PASSWORD, SECRET_KEY
from testsupport.mail import Mailbox, SmtpServer
from testsupport.signin import code_at, sign_in, unspent_code
from testsupport.worlds import World, build_world


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


def is_postgres() -> bool:
    """True when the suite runs against PostgreSQL."""
    return bool(TEST_DATABASE_URL)


# --- SMTP sink ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    server = SmtpServer(Mailbox())
    yield server.mailbox, server.port
    server.stop()


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
        databases.empty_schema(_pg_url())
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
    url = _pg_url()
    shared = (sa.engine.make_url(url).database or "").removesuffix(f"_{worker}")
    databases.create_database(url, via=shared)


def _pg_url() -> str:
    return databases.normalised(TEST_DATABASE_URL or "")


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
    assert user.totp_secret
    return code_at(user.totp_secret, offset_steps)


def next_code(user: User) -> str:
    """A code of a step the user has not used yet (codes are single-use per step)."""
    db.session.refresh(user)
    assert user.totp_secret
    return unspent_code(user.totp_secret, user.totp_last_step)


@pytest.fixture
def login(app: Flask):
    """Sign a client in through the real pages (password, then a TOTP code if enrolled)."""

    def do(client: Client, user: User, password: str = PASSWORD) -> Any:
        return sign_in(client, user.email, password, code=lambda: next_code(user))

    return do


@pytest.fixture
def world(app: Flask, make_user, make_org, new_client, login) -> World:
    """Every kind of viewer, signed in, around the same people (testsupport/worlds.py): the
    world of the route table (test_routes.py) and of the hostile input (test_bad_input.py)."""
    return build_world(make_user, make_org, new_client, login)


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
