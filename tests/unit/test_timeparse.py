"""bot.timeparse: what people type -> the instant they meant, or a friendly InvalidInput.

Every expected instant below was worked out by hand from the zone's UTC offset on that day
(the comment gives the wall time the person meant), never by calling the parser.

Offsets used: New York EST -5 / EDT -4 (EDT from 2026-03-08 02:00 to 2026-11-01 02:00);
Los Angeles PST -8 / PDT -7 and Chicago CST -6 / CDT -5 on the same days; London GMT 0 /
BST +1 and Berlin CET +1 / CEST +2 (summer time from 2026-03-29 to 2026-10-25, 01:00 UTC);
Kolkata +5:30; Sydney AEDT +11 until 2026-04-05 03:00, then AEST +10; Auckland NZDT +13
until 2026-04-05 03:00, NZST +12 from then until 2026-09-27 02:00.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.timeparse import parse_when, resolve_zone
from bot.timeparse.spanish import to_english

NY = "America/New_York"
LA = "America/Los_Angeles"
CHICAGO = "America/Chicago"
LONDON = "Europe/London"
BERLIN = "Europe/Berlin"
KOLKATA = "Asia/Kolkata"
SYDNEY = "Australia/Sydney"
AUCKLAND = "Pacific/Auckland"

# A message "includes an example": a quoted phrase after "Try" or "like".
EXAMPLE = re.compile(r'(Try|like) "[^"]+"')


def local(zone: str, wall: str) -> datetime:
    """The instant a wall clock in ``zone`` shows ``wall`` ("2026-10-30 12:00")."""
    return datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(zone))


def utc(wall: str) -> datetime:
    return datetime.fromisoformat(wall).replace(tzinfo=UTC)


# (zone, now on the person's wall clock, what they typed, expected instant in UTC)
CORPUS: list[tuple[str, str, str, str]] = [
    # New York, Friday 2026-10-30 12:00 EDT; clocks go back on Sunday 11-01.
    (NY, "2026-10-30 12:00", "tomorrow 4pm", "2026-10-31 20:00"),  # Sat 16:00 EDT
    (NY, "2026-10-30 12:00", "next friday at 3:30", "2026-11-06 20:30"),  # 15:30 EST
    (NY, "2026-10-30 12:00", "in 2 weeks at 4pm", "2026-11-13 21:00"),  # 16:00 EST
    (NY, "2026-10-30 12:00", "dec 3 10am", "2026-12-03 15:00"),  # 10:00 EST
    (NY, "2026-10-30 12:00", "december 3rd at 10am", "2026-12-03 15:00"),
    (NY, "2026-10-30 12:00", "2026-12-03 16:00", "2026-12-03 21:00"),  # ISO, 16:00 EST
    (NY, "2026-10-30 12:00", "monday 4pm", "2026-11-02 21:00"),  # EST now: 21:00, not 20:00
    (NY, "2026-10-30 12:00", "mon 9:15am", "2026-11-02 14:15"),
    (NY, "2026-10-30 12:00", "4pm on wednesday", "2026-11-04 21:00"),
    (NY, "2026-10-30 12:00", "thurs 4pm", "2026-11-05 21:00"),
    (NY, "2026-10-30 12:00", "saturday 9am", "2026-10-31 13:00"),  # still EDT
    (NY, "2026-10-30 12:00", "saturday at 10", "2026-10-31 14:00"),  # 10am EDT
    (NY, "2026-10-30 12:00", "sunday 9am", "2026-11-01 14:00"),  # after the change: EST
    (NY, "2026-10-30 12:00", "sunday 12:30am", "2026-11-01 04:30"),  # before it: EDT
    (NY, "2026-10-30 12:00", "sunday 2:30am", "2026-11-01 07:30"),  # once only, EST
    (NY, "2026-10-30 12:00", "friday 3pm", "2026-10-30 19:00"),  # today, still ahead
    (NY, "2026-10-30 12:00", "friday 11am", "2026-11-06 16:00"),  # passed: next week, EST
    (NY, "2026-10-30 12:00", "4pm", "2026-10-30 20:00"),
    (NY, "2026-10-30 12:00", "11am", "2026-10-31 15:00"),  # passed today: tomorrow
    (NY, "2026-10-30 12:00", "noon", "2026-10-31 16:00"),  # it is noon now: tomorrow's
    (NY, "2026-10-30 12:00", "noon tomorrow", "2026-10-31 16:00"),
    (NY, "2026-10-30 12:00", "tonight at 8", "2026-10-31 00:00"),  # 20:00 EDT
    (NY, "2026-10-30 12:00", "midnight", "2026-10-31 04:00"),  # 00:00 EDT Saturday
    (NY, "2026-10-30 12:00", "in 45 minutes", "2026-10-30 16:45"),
    (NY, "2026-10-30 12:00", "in 3 hours", "2026-10-30 19:00"),
    (NY, "2026-10-30 12:00", "in an hour", "2026-10-30 17:00"),
    (NY, "2026-10-30 12:00", "in 1h 30m", "2026-10-30 17:30"),
    (NY, "2026-10-30 12:00", "half an hour", "2026-10-30 16:30"),
    (NY, "2026-10-30 12:00", "16:30", "2026-10-30 20:30"),
    (NY, "2026-10-30 12:00", "4:30 pm", "2026-10-30 20:30"),
    (NY, "2026-10-30 12:00", "4 p.m.", "2026-10-30 20:00"),
    (NY, "2026-10-30 12:00", "at 5", "2026-10-30 21:00"),  # 1-6 without am/pm: pm
    (NY, "2026-10-30 12:00", "tomorrow evening at 7", "2026-10-31 23:00"),  # 19:00 EDT
    (NY, "2026-10-30 12:00", "tmrw 9:15am", "2026-10-31 13:15"),
    (NY, "2026-10-30 12:00", "Tomorrow   4PM ", "2026-10-31 20:00"),
    (NY, "2026-10-30 12:00", "12/13 10am", "2026-12-13 15:00"),  # only one reading
    (NY, "2026-10-30 12:00", "2026-12-03T16:00", "2026-12-03 21:00"),
    # New York, Saturday 2026-10-31 12:00 EDT: the day before the clocks go back.
    (NY, "2026-10-31 12:00", "in 24 hours", "2026-11-01 16:00"),  # 24 real hours (11:00 EST)
    (NY, "2026-10-31 12:00", "tomorrow noon", "2026-11-01 17:00"),  # 12:00 EST, 25 h on
    # New York, Saturday 2026-03-07 12:00 EST: the day before the clocks go forward.
    (NY, "2026-03-07 12:00", "in 24 hours", "2026-03-08 17:00"),  # 13:00 EDT
    (NY, "2026-03-07 12:00", "tomorrow noon", "2026-03-08 16:00"),  # 12:00 EDT, 23 h on
    (NY, "2026-03-07 12:00", "monday 9am", "2026-03-09 13:00"),
    (NY, "2026-03-07 12:00", "tomorrow 1:30am", "2026-03-08 06:30"),  # still EST
    (NY, "2026-03-07 12:00", "tomorrow 3:30am", "2026-03-08 07:30"),  # already EDT
    # New York, month and year ends (dateparser alone gets these wrong).
    (NY, "2026-12-31 20:00", "9am", "2027-01-01 14:00"),
    (NY, "2026-12-31 20:00", "tomorrow 4pm", "2027-01-01 21:00"),
    (NY, "2026-04-30 13:00", "noon", "2026-05-01 16:00"),
    (NY, "2026-04-30 13:00", "midnight", "2026-05-01 04:00"),
    (NY, "2026-12-03 11:00", "dec 3 10am", "2027-12-03 15:00"),  # passed: next year
    # Los Angeles around both changes.
    (LA, "2026-10-30 09:00", "monday 4pm", "2026-11-03 00:00"),  # 16:00 PST
    (LA, "2026-10-30 09:00", "tomorrow 4pm", "2026-10-31 23:00"),  # 16:00 PDT
    (LA, "2026-10-30 09:00", "in 3 days at 9am", "2026-11-02 17:00"),  # 09:00 PST
    (LA, "2026-03-06 18:00", "sunday 10am", "2026-03-08 17:00"),  # 10:00 PDT
    (LA, "2026-03-06 18:00", "in 48 hours", "2026-03-09 02:00"),  # now is 03-07 02:00 UTC
    # Chicago, Wednesday 2026-06-10 09:00 CDT.
    (CHICAGO, "2026-06-10 09:00", "friday 3pm", "2026-06-12 20:00"),
    (CHICAGO, "2026-06-10 09:00", "next monday 10am", "2026-06-15 15:00"),
    (CHICAGO, "2026-06-10 09:00", "in 2 weeks at 4pm", "2026-06-24 21:00"),
    (CHICAGO, "2026-06-10 09:00", "today 5pm", "2026-06-10 22:00"),
    (CHICAGO, "2026-06-10 09:00", "wednesday 10am", "2026-06-10 15:00"),  # later today
    (CHICAGO, "2026-06-10 09:00", "wednesday 8am", "2026-06-17 13:00"),  # passed: a week on
    # London, Friday 2026-03-27 12:00 GMT; clocks go forward on Sunday 03-29.
    (LONDON, "2026-03-27 12:00", "monday 4pm", "2026-03-30 15:00"),  # 16:00 BST
    (LONDON, "2026-03-27 12:00", "tomorrow 4pm", "2026-03-28 16:00"),  # 16:00 GMT
    (LONDON, "2026-03-27 12:00", "sunday 12pm", "2026-03-29 11:00"),  # noon BST
    (LONDON, "2026-03-27 12:00", "in 48 hours", "2026-03-29 12:00"),  # 13:00 BST
    # London, Friday 2026-10-23 12:00 BST; clocks go back on Sunday 10-25.
    (LONDON, "2026-10-23 12:00", "monday 9am", "2026-10-26 09:00"),  # 09:00 GMT
    (LONDON, "2026-10-23 12:00", "sunday 10am", "2026-10-25 10:00"),
    (LONDON, "2026-10-23 12:00", "in 2 days at 9am", "2026-10-25 09:00"),
    (LONDON, "2026-10-23 12:00", "in 72 hours", "2026-10-26 11:00"),  # now is 11:00 UTC
    # Berlin, Wednesday 2026-06-10 09:00 CEST.
    (BERLIN, "2026-06-10 09:00", "18:00", "2026-06-10 16:00"),
    (BERLIN, "2026-06-10 09:00", "tomorrow at 7:30", "2026-06-11 05:30"),  # 7-12: as written
    (BERLIN, "2026-06-10 09:00", "3 dec 10am", "2026-12-03 09:00"),  # 10:00 CET
    (BERLIN, "2026-06-10 09:00", "thursday 08:00", "2026-06-11 06:00"),
    # Kolkata, Wednesday 2026-06-10 09:00 IST.
    (KOLKATA, "2026-06-10 09:00", "4pm", "2026-06-10 10:30"),
    (KOLKATA, "2026-06-10 09:00", "friday at 5:45pm", "2026-06-12 12:15"),
    (KOLKATA, "2026-06-10 09:00", "in 90 minutes", "2026-06-10 05:00"),
    (KOLKATA, "2026-06-10 09:00", "tomorrow 9am", "2026-06-11 03:30"),
    # Sydney, Thursday 2026-04-02 10:00 AEDT; daylight saving ends Sunday 04-05.
    (SYDNEY, "2026-04-02 10:00", "monday 4pm", "2026-04-06 06:00"),  # 16:00 AEST
    (SYDNEY, "2026-04-02 10:00", "tomorrow 4pm", "2026-04-03 05:00"),  # 16:00 AEDT
    # Auckland, Saturday 2026-09-26 10:00 NZST; daylight saving starts Sunday 09-27.
    (AUCKLAND, "2026-09-26 10:00", "monday 9am", "2026-09-27 20:00"),  # 09:00 NZDT
    (AUCKLAND, "2026-09-26 10:00", "tomorrow noon", "2026-09-26 23:00"),  # 12:00 NZDT
    (AUCKLAND, "2026-09-26 10:00", "in 24 hours", "2026-09-26 22:00"),  # now 09-25 22:00
]


@pytest.mark.parametrize(
    ("zone", "now", "text", "expected"),
    [pytest.param(*row, id=f"{row[0]}|{row[1]}|{row[2]}") for row in CORPUS],
)
def test_corpus(zone: str, now: str, text: str, expected: str) -> None:
    result = parse_when(text, zone, local(zone, now))
    assert result == utc(expected)
    assert result.tzinfo is UTC


def test_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 50
    assert {row[0] for row in CORPUS} >= {NY, LA, CHICAGO, LONDON, BERLIN, KOLKATA, SYDNEY}


def test_accepts_a_zoneinfo_and_any_zone_for_now() -> None:
    now_in_tokyo = local("Asia/Tokyo", "2026-10-31 01:00")  # = Friday 12:00 in New York
    assert parse_when("tomorrow 4pm", ZoneInfo(NY), now_in_tokyo) == utc("2026-10-31 20:00")


@pytest.mark.parametrize(
    ("zone", "now", "hours"),
    [
        (NY, "2026-10-31 12:00", 24),
        (NY, "2026-03-07 23:30", 3),
        (LA, "2026-11-01 00:30", 2),
        (LONDON, "2026-03-28 23:00", 5),
        (LONDON, "2026-10-24 22:00", 6),
        (AUCKLAND, "2026-09-26 20:00", 12),
    ],
)
def test_hours_across_a_clock_change_are_real_hours(zone: str, now: str, hours: int) -> None:
    start = local(zone, now)
    # start + timedelta(hours=...) would move start's wall clock; an instant moves in UTC.
    assert parse_when(f"in {hours} hours", zone, start) == start.astimezone(UTC) + timedelta(
        hours=hours
    )


@pytest.mark.parametrize(
    ("zone", "now", "text"),
    [
        (NY, "2026-03-07 12:00", "2026-03-08 2:30am"),
        (NY, "2026-03-07 12:00", "tomorrow 2:30am"),
        (LA, "2026-03-06 18:00", "sunday 2:15am"),
        (LONDON, "2026-03-27 12:00", "sunday 1:30am"),
        (AUCKLAND, "2026-09-26 10:00", "sunday 2:30am"),
    ],
)
def test_a_time_skipped_by_the_clock_change_is_refused(zone: str, now: str, text: str) -> None:
    with pytest.raises(InvalidInput, match="doesn't exist") as caught:
        parse_when(text, zone, local(zone, now))
    assert "clocks jump forward" in caught.value.message
    assert re.search(r"like [0-9]{1,2}:[0-9]{2} [AP]M", caught.value.message)


@pytest.mark.parametrize(
    ("zone", "now", "text"),
    [
        (NY, "2026-10-30 12:00", "2026-11-01 1:30am"),
        (NY, "2026-10-30 12:00", "sunday 1:30am"),
        (NY, "2026-10-31 12:00", "tomorrow 1:30am"),
        (LONDON, "2026-10-23 12:00", "sunday 1:30am"),
        (SYDNEY, "2026-04-02 10:00", "sunday 2:30am"),
    ],
)
def test_a_time_that_happens_twice_is_refused(zone: str, now: str, text: str) -> None:
    with pytest.raises(InvalidInput, match="happens twice") as caught:
        parse_when(text, zone, local(zone, now))
    assert "clocks go back" in caught.value.message
    assert re.search(r"like [0-9]{1,2}:[0-9]{2} [AP]M", caught.value.message)


NOW_NY = local(NY, "2026-10-30 12:00")  # a Friday


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Tell me"),
        ("   ", "Tell me"),
        ("asdfgh", "couldn't tell"),
        ("Mars time", "couldn't tell"),
        ("next week friday 4pm", "couldn't tell"),
        ("yesterday 4pm", "already passed"),
        ("today 11am", "already passed"),
        ("2 hours ago", "already passed"),
        ("in 0 minutes", "already passed"),
        ("2025-06-01 10:00", "already passed"),
        ("friday", "Add a time"),
        ("tomorrow", "Add a time"),
        ("tonight", "Add a time"),
        ("tomorrow morning", "Add a time"),
        ("in 3 days", "Add a time"),
        ("2026-12-03", "Add a time"),
        ("tomorrow 4pm " + "x" * 90, "too long"),
        ("in 2 years at 4pm", "more than a year"),
        ("in 100000000 hours", "more than a year"),
        ("2027-12-03 10:00", "more than a year"),
        ("4pm EST", "Leave out the time zone"),
        ("tomorrow 16:00 +0100", "Leave out the time zone"),
        ("3/12 10am", "could be March 12 or December 3"),
        ("friday midnight", "Midnight"),
    ],
)
def test_bad_input_gets_a_friendly_message(text: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_when(text, NY, NOW_NY)
    assert says in caught.value.message
    assert EXAMPLE.search(caught.value.message), caught.value.message


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "   ", "../etc/passwd"])
def test_unknown_zone_in_parse_when(zone: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_when("tomorrow 4pm", zone, NOW_NY)
    assert "Unknown time zone" in caught.value.message
    assert "America/New_York" in caught.value.message
    assert "/timezone set" in caught.value.message


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("tomorrow 4pm", NY, datetime(2026, 10, 30, 12, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("America/New_York", "America/New_York"),
        ("  europe/london ", "Europe/London"),
        ("ASIA/KOLKATA", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_resolve_zone_accepts_iana_names(name: str, key: str) -> None:
    assert resolve_zone(name).key == key


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "Mars/Olympus",
        "../etc/passwd",
        "/etc/localtime",
        "/usr/share/zoneinfo/UTC",
        "localtime",
        "America/../Europe/London",
        "America",  # a directory of zones, not a zone
        "America/New_York\x00",
        "Europe\\London",
        "x" * 200,
        "EST5EDT,M3.2.0,M11.1.0",
    ],
)
def test_resolve_zone_refuses_everything_else(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        resolve_zone(name)
    message = caught.value.message
    assert "Unknown time zone" in message
    assert "America/New_York" in message and "Europe/London" in message
    assert len(message) < 200


# Property tests -----------------------------------------------------------------------------

ZONES = sorted(available_timezones() - {"Factory", "localtime"})
SOME_ZONES = [NY, LA, CHICAGO, LONDON, BERLIN, KOLKATA, SYDNEY, AUCKLAND, "UTC"]
# hypothesis wants naive bounds; timezones= makes the drawn datetimes aware (UTC).
NOWS = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
DATE_WORDS = (
    "in at on next this last tomorrow today tonight yesterday noon midnight morning "
    "evening friday mon tue sat sunday dec december 3 3rd 12 1 2:30 16:30 4pm 10am 4 pm "
    "a.m. hours hour minutes 90 2 weeks days ago from now and , / - 2026 2026-03-08 "
    "est utc +0100 half an 0 99 0:00 23:59 24:00"
)
WORDS = st.sampled_from(DATE_WORDS.split())


def _future_utc_or_invalid(text: str, zone: str, now: datetime) -> None:
    try:
        result = parse_when(text, zone, now)
    except InvalidInput as error:
        assert error.message
        return
    assert result.tzinfo is UTC
    assert result > now


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=120), zone=st.sampled_from(SOME_ZONES), now=NOWS)
def test_any_text_is_a_future_instant_or_invalid_input(text: str, zone: str, now: datetime) -> None:
    _future_utc_or_invalid(text, zone, now)


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(WORDS, min_size=1, max_size=6),
    zone=st.sampled_from(SOME_ZONES),
    now=NOWS,
)
def test_any_mix_of_date_words_is_a_future_instant_or_invalid_input(
    words: list[str], zone: str, now: datetime
) -> None:
    _future_utc_or_invalid(" ".join(words), zone, now)


@settings(max_examples=200, deadline=None)
@given(minutes=st.integers(1, 100_000), zone=st.sampled_from(ZONES), now=NOWS)
def test_in_n_minutes_is_exactly_n_minutes_later(minutes: int, zone: str, now: datetime) -> None:
    assert parse_when(f"in {minutes} minutes", zone, now) == now + timedelta(minutes=minutes)


# Spanish -------------------------------------------------------------------------------------
#
# Offsets: Madrid CET +1 / CEST +2 (summer time from 2026-03-29 to 2026-10-25, 01:00 UTC);
# Mexico City -6 all year (Mexico dropped summer time in October 2022: before, it would
# have started on 2026-04-05 and ended on 2026-10-25); Bogotá -5 all year; New York as above.

MADRID = "Europe/Madrid"
MEXICO = "America/Mexico_City"
BOGOTA = "America/Bogota"

SPANISH: list[tuple[str, str, str, str]] = [
    # New York, Friday 2026-10-30 12:00 EDT; clocks go back on Sunday 11-01.
    (NY, "2026-10-30 12:00", "mañana a las 4 de la tarde", "2026-10-31 20:00"),  # 16:00 EDT
    (NY, "2026-10-30 12:00", "manana a las 4 de la tarde", "2026-10-31 20:00"),  # no tilde
    (NY, "2026-10-30 12:00", "Mañana a las 4 de la Tarde", "2026-10-31 20:00"),
    (NY, "2026-10-30 12:00", "mañana a las cuatro de la tarde", "2026-10-31 20:00"),
    (NY, "2026-10-30 12:00", "mañana por la tarde a las 4", "2026-10-31 20:00"),  # es-ES
    (NY, "2026-10-30 12:00", "mañana en la tarde a las 4", "2026-10-31 20:00"),  # es-419
    (NY, "2026-10-30 12:00", "mañana a las 4pm", "2026-10-31 20:00"),
    (NY, "2026-10-30 12:00", "mañana a las 4 p. m.", "2026-10-31 20:00"),
    (NY, "2026-10-30 12:00", "el próximo viernes a las 3:30", "2026-11-06 20:30"),  # 15:30 EST
    (NY, "2026-10-30 12:00", "el proximo viernes a las 3:30", "2026-11-06 20:30"),
    (NY, "2026-10-30 12:00", "el viernes que viene a las 5", "2026-11-06 22:00"),  # 17:00 EST
    (NY, "2026-10-30 12:00", "el próximo viernes a las 5", "2026-11-06 22:00"),
    (NY, "2026-10-30 12:00", "este viernes a las 5", "2026-10-30 21:00"),  # today, 17:00 EDT
    (NY, "2026-10-30 12:00", "el viernes a las 11", "2026-11-06 16:00"),  # passed: next week
    (NY, "2026-10-30 12:00", "el lunes a las 4", "2026-11-02 21:00"),  # 16:00 EST
    (NY, "2026-10-30 12:00", "el martes a las 16:30", "2026-11-03 21:30"),
    (NY, "2026-10-30 12:00", "el miércoles a las 3 y cuarto", "2026-11-04 20:15"),
    (NY, "2026-10-30 12:00", "el miercoles a las 3 y media", "2026-11-04 20:30"),
    (NY, "2026-10-30 12:00", "el jueves a las 5 menos cuarto", "2026-11-05 21:45"),
    (NY, "2026-10-30 12:00", "el jueves sobre las 5", "2026-11-05 22:00"),
    (NY, "2026-10-30 12:00", "el sábado a las 10", "2026-10-31 14:00"),  # 10:00 EDT
    (NY, "2026-10-30 12:00", "el sabado a las 10", "2026-10-31 14:00"),
    (NY, "2026-10-30 12:00", "sáb 10:00", "2026-10-31 14:00"),
    (NY, "2026-10-30 12:00", "el domingo a las 9 de la mañana", "2026-11-01 14:00"),  # EST
    (NY, "2026-10-30 12:00", "el domingo a las 12:30 de la madrugada", "2026-11-01 04:30"),
    (NY, "2026-10-30 12:00", "pasado mañana a las 10", "2026-11-01 15:00"),  # 10:00 EST
    (NY, "2026-10-30 12:00", "hoy a las 18h", "2026-10-30 22:00"),
    (NY, "2026-10-30 12:00", "hoy a las 18 hs", "2026-10-30 22:00"),
    (NY, "2026-10-30 12:00", "hoy a las 18 horas", "2026-10-30 22:00"),
    (NY, "2026-10-30 12:00", "hoy 16h30", "2026-10-30 20:30"),  # es-ES
    (NY, "2026-10-30 12:00", "hoy a las 16.30", "2026-10-30 20:30"),  # es-ES
    (NY, "2026-10-30 12:00", "esta tarde a las 5", "2026-10-30 21:00"),
    (NY, "2026-10-30 12:00", "esta noche a las 8", "2026-10-31 00:00"),  # 20:00 EDT
    (NY, "2026-10-30 12:00", "a las 8 de la noche", "2026-10-31 00:00"),
    (NY, "2026-10-30 12:00", "a la una", "2026-10-30 17:00"),  # 1-6 without am/pm: pm
    (NY, "2026-10-30 12:00", "a la una menos cuarto", "2026-10-30 16:45"),  # 12:45
    (NY, "2026-10-30 12:00", "a las 5", "2026-10-30 21:00"),
    (NY, "2026-10-30 12:00", "a las 4 en punto", "2026-10-30 20:00"),
    (NY, "2026-10-30 12:00", "a medianoche", "2026-10-31 04:00"),  # 00:00 EDT Saturday
    (NY, "2026-10-30 12:00", "a las 12 de la noche", "2026-10-31 04:00"),  # midnight
    (NY, "2026-10-30 12:00", "mañana al mediodía", "2026-10-31 16:00"),
    (NY, "2026-10-30 12:00", "mañana a las 12 del mediodía", "2026-10-31 16:00"),
    (NY, "2026-10-30 12:00", "el 3 de diciembre a las 10", "2026-12-03 15:00"),  # 10:00 EST
    (NY, "2026-10-30 12:00", "3 de dic a las 10 de la mañana", "2026-12-03 15:00"),
    (NY, "2026-10-30 12:00", "el jueves 3 de diciembre a las 10", "2026-12-03 15:00"),
    (NY, "2026-10-30 12:00", "el 1º de diciembre a las 10", "2026-12-01 15:00"),
    (NY, "2026-10-30 12:00", "primero de diciembre a las 10", "2026-12-01 15:00"),
    (NY, "2026-10-30 12:00", "diciembre 3 a las 10", "2026-12-03 15:00"),
    (NY, "2026-10-30 12:00", "el 25/12 a las 10", "2026-12-25 15:00"),  # only one reading
    (NY, "2026-10-30 12:00", "en 2 horas", "2026-10-30 18:00"),
    (NY, "2026-10-30 12:00", "en dos horas", "2026-10-30 18:00"),
    (NY, "2026-10-30 12:00", "dentro de 90 minutos", "2026-10-30 17:30"),
    (NY, "2026-10-30 12:00", "en media hora", "2026-10-30 16:30"),
    (NY, "2026-10-30 12:00", "en un cuarto de hora", "2026-10-30 16:15"),
    (NY, "2026-10-30 12:00", "en una hora y media", "2026-10-30 17:30"),
    (NY, "2026-10-30 12:00", "en 1 h 30 min", "2026-10-30 17:30"),
    (NY, "2026-10-30 12:00", "en 2 horas y 15 minutos", "2026-10-30 18:15"),
    (NY, "2026-10-30 12:00", "en 2 semanas a las 4", "2026-11-13 21:00"),  # 16:00 EST
    (NY, "2026-10-30 12:00", "dentro de 3 días a las 9 de la mañana", "2026-11-02 14:00"),
    # New York, Saturday 2026-10-31 12:00 EDT: the day before the clocks go back.
    (NY, "2026-10-31 12:00", "en 24 horas", "2026-11-01 16:00"),  # 24 real hours
    (NY, "2026-10-31 12:00", "mañana al mediodía", "2026-11-01 17:00"),  # 12:00 EST
    # New York, Saturday 2026-03-07 12:00 EST: the day before the clocks go forward.
    (NY, "2026-03-07 12:00", "en 24 horas", "2026-03-08 17:00"),
    (NY, "2026-03-07 12:00", "mañana al mediodía", "2026-03-08 16:00"),  # 12:00 EDT
    (NY, "2026-03-07 12:00", "mañana a la 1:30 de la madrugada", "2026-03-08 06:30"),  # EST
    (NY, "2026-03-07 12:00", "mañana a las 3:30 de la madrugada", "2026-03-08 07:30"),  # EDT
    # Madrid, Friday 2026-10-23 12:00 CEST; clocks go back on Sunday 10-25.
    (MADRID, "2026-10-23 12:00", "mañana a las 4 de la tarde", "2026-10-24 14:00"),  # CEST
    (MADRID, "2026-10-23 12:00", "el lunes a las 9", "2026-10-26 08:00"),  # 09:00 CET
    (MADRID, "2026-10-23 12:00", "el domingo a las 10", "2026-10-25 09:00"),  # CET
    (MADRID, "2026-10-23 12:00", "pasado mañana a las 9 de la mañana", "2026-10-25 08:00"),
    (MADRID, "2026-10-23 12:00", "en 72 horas", "2026-10-26 10:00"),  # now is 10:00 UTC
    (MADRID, "2026-10-23 12:00", "el martes a las 17 horas", "2026-10-27 16:00"),
    # Madrid, Friday 2026-03-27 12:00 CET; clocks go forward on Sunday 03-29.
    (MADRID, "2026-03-27 12:00", "el lunes a las 16:30", "2026-03-30 14:30"),  # CEST
    (MADRID, "2026-03-27 12:00", "mañana a las 5", "2026-03-28 16:00"),  # 17:00 CET
    (MADRID, "2026-03-27 12:00", "el domingo al mediodía", "2026-03-29 10:00"),  # CEST
    (MADRID, "2026-03-27 12:00", "hoy a las 18h", "2026-03-27 17:00"),
    (MADRID, "2026-03-27 12:00", "en 48 horas", "2026-03-29 11:00"),  # 13:00 CEST
    # Mexico City, Friday 2026-04-03 12:00 (-6): no clock change since 2022.
    (MEXICO, "2026-04-03 12:00", "el domingo a las 2:30 de la madrugada", "2026-04-05 08:30"),
    (MEXICO, "2026-04-03 12:00", "el lunes a las 4 de la tarde", "2026-04-06 22:00"),
    (MEXICO, "2026-04-03 12:00", "en 48 horas", "2026-04-05 18:00"),
    (MEXICO, "2026-10-23 12:00", "el domingo a la 1:30 de la madrugada", "2026-10-25 07:30"),
    (MEXICO, "2026-10-23 12:00", "el domingo a las 4 de la tarde", "2026-10-25 22:00"),
    # Bogotá, Wednesday 2026-06-10 09:00 (-5).
    (BOGOTA, "2026-06-10 09:00", "el viernes a las 3 y media", "2026-06-12 20:30"),
    (BOGOTA, "2026-06-10 09:00", "el 3 de diciembre a las 10", "2026-12-03 15:00"),
    (BOGOTA, "2026-06-10 09:00", "dentro de 2 semanas a las 4", "2026-06-24 21:00"),
    (BOGOTA, "2026-06-10 09:00", "hoy a las 5 menos cuarto", "2026-06-10 21:45"),
    (BOGOTA, "2026-06-10 09:00", "el miércoles a las 10", "2026-06-10 15:00"),  # later today
    (BOGOTA, "2026-06-10 09:00", "el miércoles a las 8", "2026-06-17 13:00"),  # a week on
    (BOGOTA, "2026-06-10 09:00", "hoy a las 8 de la noche", "2026-06-11 01:00"),
]


@pytest.mark.parametrize(
    ("zone", "now", "text", "expected"),
    [pytest.param(*row, id=f"{row[0]}|{row[1]}|{row[2]}") for row in SPANISH],
)
def test_spanish_corpus(zone: str, now: str, text: str, expected: str) -> None:
    result = parse_when(text, zone, local(zone, now))
    assert result == utc(expected)
    assert result.tzinfo is UTC


def test_spanish_corpus_is_large_and_covers_the_zones() -> None:
    assert len(SPANISH) >= 60
    assert {row[0] for row in SPANISH} >= {NY, MADRID, MEXICO, BOGOTA}


@pytest.mark.parametrize(
    ("zone", "now", "text"),
    [
        (MADRID, "2026-03-27 12:00", "el domingo a las 2:30 de la madrugada"),
        (NY, "2026-03-07 12:00", "mañana a las 2:30 de la madrugada"),
    ],
)
def test_a_spanish_time_skipped_by_the_clock_change_is_refused_in_spanish(
    zone: str, now: str, text: str
) -> None:
    with pytest.raises(InvalidInput, match="doesn't exist") as caught:
        parse_when(text, zone, local(zone, now))
    spanish = caught.value.message.render("es")
    assert "los relojes se adelantan una hora" in spanish
    assert re.search(r"por ejemplo las 3:30\.$", spanish), spanish  # 24-hour Spanish clock
    assert "domingo, 29 de marzo de 2026" in spanish or "domingo, 8 de marzo de 2026" in spanish


@pytest.mark.parametrize(
    ("zone", "now", "text"),
    [
        (MADRID, "2026-10-23 12:00", "el domingo a las 2:30 de la madrugada"),
        (NY, "2026-10-30 12:00", "el domingo a la 1:30 de la madrugada"),
    ],
)
def test_a_spanish_time_that_happens_twice_is_refused_in_spanish(
    zone: str, now: str, text: str
) -> None:
    with pytest.raises(InvalidInput, match="happens twice") as caught:
        parse_when(text, zone, local(zone, now))
    assert "ocurre dos veces" in caught.value.message.render("es")


# A Spanish message "includes an example": a quoted phrase after "Prueba con" or "por ejemplo".
SPANISH_EXAMPLE = re.compile(r'(Prueba con|por ejemplo|[Mm]ejor prueba con|como) "[^"]+"')


@pytest.mark.parametrize(
    ("text", "english", "spanish"),
    [
        ("el viernes después de clases", "Add a time", "Agrega también una hora"),
        ("el viernes despues de la escuela", "Add a time", "Agrega también una hora"),
        ("mañana a la salida del cole", "Add a time", "Agrega también una hora"),
        ("friday after school", "Add a time", "Agrega también una hora"),
        ("mañana en la tarde", "Add a time", "Agrega también una hora"),
        ("mañana por la mañana", "Add a time", "Agrega también una hora"),
        ("el viernes", "Add a time", "Agrega también una hora"),
        ("mañana", "Add a time", "Agrega también una hora"),
        ("pasado mañana", "Add a time", "Agrega también una hora"),
        ("en 3 días", "Add a time", "Agrega también una hora"),
        ("ayer a las 4", "already passed", "ya pasó"),
        ("hace 2 horas", "already passed", "ya pasó"),
        ("en 2 años a las 4", "more than a year", "más de un año"),
        ("3/12 a las 10", "could be March 12 or December 3", "el 12 de marzo o el 3 de diciembre"),
        ("mañana a las 4pm CET", "Leave out the time zone", "No pongas la zona horaria"),
        ("mañana a las 12 de la noche", "Midnight", "medianoche"),
        ("la próxima semana", "couldn't tell", "no entendí"),
        ("el 30 de febrero a las 10", "couldn't tell", "no entendí"),
    ],
)
def test_bad_spanish_gets_a_message_with_examples_in_the_readers_language(
    text: str, english: str, spanish: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_when(text, NY, NOW_NY)
    message = caught.value.message
    assert english in message
    assert spanish in message.render("es")
    assert SPANISH_EXAMPLE.search(message.render("es")), message.render("es")


@pytest.mark.parametrize("text", ["el lunes 3 de noviembre a las 10", "monday november 3 10am"])
def test_a_weekday_that_is_not_the_dates_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_when(text, NY, NOW_NY)  # 2026-11-03 is a Tuesday
    assert caught.value.message == (
        "November 3 is a Tuesday, not a Monday. Check the date, or leave out the day."
    )
    assert caught.value.message.render("es") == (
        "El 3 de noviembre es martes, no lunes. Revisa la fecha o no pongas el día de la semana."
    )


def _examples(language: str) -> list[str]:
    """Every quoted example phrase in every message parse_when can answer with."""
    phrases: list[str] = []
    for text in ("", "asdfgh", "friday", "friday midnight", "3/12 10am", "x" * 101):
        with pytest.raises(InvalidInput) as caught:
            parse_when(text, NY, NOW_NY)
        phrases += re.findall(r'"([^"]+)"', caught.value.message.render(language))
    return sorted(set(phrases) - {"3/12", "x" * 20})


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_example_we_offer_is_understood(language: str) -> None:
    examples = _examples(language)
    assert len(examples) >= 7, examples
    for phrase in examples:
        assert parse_when(phrase, NY, NOW_NY) > NOW_NY, phrase


def test_the_spanish_examples_are_spanish() -> None:
    assert "mañana a las 4 de la tarde" in _examples("es")
    assert "tomorrow 4pm" in _examples("en")


@pytest.mark.parametrize("phrase", [row[2] for row in CORPUS] + DATE_WORDS.split())
def test_english_is_read_exactly_as_before(phrase: str) -> None:
    """English text passes the Spanish layer untouched, so the English rules are unchanged."""
    words = " ".join(phrase.lower().split())
    assert to_english(words) == words


@settings(max_examples=200, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=6))
def test_any_mix_of_english_date_words_passes_the_spanish_layer_untouched(
    words: list[str],
) -> None:
    text = " ".join(words)
    assert to_english(text) == text


SPANISH_DATE_WORDS = (
    "hoy mañana manana pasado ayer el la las los a de del en dentro hace próximo que viene "
    "este esta y media cuarto menos punto hora horas minutos días semanas lunes martes "
    "miércoles sábado domingo dic diciembre 3 1º primero 12 4 16:30 16.30 18h 16h30 tarde "
    "noche madrugada mediodía medianoche después clases salida una dos cuatro p. m. CET"
)
SPANISH_WORDS = st.sampled_from(SPANISH_DATE_WORDS.split())


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(SPANISH_WORDS, min_size=1, max_size=7),
    zone=st.sampled_from([*SOME_ZONES, MADRID, MEXICO, BOGOTA]),
    now=NOWS,
)
def test_any_mix_of_spanish_date_words_is_a_future_instant_or_invalid_input(
    words: list[str], zone: str, now: datetime
) -> None:
    _future_utc_or_invalid(" ".join(words), zone, now)
