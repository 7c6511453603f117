"""gunicorn settings for ngowg-directory (see docs/DEPLOYMENT.md, docs/PERFORMANCE.md).

Tuned for a 2-core machine behind nginx:

- Sync workers, one per core (WEB_CONCURRENCY, default 2), but only one while the rate
  limits live in memory:// (make run): production refuses that instead. A page costs CPU
  (templates, facet counts, argon2 at sign-in: 64 MiB and tens of ms per hash), not waiting:
  threads would contend for the GIL and each concurrent sign-in would add 64 MiB to one
  worker. nginx in front buffers slow clients, which is what makes sync workers safe on slow
  field connections. GUNICORN_THREADS > 1 switches to gthread workers with that many threads, for a
  database far enough away that waiting on it dominates.
- timeout 30 s: no page needs more (the slowest measured is far under 1 s); a stuck worker
  is killed and replaced. graceful_timeout 30 s: on SIGTERM or SIGHUP (`systemctl reload`)
  each worker finishes its requests before it exits, so a restart drops none.
- max_requests 10000 with jitter 1000: each worker is replaced after 10,000 to 11,000
  requests (not all at once), which bounds any slow growth of memory. Not lower: a worker
  measured about 100 MB after tens of thousands of requests, and at 2,000 a worker was
  restarted every few seconds under the benchmark's load, when a restart on a busy 2-core
  machine takes seconds of CPU (PERFORMANCE.md).
- The access log holds no query string (search terms about people) and no secret part of a
  path: every rule with a secret argument (reset, invitation, reminder links, any added later)
  is redacted, derived from the URL map by create_app in each worker (redaction.py); the
  worker heartbeat lives in /dev/shm when it exists, so a slow
  disk cannot make a healthy worker look stuck.
"""

import os

from gunicorn.glogging import Logger

from ngowg_directory.config import ConfigError, server_workers
from ngowg_directory.redaction import loggable_path

ENV_NAME = os.environ.get("NGOWG_ENV", "development")
LIMITS_STORAGE = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")


def _workers(requested: int) -> int:
    try:
        return server_workers(ENV_NAME, LIMITS_STORAGE, requested)
    except ConfigError as exc:
        raise SystemExit(f"ngowg-directory refuses to start: {exc}") from None


bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# memory:// rate limits live in each worker apart: one process keeps them exact (make run);
# production refuses several workers with memory:// (config.server_workers).
REQUESTED_WORKERS = int(os.environ.get("WEB_CONCURRENCY", "2"))
workers = _workers(REQUESTED_WORKERS)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
SHM = "/dev/shm"  # noqa: S108  (gunicorn makes its own unique, unlinked heartbeat file there)
if os.path.isdir(SHM):
    worker_tmp_dir = SHM
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 10000
max_requests_jitter = 1000
# No query strings in the access log: they can hold search terms about people.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# gunicorn 27's control socket sits at one path per user: a second server (tests, a second
# instance) would take it over. The app needs no runtime control, so it is off.
control_socket_disable = True
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class RedactingLogger(Logger):
    """Access log lines without the secret segment of any secret-bearing route (the rules are
    installed by create_app when the worker loads the app)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if isinstance(atoms.get("U"), str):
            atoms["U"] = loggable_path(atoms["U"])
        return atoms


logger_class = RedactingLogger


def on_starting(server):
    """The same rule for a worker count given on the command line (-w, GUNICORN_CMD_ARGS)."""
    exact = _workers(server.num_workers)
    asked = max(server.num_workers, REQUESTED_WORKERS)
    if exact < asked:
        server.log.info(
            "1 worker, not %s: rate limits kept in memory:// are per process "
            "(RATELIMIT_STORAGE_URI=redis://... lets several workers share them)",
            asked,
        )
    server.num_workers = exact
