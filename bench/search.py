"""Search benchmark: ten fixed queries through the search engine, and as LIKE scans.

Every answer is computed (there is no answer cache): the page of 20 ids, the total and every
facet count, through `search_people` as the pages call it, each query `--repeat` times after
one warm-up; p50 and p95 in ms. Also measured: building the index afresh (the first search on
an empty instance folder, as after `ngowg reindex` or a restore), and the first search after
an edit (a profile changed and committed: the index applies the logged change, then answers).

    .venv/bin/python bench/search.py --database-url sqlite:////tmp/ngowg-bench/ngowg.db
    .venv/bin/python bench/search.py --database-url postgresql://postgres@127.0.0.1/bench

The database is migrated and filled with `generate-data` when it holds fewer people than
asked. `--target-ms` checks every query's p95 against a bound (the exit status says).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from bench.common import in_process_app
from ngowg_directory import bulk
from ngowg_directory.extensions import db
from ngowg_directory.models import Profile
from ngowg_directory.search import Query, search_people
from ngowg_directory.search.engine import engine

QUERIES = [
    ("text: sudan", Query(text="sudan")),
    ("text prefix: peaceb", Query(text="peaceb")),
    ("text: a name", Query(text="amina diallo")),
    (
        "text + 2 filters: peace, SD, crsv",
        Query(text="peace", filters={"country": "SD", "theme": "crsv"}),
    ),
    (
        "text + 2 filters: amina, defender, ar",
        Query(text="amina", filters={"role": "defender", "language": "ar"}),
    ),
    ("filter: country ML", Query(filters={"country": "ML"})),
    ("filters: crsv + fr", Query(filters={"theme": "crsv", "language": "fr"})),
    ("rare name: thandiwe hadzic", Query(text="thandiwe hadzic")),
    ("common word: women", Query(text="women")),
    ("Arabic: فاطمة", Query(text="فاطمة")),
]


def like_scan(query: Query) -> tuple[list[int], int]:
    """The same query as LIKE '%…%' over every row: the page of ids and the total."""
    conditions = [Profile.search_text.is_not(None)]
    conditions += [Profile.search_text.like(f"%{word}%") for word in query.words]
    conditions += [Profile.search_filters.like(f"%{tok}%") for tok in query.tokens]
    where = sa.and_(*conditions)
    ids = list(
        db.session.scalars(
            sa.select(Profile.user_id).where(where).order_by(Profile.user_id).limit(20)
        )
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Profile).where(where))
    return ids, total or 0


def computed(query: Query) -> tuple[list[int], int]:
    """The engine's page of ids and total, with every facet counted, as the pages ask."""
    result = search_people(query)
    return result.ids, result.total


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
    return statistics.median(samples), p95


def timed(function, query: Query, repeat: int) -> tuple[float, float, int]:
    function(query)
    samples = []
    total = 0
    for _ in range(repeat):
        start = time.perf_counter()
        _ids, total = function(query)
        samples.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(samples)
    return p50, p95, total


def after_edits(edits: int) -> tuple[float, float]:
    """The first search after each of `edits` profile edits (a title changed and committed)."""
    ids = list(
        db.session.scalars(
            sa.select(Profile.user_id)
            .where(Profile.search_text.is_not(None))
            .order_by(Profile.user_id)
            .limit(edits)
        )
    )
    samples = []
    query = Query(text="sudan")
    for n, user_id in enumerate(ids):
        profile = db.session.get_one(Profile, user_id)
        profile.title = f"Benchmark edit {n} {time.time_ns()}"
        db.session.commit()
        start = time.perf_counter()
        search_people(query)
        samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def at_least_one(text: str) -> int:
    """A count of one or more (the percentiles of nothing are not a figure)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=2_000)
    parser.add_argument("--repeat", type=at_least_one, default=30)
    parser.add_argument("--like-repeat", type=int, default=5, help="0: no LIKE baseline")
    parser.add_argument("--edits", type=at_least_one, default=20)
    parser.add_argument("--target-ms", type=float, help="every query's p95 at most this")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    # An empty instance folder: the first search builds the index (timed below).
    app = in_process_app(args.database_url, "search-bench")
    with app.app_context():
        upgrade()
        have = db.session.scalar(sa.select(sa.func.count(Profile.user_id))) or 0
        if have < args.people:
            start = time.perf_counter()
            bulk.generate_people(args.people - have, orgs=args.orgs, echo=lambda _m: None)
            print(f"generated {args.people - have} people in {time.perf_counter() - start:.1f} s")
        if db.engine.dialect.name == "sqlite":
            db.session.execute(sa.text("PRAGMA optimize"))
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        start = time.perf_counter()
        engine("people").searcher()  # an empty instance folder: the index is built
        build_seconds = time.perf_counter() - start
        print(f"index built in {build_seconds:.1f} s", flush=True)
        rows = []
        for label, query in QUERIES:
            f50, f95, total = timed(computed, query, args.repeat)
            row = {
                "query": label,
                "matches": total,
                "search_p50": round(f50, 2),
                "search_p95": round(f95, 2),
            }
            if args.like_repeat:
                l50, l95, like_total = timed(like_scan, query, args.like_repeat)
                row |= {
                    "like_matches": like_total,
                    "like_p50": round(l50, 2),
                    "like_p95": round(l95, 2),
                    "speedup_p50": round(l50 / f50, 1) if f50 else None,
                }
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
        edit50, edit95 = after_edits(args.edits)
        backend = db.engine.dialect.name
        people = db.session.scalar(sa.select(sa.func.count(Profile.user_id)))
    print(
        f"\n{backend}, {people} people, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, repeat {args.repeat} (LIKE {args.like_repeat})\n"
    )
    print("| query | matches | search p50 | search p95 | LIKE p50 | LIKE p95 | LIKE / search |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['query']} | {r['matches']} | {r['search_p50']} | {r['search_p95']} | "
            f"{r.get('like_p50', '')} | {r.get('like_p95', '')} | {r.get('speedup_p50', '')} |"
        )
    print(
        f"\nindex built in {build_seconds:.1f} s; first search after an edit: "
        f"p50 {edit50:.1f} ms, p95 {edit95:.1f} ms ({args.edits} edits)"
    )
    figures = {
        "backend": backend,
        "people": people,
        "rows": rows,
        "build_seconds": round(build_seconds, 1),
        "after_edit_p50": round(edit50, 2),
        "after_edit_p95": round(edit95, 2),
        "edits": args.edits,
        "repeat": args.repeat,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.target_ms is not None:
        slow = [r["query"] for r in rows if r["search_p95"] > args.target_ms]
        if slow:
            raise SystemExit(f"p95 above {args.target_ms} ms: {', '.join(slow)}")


if __name__ == "__main__":
    main()
