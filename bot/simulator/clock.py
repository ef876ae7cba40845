"""The simulator's clock (real UTC time by default, settable and frozen for tests) and the
strictly increasing modification stamps each org derives from it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Callable


def utc_millis(moment: datetime) -> datetime:
    """``moment`` in UTC, cut to whole milliseconds.

    Salesforce keeps timestamps to the millisecond; storing them the same way means a
    value read back from the API and used as a ``>`` filter never matches its own row.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give the simulator timezone-aware datetimes")
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class SimClock:
    """A thread-safe clock that runs on real time, possibly shifted, or stands still.

    ``set(moment)`` freezes it at ``moment``; ``set(moment, frozen=False)`` lets it run on
    from there; ``advance()`` moves it either way; ``use_real_time()`` undoes everything.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = True) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen_at: datetime | None = None
        if start is not None:
            self.set(start, frozen=frozen)

    def now(self) -> datetime:
        """The current simulated time, aware UTC, to the millisecond."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return utc_millis(datetime.now(timezone.utc) + self._offset)

    def set(self, moment: datetime, *, frozen: bool = True) -> None:
        """Move the clock to ``moment``; it stands still there unless ``frozen=False``."""
        moment = utc_millis(moment)
        with self._lock:
            if frozen:
                self._frozen_at = moment
            else:
                self._frozen_at = None
                self._offset = moment - datetime.now(timezone.utc)

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by ``delta`` (a timedelta or seconds); returns the new time."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = utc_millis(self._frozen_at + step)
            else:
                self._offset += step
        return self.now()

    def use_real_time(self) -> None:
        """Back to the real UTC time."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still."""
        with self._lock:
            return self._frozen_at is not None


ONE_MILLISECOND = timedelta(milliseconds=1)


class StampSequence:
    """Modification stamps of one org: never earlier than the clock, always after the last one.

    Salesforce gives every change a later ``SystemModstamp`` than the one before, so a
    sync cursor ``SystemModstamp > last seen`` cannot miss an edit. Under a frozen test
    clock the stamps therefore move 1 ms past "now" per change instead of all sharing it.
    """

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._last: datetime | None = None

    def next(self) -> datetime:
        """A fresh stamp: ``max(now, last stamp + 1 ms)``."""
        return self.reserve(1)[0]

    def reserve(self, count: int) -> list[datetime]:
        """``count`` fresh stamps 1 ms apart (one clock reading for a whole batch of rows)."""
        if count <= 0:
            return []
        now = self._now()
        with self._lock:
            first = now if self._last is None or now > self._last else self._last + ONE_MILLISECOND
            stamps = [first + ONE_MILLISECOND * offset for offset in range(count)] if count > 1 else [first]
            self._last = stamps[-1]
        return stamps

    def note(self, moment: datetime) -> None:
        """A stamp given explicitly (a test's history): later stamps come after it."""
        with self._lock:
            if self._last is None or moment > self._last:
                self._last = moment

    @property
    def last(self) -> datetime | None:
        """The latest stamp handed out or noted."""
        with self._lock:
            return self._last
