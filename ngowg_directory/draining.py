"""Whether this server is draining before it stops: one byte shared by gunicorn's master and
its workers. No imports but the standard library: gunicorn's config loads this in the master.

The byte lives in an anonymous shared mapping made when this module is first imported, which
gunicorn.conf.py does in the master before any worker is forked; every worker (those started
later too) inherits the same page. On SIGTERM the master sets it (gunicorn.conf.py) and keeps
serving for SHUTDOWN_DRAIN_SECONDS; `/readyz` answers 503 as soon as it is set, so that a load
balancer stops sending requests before the server stops listening. In a process that is not
under gunicorn it is a private byte that nothing sets.
"""

import mmap

_flag = mmap.mmap(-1, 1)


def start() -> None:
    """From now on this server is shutting down (its /readyz answers 503)."""
    _flag[0] = 1


def active() -> bool:
    return _flag[0] == 1


def reset() -> None:
    """Serving normally again (tests)."""
    _flag[0] = 0
