"""The one source of "now".

Nothing in Bridges calls ``datetime.now()`` directly: it asks a ``Clock``. Production uses
``SystemClock``; unit tests use ``FixedClock``; end-to-end tests use ``FollowingClock`` bound
to the simulator's virtual time, so the bot, APScheduler and the tests agree on the instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self._now = _require_aware(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = _require_aware(instant)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FollowingClock:
    """A clock that reads another source of time (the simulator's, in e2e tests)."""

    def __init__(self, source: Callable[[], datetime]) -> None:
        self._source = source

    def now(self) -> datetime:
        return _require_aware(self._source())


def _require_aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a Clock deals only in timezone-aware datetimes")
    return instant.astimezone(UTC)
