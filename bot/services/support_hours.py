"""When staff answer: the program's support hours, in its time zone, closed on holidays.

``[escalations] staff_hours`` reads like a school's office hours: ``"Mon-Fri 08:00-16:00"``,
or several spans, ``"Mon-Thu 08:00-16:00, Fri 08:00-13:00"``. Empty means no hours are known
and nobody is told staff are away. Outside the hours a student who asks for help is told
plainly that staff are away, when they are back, and what to do now; urgent requests still
page on-call staff.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EXPECTED = (
    'expected spans of days and 24-hour times, like "Mon-Fri 08:00-16:00" or '
    '"Mon-Thu 08:00-16:00, Fri 08:00-13:00"'
)
#: How far ahead ``next_open`` looks (a long holiday, e.g. the summer break).
HORIZON_DAYS = 120
_SPAN = re.compile(
    r"(?P<first>[a-z]{3})(?:\s*-\s*(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})"
)


@dataclass(frozen=True)
class Away:
    """Staff are out: back at ``back_at`` (None: nothing opens within ``HORIZON_DAYS``)."""

    back_at: datetime | None


@dataclass(frozen=True)
class SupportHours:
    """Opening spans per weekday (0 = Monday), in the program's wall-clock time."""

    spans: tuple[tuple[int, time, time], ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.spans)


def parse_support_hours(text: str) -> SupportHours:
    """``"Mon-Fri 08:00-16:00, Sat 09:00-12:00"`` -> spans; ``ValueError`` saying what is
    expected when it is not that. An empty text is no hours (always unknown)."""
    spans: list[tuple[int, time, time]] = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        found = _SPAN.fullmatch(part)
        if found is None:
            raise ValueError(f"{EXPECTED}; {part!r} is not one")
        first, last = found["first"], found["last"] or found["first"]
        if first not in DAYS or last not in DAYS:
            raise ValueError(f"unknown day in {part!r}; days are {', '.join(DAYS)}")
        start, end = _clock(found["start"]), _clock(found["end"])
        if end <= start:
            raise ValueError(f"{part!r} ends before it starts; {EXPECTED}")
        days = range(DAYS.index(first), DAYS.index(last) + 1)
        if not days:
            raise ValueError(f"{part!r}: write the days in week order, like Mon-Fri")
        spans += [(day, start, end) for day in days]
    return SupportHours(tuple(sorted(spans)))


def is_open(hours: SupportHours, at: datetime, zone: ZoneInfo, holidays: Collection[date]) -> bool:
    """Whether staff are in at ``at`` (aware). Unknown hours count as open."""
    if not hours.known:
        return True
    local = at.astimezone(zone)
    if local.date() in holidays:
        return False
    now = local.time()
    return any(day == local.weekday() and start <= now < end for day, start, end in hours.spans)


def next_open(
    hours: SupportHours, at: datetime, zone: ZoneInfo, holidays: Collection[date]
) -> datetime | None:
    """The next instant staff are in, from ``at`` on (``at`` itself when open); None when
    the hours are unknown or nothing opens within ``HORIZON_DAYS``."""
    if not hours.known:
        return None
    if is_open(hours, at, zone, holidays):
        return at
    local = at.astimezone(zone)
    for offset in range(HORIZON_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if day in holidays:
            continue
        for weekday, start, _end in hours.spans:
            if weekday != day.weekday():
                continue
            opening = datetime.combine(day, start, zone)
            if opening > at:
                return opening
    return None


def away(
    hours: SupportHours, at: datetime, zone: ZoneInfo, holidays: Collection[date]
) -> Away | None:
    """``Away`` with when staff are back, when ``at`` is outside the hours; None when staff
    are in or no hours are known."""
    if is_open(hours, at, zone, holidays):
        return None
    return Away(next_open(hours, at, zone, holidays))


def _clock(text: str) -> time:
    hour, minute = (int(part) for part in text.split(":"))
    if hour == 24 and minute == 0:
        return time(23, 59)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f"{text!r} is not a 24-hour time; {EXPECTED}")
    return time(hour, minute)
