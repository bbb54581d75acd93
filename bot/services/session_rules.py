"""The pure rules of mentoring sessions: when one may happen, how a weekly series repeats,
when reminders fall, and the calendar file a person downloads.

Nothing here reads the clock, the database or Discord: ``now`` is always a parameter. Every
datetime must be aware (a naive one is a programming error: ``ValueError``); results are in
UTC. Refusals a person can fix raise ``InvalidInput`` saying what to do instead. The rules,
each pinned by ``tests/unit/test_session_rules.py``:

- A slot (``check_slot``) starts in the future, at least ``min_lead`` from now and at most
  ``max_ahead`` ahead, lasts ``min_duration`` to ``max_duration``, and starts and ends
  inside the program's allowed hours on one local day of the PROGRAM's zone (a session
  crossing local midnight is outside), whatever zone the start was given in.
- Busy times are half-open: a session ending at 16:00 does not clash with one at 16:00.
- A weekly series keeps the first session's local wall time in the person's zone, so a
  16:00 session stays at 16:00 when the clocks change (its UTC instant moves by an hour).
  A week where that wall time does not exist (clocks spring forward) moves forward by the
  gap (2:30 becomes 3:30 in New York on 2026-03-08); one where it happens twice (clocks
  fall back) takes the first of the two (fold=0). Weeks whose local date is a holiday are
  left out and reported; they still count as weeks.
- A reminder whose moment has passed (say, while the bot was down) is still sent only if
  the session has not started.
- "Did it happen?" is asked until ``ATTENDANCE_DEADLINE`` after the session ends, however
  long the bot was down; after that it is not worth asking.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput
from bot.i18n import Duration, Text

__all__ = [
    "ATTENDANCE_DEADLINE",
    "PRODID",
    "Busy",
    "CalendarEvent",
    "Series",
    "SlotRules",
    "calendar_file",
    "check_slot",
    "find_conflict",
    "offset_label",
    "parse_hours_range",
    "reminder_due_now",
    "reminder_times",
    "weekly_series",
]

PRODID = "-//Bridges//Mentoring sessions//EN"
"""The PRODID of calendar files."""

ATTENDANCE_DEADLINE = timedelta(days=3)
"""How long after a session ends its attendance question is still asked."""

_CLOCK = r"([01]?[0-9]|2[0-3]):([0-5][0-9])"
_HOURS_RE = re.compile(rf"{_CLOCK}\s*[-–]\s*(?:{_CLOCK}|(24:00))")


@dataclass(frozen=True)
class SlotRules:
    """When a program allows sessions; the allowed hours are in the program's zone."""

    allowed_start: time
    allowed_end: time
    min_lead: timedelta = timedelta(minutes=15)
    max_ahead: timedelta = timedelta(days=60)
    min_duration: timedelta = timedelta(minutes=15)
    max_duration: timedelta = timedelta(hours=3)

    def __post_init__(self) -> None:
        if self.allowed_end <= self.allowed_start:
            raise ValueError(f"allowed hours end before they start: {self!r}")
        if self.max_duration < self.min_duration:
            raise ValueError(f"max_duration is below min_duration: {self!r}")


@dataclass(frozen=True)
class Busy:
    """A time one member of a pair is already taken (an existing session)."""

    start: datetime
    end: datetime
    label: str


@dataclass(frozen=True)
class Series:
    """A weekly series: the sessions' starts (UTC) and the holidays left out."""

    starts: tuple[datetime, ...]
    skipped: tuple[date, ...]


@dataclass(frozen=True)
class CalendarEvent:
    """One session as it appears in a calendar file."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str


def check_slot(
    start: datetime, duration: timedelta, now: datetime, program_zone: ZoneInfo, rules: SlotRules
) -> None:
    """Raise ``InvalidInput`` unless a session at ``start`` lasting ``duration`` is allowed."""
    _require_aware(start=start, now=now)
    if start <= now:
        raise InvalidInput(Text("That time has already passed; pick a time in the future."))
    if start - now < rules.min_lead:
        raise InvalidInput(
            Text(
                "Sessions need to start at least {lead} from now, so both of you have time to "
                "get ready; pick a later time.",
                lead=Duration(rules.min_lead),
            )
        )
    if start - now > rules.max_ahead:
        raise InvalidInput(
            Text(
                "That's too far ahead; pick a time within the next {span}.",
                span=Duration(rules.max_ahead),
            )
        )
    if not rules.min_duration <= duration <= rules.max_duration:
        raise InvalidInput(
            Text(
                "A session can last from {shortest} to {longest}; pick a length in that range.",
                shortest=Duration(rules.min_duration),
                longest=Duration(rules.max_duration),
            )
        )
    local_start = start.astimezone(program_zone)
    local_end = (start + duration).astimezone(program_zone)
    if (
        local_start.date() != local_end.date()
        or local_start.time() < rules.allowed_start
        or local_end.time() > rules.allowed_end
    ):
        raise InvalidInput(
            Text(
                "Sessions can only happen between {start} and {end} ({zone} time); pick a "
                "time that starts and ends inside those hours.",
                start=rules.allowed_start.strftime("%H:%M"),
                end=rules.allowed_end.strftime("%H:%M"),
                zone=program_zone.key,
            )
        )


def find_conflict(start: datetime, end: datetime, busy: Sequence[Busy]) -> Busy | None:
    """The earliest busy time overlapping [start, end), or None; touching ends don't clash."""
    _require_aware(start=start, end=end)
    clashes = [item for item in busy if item.start < end and start < item.end]
    return min(clashes, key=lambda item: item.start, default=None)


def weekly_series(
    first_start: datetime,
    zone: ZoneInfo,
    *,
    weeks: int | None,
    until: datetime | None,
    holidays: Collection[date],
    max_weeks: int = 26,
) -> Series:
    """Starts of a weekly series at ``first_start``'s wall time in ``zone``; see the module.

    It runs for ``weeks`` weeks (counting the first and any holidays), and no start is after
    ``until``; at least one of them must be given, and it never runs past ``max_weeks``.
    ``weeks`` outside 1..``max_weeks`` raises ``InvalidInput``.
    """
    _require_aware(first_start=first_start)
    if until is not None:
        _require_aware(until=until)
    if weeks is None and until is None:
        raise ValueError("weekly_series needs weeks or until")
    if weeks is not None and not 1 <= weeks <= max_weeks:
        raise InvalidInput(
            Text(
                "A weekly series runs for 1 to {most} weeks; pick a number in that range.",
                most=max_weeks,
            )
        )
    first = first_start.astimezone(zone)
    starts: list[datetime] = []
    skipped: list[date] = []
    for week in range(weeks or max_weeks):
        # Wall-clock arithmetic (same tzinfo) gives fold=0: a time in a gap resolves with
        # the offset before it (later by the gap), a repeated time to its first occurrence.
        instant = (first if week == 0 else first + timedelta(weeks=week)).astimezone(UTC)
        if until is not None and instant > until:
            break
        day = instant.astimezone(zone).date()
        if day in holidays:
            skipped.append(day)
        else:
            starts.append(instant)
    return Series(tuple(starts), tuple(skipped))


def reminder_times(
    start: datetime, offsets: Sequence[timedelta]
) -> list[tuple[timedelta, datetime]]:
    """(offset, start - offset) for each distinct offset, earliest reminder first."""
    _require_aware(start=start)
    return sorted(((offset, start - offset) for offset in set(offsets)), key=lambda p: p[1])


def reminder_due_now(remind_at: datetime, start: datetime, now: datetime) -> bool:
    """Whether a reminder should go out now: its moment has come and the session hasn't begun.

    Used after a restart for reminders whose moment passed while the bot was down: one for
    a session still ahead is sent late, one for a session already started is skipped.
    """
    _require_aware(remind_at=remind_at, start=start, now=now)
    return remind_at <= now < start


def offset_label(offset: timedelta) -> str:
    """A stable short name for a reminder offset: "24h", "15m", "1h30m" (job ids, keys).

    ``ValueError`` unless ``offset`` is a positive whole number of minutes.
    """
    if offset <= timedelta(0) or offset % timedelta(minutes=1):
        raise ValueError(f"not a positive whole number of minutes: {offset!r}")
    hours, minutes = divmod(offset // timedelta(minutes=1), 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")


def calendar_file(events: Sequence[CalendarEvent], zone: ZoneInfo, *, now: datetime) -> bytes:
    """An RFC 5545 calendar (.ics) of ``events``, times written in ``zone`` with its VTIMEZONE.

    The VTIMEZONE is always included, so a file with no events is still a valid calendar.
    DTSTAMP is ``now`` in UTC. The UTC zone itself is written as "Z" times by icalendar.
    """
    _require_aware(now=now)
    from icalendar import Calendar, Event, Timezone  # only when a calendar is written

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add_component(Timezone.from_tzid(zone.key))
    for item in events:
        _require_aware(start=item.start, end=item.end)
        calendar.add_component(
            Event.new(
                uid=item.uid,
                stamp=now.astimezone(UTC),
                start=item.start.astimezone(zone),
                end=item.end.astimezone(zone),
                summary=item.summary,
                location=item.location,
                description=item.description,
            )
        )
    data: bytes = calendar.to_ical()
    return data


def parse_hours_range(text: str) -> tuple[time, time]:
    """Allowed hours from config, "07:00-21:00" -> (07:00, 21:00); "24:00" ends at 23:59.

    ``ValueError`` (saying what is expected) if ``text`` is not such a range, or if it ends
    before it starts.
    """
    expected = 'expected a range of 24-hour times "HH:MM-HH:MM", like "07:00-21:00"'
    match = _HOURS_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(expected)
    start = time(int(match[1]), int(match[2]))
    end = time(23, 59) if match[5] else time(int(match[3]), int(match[4]))
    if end <= start:
        raise ValueError(f"the end must be after the start; {expected}")
    return start, end


def _require_aware(**values: datetime) -> None:
    """``ValueError`` naming the first naive datetime among ``values``."""
    for name, value in values.items():
        if value.utcoffset() is None:
            raise ValueError(f"{name} must be an aware datetime, got {value!r}")
