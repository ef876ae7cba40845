"""Running a few threads at once in a test, and failing when any of them did not finish cleanly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

JOIN_TIMEOUT = 30.0


def run_all(targets: Sequence[Callable[[], None]], *, timeout: float = JOIN_TIMEOUT) -> None:
    """Start every target in its own thread and wait for all of them.

    Fails when a thread is still running after ``timeout`` seconds, and re-raises the
    first exception a thread raised, so a crashed thread can never pass for a quiet one.
    """
    errors: list[BaseException] = []
    lock = threading.Lock()

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread below
                with lock:
                    errors.append(exc)

        return run

    threads = [threading.Thread(target=guarded(target), daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"{len(stuck)} of {len(threads)} threads did not finish within {timeout:g} s"
    if errors:
        raise errors[0]
