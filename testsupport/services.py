"""Services a test may break on purpose: a private PostgreSQL cluster and a private Redis,
each on a free port in a throw-away folder, stopped, paused and started at will, and removed
afterwards. The shared PostgreSQL (5432) and Redis (6379) are never touched.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from .servers import free_port

# --- PostgreSQL ------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL server's bin folder (Debian layout), or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def missing_postgres() -> str | None:
    """Why a private cluster cannot run here (a bare machine has neither the binaries nor, as
    root, the `postgres` user to run them), or None."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        return (
            "the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed "
            "(apt-get install postgresql)"
        )
    missing = [name for name in ("initdb", "pg_ctl", "createdb") if not (bin_dir / name).exists()]
    if missing:
        return f"{', '.join(missing)} not found beside {bin_dir / 'initdb'}"
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root and runuser (util-linux) is not installed"
    return None


def missing_redis_server() -> str | None:
    """Why a private redis-server cannot run here, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    return None


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

    def processes(self) -> list[int]:
        """The postmaster's pid and its children's (backends, background workers)."""
        try:
            master = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        children: list[int] = []
        for task in Path(f"/proc/{master}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                children.extend(int(pid) for pid in task.read_text().split())
        return [master, *children]

    def pause(self) -> list[int]:
        """Hang: every process of the cluster stopped (SIGSTOP). The kernel still accepts
        connections and acknowledges what is sent; nothing answers. Returns the pids."""
        stopped = []
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
        # Backends forked by the postmaster just before it stopped.
        for pid in set(self.processes()) - set(stopped):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
        return stopped

    def resume(self, pids: list[int]) -> None:
        for pid in [*pids, *self.processes()]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def terminate_backends(self, database: str) -> int:
        """pg_terminate_backend for every session on `database`; how many were ended."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as conn:
            ended = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            ).fetchone()
        return int(ended[0]) if ended else 0

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
        """Start and wait until it answers (RuntimeError where redis-server is missing)."""
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(missing_redis_server())
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
