"""A mixed load of several signed-in people against a real gunicorn on loopback.

    LOAD_SECONDS=300 .venv/bin/python bench/load.py --database-url URL [--users 8]

Each simulated person is an account of her own with her own session (signed in through the
sign-in page) and one keep-alive connection. She loops over: searches (broad and narrow,
with filters and pages), profile views, contact requests to the other simulated people,
answers to the requests waiting for her (accept), and edits of her own profile through the
edit form (its CSRF token and its signed `opened` snapshot, so a save over a newer one is
refused as a conflict, as for a person). The limits are raised for the load; answers a
person can meet (a second request to the same person refused, a conflict, a 429) are counted
and are not failures. Any 5xx answer or connection error fails the run (exit status 1).

Printed: answers by kind and status, latency p50/p95/p99 by kind, and requests a second.
The database is migrated and given `--people` generated people when it holds fewer.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    app_env,
    create_postgres,
    make_account,
    ngowg,
    rss_mb,
    start_server,
)
from testsupport.http import CSRF_RE, Browser, Reachable
from testsupport.servers import ServerPool, worker_pids
from testsupport.signin import sign_in

WORDS = ["sudan", "women", "peace", "amina", "mediator", "garcia", "soudan", "journalist", ""]
COUNTRIES = ["", "", "SD", "ML", "CO", "YE", "UA"]
THEMES = ["", "", "crsv", "participation"]
PERSON_LINK = re.compile(r'<h3><a href="/people/(\d+)">')
ACCEPT_FORM = re.compile(r'action="/connections/(\d+)/accept"')


class FormReader(HTMLParser):
    """The fields of the first form posting to `action`, as a browser would send them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        # The form posting to `action`, or posting back to its own page (no action).
        same_page = "action" not in a or not a["action"]
        posts_here = a.get("action") == self.action or (same_page and a.get("method") == "post")
        if tag == "form" and not self.done and posts_here:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    reader = FormReader(action)
    reader.feed(html)
    return [(name, unescape(value)) for name, value in reader.fields]


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.failures: list[str] = []

    def add(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses[kind][status] += 1
            self.latency[kind].append(seconds * 1000)
            if status >= 500:
                self.failures.append(f"{kind}: {status}")

    def error(self, kind: str, message: str) -> None:
        with self.lock:
            self.statuses[kind]["error"] += 1
            self.failures.append(f"{kind}: {message}")


class Person(threading.Thread):
    def __init__(
        self,
        server: Reachable,
        email: str,
        password: str,
        peers: list[int],
        stats: Stats,
        deadline: float,
        seed: int,
    ) -> None:
        super().__init__(daemon=True)
        self.client = Browser(keep_alive=True, timeout=60).on(server)
        self.email, self.password = email, password
        self.peers, self.stats, self.deadline = peers, stats, deadline
        self.rng = random.Random(seed)
        self.seen: list[int] = []

    def timed(self, kind: str, method: str, path: str, fields=None):
        start = time.perf_counter()
        try:
            answer = self.client.request(method, path, fields)
        except OSError as exc:
            self.stats.error(kind, f"{type(exc).__name__} on {path}")
            return None
        self.stats.add(kind, answer.status, time.perf_counter() - start)
        return answer

    def run(self) -> None:
        sign_in(self.client, self.email, self.password)
        actions = [
            (self.search, 50),
            (self.view, 25),
            (self.ask, 8),
            (self.answer, 7),
            (self.edit, 10),
        ]
        functions, weights = zip(*actions, strict=True)
        while time.monotonic() < self.deadline:
            self.rng.choices(functions, weights)[0]()

    def search(self) -> None:
        params = []
        word = self.rng.choice(WORDS)
        if word:
            params.append(f"q={word}")
        for name, values in (("country", COUNTRIES), ("theme", THEMES)):
            value = self.rng.choice(values)
            if value:
                params.append(f"{name}={value}")
        if self.rng.random() < 0.2:
            params.append(f"page={self.rng.randint(2, 5)}")
        answer = self.timed("search", "GET", "/directory?" + "&".join(params))
        if answer is not None and answer.status == 200:
            found = [int(i) for i in PERSON_LINK.findall(answer.text)]
            self.seen = (found + self.seen)[:100]

    def view(self) -> None:
        if not self.seen:
            return self.search()
        self.timed("profile view", "GET", f"/people/{self.rng.choice(self.seen)}")

    def ask(self) -> None:
        person = self.rng.choice(self.peers + self.seen[:5])
        page = self.timed("contact request", "GET", f"/people/{person}")
        if page is None or page.status != 200:
            return
        match = CSRF_RE.search(page.text)
        if not match or f"/connections/request/{person}" not in page.text:
            return  # already asked, or connected: the page offers no form
        message = (
            f"Load test request about the Council's agenda, number {self.rng.randint(1, 10**6)}"
        )
        self.timed(
            "contact request",
            "POST",
            f"/connections/request/{person}",
            {"message": message, "csrf_token": match.group(1)},
        )

    def answer(self) -> None:
        page = self.timed("answer request", "GET", "/connections")
        if page is None or page.status != 200:
            return
        waiting = ACCEPT_FORM.findall(page.text)
        if not waiting:
            return
        match = CSRF_RE.search(page.text)
        self.timed(
            "answer request",
            "POST",
            f"/connections/{waiting[0]}/accept",
            {"csrf_token": match.group(1) if match else ""},
        )

    def edit(self) -> None:
        page = self.timed("profile edit", "GET", "/account/profile")
        if page is None or page.status != 200:
            return
        fields = form_fields(page.text, "/account/profile")
        if not any(name == "opened" for name, _ in fields):
            self.stats.error("profile edit", "the edit form has no opened field")
            return
        title = f"Load-tested adviser {self.rng.randint(1, 999)}"
        fields = [(n, title if n == "title" else v) for n, v in fields]
        self.timed("profile edit", "POST", "/account/profile", fields)


def ensure_data(env: dict[str, str], url: str, people: int) -> None:
    if url.startswith("postgres"):
        create_postgres(url)
    ngowg(env, "db", "upgrade")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from ngowg_directory.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    with engine.connect() as conn:
        have = conn.execute(sa.text("SELECT count(*) FROM users WHERE email LIKE 'bulk%'")).scalar()
    engine.dispose()
    if have < people:
        ngowg(
            env,
            "generate-data",
            "--people",
            str(people - have),
            "--orgs",
            str(max(20, people // 50)),
        )


def load_accounts(
    env: dict[str, str], url: str, users: int
) -> tuple[list[tuple[str, str]], list[int]]:
    """The simulated people's accounts (made or given a new password): (e-mail, password)
    each, and their ids."""
    from ngowg_directory.config import normalise_database_url

    accounts = []
    for index in range(users):
        email = f"load-{index}@bench.example.org"
        accounts.append((email, make_account(env, email, "staff", f"Load Person {index}")))
    engine = sa.create_engine(normalise_database_url(url))
    with engine.connect() as conn:
        ids = list(
            conn.execute(
                sa.text("SELECT id FROM users WHERE email LIKE 'load-%@bench.example.org'")
            ).scalars()
        )
    engine.dispose()
    return accounts, ids


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOAD_SECONDS", "300")))
    parser.add_argument("--json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ngowg-load-"))
    env = app_env(work / "instance", args.database_url)
    ensure_data(env, args.database_url, args.people)
    accounts, ids = load_accounts(env, args.database_url, args.users)
    with ServerPool(work) as pool:
        server = start_server(pool, env)
        stats = Stats()
        started = time.monotonic()
        deadline = started + args.seconds
        people = [
            Person(server, email, password, ids, stats, deadline, seed)
            for seed, (email, password) in enumerate(accounts)
        ]
        for person in people:
            person.start()
        for person in people:
            person.join(args.seconds + 120)
        elapsed = time.monotonic() - started
        memory = {str(pid): round(rss_mb(pid), 1) for pid in sorted(worker_pids(server))}
    log = server.log()
    tracebacks = log.count("Traceback")
    total = sum(sum(c.values()) for c in stats.statuses.values())
    report = {
        "seconds": round(elapsed, 1),
        "users": args.users,
        "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "by_kind": {
            kind: {
                "statuses": {str(k): v for k, v in sorted(stats.statuses[kind].items(), key=str)},
                "p50_ms": round(statistics.median(stats.latency[kind]), 1),
                "p95_ms": round(percentile(stats.latency[kind], 0.95), 1),
                "p99_ms": round(percentile(stats.latency[kind], 0.99), 1),
            }
            for kind in sorted(stats.statuses)
            if stats.latency[kind]
        },
        "worker_rss_mb": memory,
        "server_tracebacks": tracebacks,
        "failures": stats.failures[:20],
    }
    print(json.dumps(report, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    if stats.failures or tracebacks:
        print(f"FAILED: {len(stats.failures)} failures, {tracebacks} tracebacks in the log")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
