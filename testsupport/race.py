"""Calls made at the same moment: each in its own thread, released together by a barrier, so
that two requests spending the same thing meet inside the code under test."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def race(calls: list[Callable[[], Any]], timeout: float = 120) -> list[Any]:
    """Run the calls at once; their answers in order (an exception raised is its answer, so
    that an assertion shows it beside the others)."""
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            answers[index] = call()
        except Exception as exc:  # shown beside the other answers
            answers[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return answers
