"""bot.services.session_rules: allowed slots, clashes, weekly series, reminders, .ics files.

Every expected instant below was worked out by hand from the zone's UTC offset on that day
(the comment gives the wall time meant), never by calling the code under test.

Offsets used: New York EST -5 / EDT -4 (EDT from 2026-03-08 02:00 to 2026-11-01 02:00, both
Sundays); London GMT 0 / BST +1 (BST until 2026-10-25 01:00 UTC, a Sunday); Kolkata +5:30.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bot.errors import InvalidInput
from bot.services.session_rules import (
    PRODID,
    Busy,
    CalendarEvent,
    SlotRules,
    calendar_file,
    check_slot,
    find_conflict,
    offset_label,
    parse_hours_range,
    reminder_due_now,
    reminder_times,
    weekly_series,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")
RULES = SlotRules(allowed_start=time(7, 0), allowed_end=time(21, 0))
NOW = datetime(2026, 10, 5, 14, 0, tzinfo=UTC)  # Monday 10:00 in New York (EDT)
HOUR = timedelta(hours=1)


def utc(text: str) -> datetime:
    """An instant written in UTC: "2026-10-05 14:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ------------------------------------------------------------------------------ check_slot


@pytest.mark.parametrize(
    ("start", "duration", "says"),
    [
        (utc("2026-10-05 13:59"), HOUR, "already passed"),
        (NOW, HOUR, "already passed"),
        (utc("2026-10-05 14:14"), HOUR, "at least 15 minutes from now"),
        (utc("2026-12-04 14:01"), HOUR, "within the next 60 days"),  # 09:01 EST, 60 days + 1m
        (utc("2026-10-06 14:00"), timedelta(minutes=14), "from 15 minutes to 3 hours"),
        (utc("2026-10-06 14:00"), timedelta(hours=3, minutes=1), "from 15 minutes to 3 hours"),
        (utc("2026-10-06 14:00"), -HOUR, "from 15 minutes to 3 hours"),
        (utc("2026-10-06 10:30"), HOUR, "between 07:00 and 21:00 (America/New_York time)"),
        (utc("2026-10-06 00:30"), timedelta(minutes=31), "between 07:00 and 21:00"),  # 20:30
        (utc("2026-10-06 01:00"), timedelta(minutes=15), "between 07:00 and 21:00"),  # 21:00
    ],
)
def test_check_slot_refuses_with_what_to_do(
    start: datetime, duration: timedelta, says: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_slot(start, duration, NOW, NY, RULES)
    assert says in caught.value.message
    assert "pick" in caught.value.message


@pytest.mark.parametrize(
    ("start", "duration"),
    [
        (utc("2026-10-05 14:15"), HOUR),  # exactly 15 minutes ahead, 10:15 EDT
        (utc("2026-12-04 14:00"), HOUR),  # exactly 60 days ahead, 09:00 EST
        (utc("2026-10-06 14:00"), timedelta(minutes=15)),
        (utc("2026-10-06 14:00"), timedelta(hours=3)),
        (utc("2026-10-06 11:00"), HOUR),  # 07:00 EDT, though 11:00 UTC
        (utc("2026-10-06 00:30"), timedelta(minutes=30)),  # 20:30-21:00 EDT on Oct 5
    ],
)
def test_check_slot_allows(start: datetime, duration: timedelta) -> None:
    check_slot(start, duration, NOW, NY, RULES)


def test_allowed_hours_are_read_in_the_program_zone() -> None:
    start = utc("2026-10-06 03:00")  # 08:30 in Kolkata, 23:00 (Oct 5) in New York
    check_slot(start, HOUR, NOW, KOLKATA, RULES)
    with pytest.raises(InvalidInput, match=r"\(Asia/Kolkata time\)"):
        check_slot(start, HOUR, NOW, KOLKATA, SlotRules(time(9, 0), time(17, 0)))
    with pytest.raises(InvalidInput, match=r"\(America/New_York time\)"):
        check_slot(start, HOUR, NOW, NY, RULES)


def test_a_session_crossing_local_midnight_is_outside() -> None:
    all_day = SlotRules(allowed_start=time(0, 0), allowed_end=time(23, 59))
    start = utc("2026-10-06 03:30")  # 23:30 EDT on Oct 5
    check_slot(start, timedelta(minutes=29), NOW, NY, all_day)  # ends 23:59
    with pytest.raises(InvalidInput, match="between 00:00 and 23:59"):
        check_slot(start, HOUR, NOW, NY, all_day)  # ends 00:30 on Oct 6


def test_check_slot_wants_aware_datetimes() -> None:
    naive = datetime(2026, 10, 6, 14, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="start"):
        check_slot(naive, HOUR, NOW, NY, RULES)
    with pytest.raises(ValueError, match="now"):
        check_slot(utc("2026-10-06 14:00"), HOUR, naive, NY, RULES)


def test_slot_rules_must_make_sense() -> None:
    with pytest.raises(ValueError, match="allowed hours"):
        SlotRules(allowed_start=time(21, 0), allowed_end=time(7, 0))
    with pytest.raises(ValueError, match="max_duration"):
        SlotRules(time(7, 0), time(21, 0), min_duration=HOUR, max_duration=timedelta(minutes=30))


SLOT_RULES = [
    RULES,
    SlotRules(time(0, 0), time(23, 59)),
    SlotRules(time(15, 30), time(17, 0), min_lead=timedelta(0), max_ahead=timedelta(days=1)),
]
PROGRAM_ZONES = [NY, LONDON, KOLKATA, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")]
# Zones the inputs may be written in (st.timezones() is slow to draw from).
ANY_ZONES = st.sampled_from(
    [*PROGRAM_ZONES, ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago"), UTC]
)


@st.composite
def slot_starts(draw: st.DrawFn, now: datetime) -> datetime:
    """Mostly a start near ``now`` (in some zone), sometimes any aware datetime at all."""
    if draw(st.booleans()):
        return draw(st.datetimes(timezones=ANY_ZONES))
    ahead = draw(st.timedeltas(min_value=-timedelta(days=1), max_value=timedelta(days=61)))
    return (now + ahead).astimezone(draw(ANY_ZONES))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_check_slot_only_ever_refuses_with_invalid_input(data: st.DataObject) -> None:
    now = data.draw(
        st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=ANY_ZONES)  # noqa: DTZ001
    )
    start = data.draw(slot_starts(now))
    duration = data.draw(st.one_of(st.timedeltas(), st.timedeltas(timedelta(0), 4 * HOUR)))
    zone = data.draw(st.sampled_from(PROGRAM_ZONES))
    rules = data.draw(st.sampled_from(SLOT_RULES))
    try:
        check_slot(start, duration, now, zone, rules)
    except InvalidInput:
        return
    assert rules.min_lead <= start - now <= rules.max_ahead
    assert rules.min_duration <= duration <= rules.max_duration


# --------------------------------------------------------------------------- find_conflict

TAKEN = [
    Busy(utc("2026-10-06 18:00"), utc("2026-10-06 19:00"), "later"),
    Busy(utc("2026-10-06 16:00"), utc("2026-10-06 17:00"), "earlier"),
]


@pytest.mark.parametrize(
    ("start", "end", "clash"),
    [
        ("2026-10-06 17:00", "2026-10-06 18:00", None),  # back-to-back on both sides
        ("2026-10-06 15:00", "2026-10-06 16:00", None),
        ("2026-10-06 19:00", "2026-10-06 20:00", None),
        ("2026-10-06 16:30", "2026-10-06 17:30", "earlier"),
        ("2026-10-06 15:59", "2026-10-06 16:01", "earlier"),
        ("2026-10-06 16:15", "2026-10-06 16:45", "earlier"),  # inside
        ("2026-10-06 15:00", "2026-10-06 20:00", "earlier"),  # covers both: the earliest
        ("2026-10-06 18:59", "2026-10-06 19:30", "later"),
    ],
)
def test_find_conflict(start: str, end: str, clash: str | None) -> None:
    found = find_conflict(utc(start), utc(end), TAKEN)
    assert (found.label if found else None) == clash


def test_find_conflict_compares_instants_not_wall_clocks() -> None:
    start = datetime(2026, 10, 6, 12, 30, tzinfo=NY)  # 16:30 UTC
    found = find_conflict(start, start + HOUR, TAKEN)
    assert found is not None
    assert found.label == "earlier"
    assert find_conflict(utc("2026-10-06 16:00"), utc("2026-10-06 17:00"), []) is None


# --------------------------------------------------------------------------- weekly_series


def test_weekly_series_keeps_the_wall_clock_across_new_york_fall_back() -> None:
    first = utc("2026-10-19 20:00")  # Monday 16:00 EDT
    series = weekly_series(first, NY, weeks=4, until=None, holidays=())
    assert series.starts == (
        utc("2026-10-19 20:00"),  # 16:00 EDT
        utc("2026-10-26 20:00"),  # 16:00 EDT
        utc("2026-11-02 21:00"),  # 16:00 EST
        utc("2026-11-09 21:00"),  # 16:00 EST
    )
    assert series.skipped == ()
    assert all(start.tzinfo is UTC for start in series.starts)


def test_weekly_series_keeps_the_wall_clock_across_london_fall_back() -> None:
    first = datetime(2026, 10, 14, 17, 0, tzinfo=LONDON)  # Wednesday 17:00 BST
    series = weekly_series(first, LONDON, weeks=4, until=None, holidays=())
    assert series.starts == (
        utc("2026-10-14 16:00"),  # 17:00 BST
        utc("2026-10-21 16:00"),  # 17:00 BST
        utc("2026-10-28 17:00"),  # 17:00 GMT
        utc("2026-11-04 17:00"),  # 17:00 GMT
    )


def test_a_wall_time_in_the_spring_forward_gap_moves_forward_by_the_gap() -> None:
    first = utc("2026-03-01 07:30")  # Sunday 02:30 EST
    series = weekly_series(first, NY, weeks=3, until=None, holidays=())
    assert series.starts == (
        utc("2026-03-01 07:30"),  # 02:30 EST
        utc("2026-03-08 07:30"),  # 02:30 does not exist: 03:30 EDT
        utc("2026-03-15 06:30"),  # 02:30 EDT
    )


def test_a_repeated_wall_time_takes_its_first_occurrence() -> None:
    first = utc("2026-10-25 05:30")  # Sunday 01:30 EDT
    series = weekly_series(first, NY, weeks=3, until=None, holidays=())
    assert series.starts == (
        utc("2026-10-25 05:30"),  # 01:30 EDT
        utc("2026-11-01 05:30"),  # 01:30 happens twice; the first is EDT
        utc("2026-11-08 06:30"),  # 01:30 EST
    )


def test_a_first_start_in_the_second_repeated_hour_is_kept_as_given() -> None:
    first = utc("2026-11-01 06:30")  # 01:30 EST, the second 01:30 that night
    series = weekly_series(first, NY, weeks=2, until=None, holidays=())
    assert series.starts == (first, utc("2026-11-08 06:30"))  # then 01:30 EST


def test_holidays_are_skipped_reported_and_still_count_as_weeks() -> None:
    first = utc("2026-10-19 20:00")  # Monday 16:00 EDT
    series = weekly_series(first, NY, weeks=4, until=None, holidays={date(2026, 10, 26)})
    assert series.starts == (
        utc("2026-10-19 20:00"),
        utc("2026-11-02 21:00"),
        utc("2026-11-09 21:00"),
    )
    assert series.skipped == (date(2026, 10, 26),)


def test_holidays_are_local_dates_in_the_series_zone() -> None:
    first = utc("2026-10-20 01:00")  # Monday Oct 19, 21:00 EDT (Tuesday in UTC)
    on_monday = weekly_series(first, NY, weeks=2, until=None, holidays={date(2026, 10, 26)})
    assert on_monday.starts == (first,)
    assert on_monday.skipped == (date(2026, 10, 26),)
    on_tuesday = weekly_series(first, NY, weeks=2, until=None, holidays={date(2026, 10, 27)})
    assert on_tuesday.starts == (first, utc("2026-10-27 01:00"))
    assert on_tuesday.skipped == ()


def test_the_first_week_can_be_a_holiday_too() -> None:
    first = utc("2026-10-19 20:00")
    series = weekly_series(first, NY, weeks=1, until=None, holidays={date(2026, 10, 19)})
    assert series.starts == ()
    assert series.skipped == (date(2026, 10, 19),)


@pytest.mark.parametrize(
    ("weeks", "until", "max_weeks", "last"),
    [
        (10, "2026-11-02 21:00", 26, "2026-11-02 21:00"),  # until is inclusive (16:00 EST)
        (10, "2026-11-02 20:59", 26, "2026-10-26 20:00"),
        (2, "2026-12-31 00:00", 26, "2026-10-26 20:00"),  # weeks end first
        (None, "2026-11-09 21:00", 26, "2026-11-09 21:00"),
        (None, "2030-01-01 00:00", 26, "2027-04-12 20:00"),  # 26 weeks; EDT again
        (None, "2030-01-01 00:00", 5, "2026-11-16 21:00"),
        (26, None, 26, "2027-04-12 20:00"),
        (1, None, 26, "2026-10-19 20:00"),
        (3, "2026-10-19 19:59", 26, None),  # until before the first start: none
    ],
)
def test_weeks_until_and_max_weeks(
    weeks: int | None, until: str | None, max_weeks: int, last: str | None
) -> None:
    first = utc("2026-10-19 20:00")  # Monday 16:00 EDT
    series = weekly_series(
        first,
        NY,
        weeks=weeks,
        until=utc(until) if until else None,
        holidays=(),
        max_weeks=max_weeks,
    )
    expected_last = utc(last) if last else None
    assert (series.starts[-1] if series.starts else None) == expected_last
    assert len(series.starts) == (
        0 if expected_last is None else (expected_last - first).days // 7 + 1
    )


@pytest.mark.parametrize(("weeks", "max_weeks"), [(0, 26), (-1, 26), (27, 26), (3, 2)])
def test_weeks_out_of_range_are_refused(weeks: int, max_weeks: int) -> None:
    with pytest.raises(InvalidInput, match=f"1 to {max_weeks} weeks"):
        weekly_series(
            utc("2026-10-19 20:00"), NY, weeks=weeks, until=None, holidays=(), max_weeks=max_weeks
        )


def test_weekly_series_needs_weeks_or_until_and_aware_datetimes() -> None:
    first = utc("2026-10-19 20:00")
    with pytest.raises(ValueError, match="weeks or until"):
        weekly_series(first, NY, weeks=None, until=None, holidays=())
    with pytest.raises(ValueError, match="first_start"):
        weekly_series(first.replace(tzinfo=None), NY, weeks=2, until=None, holidays=())
    with pytest.raises(ValueError, match="until"):
        weekly_series(first, NY, weeks=2, until=first.replace(tzinfo=None), holidays=())


SERIES_ZONES = [
    NY,
    LONDON,
    KOLKATA,
    ZoneInfo("Australia/Sydney"),
    ZoneInfo("Australia/Lord_Howe"),  # half-hour clock changes
    ZoneInfo("America/Santiago"),  # clocks change at midnight
    ZoneInfo("Pacific/Chatham"),
]


@settings(max_examples=300, deadline=None)
@given(
    first_start=st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=st.just(UTC)),  # noqa: DTZ001
    zone=st.sampled_from(SERIES_ZONES),
    weeks=st.one_of(st.none(), st.integers(1, 26)),
    until_after=st.one_of(st.none(), st.timedeltas(-timedelta(days=7), timedelta(days=200))),
    holiday_days=st.sets(st.integers(0, 190), max_size=20),
)
def test_weekly_series_properties(
    first_start: datetime,
    zone: ZoneInfo,
    weeks: int | None,
    until_after: timedelta | None,
    holiday_days: set[int],
) -> None:
    if weeks is None and until_after is None:
        weeks = 26
    until = None if until_after is None else first_start + until_after
    first_local = first_start.astimezone(zone)
    holidays = {first_local.date() + timedelta(days=day) for day in holiday_days}
    series = weekly_series(first_start, zone, weeks=weeks, until=until, holidays=holidays)

    assert all(a < b for a, b in zip(series.starts, series.starts[1:], strict=False))
    assert len(series.starts) + len(series.skipped) <= (weeks or 26)
    if until is None:
        assert len(series.starts) + len(series.skipped) == weeks
    else:
        assert all(start <= until for start in series.starts)
    assert set(series.skipped) <= holidays
    wall = first_local.time()
    for start in series.starts:
        assert start.tzinfo is UTC
        local = start.astimezone(zone)
        assert local.date() not in holidays
        if local.time() != wall:  # only where the wall time does not exist that day
            meant = datetime.combine(local.date(), wall, tzinfo=zone)
            round_trip = meant.astimezone(UTC).astimezone(zone)
            assert round_trip.replace(tzinfo=None) != meant.replace(tzinfo=None)
            assert start == meant.astimezone(UTC)  # moved forward by the gap


# ------------------------------------------------------------------------------- reminders

START = utc("2026-10-06 20:00")
DAY, QUARTER = timedelta(hours=24), timedelta(minutes=15)


def test_reminder_times_are_sorted_by_time_and_distinct() -> None:
    assert reminder_times(START, [QUARTER, DAY, QUARTER]) == [
        (DAY, utc("2026-10-05 20:00")),
        (QUARTER, utc("2026-10-06 19:45")),
    ]
    assert reminder_times(START, []) == []


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (utc("2026-10-06 19:44"), False),  # before its moment: the scheduler will fire it
        (utc("2026-10-06 19:45"), True),  # exactly at its moment
        (utc("2026-10-06 19:59"), True),  # missed while down, session still ahead: send
        (utc("2026-10-06 20:00"), False),  # exactly at the start: too late
        (utc("2026-10-06 21:00"), False),  # after the start: skip
    ],
)
def test_reminder_due_now(now: datetime, due: bool) -> None:
    assert reminder_due_now(utc("2026-10-06 19:45"), START, now) is due


def test_reminders_want_aware_datetimes() -> None:
    with pytest.raises(ValueError, match="start"):
        reminder_times(START.replace(tzinfo=None), [QUARTER])
    with pytest.raises(ValueError, match="now"):
        reminder_due_now(START - QUARTER, START, START.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("offset", "label"),
    [
        (DAY, "24h"),
        (QUARTER, "15m"),
        (timedelta(minutes=90), "1h30m"),
        (HOUR, "1h"),
        (timedelta(minutes=1), "1m"),
        (timedelta(days=7, minutes=5), "168h5m"),
    ],
)
def test_offset_label(offset: timedelta, label: str) -> None:
    assert offset_label(offset) == label


@pytest.mark.parametrize(
    "offset", [timedelta(0), -QUARTER, timedelta(seconds=30), timedelta(seconds=90)]
)
def test_offset_label_wants_positive_whole_minutes(offset: timedelta) -> None:
    with pytest.raises(ValueError, match="whole number of minutes"):
        offset_label(offset)


# --------------------------------------------------------------------------- calendar_file


def test_calendar_file_round_trip() -> None:
    events = [
        CalendarEvent(
            uid="session-1@bridges",
            start=utc("2026-10-26 20:00"),  # 16:00 EDT
            end=utc("2026-10-26 21:00"),
            summary="Mentoring session: algebra",
            location="Voice channel #pair-3",
            description="Planned with Bridges; bring questions, notes\nand a pencil.",
        ),
        CalendarEvent(
            uid="session-2@bridges",
            start=utc("2026-11-02 21:00"),  # 16:00 EST
            end=utc("2026-11-02 22:30"),
            summary="Mentoring session",
            location="Library, room 2",
            description="Planned with Bridges.",
        ),
    ]
    data = calendar_file(events, NY, now=datetime(2026, 10, 5, 10, 0, tzinfo=NY))

    calendar = Calendar.from_ical(data)
    assert str(calendar["PRODID"]) == PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert [tz.tz_name for tz in calendar.timezones] == ["America/New_York"]
    parsed = calendar.events
    assert len(parsed) == 2
    for event, expected in zip(parsed, events, strict=True):
        assert str(event["UID"]) == expected.uid
        assert event.start == expected.start
        assert event.end == expected.end
        assert event["DTSTART"].params["TZID"] == "America/New_York"
        assert event["DTEND"].params["TZID"] == "America/New_York"
        assert event.stamp == utc("2026-10-05 14:00")
        assert str(event["SUMMARY"]) == expected.summary
        assert str(event["LOCATION"]) == expected.location
        assert str(event["DESCRIPTION"]) == expected.description
    assert b"DTSTAMP:20261005T140000Z" in data
    assert b"DTSTART;TZID=America/New_York:20261026T160000" in data  # wall clock, EDT
    assert b"DTSTART;TZID=America/New_York:20261102T160000" in data  # wall clock, EST


def test_calendar_file_without_events_still_holds_the_time_zone() -> None:
    calendar = Calendar.from_ical(calendar_file([], LONDON, now=NOW))
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/London"]
    assert calendar.events == []


def test_calendar_file_wants_aware_datetimes() -> None:
    with pytest.raises(ValueError, match="now"):
        calendar_file([], NY, now=NOW.replace(tzinfo=None))


# ------------------------------------------------------------------------ parse_hours_range


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("07:00-21:00", (time(7, 0), time(21, 0))),
        (" 7:00 - 21:00 ", (time(7, 0), time(21, 0))),
        ("09:30–17:45", (time(9, 30), time(17, 45))),  # en dash
        ("06:00-24:00", (time(6, 0), time(23, 59))),
    ],
)
def test_parse_hours_range(text: str, hours: tuple[time, time]) -> None:
    assert parse_hours_range(text) == hours


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("21:00-07:00", "end must be after the start"),
        ("07:00-07:00", "end must be after the start"),
        ("7-21", "HH:MM-HH:MM"),
        ("25:00-26:00", "HH:MM-HH:MM"),
        ("07:00-24:30", "HH:MM-HH:MM"),
        ("", "HH:MM-HH:MM"),
    ],
)
def test_parse_hours_range_refuses(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_hours_range(text)
