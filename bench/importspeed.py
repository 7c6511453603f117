"""Import speed: a valid 10,000-row people CSV through `ngowg import-people`, in rows a second.

    .venv/bin/python bench/importspeed.py --rows 10000 [--database-url URL] [--smtp]

A fresh database (a new SQLite file, or the PostgreSQL URL given, which is emptied first)
is migrated and given 50 organisations with `ngowg import-orgs`; then the people file is
imported with `ngowg import-people` as an operator would run it, and timed from the outside
(process start to exit). Invitations go to a real SMTP sink on loopback (aiosmtpd) with
`--smtp`, else to the outbox folder. Every row must be reported `ok` and every invitation
must arrive, or the run fails.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench.common import app_env, empty_postgres, ngowg  # noqa: E402
from ngowg_directory.services.importer import PEOPLE_COLUMNS  # noqa: E402
from testsupport.mail import Mailbox, SmtpServer  # noqa: E402

ROLES = ("defender", "defender", "staff", "staff", "policy_maker", "manager")
COUNTRIES = ("SD", "SS", "ML", "CD", "CO", "AF", "YE", "UA", "MM", "SY")
THEMES = ("crsv", "peace-processes", "participation", "protection")
FIRST = ("Amina", "Fatima", "Lucía", "Hawa", "Nour", "Grace", "Oksana", "Thida", "Mariam", "Zainab")
LAST = ("Diallo", "Núñez", "Okafor", "Haddad", "Deng", "Kovalenko", "Aung", "Traoré", "Quispe")


def orgs_csv(count: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "slug", "kind", "website", "headquarters_country", "focus"])
    for index in range(count):
        writer.writerow(
            [f"Import Bench Network {index}", f"import-bench-{index}", "member", "", "US", ""]
        )
    return out.getvalue()


def _word(rng: random.Random) -> str:
    """A made-up surname: random enough that no two names in an organisation look alike."""
    return "".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou") for _ in range(6))


def people_csv(rows: int, orgs: int, seed: int = 9) -> str:
    """Valid rows only: distinct e-mails, and names distinct within each organisation."""
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PEOPLE_COLUMNS)
    for index in range(rows):
        role = rng.choice(ROLES)
        org = f"import-bench-{index % orgs}" if role in ("staff", "manager") or index % 2 else ""
        country = rng.choice(COUNTRIES)
        writer.writerow(
            [
                f"person{index}@import-bench.example.org",
                f"{_word(rng).title()} {rng.choice(FIRST)} {rng.choice(LAST)}",
                role,
                org,
                "Programme officer",
                country,
                "",
                "",
                "",
                ";".join(sorted({country, rng.choice(COUNTRIES)})),
                ";".join(sorted(rng.sample(THEMES, 2))),
                "en;fr",
                "Works on women, peace and security.",
                "yes",
            ]
        )
    return out.getvalue()


def run(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="ngowg-import-bench-"))
    url = args.database_url or f"sqlite:///{work / 'import.db'}"
    if url.startswith("postgresql"):
        empty_postgres(url)
    env = app_env(work / "instance", url)
    sink = None
    if args.smtp:
        # Counted, not kept: ten thousand invitations need not be parsed.
        sink = SmtpServer(Mailbox(keep=False))
        env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port))
    ngowg(env, "db", "upgrade")
    (work / "orgs.csv").write_text(orgs_csv(args.orgs), encoding="utf-8")
    (work / "people.csv").write_text(people_csv(args.rows, args.orgs), encoding="utf-8")
    ngowg(env, "import-orgs", str(work / "orgs.csv"))
    command = [str(BIN / "ngowg"), "import-people", str(work / "people.csv")]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"import failed ({result.returncode}):\n{result.stdout[-2000:]}")
    ok_lines = result.stdout.count(": ok: ")
    # The command's own account of its time: "Time: checking 1.1 s, writing 1.5 s, e-mails 5.2 s."
    match = re.search(r"^Time: (.*)\.$", result.stderr, re.MULTILINE)
    phases = {
        name: float(seconds)
        for name, seconds in re.findall(r"([\w-]+) ([\d.]+) s", match.group(1) if match else "")
    }
    if sink is not None:
        delivered = sink.mailbox.wait_for(args.rows, timeout=60)
        sink.stop()
        mail = f"SMTP sink on loopback, {delivered} messages received"
    else:
        delivered = len(list((work / "instance" / "outbox").glob("*.eml")))
        mail = f"outbox folder, {delivered} .eml files written"
    if ok_lines != args.rows or delivered != args.rows:
        raise SystemExit(f"{ok_lines} rows ok and {delivered} invitations for {args.rows} rows")
    return {
        "rows": args.rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(args.rows / seconds),
        # CPU time of the import process: what the rate would be with a core of its own.
        "cpu_seconds": round(cpu, 2),
        "rows_per_cpu_second": round(args.rows / cpu) if cpu else None,
        "phases_seconds": phases,
        # Rows checked and written a second, leaving out the e-mails and the process start.
        "rows_per_second_without_mail": round(
            args.rows / (phases.get("checking", 0) + phases.get("writing", 0))
        )
        if phases
        else None,
        "database": url.split(":", 1)[0],
        "mail": mail,
        "command": " ".join(["ngowg", "import-people", "people.csv"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--orgs", type=int, default=50)
    parser.add_argument("--database-url")
    parser.add_argument("--smtp", action="store_true", help="deliver to an SMTP sink")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    figures = run(args)
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
