"""Give people generated before the generator spread their confirmation dates the dates it
now gives them (bulk.generate_people: over the two years before their consent, from the
stream of `seed + 1`), so that a database generated earlier need not be generated again.

    .venv/bin/python bench/spread_confirmations.py --database-url URL [--seed 1325]

Only generated people (bulk… e-mails) are changed, in the order they were made (their ids).
The search index is not told (a direct write): the benchmarks build theirs afresh.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import in_process_app
from ngowg_directory.bulk import CONFIRMED_SPAN
from ngowg_directory.extensions import db
from ngowg_directory.models import Profile, User


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=1325)
    args = parser.parse_args()
    app = in_process_app(args.database_url, "spread", DATABASE_STATEMENT_TIMEOUT=0)
    with app.app_context():
        rows = db.session.execute(
            sa.select(Profile.user_id, Profile.consent_at)
            .join(User, User.id == Profile.user_id)
            .where(User.email.like("bulk%@bulk.example.org"))
            .order_by(Profile.user_id)
        ).all()
        dates = random.Random(args.seed + 1)
        table = Profile.__table__
        update = (
            table.update()
            .where(table.c.user_id == sa.bindparam("uid"))
            .values(last_confirmed_at=sa.bindparam("when"))
        )
        for start in range(0, len(rows), 10_000):
            batch = [
                {"uid": uid, "when": consent - timedelta(seconds=dates.randrange(CONFIRMED_SPAN))}
                for uid, consent in rows[start : start + 10_000]
            ]
            db.session.execute(update, batch)
            db.session.commit()
            print(f"{start + len(batch)}/{len(rows)}", flush=True)


if __name__ == "__main__":
    main()
