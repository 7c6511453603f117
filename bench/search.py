"""Search benchmark: ten fixed queries through the search package and as LIKE scans.

"search" is computed (the answer cache off); "cached" is the same call answered from the
search cache (search/cache.py: one read of the index version, then the stored answer).

    .venv/bin/python bench/search.py --database-url sqlite:////tmp/bench/ngowg.db
    .venv/bin/python bench/search.py --database-url postgresql://postgres@127.0.0.1/bench

The database is migrated and filled with `generate-data` when it holds fewer people than
asked. Each query runs `--repeat` times after one warm-up; p50 and p95 are reported in ms.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade

from ngowg_directory import bulk, create_app
from ngowg_directory.extensions import db
from ngowg_directory.models import Profile
from ngowg_directory.search import Query, search_people

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


def fts_page_and_total(query: Query) -> tuple[list[int], int]:
    """The indexed search's page of ids and total, as `search_people` computes them."""
    result = search_people(query)
    return result.ids, result.total


def timed(function, query: Query, repeat: int) -> tuple[float, float, int]:
    function(query)
    samples = []
    total = 0
    for _ in range(repeat):
        start = time.perf_counter()
        _ids, total = function(query)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * len(samples)) - 1)]
    return statistics.median(samples), p95, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--like-repeat", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    instance = tempfile.mkdtemp(prefix="ngowg-bench-")
    app = create_app(
        "testing",
        INSTANCE_PATH=instance,
        SQLALCHEMY_DATABASE_URI=args.database_url,
        SECRET_KEY="bench-" + "k" * 40,
        SEARCH_CACHE_SECONDS=0,  # computed; the cached figures are taken with it on below
    )
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
        rows = []
        for label, query in QUERIES:
            app.config["SEARCH_CACHE_SECONDS"] = 0
            f50, f95, total = timed(fts_page_and_total, query, args.repeat)
            app.config["SEARCH_CACHE_SECONDS"] = 600
            c50, c95, _total = timed(fts_page_and_total, query, args.repeat)
            app.config["SEARCH_CACHE_SECONDS"] = 0
            l50, l95, like_total = timed(like_scan, query, args.like_repeat)
            rows.append(
                {
                    "query": label,
                    "matches": total,
                    "like_matches": like_total,
                    "search_p50": round(f50, 2),
                    "search_p95": round(f95, 2),
                    "cached_p50": round(c50, 2),
                    "cached_p95": round(c95, 2),
                    "like_p50": round(l50, 2),
                    "like_p95": round(l95, 2),
                    "speedup_p50": round(l50 / f50, 1) if f50 else None,
                }
            )
        backend = db.engine.dialect.name
        people = db.session.scalar(sa.select(sa.func.count(Profile.user_id)))
    print(
        f"\n{backend}, {people} people, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, repeat {args.repeat} (LIKE {args.like_repeat})\n"
    )
    print(
        "| query | matches | search p50 | search p95 | cached p50 | cached p95 | LIKE p50 | "
        "LIKE p95 | LIKE / search |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['query']} | {r['matches']} | {r['search_p50']} | {r['search_p95']} | "
            f"{r['cached_p50']} | {r['cached_p95']} | "
            f"{r['like_p50']} | {r['like_p95']} | {r['speedup_p50']}× |"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"backend": backend, "people": people, "rows": rows}, indent=2)
        )


if __name__ == "__main__":
    main()
