"""Support hours: parsed from config, open or closed at an instant in the program's zone,
and when staff are next in (holidays and clock changes included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.support_hours import (
    Away,
    SupportHours,
    away,
    is_open,
    next_open,
    parse_support_hours,
)

NEW_YORK = ZoneInfo("America/New_York")
SCHOOL = parse_support_hours("Mon-Thu 08:00-16:00, Fri 08:00-13:00")


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)  # type: ignore[misc]


def test_spans_are_read_per_weekday() -> None:
    assert SCHOOL.spans[0] == (0, time(8), time(16))
    assert SCHOOL.spans[-1] == (4, time(8), time(13))
    assert len(SCHOOL.spans) == 5
    assert parse_support_hours("sat 09:00-24:00").spans == ((5, time(9), time(23, 59)),)
    assert not parse_support_hours("").known


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Mon-Fri", "expected spans"),
        ("Mon-Fri 8-16", "expected spans"),
        ("Mon-Fry 08:00-16:00", "unknown day"),
        ("Fri-Mon 08:00-16:00", "week order"),
        ("Mon 16:00-08:00", "ends before it starts"),
        ("Mon 25:00-26:00", "not a 24-hour time"),
    ],
)
def test_a_bad_span_says_what_is_expected(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_support_hours(text)


def test_open_inside_the_hours_closed_outside_and_on_holidays() -> None:
    assert is_open(SCHOOL, local(2026, 12, 1, 10, 0), NEW_YORK, ())  # a Tuesday morning
    assert not is_open(SCHOOL, local(2026, 12, 1, 23, 0), NEW_YORK, ())
    assert not is_open(SCHOOL, local(2026, 12, 4, 14, 0), NEW_YORK, ())  # Friday afternoon
    assert not is_open(SCHOOL, local(2026, 12, 5, 10, 0), NEW_YORK, ())  # Saturday
    assert not is_open(SCHOOL, local(2026, 12, 1, 10, 0), NEW_YORK, {date(2026, 12, 1)})
    # The instant is read in the program's zone: 15:00 UTC is 10:00 in New York.
    assert is_open(SCHOOL, datetime(2026, 12, 1, 15, 0, tzinfo=UTC), NEW_YORK, ())


def test_next_open_skips_nights_weekends_and_holidays() -> None:
    tuesday_night = local(2026, 12, 1, 23, 0)
    assert next_open(SCHOOL, tuesday_night, NEW_YORK, ()) == local(2026, 12, 2, 8, 0)
    friday_afternoon = local(2026, 12, 4, 14, 0)
    assert next_open(SCHOOL, friday_afternoon, NEW_YORK, ()) == local(2026, 12, 7, 8, 0)
    winter_break = {date(2026, 12, d) for d in range(21, 32)} | {date(2027, 1, 1)}
    assert next_open(SCHOOL, local(2026, 12, 18, 14), NEW_YORK, winter_break) == local(
        2027, 1, 4, 8, 0
    )
    early = local(2026, 12, 1, 6, 30)
    assert next_open(SCHOOL, early, NEW_YORK, ()) == local(2026, 12, 1, 8, 0)
    open_now = local(2026, 12, 1, 9, 0)
    assert next_open(SCHOOL, open_now, NEW_YORK, ()) == open_now


def test_across_a_clock_change_staff_are_back_at_their_wall_clock_time() -> None:
    saturday = local(2026, 3, 7, 12, 0)  # clocks spring forward on Sunday 8 March 2026
    back = next_open(SCHOOL, saturday, NEW_YORK, ())
    assert back == local(2026, 3, 9, 8, 0)
    assert back is not None and back.utcoffset() == local(2026, 3, 9, 8).utcoffset()


def test_away_says_when_staff_are_back_and_nothing_while_they_are_in() -> None:
    friday_evening = local(2026, 3, 6, 17, 30)
    assert away(SCHOOL, friday_evening, NEW_YORK, ()) == Away(local(2026, 3, 9, 8, 0))
    assert away(SCHOOL, local(2026, 3, 9, 9, 0), NEW_YORK, ()) is None
    assert away(SupportHours(), friday_evening, NEW_YORK, ()) is None
    closed = parse_support_hours("Mon 08:00-09:00")
    every_monday = {
        date(2026, 3, 9) + (date(2026, 3, 16) - date(2026, 3, 9)) * n for n in range(20)
    }
    assert away(closed, friday_evening, NEW_YORK, every_monday) == Away(None)


def test_unknown_hours_are_always_open_and_never_say_when() -> None:
    anything = local(2026, 12, 5, 3, 0)
    assert is_open(SupportHours(), anything, NEW_YORK, ())
    assert next_open(SupportHours(), anything, NEW_YORK, ()) is None


@given(st.text(max_size=80))
def test_any_text_is_hours_or_a_clear_error(text: str) -> None:
    try:
        hours = parse_support_hours(text)
    except ValueError as error:
        assert "expected" in str(error) or "day" in str(error) or "before" in str(error)
    else:
        assert all(start < end for _day, start, end in hours.spans)


# hypothesis takes naive bounds and attaches the zone itself
@given(st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1)))  # noqa: DTZ001
def test_next_open_is_never_before_now_and_is_open(at: datetime) -> None:
    back = next_open(SCHOOL, at, NEW_YORK, ())
    assert back is not None and back >= at
    assert is_open(SCHOOL, back, NEW_YORK, ())
