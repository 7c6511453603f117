"""What the benchmarks share: a production environment, real gunicorn servers, a signed-in
HTTP client, an SMTP sink, worker memory. Nothing here is a stand-in: the servers are
`gunicorn -c gunicorn.conf.py wsgi:app` with NGOWG_ENV=production, as in docs/DEPLOYMENT.md.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
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
    env = {name: os.environ[name] for name in KEEP if name in os.environ}
    env.update(
        NGOWG_ENV="production",
        NGOWG_INSTANCE_PATH=str(instance),
        DATABASE_URL=database_url,
        SECRET_KEY=BENCH_SECRET_KEY,
        FIELD_ENCRYPTION_KEY=BENCH_FIELD_KEY,
        RATELIMIT_STORAGE_URI=BENCH_REDIS_URL,
        BASE_URL="http://127.0.0.1",
        PYTHONUNBUFFERED="1",
        GUNICORN_LOG_LEVEL="warning",
        SHUTDOWN_DRAIN_SECONDS="0",  # no load balancer to drain for: stop at once
        **RAISED_LIMITS,
    )
    env.update(settings)
    return env


def create_postgres(url: str) -> str:
    """Create a benchmark's own PostgreSQL database when the server does not have it yet;
    answer the URL as SQLAlchemy takes it."""
    import sqlalchemy as sa

    sys.path.insert(0, str(ROOT))
    from ngowg_directory.config import normalise_database_url

    normalised = normalise_database_url(url)
    name = sa.engine.make_url(normalised).database
    server = sa.create_engine(
        sa.engine.make_url(normalised).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).scalar()
        if not exists:
            print(f"creating the PostgreSQL database {name}", flush=True)
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return normalised


def empty_postgres(url: str) -> None:
    """Drop every table of a benchmark's own PostgreSQL database (never a shared one); create
    the database first when the server does not have it."""
    import sqlalchemy as sa

    engine = sa.create_engine(create_postgres(url))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def ngowg(env: dict[str, str], *args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [str(BIN / "ngowg"), *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ngowg {' '.join(args)}: {result.stdout}\n{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- servers ---------------------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def start_server(env: dict[str, str], log_path: Path, workers: int | None = None) -> Server:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on a free loopback port; waits for /healthz."""
    port = free_port()
    server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers is not None:
        server_env["WEB_CONCURRENCY"] = str(workers)
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=server_env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = Server(process, port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("gunicorn did not answer /healthz in 60 s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (VmRSS from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- a signed-in HTTP client -----------------------------------------------------------------


@dataclass
class Answer:
    status: int
    text: str
    location: str


@dataclass
class Client:
    """One browser: its own cookie jar and one keep-alive connection to one server."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    connection: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        fields: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> Answer:
        headers = {"Accept": "text/html", "Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", errors="replace")
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: one retry on a new one.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return Answer(response.status, text, response.getheader("Location", ""))

    def get(self, path: str) -> Answer:
        return self.request("GET", path)

    def csrf(self, page: str) -> str:
        answer = self.get(page)
        match = CSRF_RE.search(answer.text)
        if not match:
            raise RuntimeError(f"no CSRF token on {page} ({answer.status})")
        return match.group(1)

    def submit(self, path: str, fields: dict[str, str], page: str | None = None) -> Answer:
        return self.request("POST", path, {**fields, "csrf_token": self.csrf(page or path)})

    def sign_in(self, email: str, password: str) -> None:
        answer = self.submit("/auth/login", {"email": email, "password": password})
        if answer.status != 302 or "two-factor" in answer.location:
            raise RuntimeError(f"sign-in of {email} failed: {answer.status} {answer.location}")

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def make_account(env: dict[str, str], email: str, role: str = "staff", name: str = "") -> str:
    """An active account made through `ngowg create-user`; its password."""
    password = "bench-" + secrets.token_urlsafe(18)
    args = ["create-user", email, "--role", role]
    if name:
        args += ["--name", name]
    try:
        ngowg(env, *args, stdin=password + "\n")
    except RuntimeError as exc:
        if "already exists" not in str(exc):
            raise
        ngowg(env, "set-password", email, stdin=password + "\n")
    return password


# --- an SMTP sink ----------------------------------------------------------------------------


class SmtpSink:
    """A real SMTP server on loopback that counts what it receives (aiosmtpd)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.count = 0
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        with self._lock:
            self.count += 1
        return "250 OK"

    def wait_for(self, count: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.count < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.count

    def stop(self) -> None:
        self.controller.stop()
