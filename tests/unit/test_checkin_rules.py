"""Check-in rules with fixed instants: due times per zone across DST, holidays, pauses,
the window, streaks and milestones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.services.checkin_rules import (
    Rhythm,
    due_in_week,
    local_instant,
    mentor_week,
    milestone,
    next_due,
    streak,
    week_of,
)
from storage.models import CheckinStatus

CHICAGO = ZoneInfo("America/Chicago")
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
WINDOW = timedelta(days=3)
DONE, MISSED, OPEN = CheckinStatus.DONE, CheckinStatus.MISSED, CheckinStatus.OPEN
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def rhythm(zone: ZoneInfo = CHICAGO, **changes: object) -> Rhythm:
    values: dict[str, object] = {
        "member_id": 1,
        "zone": zone,
        "weekday": 0,
        "at": time(15, 30),
        "paused_until": None,
        "joined_at": LONG_AGO,
    }
    values.update(changes)
    return Rhythm(**values)  # type: ignore[arg-type]


def test_monday_1530_in_each_zone() -> None:
    week = date(2026, 1, 5)
    assert due_in_week(week, 0, time(15, 30), CHICAGO) == datetime(2026, 1, 5, 21, 30, tzinfo=UTC)
    assert due_in_week(week, 0, time(15, 30), LONDON) == datetime(2026, 1, 5, 15, 30, tzinfo=UTC)
    assert due_in_week(week, 0, time(15, 30), TOKYO) == datetime(2026, 1, 5, 6, 30, tzinfo=UTC)


def test_the_local_time_stays_put_across_dst() -> None:
    # US clocks go forward on Sunday 2026-03-08 and back on Sunday 2026-11-01.
    before = due_in_week(date(2026, 3, 2), 0, time(15, 30), CHICAGO)
    after = due_in_week(date(2026, 3, 9), 0, time(15, 30), CHICAGO)
    assert (before.hour, after.hour) == (21, 20)
    assert after - before == timedelta(days=7) - timedelta(hours=1)
    autumn = due_in_week(date(2026, 11, 2), 0, time(15, 30), CHICAGO)
    assert autumn.astimezone(CHICAGO).time() == time(15, 30)
    # Europe changes a different week: London is one hour nearer Chicago between them.
    assert due_in_week(date(2026, 3, 9), 0, time(15, 30), LONDON).hour == 15


def test_a_time_in_the_spring_gap_moves_forward_and_a_repeated_one_is_the_first() -> None:
    gap = local_instant(date(2026, 3, 8), time(2, 30), CHICAGO)
    assert gap.astimezone(CHICAGO).time() == time(3, 30)
    twice = local_instant(date(2026, 11, 1), time(1, 30), CHICAGO)
    assert twice == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # the first 01:30, CDT


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)))
def test_week_of_is_the_monday_on_or_before(day: date) -> None:
    monday = week_of(day)
    assert monday.weekday() == 0 and 0 <= (day - monday).days < 7


def test_next_due_this_week_then_next_once_taken() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)  # a Thursday
    due = next_due(rhythm(), now, WINDOW)
    assert due is not None
    # Monday Dec 29 15:30 Chicago closed on Jan 1 21:30 UTC: still open, so it is due now.
    assert due.week == date(2025, 12, 29)
    later = next_due(rhythm(), now, WINDOW, taken={date(2025, 12, 29)})
    assert later is not None and later.at == datetime(2026, 1, 5, 21, 30, tzinfo=UTC)


def test_a_closed_week_and_one_before_joining_are_not_due() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)  # Dec 29's window closed on Jan 1
    due = next_due(rhythm(), now, WINDOW)
    assert due is not None and due.week == date(2026, 1, 5)
    joined = next_due(rhythm(joined_at=datetime(2025, 12, 31, tzinfo=UTC)), now, WINDOW)
    assert joined is not None and joined.week == date(2026, 1, 5)


def test_holidays_and_pauses_skip_that_week() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    skipped = next_due(rhythm(), now, WINDOW, holidays={date(2026, 1, 5)})
    assert skipped is not None and skipped.week == date(2026, 1, 12)
    paused = next_due(rhythm(paused_until=date(2026, 1, 13)), now, WINDOW)
    assert paused is not None and paused.week == date(2026, 1, 19)


def test_own_day_in_own_zone() -> None:
    now = datetime(2026, 1, 3, tzinfo=UTC)  # Wed Dec 31 08:00 Tokyo closed on Jan 2 23:00
    due = next_due(rhythm(TOKYO, weekday=2, at=time(8, 0)), now, WINDOW)
    assert due is not None and due.at == datetime(2026, 1, 6, 23, 0, tzinfo=UTC)  # Wed 08:00


def test_mentor_weeks() -> None:
    weeks = [date(2026, 1, 5) + timedelta(weeks=n) for n in range(4)]
    assert all(mentor_week(week, 1) for week in weeks)
    assert [mentor_week(week, 2) for week in weeks].count(True) == 2


def test_streaks() -> None:
    assert streak([]) == 0
    assert streak([DONE, DONE, MISSED, DONE]) == 2
    assert streak([OPEN, DONE, DONE, DONE]) == 3  # this week is not answered yet
    assert streak([MISSED, DONE]) == 0
    assert streak([DONE, OPEN, DONE]) == 1  # an old open one is not a completed week


def test_milestones() -> None:
    assert [n for n in range(1, 15) if milestone(n)] == [4, 8, 12]


ZONES = st.sampled_from(
    [ZoneInfo(z) for z in ("America/Chicago", "Europe/London", "Australia/Sydney", "Asia/Kolkata")]
)


@given(
    ZONES,
    st.integers(0, 6),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    # hypothesis takes naive bounds and attaches the zone itself
    st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001
        max_value=datetime(2030, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_next_due_is_on_the_day_at_the_time_and_still_open(
    zone: ZoneInfo, weekday: int, at: time, now: datetime
) -> None:
    due = next_due(rhythm(zone, weekday=weekday, at=at), now, WINDOW)
    assert due is not None and due.at + WINDOW > now
    local = due.at.astimezone(zone)
    assert local.date() == due.week + timedelta(days=weekday) and due.week.weekday() == 0
    # The wall-clock time is kept, except in a spring-forward gap, where it moves forward.
    assert local.time() == at or timedelta(0) < local - local.replace(
        hour=at.hour, minute=at.minute
    ) <= timedelta(hours=1)
    assert due.at - now < timedelta(weeks=1)
