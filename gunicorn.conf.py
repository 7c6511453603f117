"""gunicorn settings for ngowg-directory (see docs/DEPLOYMENT.md).

Sync workers, one per core by default: the app is CPU-bound (templates, argon2), so threads
would only contend for the GIL. nginx in front buffers slow clients, which is what makes sync
workers safe on slow field connections.
"""

import os

from gunicorn.glogging import Logger

from ngowg_directory.redaction import loggable_path

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
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
    """Access log lines with the secret part of reset and invitation links removed."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if isinstance(atoms.get("U"), str):
            atoms["U"] = loggable_path(atoms["U"])
        return atoms


logger_class = RedactingLogger
