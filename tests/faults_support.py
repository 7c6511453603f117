"""Things to break on purpose: a private PostgreSQL cluster and a private Redis that a test may
stop and start, steady request traffic that records every answer, and the worker processes of
a gunicorn master.

The shared PostgreSQL (5432) and Redis (6379) are never touched: each of these starts its own
server on a free port, in a throw-away folder, and removes it afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from .conftest import free_port
from .servers import Browser, Server

# gunicorn's access log with the worker's pid and the request's probe number (X-Probe header),
# so that a test knows which worker answered which of its requests.
PROBE_LOG_FORMAT = "probe=%({x-probe}i)s pid=%(p)s status=%(s)s path=%(U)s"
PROBE_LINE_RE = re.compile(r"probe=(\d+) pid=<(\d+)> status=(\d{3})")


def probe_log_args() -> str:
    """GUNICORN_CMD_ARGS that put the probe number and the worker's pid in the access log."""
    return f"--access-logformat '{PROBE_LOG_FORMAT}'"


def probes_by_worker(log: str) -> dict[int, int]:
    """Probe number -> pid of the worker that answered it, from a server's access log."""
    return {int(probe): int(pid) for probe, pid, _status in PROBE_LINE_RE.findall(log)}


# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout), or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port, trust authentication, run as `postgres`
    when the tests run as root (PostgreSQL refuses to run as root)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        # Not under pytest's tmp_path: that is 0700 and owned by root, out of reach of the
        # postgres user.
        self.home = Path(tempfile.mkdtemp(prefix="ngowg-faults-pg-"))
        self.data = self.home / "data"
        self.log_path = self.home / "server.log"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.home, "postgres", "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        self.running = False

    def _run(self, program: str, *args: str, timeout: float = 120) -> str:
        command = [str(self.bin_dir / program), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(
            command,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} exited with {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}\n{self.log()}"
            )
        return result.stdout

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Start and wait until it accepts connections (pg_ctl -w)."""
        options = (
            f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c max_connections=40 -c shared_buffers=16MB"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.log_path),
            "-w",
            "-t",
            "60",
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast`: sessions are ended cleanly; `immediate`: every process is killed at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")
        self.running = False

    def createdb(self, name: str) -> str:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def destroy(self) -> None:
        if self.running:
            with contextlib.suppress(Exception):
                self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)


# --- Redis -----------------------------------------------------------------------------------


class PrivateRedis:
    """A redis-server of this test alone, without persistence, on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.home = Path(tempfile.mkdtemp(prefix="ngowg-faults-redis-"))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        with (self.home / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    binary,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.home),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start:\n{(self.home / 'redis.log').read_text()}")

    def ping(self) -> bool:
        import redis

        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def pause(self) -> None:
        """Hang: the process keeps its port and connections but answers nothing (SIGSTOP)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(15)
        self.process = None

    def destroy(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(15)
        shutil.rmtree(self.home, ignore_errors=True)


# --- gunicorn workers ------------------------------------------------------------------------


def worker_pids(server: Server) -> set[int]:
    """The pids of the gunicorn master's child processes (its workers)."""
    master = server.process.pid
    children: set[int] = set()
    for task in Path(f"/proc/{master}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            children.update(int(pid) for pid in task.read_text().split())
    return children


def wait_for_workers(
    server: Server, count: int, timeout: float = 30, exclude: set[int] | None = None
) -> set[int]:
    """Wait until the master has `count` workers, none of them in `exclude`; their pids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = worker_pids(server)
        if len(pids) == count and not pids & (exclude or set()):
            return pids
        time.sleep(0.1)
    raise AssertionError(f"{server.name} has workers {worker_pids(server)}, not {count}")


def kill_process(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


# --- traffic ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One request of the traffic: when it ran, and what came back (or what went wrong)."""

    probe: int
    path: str
    started: float
    ended: float
    status: int | None
    body: str
    headers: dict[str, str]
    error: str | None = None

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def __repr__(self) -> str:
        return (
            f"<#{self.probe} {self.path} {self.status or self.error} "
            f"at {self.started:.2f}+{self.seconds:.2f}s>"
        )


_probes = itertools.count(1)
_probe_lock = threading.Lock()


def next_probe() -> int:
    with _probe_lock:
        return next(_probes)


def send(
    server: Server,
    path: str,
    browser: Browser | None = None,
    *,
    method: str = "GET",
    fields: dict[str, str] | None = None,
    timeout: float = 40,
) -> Outcome:
    """One request with a probe number; never raises (a failure is in `error`)."""
    probe = next_probe()
    headers = {"Accept": "text/html", "X-Probe": str(probe)}
    if browser is not None and browser.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    body = None
    if fields is not None:
        body = urlencode(fields)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    address = browser.source_address if browser is not None else "127.0.0.1"
    started = time.monotonic()
    connection = http.client.HTTPConnection(
        "127.0.0.1", server.port, timeout=timeout, source_address=(address, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        return Outcome(
            probe, path, started, time.monotonic(), response.status, text, dict(response.headers)
        )
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(probe, path, started, time.monotonic(), None, "", {}, repr(exc))
    finally:
        connection.close()


@dataclass
class Traffic:
    """Threads that send requests one after another, round the given paths, until stopped."""

    server: Server
    paths: list[str]
    browser: Browser | None = None
    threads: int = 3
    pause: float = 0.02
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [
            threading.Thread(target=self._run, args=(index,), daemon=True)
            for index in range(self.threads)
        ]

    def _run(self, index: int) -> None:
        for path in itertools.islice(itertools.cycle(self.paths), index, None):
            if self._stop.is_set():
                return
            outcome = send(self.server, path, self.browser)
            with self._lock:
                self.outcomes.append(outcome)
            time.sleep(self.pause)

    def __enter__(self) -> Traffic:
        for thread in self._workers:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._workers:
            thread.join(60)
        return sorted(self.outcomes, key=lambda outcome: outcome.started)

    def between(self, start: float, end: float) -> list[Outcome]:
        """Requests sent after `start` that were answered before `end`."""
        with self._lock:
            found = [o for o in self.outcomes if o.started >= start and o.ended <= end]
        return sorted(found, key=lambda outcome: outcome.started)
