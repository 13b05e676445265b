"""Run attempts at the same instant, each in its own thread and database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def race(attempts: list[Callable[[], object]]) -> tuple[list[object], list[Exception]]:
    """Release every attempt together with a barrier; return (results, errors)."""
    barrier = threading.Barrier(len(attempts))
    results: list[object] = []
    errors: list[Exception] = []
    lock = threading.Lock()

    def run(attempt: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=20)
            outcome = attempt()
            with lock:
                results.append(outcome)
        except Exception as error:  # collected and asserted on by the test
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racer hung (deadlock?)"
    return results, errors
