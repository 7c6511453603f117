"""Things to break on purpose, beside the private PostgreSQL and Redis of
testsupport/services.py: steady request traffic that records every answer, a mixed load of
signed-in people, the worker processes of a gunicorn master, and skipping a test where a
private service cannot run.
"""

from __future__ import annotations

import http.client
import itertools
import os
import re
import shutil
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

from testsupport.http import CSRF_RE, Browser
from testsupport.servers import Server, worker_pids
from testsupport.services import missing_postgres, missing_redis_server, postgres_bin

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


# --- private services ----------------------------------------------------------------------


def require_postgres() -> Path:
    """The server binaries for a private cluster, or the calling test is skipped with the reason
    (a bare machine has neither the binaries nor, as root, the `postgres` user to run them)."""
    reason = missing_postgres()
    bin_dir = postgres_bin()
    if reason is not None or bin_dir is None:
        pytest.skip(reason or "no PostgreSQL server binaries")
    return bin_dir


def require_redis_server() -> str:
    """The redis-server binary, or the calling test is skipped with the reason."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(missing_redis_server() or "no redis-server")
    return binary


# --- gunicorn workers ------------------------------------------------------------------------


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
    kind: str = ""

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
    fields: dict[str, str] | list[tuple[str, str]] | None = None,
    timeout: float = 40,
    kind: str = "",
    keep_cookies: bool = False,
) -> Outcome:
    """One request with a probe number; never raises (a failure is in `error`). With
    `keep_cookies`, the cookies it sets go into the browser's jar."""
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
        if keep_cookies and browser is not None:
            browser.store(response.headers.get_all("Set-Cookie") or [])
        return Outcome(
            probe,
            path,
            started,
            time.monotonic(),
            response.status,
            text,
            dict(response.headers),
            kind=kind,
        )
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(probe, path, started, time.monotonic(), None, "", {}, repr(exc), kind)
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


# --- the mixed load --------------------------------------------------------------------------

# Search words: "zebrafault" must never reach a log (no query string does).
SEARCH_WORDS = ["", "zebrafault", "women", "peace"]


@dataclass
class Write:
    """One write a person attempted: its unique marker and the answer (302: acknowledged)."""

    kind: str  # "edit" or "request"
    person: int
    marker: str
    target: int | None
    outcome: Outcome

    @property
    def acknowledged(self) -> bool:
        return self.outcome.status == 302


@dataclass
class LoadPerson:
    """A signed-in person of the load: her id, name, and her browser (its cookies)."""

    user_id: int
    name: str
    browser: Browser


@dataclass
class MixedLoad:
    """Signed-in people, one thread each, searching (with query strings), viewing profiles,
    editing their own profile (a unique marker as title each time) and sending contact
    requests (a unique marker in each message, each target asked once), until stopped; and a
    load balancer's health check of /readyz every 0.25 s that stops the load for good (as a
    balancer would stop sending) once `follow_readiness` is set and the server says 503."""

    server: Server
    people: list[LoadPerson]
    targets: list[int]
    edit_fields: Callable[[str, str, str], dict[str, str]]
    pause: float = 0.05
    outcomes: list[Outcome] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    follow_readiness: bool = False

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self.unready_at: float | None = None
        self._lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._person, args=(index,), daemon=True)
            for index in range(len(self.people))
        ]
        self._threads.append(threading.Thread(target=self._balancer, daemon=True))

    def _send(self, person: LoadPerson | None, kind: str, path: str, **kwargs: object) -> Outcome:
        browser = person.browser if person else None
        outcome = send(self.server, path, browser, kind=kind, keep_cookies=True, **kwargs)
        with self._lock:
            self.outcomes.append(outcome)
        return outcome

    def _person(self, index: int) -> None:
        import random

        person = self.people[index]
        rng = random.Random(index)
        asked: set[int] = set()
        actions = ["search"] * 45 + ["view"] * 25 + ["edit"] * 15 + ["ask"] * 15
        while not self._stop.is_set():
            action = rng.choice(actions)
            if action == "search":
                word, country = rng.choice(SEARCH_WORDS), rng.choice(["", "SS"])
                self._send(person, "search", f"/directory?q={word}&country={country}")
            elif action == "view":
                self._send(person, "view", f"/people/{rng.choice(self.targets)}")
            elif action == "edit":
                self._edit(person)
            else:
                left = [t for t in self.targets if t not in asked and t != person.user_id]
                if left:
                    target = rng.choice(left)
                    if self._ask(person, target):
                        asked.add(target)
            time.sleep(self.pause)

    def _edit(self, person: LoadPerson) -> None:
        page = self._send(person, "edit form", "/account/profile")
        if page.status != 200:
            return
        marker = f"Marker {uuid.uuid4().hex[:12]}"
        fields = self.edit_fields(page.body, person.name, marker)
        answer = self._send(person, "edit", "/account/profile", method="POST", fields=fields)
        with self._lock:
            self.writes.append(Write("edit", person.user_id, marker, None, answer))

    def _ask(self, person: LoadPerson, target: int) -> bool:
        """One contact request; True once it was sent (whatever the answer)."""
        page = self._send(person, "view", f"/people/{target}")
        token = CSRF_RE.search(page.body)
        if page.status != 200 or not token or f"/connections/request/{target}" not in page.body:
            return False
        marker = f"Marker {uuid.uuid4().hex[:12]}"
        fields = {
            "message": f"Fault test request {marker} about the agenda",
            "csrf_token": token[1],
        }
        path = f"/connections/request/{target}"
        answer = self._send(person, "request", path, method="POST", fields=fields)
        with self._lock:
            self.writes.append(Write("request", person.user_id, marker, target, answer))
        return True

    def _balancer(self) -> None:
        while not self._stop.is_set():
            outcome = self._send(None, "readyz", "/readyz", timeout=5)
            if self.follow_readiness and outcome.status == 503:
                self.unready_at = outcome.ended
                self._stop.set()
                return
            time.sleep(0.25)

    def __enter__(self) -> MixedLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> list[Outcome]:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)
        return sorted(self.outcomes, key=lambda outcome: outcome.started)

    def between(self, start: float, end: float, kind: str | None = None) -> list[Outcome]:
        """Requests sent after `start` and answered before `end` (of one kind)."""
        with self._lock:
            found = [o for o in self.outcomes if o.started >= start and o.ended <= end]
        found = [o for o in found if kind is None or o.kind == kind]
        return sorted(found, key=lambda outcome: outcome.started)
