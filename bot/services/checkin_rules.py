"""The rules of the weekly check-in, without a database: when each one is due, streaks.

A mentee's check-in is due on a weekday at a wall-clock time in their own zone. ``week`` is
the Monday of that local week, so one week holds one check-in even when its day changes.
Wall-clock times are turned into instants by ``zoneinfo``: across a DST change the check-in
stays at 15:30 local; a time that does not exist that day (the spring-forward gap) is read
with the offset before the change (02:30 becomes 03:30), and a time that happens twice is
the first one.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from storage.models import CheckinStatus

MILESTONES = (4, 8, 12)
#: Weeks looked at ahead when finding the next due check-in (holidays, a long pause).
LOOKAHEAD_WEEKS = 16


@dataclass(frozen=True)
class Rhythm:
    """When one person's check-in comes: their zone, weekday and time, pause and join."""

    member_id: int
    zone: ZoneInfo
    weekday: int  # 0 = Monday
    at: time
    paused_until: date | None
    joined_at: datetime


class Due(NamedTuple):
    member_id: int
    week: date
    at: datetime  # UTC


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` o'clock on ``day`` in ``zone``, as a UTC instant (DST-safe, see module doc)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=8192)
def due_in_week(week: date, weekday: int, at: time, zone: ZoneInfo) -> datetime:
    """Cached: thousands of mentees share a few (week, day, time, zone) rhythms."""
    return local_instant(week + timedelta(days=weekday), at, zone)


def next_due(
    rhythm: Rhythm,
    now: datetime,
    window: timedelta,
    *,
    holidays: Collection[date] = (),
    taken: Collection[date] = (),
) -> Due | None:
    """The first check-in of ``rhythm`` still to open: not in a week that has one
    (``taken``), not on a holiday (the local due date) or inside a pause, after the person
    joined, and not closed already (due + ``window`` after ``now``). It may be due in the
    past (the bot was down at its time): it is then opened at once."""
    today = now.astimezone(rhythm.zone).date()
    week = week_of(today) - timedelta(weeks=1)
    for _ in range(LOOKAHEAD_WEEKS):
        at = due_in_week(week, rhythm.weekday, rhythm.at, rhythm.zone)
        local_day = week + timedelta(days=rhythm.weekday)
        if (
            week not in taken
            and local_day not in holidays
            and (rhythm.paused_until is None or local_day > rhythm.paused_until)
            and at > rhythm.joined_at
            and at + window > now
        ):
            return Due(rhythm.member_id, week, at)
        week += timedelta(weeks=1)
    return None


def mentor_week(week: date, every_weeks: int) -> bool:
    """Whether mentors are asked in this week: every week, or every other (even) week."""
    return (week.toordinal() // 7) % every_weeks == 0


def streak(statuses_newest_first: Sequence[CheckinStatus]) -> int:
    """Consecutive completed weeks up to the latest one; an open check-in does not count
    either way yet, a missed one ends the streak. Weeks without a check-in (holidays, a
    pause) do not break it."""
    count = 0
    for status in statuses_newest_first:
        if status is CheckinStatus.OPEN and count == 0:
            continue
        if status is not CheckinStatus.DONE:
            break
        count += 1
    return count


def milestone(streak_now: int) -> int | None:
    """The milestone reached by this streak, if it is exactly one of ``MILESTONES``."""
    return streak_now if streak_now in MILESTONES else None


def in_hours(at: time, start: time, end: time) -> bool:
    return start <= at <= end
