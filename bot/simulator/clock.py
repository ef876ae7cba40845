"""The simulator's clock: real UTC time by default, settable and frozen for tests."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone


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
