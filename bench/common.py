"""What the benchmarks add to the support they share with the tests (testsupport/): production
settings with their own keys and raised limits, accounts with fresh passwords, their own
PostgreSQL database, worker memory. The servers, the browser, signing in and the SMTP sink are
the tests' own (testsupport), so nothing here is a stand-in: the servers are
`gunicorn -c gunicorn.conf.py wsgi:app` with NGOWG_ENV=production, as in docs/DEPLOYMENT.md.
"""

from __future__ import annotations

import functools
import os
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testsupport import databases, servers  # noqa: E402
from testsupport.servers import CommandFailed, Server, ServerPool, free_port  # noqa: E402

# A benchmark's command runs as long as it takes (generating 100,000 people takes minutes).
ngowg = functools.partial(servers.ngowg, timeout=None)

# Fixed keys: the benchmark's database outlives one run (generated once, reused).
BENCH_SECRET_KEY = "bench-secret-key-" + "b" * 40
BENCH_FIELD_KEY = "x4bW7XoTPc0Xn0p2ZkQ6gYhE7g8gV1rG0j9aS2mJ3kQ="
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
# Limits raised for the benchmark: they guard against harvesting, not against load tests.
RAISED_LIMITS = {
    "RATELIMIT_LOGIN": "100000 per minute",
    "RATELIMIT_SEARCH": "10000000 per hour",
    "RATELIMIT_PROFILE_VIEWS": "10000000 per hour",
    "RATELIMIT_API": "10000000 per hour",
    "CONNECTION_REQUESTS_PER_DAY": "100000",
}
KEEP = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "XDG_RUNTIME_DIR")


def app_env(instance: Path, database_url: str, **settings: str) -> dict[str, str]:
    """A production environment for the CLI and the servers (only these variables)."""
    instance.mkdir(parents=True, exist_ok=True)
    return servers.app_env(
        instance,
        database_url,
        inherit=KEEP,
        NGOWG_ENV="production",
        SECRET_KEY=BENCH_SECRET_KEY,
        FIELD_ENCRYPTION_KEY=BENCH_FIELD_KEY,
        RATELIMIT_STORAGE_URI=BENCH_REDIS_URL,
        BASE_URL="http://127.0.0.1",
        GUNICORN_LOG_LEVEL="warning",
        **{**RAISED_LIMITS, **settings},
    )


def create_postgres(url: str) -> str:
    """Create a benchmark's own PostgreSQL database when the server does not have it yet;
    answer the URL as SQLAlchemy takes it."""
    normalised = databases.normalised(url)
    if databases.create_database(normalised):
        print(f"created the PostgreSQL database of {normalised.rsplit('@', 1)[-1]}", flush=True)
    return normalised


def empty_postgres(url: str) -> None:
    """Drop every table of a benchmark's own PostgreSQL database (never a shared one); create
    the database first when the server does not have it."""
    databases.empty_schema(create_postgres(url))


def start_server(pool: ServerPool, env: dict[str, str], workers: int | None = None) -> Server:
    """One server of the pool on a free port (GUNICORN_LOG_LEVEL warning: it logs no port),
    answering /healthz; `workers` None: as gunicorn.conf.py says."""
    server = pool.launch("bench", env, workers=workers, port=free_port())
    server.wait_ready(60)
    return server


def in_process_app(database_url: str, name: str, **settings: Any):
    """The app in this process, on a benchmark's database with its keys and without rate
    limits (testing mode: cheap argon2), for counting statements and profiling pages."""
    from ngowg_directory import create_app

    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        SECRET_KEY=BENCH_SECRET_KEY,
        FIELD_ENCRYPTION_KEY=BENCH_FIELD_KEY,
        RATELIMIT_ENABLED=False,
        **{"INSTANCE_PATH": tempfile.mkdtemp(prefix=f"ngowg-{name}-"), **settings},
    )


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make_account(env: dict[str, str], email: str, role: str = "staff", name: str = "") -> str:
    """An active account made through `ngowg create-user`; its password."""
    password = "bench-" + secrets.token_urlsafe(18)
    args = ["create-user", email, "--role", role]
    if name:
        args += ["--name", name]
    try:
        ngowg(env, *args, stdin=password + "\n")
    except CommandFailed as exc:
        if "already exists" not in str(exc):
            raise
        ngowg(env, "set-password", email, stdin=password + "\n")
    return password
