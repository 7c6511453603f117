"""Faults on purpose, with real processes: PostgreSQL stopped and started under load, Redis
stopped, a gunicorn worker killed, SQLite written by several processes at once, and two people
saving the same record through two servers.

PostgreSQL and Redis outages use a private cluster and a private redis-server (faults_support),
never the shared ones.
"""

from __future__ import annotations

import random
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from ngowg_directory.config import normalise_database_url

from .conftest import TEST_DATABASE_URL
from .faults_support import (
    Outcome,
    PrivatePostgres,
    Traffic,
    postgres_bin,
    probe_log_args,
    probes_by_worker,
)
from .servers import Browser, Server, ServerPool, app_env, create_user, ngowg

pytestmark = pytest.mark.slow

# Generous limits: the traffic of these tests is not what the rate limits are about.
NO_LIMITS = {
    "RATELIMIT_SEARCH": "100000 per hour",
    "RATELIMIT_PROFILE_VIEWS": "100000 per hour",
    "RATELIMIT_LOGIN": "100000 per minute",
}
DOWN_MESSAGE = "The directory is not available right now"


def unique_email(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.org"


def unique_password() -> str:
    return f"pw-{uuid.uuid4().hex}"


def source_address() -> str:
    """A loopback address of this test alone, so the per-address limit starts from zero."""
    return "127.{}.{}.{}".format(*(random.randint(1, 254) for _ in range(3)))


def sign_in(browser: Browser, server: Server, email: str, password: str) -> int:
    return browser.submit(server, "/auth/login", {"email": email, "password": password}).status


def assert_clean(outcome: Outcome) -> None:
    """An answer a person can read: no hang, no broken connection, no traceback."""
    assert outcome.error is None, outcome
    assert outcome.seconds < 10, f"{outcome} took {outcome.seconds:.1f} s"
    assert "Traceback" not in outcome.body, outcome.body[:2000]
    assert 'File "' not in outcome.body, outcome.body[:2000]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[ServerPool]:
    with ServerPool(tmp_path / "servers") as servers:
        yield servers


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL cluster of this module alone, migrated, that a test may stop and start."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def outage_database(
    private_postgres: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory
) -> str:
    url = private_postgres.createdb("ngowg")
    ngowg(app_env(tmp_path_factory.mktemp("outage-cli"), url), "db", "upgrade")
    return url


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """Migrate once with `ngowg db upgrade`: a template SQLite file, or TEST_DATABASE_URL."""
    directory = tmp_path_factory.mktemp("faults-template")
    if TEST_DATABASE_URL:
        ngowg(app_env(directory, TEST_DATABASE_URL), "db", "upgrade")
        return None
    path = directory / "template.db"
    ngowg(app_env(directory, f"sqlite:///{path}"), "db", "upgrade")
    return path


@pytest.fixture
def shared_database(migrated_template: Path | None, tmp_path: Path) -> str:
    """The database of this pass (a fresh SQLite copy, or TEST_DATABASE_URL)."""
    if migrated_template is None:
        assert TEST_DATABASE_URL
        return TEST_DATABASE_URL
    path = tmp_path / "shared.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def engine(shared_database: str) -> Iterator[sa.Engine]:
    database = sa.create_engine(normalise_database_url(shared_database))
    yield database
    database.dispose()


# --- 1. PostgreSQL stopped and started under load --------------------------------------------


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_postgres_stopped_and_started_under_load(
    mode: str,
    private_postgres: PrivatePostgres,
    outage_database: str,
    pool: ServerPool,
    tmp_path: Path,
) -> None:
    env = app_env(
        tmp_path / "cli", outage_database, GUNICORN_CMD_ARGS=probe_log_args(), **NO_LIMITS
    )
    email, password = unique_email("outage"), unique_password()
    create_user(env, email, password, role="staff", name="Outage Tester")
    (server,) = pool.start(["a"], env, workers=2)
    browser = Browser()
    assert sign_in(browser, server, email, password) == 302

    paths = ["/", "/readyz", "/healthz"]
    with Traffic(server, paths, browser, threads=3) as traffic:
        time.sleep(1.5)
        stopping = time.monotonic()
        private_postgres.stop(mode)
        down = time.monotonic()
        time.sleep(3)
        starting = time.monotonic()
        private_postgres.start()
        up = time.monotonic()
        time.sleep(4)
        outcomes = traffic.stop()

    assert outcomes, "no request was sent"
    for outcome in outcomes:
        assert_clean(outcome)

    before = [o for o in outcomes if o.ended < stopping]
    assert before and all(o.status == 200 for o in before), before

    while_down = traffic.between(down, starting)
    by_path = {path: [o for o in while_down if o.path == path] for path in paths}
    assert all(by_path.values()), f"too few requests while down: {by_path}"
    assert all(o.status == 200 and o.body == "ok" for o in by_path["/healthz"]), by_path
    assert all(o.status == 503 for o in by_path["/readyz"]), by_path["/readyz"]
    for page in by_path["/"]:
        assert page.status == 503, page
        assert DOWN_MESSAGE in page.body, page.body[:2000]
        assert page.headers.get("Retry-After", "").isdigit(), page.headers

    # Back: every request sent once PostgreSQL accepts connections again succeeds, on every
    # worker (the pool drops its dead connections before using them).
    after = [o for o in outcomes if o.started >= up]
    assert len(after) > 20, after
    failed = [o for o in after if o.status != 200]
    assert not failed, failed
    assert all("Outage Tester" in o.body for o in after if o.path == "/")

    pool.stop_all()
    answered_by = probes_by_worker(server.log())
    workers_after = {answered_by[o.probe] for o in after}
    assert len(workers_after) == 2, f"only workers {workers_after} answered after the restart"
