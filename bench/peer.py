"""The peer of the search page: Flask-Admin's ModelView search over the same people.

    .venv/bin/python bench/peer.py --database-url sqlite:////tmp/ngowg-bench/ngowg.db

A minimal Flask-Admin 2.2.1 app (`peer_app`): one ModelView of the people (profiles joined to
their accounts) with `column_searchable_list` on name, bio, affiliation and title and a country
filter, 20 a page, as Flask-Admin counts and pages them. It is served the way the directory is
(gunicorn with the directory's gunicorn.conf.py, sync workers, as many as the directory has),
and both are measured in the same run with wrk over the same 16 searches rotated (SEARCHES), at 4
connections (`--connections`): the directory's signed-in search page with the rendered-section
cache off (SEARCH_CACHE_SECONDS=0: every answer computed and rendered), and the peer's list
page. Flask-Admin asks for no sign-in, so the peer does less work per request than the
directory does (session, CSRF, rate limits in Redis).

The database must hold the data already (bench/run.py makes it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (text, country): broad words, names, prefixes, a filter alone, a filter with a word, other
# scripts. The same 16 for both.
SEARCHES = [
    ("sudan", ""),
    ("women", ""),
    ("peace", "SD"),
    ("amina", ""),
    ("", "ML"),
    ("advocacy", "CO"),
    ("thandiwe hadzic", ""),
    ("فاطمة", ""),
    ("garcia", "YE"),
    ("gender", ""),
    ("", "AF"),
    ("protection", "SS"),
    ("diallo", ""),
    ("justice", ""),
    ("humanitarian", "UA"),
    ("coordinator", ""),
]


def peer_app():
    """The Flask-Admin app over the database named by PEER_DATABASE_URL."""
    import sqlalchemy as sa
    from flask import Flask
    from flask_admin import Admin
    from flask_admin.contrib.sqla import ModelView
    from flask_babel import Babel
    from flask_sqlalchemy import SQLAlchemy
    from sqlalchemy.orm import relationship

    from ngowg_directory.config import normalise_database_url

    app = Flask("peer")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["PEER_DATABASE_URL"])
    app.config["SECRET_KEY"] = os.environ.get("PEER_SECRET_KEY", "peer-" + "p" * 40)
    db = SQLAlchemy(app)
    Babel(app)  # Flask-Admin translates its pages with Flask-Babel when it is installed

    # Plain columns (no annotations: they would be strings here, unresolvable in a function).
    class Account(db.Model):  # type: ignore[name-defined]
        __tablename__ = "users"
        id = sa.Column(sa.Integer, primary_key=True)
        name = sa.Column(sa.String(120))

        def __str__(self) -> str:
            return str(self.name)

    class Person(db.Model):  # type: ignore[name-defined]
        __tablename__ = "profiles"
        user_id = sa.Column(sa.Integer, sa.ForeignKey("users.id"), primary_key=True)
        title = sa.Column(sa.String(150))
        affiliation = sa.Column(sa.String(200))
        country = sa.Column(sa.String(2))
        bio = sa.Column(sa.Text)
        account = relationship(Account)

    class PeopleView(ModelView):
        can_create = can_edit = can_delete = False
        column_list = ["account.name", "title", "affiliation", "country"]
        column_searchable_list = ["account.name", "bio", "affiliation", "title"]
        column_filters = ["country"]
        page_size = 20

    admin = Admin(app, name="peer")
    admin.add_view(PeopleView(Person, db, name="People", endpoint="people"))
    return app


def peer_paths(app) -> list[str]:
    """The peer's list page for each search (its filter argument as Flask-Admin names it)."""
    with app.test_request_context():
        view = app.extensions["admin"][0]._views[1]  # the index view is the first
        view._refresh_filters_cache()
        arg = next(
            f"flt0_{index}"
            for index, flt in enumerate(view._filters)
            if flt.column.key == "country" and flt.operation() == "equals"
        )
    from bench.throughput import search_paths

    return search_paths(SEARCHES, "/admin/people/", "search", arg)


def directory_paths() -> list[str]:
    from bench.throughput import search_paths

    return search_paths(SEARCHES)


def serve_peer(database_url: str, workers: int, port: int, log: Path) -> subprocess.Popen:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PEER_DATABASE_URL": database_url,
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "-c",
        "gunicorn.conf.py",  # the directory's own settings; workers and address given here
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "bench.peer:peer_app()",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_answering(url: str, seconds: float = 60) -> None:
    from urllib.request import urlopen

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urlopen(url, timeout=30) as answer:  # noqa: S310  (our own local server)
                if answer.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def main() -> None:
    from bench.common import app_env, make_account, start_server
    from bench.throughput import LUA, ensure_wrk, run_wrk
    from testsupport.http import Browser
    from testsupport.servers import ServerPool, free_port
    from testsupport.signin import sign_in

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="for both (gunicorn.conf.py's)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ngowg-peer-bench-"))
    wrk = ensure_wrk()
    env = app_env(work / "instance", args.database_url, SEARCH_CACHE_SECONDS="0")
    password = make_account(env, "bench-searcher@bench.example.org", "staff", "Bench Searcher")
    figures: dict = {"connections": args.connections, "searches": len(SEARCHES)}
    os.environ["PEER_DATABASE_URL"] = args.database_url
    peer_port = free_port()
    peer = serve_peer(args.database_url, args.workers, peer_port, work / "peer.log")
    try:
        with ServerPool(work) as pool:
            server = start_server(pool, env, args.workers)
            client = Browser(keep_alive=True, timeout=900).on(server)
            sign_in(client, "bench-searcher@bench.example.org", password)
            # The first search builds the index in the server's new instance folder (a minute
            # at 100,000 people): before anything is timed, and then every search once.
            for path in directory_paths():
                if client.get(path).status != 200:
                    raise SystemExit(f"{path} does not answer 200")
            peer_url = f"http://127.0.0.1:{peer_port}"
            wait_answering(peer_url + "/admin/people/", 120)
            sides = {
                "directory": (server.url, directory_paths(), client.browser.cookie_header()),
                "flask-admin": (peer_url, peer_paths(peer_app()), ""),
            }
            for name, (url, paths, cookie) in sides.items():
                quoted = ", ".join(json.dumps(p) for p in paths)
                script = work / f"{name}.lua"
                script.write_text(LUA % {"paths": quoted, "cookie": cookie})
                run_wrk(wrk, script, url, 2, 3)  # warm up
                samples = [
                    run_wrk(wrk, script, url, args.connections, args.seconds)
                    for _ in range(args.runs)
                ]
                bad = sum(s["non200"] + s["socket_errors"] for s in samples)
                if bad:
                    raise SystemExit(f"{name}: {bad} answers were not 200")
                median = sorted(samples, key=lambda s: s["rps"])[len(samples) // 2]
                figures[name] = {
                    "rps": round(median["rps"], 1),
                    "rps_runs": [round(s["rps"], 1) for s in samples],
                    "p50_ms": round(median["p50_ms"], 1),
                    "p95_ms": round(median["p95_ms"], 1),
                }
                print(f"{name}: {json.dumps(figures[name])}", flush=True)
    finally:
        peer.terminate()
        peer.wait(30)
    figures["ratio"] = round(figures["directory"]["rps"] / figures["flask-admin"]["rps"], 1)
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
