"""Throughput and latency through gunicorn: the signed-in search page against /healthz.

    .venv/bin/python bench/throughput.py --database-url sqlite:////tmp/ngowg-bench/ngowg.db

Starts `gunicorn -c gunicorn.conf.py wsgi:app` (NGOWG_ENV=production, Redis for limits, the
limits raised), signs a staff account in with a real POST (CSRF token and all), then runs wrk
with that session cookie: the search page over a mix of queries (a wrk Lua script, broad ones
included) and /healthz, at 1, 4 and 16 connections, each `--runs` times for `--seconds`.
Reported: the median run's requests a second and its p50/p95 latency (wrk's own histogram),
and any answer other than 200 (which fails the run). Then each worker's resident memory.
The database must hold the data already (bench/run.py makes it).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import app_env, make_account, rss_mb, start_server
from testsupport.http import Browser, Tab
from testsupport.servers import ServerPool, worker_pids
from testsupport.signin import sign_in

# (query, country): broad words that match a fifth to a third of everyone, prefixes, names,
# filters alone, Arabic and French country names.
SEARCHES = [
    ("sudan", ""),
    ("women", ""),
    ("peace", "SD"),
    ("amina", ""),
    ("", "ML"),
    ("peaceb", ""),
    ("thandiwe hadzic", ""),
    ("فاطمة", ""),
    ("soudan", ""),
    ("advocacy", "CO"),
    ("", ""),
    ("garcia", "YE"),
]

LUA = """
local paths = {%(paths)s}
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  wrk.headers["Cookie"] = "%(cookie)s"
  wrk.headers["Accept"] = "text/html"
  non200 = 0
  counter = math.random(#paths) - 1
end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function response(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non200") end
  io.write(string.format(
    'JSON {"requests": %%d, "seconds": %%f, "p50_ms": %%f, "p95_ms": %%f, "p99_ms": %%f, '
    .. '"non200": %%d, "socket_errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout))
end
"""


def search_paths(
    searches: list[tuple[str, str]] = SEARCHES,
    page: str = "/directory",
    text_arg: str = "q",
    country_arg: str = "country",
) -> list[str]:
    """The page's address for each (text, country) search, with its arguments' names."""
    paths = []
    for text, country in searches:
        params = []
        if text:
            params.append(f"{text_arg}={quote(text)}")
        if country:
            params.append(f"{country_arg}={country}")
        paths.append(page + ("?" + "&".join(params) if params else ""))
    return paths


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk is missing: installing it from Debian (apt-get install -y wrk)", flush=True)
    try:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit("wrk is needed: run `sudo apt-get install -y wrk`, then again") from exc
    return shutil.which("wrk") or "wrk"


def run_wrk(wrk: str, script: Path, url: str, connections: int, seconds: int) -> dict:
    threads = max(1, min(connections, 2))
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(x for x in result.stdout.splitlines() if x.startswith("JSON "))
    figures = json.loads(line[5:])
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def measure(
    url: str, warm: Tab, connections: list[int], runs: int, seconds: int, work: Path
) -> dict:
    cookie = warm.browser.cookie_header()
    wrk = ensure_wrk()
    scripts = {}
    for name, paths in (("search", search_paths()), ("healthz", ["/healthz"])):
        quoted = ", ".join(json.dumps(p) for p in paths)
        scripts[name] = work / f"{name}.lua"
        scripts[name].write_text(LUA % {"paths": quoted, "cookie": cookie})
    # Warm up: every query answered (and so cached) before anything is timed, then a short
    # wrk run of each script.
    for path in search_paths() * 2:
        answer = warm.get(path)
        if answer.status != 200:
            raise SystemExit(f"{path} answered {answer.status} while warming up")
    for name in ("search", "healthz"):
        run_wrk(wrk, scripts[name], url, 2, 2)
    table: dict = {}
    for count in connections:
        for name in ("search", "healthz"):
            samples = [run_wrk(wrk, scripts[name], url, count, seconds) for _ in range(runs)]
            bad = sum(s["non200"] + s["socket_errors"] for s in samples)
            if bad:
                raise SystemExit(f"{name} at {count} connections: {bad} answers were not 200")
            median = sorted(samples, key=lambda s: s["rps"])[len(samples) // 2]
            table.setdefault(str(count), {})[name] = {
                "rps": round(statistics.median(s["rps"] for s in samples), 1),
                "rps_runs": [round(s["rps"], 1) for s in samples],
                "p50_ms": round(median["p50_ms"], 2),
                "p95_ms": round(median["p95_ms"], 2),
                "requests": sum(s["requests"] for s in samples),
            }
        row = table[str(count)]
        row["ratio"] = round(row["search"]["rps"] / row["healthz"]["rps"], 3)
        print(f"{count} connections: {json.dumps(row)}", flush=True)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--connections", default="1,4,16")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=None, help="default: gunicorn.conf.py")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ngowg-http-bench-"))
    env = app_env(work / "instance", args.database_url)
    password = make_account(env, "bench-searcher@bench.example.org", "staff", "Bench Searcher")
    with ServerPool(work) as pool:
        server = start_server(pool, env, args.workers)
        client = Browser(keep_alive=True, timeout=60).on(server)
        sign_in(client, "bench-searcher@bench.example.org", password)
        if client.get("/directory?q=sudan").status != 200:
            raise SystemExit("the signed-in search page does not answer 200")
        connections = [int(c) for c in args.connections.split(",")]
        table = measure(server.url, client, connections, args.runs, args.seconds, work)
        memory = {str(pid): round(rss_mb(pid), 1) for pid in sorted(worker_pids(server))}
        master = round(rss_mb(server.process.pid), 1)
    figures = {"throughput": table, "worker_rss_mb": memory, "master_rss_mb": master}
    print(json.dumps(figures, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
