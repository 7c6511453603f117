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
- Graceful shutdown: on SIGTERM /readyz answers 503 at once and the server keeps serving for
  SHUTDOWN_DRAIN_SECONDS (default 10), so that a load balancer checking /readyz stops sending
  it requests before it stops listening (connections still waiting in the listen queue when a
  server closes its socket are reset); then gunicorn's own graceful stop (graceful_timeout). A
  second SIGTERM stops at once. SIGINT and SIGQUIT stop at once as before.
- The access and error logs hold no query string (search terms about people) and no secret part of a
  path: every rule with a secret argument (reset, invitation, reminder links, any added later)
  is redacted, derived from the URL map by create_app in each worker (redaction.py); the
  worker heartbeat lives in /dev/shm when it exists, so a slow
  disk cannot make a healthy worker look stuck.
"""

import os
import signal
import threading

from gunicorn.glogging import Logger

from ngowg_directory import draining
from ngowg_directory.config import ConfigError, server_workers
from ngowg_directory.redaction import loggable_path, redact_handlers

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
try:
    DRAIN_SECONDS = float(os.environ.get("SHUTDOWN_DRAIN_SECONDS", "10"))
except ValueError:
    raise SystemExit(
        "ngowg-directory refuses to start: SHUTDOWN_DRAIN_SECONDS must be a number of seconds"
    ) from None


class RedactingLogger(Logger):
    """Access log lines without the secret segment of any secret-bearing route (the rules are
    installed by create_app when the worker loads the app); every line of the access and error
    logs through redaction.redact_text (gunicorn's error log writes a failed request's whole
    URL, query string included)."""

    def setup(self, cfg):
        super().setup(cfg)
        redact_handlers(self.error_log)
        redact_handlers(self.access_log)

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
    drain_on_term(server)


def drain_on_term(server):
    """SIGTERM: /readyz answers 503 at once (draining.start), the server keeps serving for
    DRAIN_SECONDS, then stops as gunicorn does (a second SIGTERM stops at once).

    The master handles signals in its main loop by name (`handle_term`); this replaces that
    handler on this arbiter alone. A timer thread puts SIGTERM back in the master's signal
    queue when the drain period is over, which the original handler then receives."""
    stop = server.handle_term
    if DRAIN_SECONDS <= 0:
        return

    def handle_term():
        if draining.active():
            stop()
        draining.start()
        server.log.info(
            "SIGTERM: /readyz answers 503; still serving for %.0f s before stopping "
            "(SHUTDOWN_DRAIN_SECONDS; a second SIGTERM stops at once)",
            DRAIN_SECONDS,
        )
        timer = threading.Timer(DRAIN_SECONDS, server.SIG_QUEUE.put_nowait, (signal.SIGTERM,))
        timer.daemon = True
        timer.start()

    server.handle_term = handle_term
