"""A circuit breaker: after a failure, stop asking a remote service for a while, then probe.

Used in front of PostgreSQL (new connections to a server that hung, database.py): a service
that hangs then costs one timeout, not one per request, and comes back at the first probe that
succeeds.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger(__name__)


class Breaker:
    """After a failure the service is not asked for `seconds` (each failure in a row doubles
    the pause, up to `longest`); then one call probes it, and a success closes the breaker.
    Per process."""

    def __init__(self, name: str, seconds: float = 5, longest: float = 60) -> None:
        self.name = name
        self.seconds = seconds
        self.longest = longest
        self._failures = 0
        self._open_until = 0.0
        self._probing = False
        self._lock = threading.Lock()

    def allows(self) -> bool:
        """Whether to ask the store now (closed, or the one probe after a pause)."""
        with self._lock:
            if self._failures == 0:
                return True
            if self._probing or time.monotonic() < self._open_until:
                return False
            self._probing = True
            return True

    def succeeded(self) -> None:
        with self._lock:
            recovered = self._failures > 0
            self._failures, self._probing = 0, False
        if recovered:
            logger.info("%s answers again", self.name)

    def failed(self, error: Exception) -> None:
        with self._lock:
            self._failures += 1
            self._probing = False
            pause = min(self.longest, self.seconds * 2 ** (self._failures - 1))
            self._open_until = time.monotonic() + pause
        logger.warning(
            "%s failed (%s): not asked for %.0f s", self.name, type(error).__name__, pause
        )

    def is_open(self) -> bool:
        with self._lock:
            return self._failures > 0
