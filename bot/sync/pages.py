"""Read ahead: fetch the next page from Salesforce while this one is written.

A Bulk load spends about as long downloading as writing; overlapping the two is most
of what makes it faster than doing them one after the other. At most ``depth`` pages
wait in the queue, so memory stays flat however large the table.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class _Failed(Generic[T]):
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(pages: Iterator[T], *, depth: int = 1, name: str = "prefetch") -> Iterator[T]:
    """Yield what ``pages`` yields, producing the next items in a thread of their own.

    An error in the producer is raised in the consumer at the point it happened; when
    the consumer stops early, the producer stops after the page it is fetching.
    """
    box: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in pages:
                while not stop.is_set():
                    try:
                        box.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            box.put(_Failed(exc))
            return
        box.put(_DONE)

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            try:
                box.get(timeout=0.1)  # unblock a producer waiting to put
            except queue.Empty:
                pass
            thread.join(timeout=0.1)
        close = getattr(pages, "close", None)
        if close is not None and not thread.is_alive():
            close()
