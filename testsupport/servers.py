"""Real app processes: gunicorn servers, the `ngowg` command line, and the environment they get.

Each server runs `gunicorn -c gunicorn.conf.py wsgi:app` exactly as `make run` does, configured
only through environment variables, with stdout and stderr captured to a file so that tests can
read the access log. A `ServerPool` stops every server it started, even when a test fails. The
benchmarks start theirs the same way, in production mode (bench/common.py).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .keys import FIELD_KEY, SECRET_KEY

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LISTENING_RE = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+) ")

# Settings the app, gunicorn.conf.py or gunicorn itself read from the environment: a developer's
# own values must not leak into the servers under test.
APP_VARIABLES = frozenset(
    {
        "NGOWG_ENV",
        "NGOWG_INSTANCE_PATH",
        "DATABASE_URL",
        "DATABASE_POOL_SIZE",
        "DATABASE_MAX_OVERFLOW",
        "DATABASE_POOL_TIMEOUT",
        "DATABASE_CONNECT_TIMEOUT",
        "DATABASE_POOL_RECYCLE",
        "DATABASE_STATEMENT_TIMEOUT",
        "SHUTDOWN_DRAIN_SECONDS",
        "RATELIMIT_FALLBACK_PROCESSES",
        "SEARCH_CACHE_SECONDS",
        "GUNICORN_THREADS",
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEY",
        "BASE_URL",
        "TWO_FACTOR_REQUIRED_ROLES",
        "INVITATION_MAX_AGE_HOURS",
        "PROXY_FIX_X_FOR",
        "MAIL_SERVER",
        "MAIL_PORT",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_USE_TLS",
        "MAIL_DEFAULT_SENDER",
        "SECRETARIAT_EMAIL",
        "RATELIMIT_STORAGE_URI",
        "RATELIMIT_LOGIN",
        "RATELIMIT_SEARCH",
        "RATELIMIT_PROFILE_VIEWS",
        "RATELIMIT_API",
        "RATELIMIT_API_AUTH_FAILURES",
        "WEB_CONCURRENCY",
        "PORT",
        "GUNICORN_BIND",
        "GUNICORN_CMD_ARGS",
        "GUNICORN_LOG_LEVEL",
        "FORWARDED_ALLOW_IPS",
        "FLASK_APP",
    }
)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(
    instance: Path, database_url: str, *, inherit: Iterable[str] | None = None, **settings: str
) -> dict[str, str]:
    """The environment of an app process: testing mode (cheap argon2) with the suite's keys,
    unless `settings` say otherwise. It inherits this process's environment without the app's
    own variables, or (`inherit`) only the variables named."""
    if inherit is None:
        env = {name: value for name, value in os.environ.items() if name not in APP_VARIABLES}
    else:
        env = {name: os.environ[name] for name in inherit if name in os.environ}
    env.update(
        NGOWG_ENV="testing",
        NGOWG_INSTANCE_PATH=str(instance),
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        FIELD_ENCRYPTION_KEY=FIELD_KEY,
        RATELIMIT_STORAGE_URI="memory://",
        BASE_URL="http://directory.test",
        PYTHONUNBUFFERED="1",
        # A stop (SIGTERM) is immediate unless a test is about the drain before it.
        SHUTDOWN_DRAIN_SECONDS="0",
    )
    env.update(settings)
    return env


# --- the command line ----------------------------------------------------------------------


class CommandFailed(AssertionError):
    """`ngowg` exited with an error (an AssertionError: in a test, a failure)."""


def ngowg(env: dict[str, str], *args: str, stdin: str = "", timeout: float | None = 60) -> str:
    """Run `ngowg ARGS` with an environment; its standard output, or CommandFailed."""
    result = subprocess.run(
        [str(BIN / "ngowg"), *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise CommandFailed(
            f"ngowg {' '.join(args)} exited with {result.returncode}:\n"
            f"{result.stdout}\n{result.stderr}"
        )
    return result.stdout


# She agrees to be listed through the service the consent step calls (as conftest.make_user
# makes listed people): `create-user` lists nobody, and no command may agree for her.
AGREE = """
import sys
from ngowg_directory import create_app
from ngowg_directory.extensions import db
from ngowg_directory.models import User
from ngowg_directory.services import profiles
with create_app().app_context():
    profiles.set_consent(db.session.get(User, int(sys.argv[1])), True)
    db.session.commit()
"""


def run_python(env: dict[str, str], code: str, *args: str, timeout: float = 60) -> None:
    """Run a few lines of Python against the app of `env`, as a separate process would."""
    subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        timeout=timeout,
        check=True,
    )


def create_user(
    env: dict[str, str],
    email: str,
    password: str,
    role: str = "defender",
    *,
    name: str = "",
    consent: bool = True,
) -> int:
    """Create an active account through `ngowg create-user` (password on stdin); its id.

    With `consent` (the default) she has then agreed to be listed, as a listed person has."""
    args = ["create-user", email, "--role", role]
    if name:
        args += ["--name", name]
    output = ngowg(env, *args, stdin=password + "\n")
    match = re.search(r"id (\d+)\.", output)
    assert match, output
    user_id = int(match.group(1))
    if consent:
        run_python(env, AGREE, str(user_id))
    return user_id


# --- servers -------------------------------------------------------------------------------


@dataclass
class Server:
    """One gunicorn master and its workers, started in a process group of their own."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    instance: Path
    runtime_dir: Path
    port: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        """Everything the server wrote to stdout and stderr so far (access and error logs)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until /healthz answers 200; RuntimeError with the log when it does not in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server {self.name} exited with {self.process.returncode}:\n{self.log()}"
                )
            if self.port is None:
                match = LISTENING_RE.search(self.log())
                if match:
                    self.port = int(match.group(1))
            if self.port is not None and _healthy(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"server {self.name} was not ready after {timeout} s:\n{self.log()}")

    def stop(self, timeout: float = 15) -> None:
        """Graceful stop (SIGTERM to the master), then SIGKILL to the group if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                # The master leads its own process group (start_new_session): this reaches
                # its workers too, and nothing else.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        shutil.rmtree(self.runtime_dir, ignore_errors=True)


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        return response.status == 200 and response.read() == b"ok"
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def worker_pids(server: Server) -> set[int]:
    """The pids of the gunicorn master's child processes (its workers)."""
    master = server.process.pid
    children: set[int] = set()
    for task in Path(f"/proc/{master}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            children.update(int(pid) for pid in task.read_text().split())
    return children


class ServerPool:
    """Starts servers and stops every one of them on exit (use it in a fixture)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.servers: list[Server] = []

    def launch(
        self, name: str, env: dict[str, str], *, workers: int | None = 1, port: int | None = None
    ) -> Server:
        """Start `gunicorn -c gunicorn.conf.py wsgi:app`; does not wait. `workers` None leaves
        the number to gunicorn.conf.py. Without a `port`, on a free one that gunicorn picks and
        logs (which needs its info lines: GUNICORN_LOG_LEVEL info, the default)."""
        home = self.directory / name
        instance = home / "instance"
        instance.mkdir(parents=True, exist_ok=True)
        # gunicorn's control socket defaults to $HOME/.gunicorn/gunicorn.ctl, shared by every
        # server of the user: each test server gets its own (short path: AF_UNIX limit).
        runtime_dir = Path(tempfile.mkdtemp(prefix="ngowg-gunicorn-"))
        server_env = {
            **env,
            "NGOWG_INSTANCE_PATH": str(instance),
            "GUNICORN_BIND": f"127.0.0.1:{port or 0}",
            "XDG_RUNTIME_DIR": str(runtime_dir),
        }
        if workers is not None:
            server_env["WEB_CONCURRENCY"] = str(workers)
        log_path = home / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=PROJECT_ROOT,
                env=server_env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(name, process, log_path, instance, runtime_dir, port)
        self.servers.append(server)
        return server

    def start(
        self, names: list[str], env: dict[str, str], *, workers: int = 1, timeout: float = 30
    ) -> list[Server]:
        """Launch several servers side by side, then wait until each one answers."""
        started = [self.launch(name, env, workers=workers) for name in names]
        for server in started:
            server.wait_ready(timeout)
        return started

    def stop_all(self) -> None:
        """Stop every server, even when stopping one of them fails."""
        failures = []
        for server in self.servers:
            try:
                server.stop()
            except Exception as exc:  # the others must still be stopped
                failures.append(f"{server.name}: {exc!r}")
        if failures:
            raise RuntimeError("servers did not stop: " + "; ".join(failures))

    def __enter__(self) -> ServerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()
