"""Where a worker's memory goes: the app in this one process, measured from inside.

    .venv/bin/python bench/memory.py --database-url URL load [--seconds 60] [--only search]
    .venv/bin/python bench/memory.py --database-url URL peak

`load`: the app served by werkzeug in this process (one thread), the mixed load's people
(bench/load.py) as client threads against it; resident memory every 15 s, then what
tracemalloc finds still allocated with --trace (slow: it follows every allocation). `--only`
keeps one kind of request (search, view, ask, answer, edit).

`peak`: broad searches computed (the answer cache off) one after the other, each with
tracemalloc's peak of Python objects and the resident memory after it.

The database must already hold generated people (`make bench` leaves 100,000 in
/tmp/ngowg-bench/ngowg.db and in its PostgreSQL database); the load's accounts are made here.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import threading
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load as mixed
from bench.common import app_env, rss_mb
from testsupport.http import Address
from testsupport.signin import sign_in

BROAD = [("women", {}), ("sudan", {}), ("peace", {}), ("", {"c": "SD"}), ("women", {})]


def serve(args: argparse.Namespace) -> None:
    env = app_env(Path("/tmp/ngowg-memory/instance"), args.database_url)  # noqa: S108
    accounts, ids = mixed.load_accounts(env, args.database_url, args.users)
    os.environ.update(env)
    from werkzeug.serving import make_server

    from ngowg_directory import create_app

    app = create_app()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    me = os.getpid()
    print(f"resident after start: {rss_mb(me):.1f} MB", flush=True)
    if args.trace:
        tracemalloc.start(12)
    stats = mixed.Stats()
    deadline = time.monotonic() + args.seconds
    people = [
        mixed.Person(Address(server.server_port), email, password, ids, stats, deadline, seed)
        for seed, (email, password) in enumerate(accounts)
    ]
    if args.only:
        for person in people:
            action = getattr(person, args.only)

            def run(person: mixed.Person = person, action=action) -> None:
                sign_in(person.client, person.email, person.password)
                while time.monotonic() < person.deadline:
                    action()

            person.run = run  # type: ignore[method-assign]
    for person in people:
        person.start()
    marks = []
    while any(person.is_alive() for person in people):
        time.sleep(15)
        marks.append(round(rss_mb(me), 1))
    gc.collect()
    requests = sum(sum(counts.values()) for counts in stats.statuses.values())
    print(f"resident every 15 s: {marks} MB; after gc {rss_mb(me):.1f} MB")
    print(f"requests: {requests}; 5xx or connection errors: {len(stats.failures)}")
    if args.trace:
        snapshot = tracemalloc.take_snapshot()
        by_file = snapshot.statistics("filename")
        print(f"still allocated: {sum(s.size for s in by_file) / 1e6:.1f} MB")
        for stat in by_file[:20]:
            print(f"{stat.size / 1e6:8.2f} MB {stat.count:8d} {stat.traceback[0].filename}")


def peak(args: argparse.Namespace) -> None:
    env = app_env(
        Path("/tmp/ngowg-memory/instance"),  # noqa: S108
        args.database_url,
        SEARCH_CACHE_SECONDS="0",
    )
    os.environ.update(env)
    from ngowg_directory import create_app
    from ngowg_directory.extensions import db
    from ngowg_directory.search import Query, search_people

    app = create_app()
    me = os.getpid()
    with app.app_context():
        search_people(Query(text="a name"))
        print(f"resident after start: {rss_mb(me):.1f} MB")
        for text, filters in BROAD:
            tracemalloc.start()
            start = time.perf_counter()
            result = search_people(Query(text=text, filters=filters))
            took = (time.perf_counter() - start) * 1000
            _, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            db.session.rollback()
            print(
                f"{text or filters}: {result.total} matches, peak {top / 1e6:.1f} MB of Python "
                f"objects (traced, {took:.0f} ms), resident after {rss_mb(me):.1f} MB"
            )
        start = time.perf_counter()
        for _ in range(5):
            search_people(Query(text="women"))
            db.session.rollback()
        print(f"'women' computed, untraced: {(time.perf_counter() - start) * 200:.0f} ms each")
        print(f"resident at the end: {rss_mb(me):.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    sub = parser.add_subparsers(dest="mode", required=True)
    load = sub.add_parser("load", help="the mixed load against the app in this process")
    load.add_argument("--seconds", type=int, default=60)
    load.add_argument("--users", type=int, default=8)
    load.add_argument("--only", choices=["search", "view", "ask", "answer", "edit"])
    load.add_argument("--trace", action="store_true", help="tracemalloc: what stays allocated")
    sub.add_parser("peak", help="broad searches computed, each with its peak")
    args = parser.parse_args()
    serve(args) if args.mode == "load" else peak(args)


if __name__ == "__main__":
    main()
