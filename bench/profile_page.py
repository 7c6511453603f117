"""Profile one signed-in page in process with pyinstrument (where a page's time goes).

    .venv/bin/python bench/profile_page.py --database-url sqlite:////tmp/ngowg-bench/ngowg.db \\
        --path '/directory?q=sudan' --count 10

Signs a staff account in through the sign-in page, loads the page three times to warm up,
then profiles `--count` more loads and prints the time a page and pyinstrument's tree.
`--peer-searches` loads bench/peer.py's 16 searches in turn instead of `--path`, and
`--no-cache` turns the rendered-section cache off (SEARCH_CACHE_SECONDS=0), as peer.py does.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import in_process_app
from ngowg_directory.extensions import db
from ngowg_directory.services import accounts
from testsupport.flask_client import Client
from testsupport.signin import sign_in

EMAIL = "bench-profiler@bench.example.org"
PASSWORD = "bench profiler password 2026"  # noqa: S105  (a benchmark account)


def main() -> None:
    from pyinstrument import Profiler

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--path", default="/directory?q=sudan")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--peer-searches", action="store_true", help="bench/peer.py's searches")
    parser.add_argument("--no-cache", action="store_true", help="SEARCH_CACHE_SECONDS=0")
    args = parser.parse_args()
    if args.count < 1:
        parser.error("--count must be at least 1")
    settings = {"SEARCH_CACHE_SECONDS": 0} if args.no_cache else {}
    app = in_process_app(args.database_url, "profile", **settings)
    if args.peer_searches:
        from bench.peer import directory_paths

        paths = directory_paths()
    else:
        paths = [args.path]
    with app.app_context():
        if accounts.find_by_email(EMAIL) is None:
            accounts.create_user(EMAIL, "staff", name="Bench Profiler", password=PASSWORD)
            db.session.commit()
    app.test_client_class = Client
    client = app.test_client()
    sign_in(client, EMAIL, PASSWORD)
    for path in paths * 2:
        client.get(path)
    profiler = Profiler()
    profiler.start()
    start = time.perf_counter()
    for n in range(args.count):
        client.get(paths[n % len(paths)])
    elapsed = time.perf_counter() - start
    profiler.stop()
    shown = "bench/peer.py's searches" if args.peer_searches else args.path
    print(f"{elapsed / args.count * 1000:.1f} ms a page ({shown})")
    print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
