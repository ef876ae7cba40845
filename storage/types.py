"""Column types shared by the bookkeeping and the mirror tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are stored
    as UTC and given their zone back on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# The clock syncbot reads; None is the real one. Only `syncbot demo` sets another, to move
# through a day in seconds: production never does.
_clock: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """The current time, aware, in UTC (by the clock :func:`running_on` set, if any)."""
    clock = _clock
    return clock() if clock is not None else datetime.now(timezone.utc)


@contextmanager
def running_on(clock: Callable[[], datetime]) -> Iterator[None]:
    """Every reading of :func:`utcnow` in this process takes ``clock`` for the block."""
    global _clock
    previous, _clock = _clock, clock
    try:
        yield
    finally:
        _clock = previous
