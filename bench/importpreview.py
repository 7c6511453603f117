"""Import preview speed: a people CSV uploaded to /admin/import through gunicorn, in seconds.

    .venv/bin/python bench/importpreview.py [--rows 10000 40000] [--orgs 1] [--database-url URL]

A fresh database (a new SQLite file, or the PostgreSQL URL given, which is emptied first) gets
`--orgs` organisations and an admin enrolled in two-factor sign-in; gunicorn serves it with
gunicorn.conf.py (sync workers, 30 s timeout) as in production. The admin signs in and uploads
the bench/importspeed.py file, every row in an organisation (one organisation by default: the
close-name check's hardest case), and the preview is timed from the request to the last byte of
the answer, beside the CPU time the workers spent. The preview is then cancelled, and the run
fails unless the page answered 200, offered every row, and the staged file is gone.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402

from bench.common import (  # noqa: E402
    app_env,
    empty_postgres,
    make_account,
    ngowg,
    start_server,
)
from bench.importspeed import orgs_csv, people_csv  # noqa: E402
from testsupport.http import Browser, Tab  # noqa: E402
from testsupport.servers import ServerPool, run_python, worker_pids  # noqa: E402
from testsupport.signin import code_at, sign_in  # noqa: E402

ADMIN = "bench-admin@import-bench.example.org"
# Two-factor enrolment has no command (it is done in the pages): set the secret directly.
ENROL = """
import sys
from ngowg_directory import create_app
from ngowg_directory.extensions import db
from ngowg_directory.services import accounts
app = create_app()
with app.app_context():
    user = accounts.find_by_email(sys.argv[1])
    user.totp_secret, user.totp_enabled = sys.argv[2], True
    db.session.commit()
"""


def every_row_in_an_org(text: str, orgs: int) -> str:
    """The benchmark's people file with an organisation on every row."""
    rows = list(csv.reader(io.StringIO(text)))
    for index, cells in enumerate(rows[1:]):
        cells[3] = f"import-bench-{index % orgs}"
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def worker_cpu(pids: set[int]) -> float:
    """CPU seconds (user and system) the workers have used so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / 100  # USER_HZ


def upload(client: Tab, data: bytes) -> tuple[int, str]:
    """POST the file as a browser's form would (multipart), with the session's cookies."""
    boundary = secrets.token_hex(12)
    fields = {"csrf_token": client.csrf_token("/admin/import"), "kind": "people"}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="people.csv"'
        "\r\nContent-Type: text/csv\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    if client.server.port is None:
        raise SystemExit(f"{client.server.name} is not ready")
    connection = http.client.HTTPConnection("127.0.0.1", client.server.port, timeout=120)
    connection.request(
        "POST",
        "/admin/import",
        body=b"".join(parts),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": client.browser.cookie_header(),
        },
    )
    response = connection.getresponse()
    text = response.read().decode("utf-8", errors="replace")
    connection.close()
    return response.status, text


def measure(rows: int, orgs: int, database_url: str | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ngowg-preview-bench-"))
    url = database_url or f"sqlite:///{work / 'preview.db'}"
    if url.startswith("postgresql"):
        empty_postgres(url)
    env = app_env(work / "instance", url)
    ngowg(env, "db", "upgrade")
    (work / "orgs.csv").write_text(orgs_csv(orgs), encoding="utf-8")
    ngowg(env, "import-orgs", str(work / "orgs.csv"))
    password = make_account(env, ADMIN, role="admin", name="Bench Admin")
    secret = pyotp.random_base32()
    run_python(env, ENROL, ADMIN, secret)
    data = every_row_in_an_org(people_csv(rows, orgs), orgs).encode()
    with ServerPool(work) as pool:
        server = start_server(pool, env)
        client = Browser(keep_alive=True, timeout=60).on(server)
        sign_in(client, ADMIN, password, code=lambda: code_at(secret))
        cpu = worker_cpu(worker_pids(server))
        start = time.perf_counter()
        status, html = upload(client, data)
        seconds = time.perf_counter() - start
        cpu = worker_cpu(worker_pids(server)) - cpu
        offered = re.search(r"<strong>([\d,]+) rows? can be imported", html)
        token = re.search(r'name="token" value="([0-9a-f]{32})"', html)
        if status != 200 or not offered or not token:
            raise SystemExit(f"preview of {rows} rows answered {status}")
        client.form("/admin/import/cancel", {"token": token.group(1), "kind": "people"})
        left = list((server.instance / "imports").iterdir())
        if left:
            raise SystemExit(f"the cancelled preview left {left}")
    return {
        "rows": rows,
        "organisations": orgs,
        "bytes": len(data),
        "rows_offered": int(offered.group(1).replace(",", "")),
        "seconds": round(seconds, 2),
        "worker_cpu_seconds": round(cpu, 2),
        "database": url.split(":", 1)[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 40_000])
    parser.add_argument("--orgs", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    figures = [measure(rows, args.orgs, args.database_url) for rows in args.rows]
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
