"""What a person typed ("next tue 4pm") -> the instant they meant, as an aware UTC datetime.

Text is read in the person's IANA time zone; anything not understood raises ``InvalidInput``
with a message that says what works. The rules, each pinned by ``tests/unit/test_timeparse.py``:

- Future first: a day or time without a date is its next occurrence after now. "4pm" at 5pm
  is tomorrow 4pm; "friday 3pm" on a Friday before 3pm is today, after 3pm a week later;
  "dec 3 10am" after that moment is next year. "next friday" is the coming Friday (a week
  ahead only on a Friday), as dateparser reads it. "today 11am" at noon is in the past.
- A time of day is required: "friday", "tomorrow", "tonight" or "tomorrow morning" alone
  raise ``InvalidInput`` asking for a time; we never guess the hour a session starts.
- Clock times without am/pm: 1-6 (and 1:00-6:59) mean afternoon, since nobody schedules a
  session at 3:30 in the night; "morning" makes them am, and "afternoon", "evening",
  "night" or "tonight" make 1-11 pm ("tonight at 8" is 8pm). 0, 7-12 and 13-23 are read as
  on a 24-hour clock ("7:30" is 7:30am, "12:30" is half past noon, "03:30" is 3:30am).
- "in 2 hours", "in 90 minutes", "in 1h 30m": now plus exactly that duration, as an instant
  (across a clock change, "in 24 hours" is 24 real hours). Days and weeks ("in 2 weeks at
  4pm") count calendar days, and keep the wall-clock time given.
- "midnight" alone (or "tonight at midnight") is the coming midnight; with a day it is
  ambiguous ("friday midnight": start or end of Friday?) and raises ``InvalidInput``.
- A numeric date whose day and month could swap ("3/12") raises ``InvalidInput``; "12/13",
  "dec 3" and "2026-12-03" are fine.
- A time zone in the text ("4pm EST") raises ``InvalidInput``: times are read in the
  person's zone, so "EST" in July would silently be an hour off.
- Clock changes: a wall time that does not exist (2:30am when clocks spring forward) or that
  happens twice (1:30am when they fall back) raises ``InvalidInput`` asking for another time.
- The result must be after now and at most ``MAX_AHEAD`` (366 days) later; text longer than
  ``MAX_LENGTH`` (100) characters is refused.
- A weekday that contradicts the date ("monday november 3" when that is a Tuesday) raises
  ``InvalidInput`` naming the date's weekday. "after school" is a part of the day, so
  "friday after school" asks for a time.

Spanish is read by the same rules: ``bot.timeparse.spanish`` rewrites it into the English
read here ("mañana a las 4 de la tarde" -> "tomorrow at 4 afternoon"), so every rule and
workaround below holds for both, and leaves text without a Spanish word unchanged.
Messages are ``bot.i18n.Text``: the English text, rendered in the reader's language by
whoever answers, with examples in that language.

dateparser (English only) does the reading. Its quirks worked around here: ``RELATIVE_BASE``
is a naive wall-clock time in the person's zone, with ``RETURN_AS_TIMEZONE_AWARE`` off and
``TIMEZONE`` UTC (so nothing depends on the machine's zone), and we attach the zone ourselves
(aware bases with ``PREFER_DATES_FROM`` misbehave); a bare time that has passed on the last day
of a month comes back as the 1st of that month (or, on 31 December, 1 December next year), so
bare times and same-day weekdays are parsed as "today ..." and rolled forward here; "at 5"
is read as May and "tonight at 8" ignores the 8, so those are rewritten first; a few common
spellings ("tmrw", "thurs", "midday") are mapped to words it knows.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dateparser.conf import Settings
from dateparser.date import DateDataParser
from dateparser.timezone_parser import pop_tz_offset_from_string

from bot.errors import InvalidInput
from bot.i18n import Clock, Date, Slash, Text, Weekday
from bot.timeparse.spanish import to_english

__all__ = ["MAX_AHEAD", "MAX_LENGTH", "parse_when", "resolve_zone"]

MAX_LENGTH = 100
"""Longest text ``parse_when`` reads, in characters."""

MAX_AHEAD = timedelta(days=366)
"""Furthest ahead of now that ``parse_when`` accepts."""

# Translators: the examples must read in your language and be understood by
# /session schedule (they are tested): the Spanish ones are Spanish phrases.
EXAMPLES = Text('Try "tomorrow 4pm", "next friday at 3:30" or "dec 3 10am".')
ADD_A_TIME = Text('Add a time of day too, like "friday 4pm" or "tomorrow at 3:30".')
ZONE_EXAMPLES = "America/New_York, Europe/London or Asia/Kolkata"

# The fixed settings are built and validated once. dateparser takes RELATIVE_BASE only from
# a parser's settings, so each call derives a settings object with its base and wraps it in
# a DateDataParser; that is cheap (about 12 microseconds against 700 for parsing) because the
# costly parts (locale data, compiled regexes, translation caches) are class-level, shared.
_FIXED_SETTINGS = {
    "PREFER_DATES_FROM": "future",
    "RETURN_AS_TIMEZONE_AWARE": False,
    "TIMEZONE": "UTC",
    "DEFAULT_LANGUAGES": ["en"],
}
_SETTINGS = Settings().replace(mod_settings=_FIXED_SETTINGS, **_FIXED_SETTINGS)
_LANGUAGES = ["en"]
DateDataParser(languages=_LANGUAGES, settings=_SETTINGS)  # validates the settings at import

_ALIASES = {
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "tommorrow": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tonite": "tonight",
    "thur": "thursday",
    "thurs": "thursday",
    "weds": "wednesday",
    "midday": "noon",
    "after school": "afternoon",  # a part of the day: "friday after school" asks for a time
}
_ALIAS_RE = re.compile(r"\b(" + "|".join(_ALIASES) + r")\b")
_MERIDIEM_RE = re.compile(r"\b([0-9]{1,2}(?::[0-9]{2})?)\s*([ap])\.?\s?m\b\.?")
_NOON_RE = re.compile(r"\b12\s*noon\b")

_AMOUNT = r"(?:[0-9]+(?:\.[0-9]+)?|an?|one|half an?)"
_UNIT = r"(?:minutes?|mins?|m|hours?|hrs?|hr|h)"
_DURATION = rf"(?P<amount>{_AMOUNT})\s*(?P<unit>{_UNIT})"
_DURATIONS_RE = re.compile(
    rf"(?:in\s+)?(?P<body>{_AMOUNT}\s*{_UNIT}(?:\s*(?:,|and)?\s*{_AMOUNT}\s*{_UNIT})*)"
    r"(?:\s+(?P<direction>from now|later|ago))?"
)
_DURATION_RE = re.compile(_DURATION)

_MORNING_RE = re.compile(r"\bmorning\b")
_EVENING_RE = re.compile(r"\b(?:afternoon|evening|tonight|night)\b")
_TONIGHT_RE = re.compile(r"\b(?:tonight|this (?:morning|afternoon|evening))\b")
_PART_OF_DAY_RE = re.compile(r"\b(?:in the |at )?(?:morning|afternoon|evening|night)\b")
_CLOCK_RE = re.compile(r"(?<![0-9:/.-])([0-9]{1,2}):([0-9]{2})(?![0-9:])(?!\s*[ap]m\b)")
_AT_HOUR_RE = re.compile(r"\bat\s+([0-9]{1,2})(?![0-9:/.])(?!\s*[ap]m\b)")
_SLASH_DATE_RE = re.compile(r"(?<![0-9/.-])([0-9]{1,2})/([0-9]{1,2})(?![0-9])")
_HAS_TIME_RE = re.compile(r"[0-9]:[0-9]{2}|[0-9][ap]m\b|\bnoon\b|\bmidnight\b")
_MIDNIGHT_RE = re.compile(r"\bmidnight\b")
_MIDNIGHT_FILLER_RE = re.compile(r"\b(?:midnight|at|today|tonight)\b")

_TIME = r"(?:[0-9]{1,2}(?::[0-9]{2})?[ap]m|[0-9]{1,2}:[0-9]{2}|noon)"
_WEEKDAY = (
    r"(?:mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_BARE_TIME_RE = re.compile(rf"(?:at\s+)?(?P<time>{_TIME})")
_WEEKDAY_TIME_RES = (
    re.compile(rf"(?:on\s+)?(?P<day>{_WEEKDAY}),?(?:\s+at)?\s+(?P<time>{_TIME})"),
    re.compile(rf"(?:at\s+)?(?P<time>{_TIME})\s+(?:on\s+)?(?P<day>{_WEEKDAY})"),
)
_WEEKDAY_PREFIXES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_NAMED_DAY_RE = re.compile(rf"\b{_WEEKDAY}\b")
_NAMED_DATE_RE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{1,2}/[0-9]{1,2}"
)
_ZONE_NAME_RE = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")


def resolve_zone(name: str) -> ZoneInfo:
    """The IANA time zone called ``name`` (any letter case), or ``InvalidInput``.

    Only real zone names are accepted: not empty strings, paths, "localtime" or names with
    "..". The returned zone's ``key`` is the canonical spelling ("America/New_York").
    """
    cleaned = name.strip() if isinstance(name, str) else ""
    shown = cleaned if len(cleaned) <= 40 else cleaned[:40] + "..."
    problem = InvalidInput(
        Text(
            'Unknown time zone "{zone}". Use a name like {examples} (set yours with {command}).',
            zone=shown,
            examples=ZONE_EXAMPLES,
            command=Slash("timezone set"),
        )
    )
    if (
        not cleaned
        or len(cleaned) > 64
        or ".." in cleaned
        or cleaned.lower() in {"localtime", "posixrules"}
        or not _ZONE_NAME_RE.fullmatch(cleaned)
    ):
        raise problem
    known = _zone_names()
    key = known.get(cleaned.lower())
    if key is None:
        if known:
            raise problem
        key = cleaned  # no zone list on this machine: let ZoneInfo decide
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, OSError, UnicodeError):
        raise problem from None


@cache
def _zone_names() -> dict[str, str]:
    """Every known IANA zone name, by its lower-case spelling."""
    return {zone.lower(): zone for zone in available_timezones()}


def parse_when(text: str, tz: str | ZoneInfo, now: datetime) -> datetime:
    """The instant ``text`` names, read in zone ``tz`` at instant ``now``, as aware UTC.

    Raises ``InvalidInput`` (with examples of what works) for anything that is not a clear
    time after ``now``; see the module docstring for the rules.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    now = now.astimezone(UTC)  # an instant: adding hours to a zoned datetime moves its wall clock
    zone = tz if isinstance(tz, ZoneInfo) else resolve_zone(tz)
    raw = text.strip()
    if not raw:
        raise InvalidInput(Text("Tell me a day and a time. {examples}", examples=EXAMPLES))
    if len(raw) > MAX_LENGTH:
        raise InvalidInput(
            Text("That's too long for a time; keep it short. {examples}", examples=EXAMPLES)
        )

    words = _tidy(raw)
    duration = _duration(words)
    if duration is not None:
        return _checked(now + duration, now)

    if _names_a_zone(words):
        raise InvalidInput(
            Text(
                "Leave out the time zone: I read times in yours ({zone}); change it with "
                "{command} if that's wrong. {examples}",
                zone=zone.key,
                command=Slash("timezone set"),
                examples=EXAMPLES,
            )
        )
    words = _fix_clock_times(words)
    _refuse_ambiguous_dates(words)
    base = now.astimezone(zone).replace(tzinfo=None, fold=0)
    if not _HAS_TIME_RE.search(words):
        _dateparse(words, base)  # gibberish gets "couldn't tell"; a bare date gets:
        raise InvalidInput(ADD_A_TIME)
    if _MIDNIGHT_RE.search(words):
        if _MIDNIGHT_FILLER_RE.sub("", words).strip():
            raise InvalidInput(
                Text(
                    'Midnight on a day is easy to misread. Try "friday 11:59pm" or '
                    '"saturday 12am" instead.'
                )
            )
        words = "12am"  # the coming midnight: today's 00:00 has always passed

    words, roll = _anchor_to_today(words, base)
    wall = _dateparse(words, base)
    if wall.tzinfo is not None:  # not expected with these settings; an instant all the same
        return _checked(wall, now)
    wall = wall.replace(fold=0)
    if roll and wall <= base:
        wall += roll
    if wall <= base - timedelta(days=2):
        raise _in_the_past()
    if wall - base > MAX_AHEAD + timedelta(days=2):
        raise _too_far()
    _refuse_contradictions(words, wall)
    return _checked(_attach(wall, zone), now)


def _tidy(raw: str) -> str:
    """Lower case, single spaces, Spanish in English, known misspellings, and "4 p.m."
    written as "4pm"."""
    words = to_english(" ".join(raw.lower().split()))
    words = _ALIAS_RE.sub(lambda match: _ALIASES[match[1]], words)
    words = _NOON_RE.sub("noon", words)
    return _MERIDIEM_RE.sub(lambda match: f"{match[1]}{match[2]}m", words)


def _duration(words: str) -> timedelta | None:
    """The signed duration that ``words`` consist of ("in 1h 30m"), or None if they don't."""
    match = _DURATIONS_RE.fullmatch(words)
    if match is None:
        return None
    seconds = Decimal(0)
    for part in _DURATION_RE.finditer(match["body"]):
        amount, unit = part["amount"], part["unit"]
        if amount.startswith("half"):
            count = Decimal("0.5")
        elif amount in {"a", "an", "one"}:
            count = Decimal(1)
        else:
            count = Decimal(amount)  # the pattern admits only plain decimal numbers here
        seconds += count * (3600 if unit.startswith("h") else 60)
    if seconds > Decimal(MAX_AHEAD.total_seconds()):
        raise _too_far()
    delta = timedelta(seconds=int(seconds.to_integral_value()))
    return -delta if match["direction"] == "ago" else delta


def _names_a_zone(words: str) -> bool:
    """Whether ``words`` end in a zone ("4pm est", "16:00 +0100"), as dateparser sees it."""
    try:
        _, zone = pop_tz_offset_from_string(words)
    except Exception:  # never let dateparser's failures reach the person
        return False
    return zone is not None


def _fix_clock_times(words: str) -> str:
    """Apply the am/pm rules to clock times without am/pm and drop part-of-day words."""
    hint: str | None = None
    if _MORNING_RE.search(words) and not _EVENING_RE.search(words):
        hint = "am"
    elif _EVENING_RE.search(words) and not _MORNING_RE.search(words):
        hint = "pm"
    words = _TONIGHT_RE.sub("today", words)
    words = " ".join(_PART_OF_DAY_RE.sub(" ", words).split())

    def clock(hour_text: str, minutes: str) -> str:
        hour = int(hour_text)
        if hour > 23:
            return f"{hour_text}:{minutes}"  # not a time; dateparser will refuse it
        if hour == 0 or hour >= 13 or hour == 12 or hour_text.startswith("0"):
            return f"{hour_text}:{minutes}"
        meridiem = hint or ("pm" if hour <= 6 else "")
        return f"{hour}:{minutes}{meridiem}"

    words = _CLOCK_RE.sub(lambda match: clock(match[1], match[2]), words)
    return _AT_HOUR_RE.sub(lambda match: "at " + clock(match[1], "00"), words)


def _refuse_ambiguous_dates(words: str) -> None:
    """Refuse "3/12": 3 December or March 12 depends on where the reader grew up."""
    for match in _SLASH_DATE_RE.finditer(words):
        first, second = int(match[1]), int(match[2])
        if 1 <= first <= 12 and 1 <= second <= 12 and first != second:
            raise InvalidInput(
                Text(
                    '"{typed}" could be {one} or {other}. Write the month as a word, like '
                    '"dec 3 10am", or the date as 2026-12-03.',
                    typed=match[0],
                    one=Date(date(2000, first, second), "MMMMd"),
                    other=Date(date(2000, second, first), "MMMMd"),
                )
            )


def _refuse_contradictions(words: str, wall: datetime) -> None:
    """Refuse a weekday that is not the date's ("monday november 3", a Tuesday)."""
    named = _NAMED_DAY_RE.search(words)
    if named is None or _NAMED_DATE_RE.search(words) is None:
        return
    day = _WEEKDAY_PREFIXES.index(named[0][:3])
    if day != wall.weekday():
        raise InvalidInput(
            Text(
                "{date} is a {weekday}, not a {named}. Check the date, or leave out the day.",
                date=Date(wall.date(), "MMMMd"),
                weekday=Weekday(wall.weekday()),
                named=Weekday(day),
            )
        )


def _anchor_to_today(words: str, base: datetime) -> tuple[str, timedelta | None]:
    """Rewrite a bare time, or today's weekday with a time, as "today <time>".

    Returns the words and how far to move the result if that time has passed today. This
    sidesteps dateparser's month-end bug and makes "friday 3pm" on a Friday morning today.
    """
    match = _BARE_TIME_RE.fullmatch(words)
    if match is not None:
        return f"today {match['time']}", timedelta(days=1)
    for pattern in _WEEKDAY_TIME_RES:
        match = pattern.fullmatch(words)
        if match is not None and _WEEKDAY_PREFIXES.index(match["day"][:3]) == base.weekday():
            return f"today {match['time']}", timedelta(days=7)
    return words, None


def _dateparse(words: str, base: datetime) -> datetime:
    """dateparser's reading of ``words`` at the naive wall-clock time ``base``."""
    try:
        parser = DateDataParser(
            languages=_LANGUAGES, settings=_SETTINGS.replace(RELATIVE_BASE=base)
        )
        found = parser.get_date_data(words).date_obj
    except Exception:  # dateparser has many ways to fail; to the person they are one
        found = None
    if found is None:
        raise InvalidInput(
            Text("Sorry, I couldn't tell what time you meant. {examples}", examples=EXAMPLES)
        )
    return found


def _attach(wall: datetime, zone: ZoneInfo) -> datetime:
    """``wall`` (naive, in ``zone``) as an aware datetime; refuses skipped or doubled times."""
    try:
        local = wall.replace(tzinfo=zone, fold=0)
        round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        second = wall.replace(tzinfo=zone, fold=1)
        doubled = local.utcoffset() != second.utcoffset()
    except OverflowError:
        raise _too_far() from None
    clock, day, zone_name = Clock(wall), Date(wall.date()), zone.key
    suggestion = Clock(wall + timedelta(hours=1))
    if round_trip != wall:
        raise InvalidInput(
            Text(
                "{clock} on {day} doesn't exist in {zone}: the clocks jump forward an hour "
                "that night. Pick another time that day, like {suggestion}.",
                clock=clock,
                day=day,
                zone=zone_name,
                suggestion=suggestion,
            )
        )
    if doubled:
        raise InvalidInput(
            Text(
                "{clock} on {day} happens twice in {zone}: the clocks go back an hour that "
                "night. Pick another time that day, like {suggestion}.",
                clock=clock,
                day=day,
                zone=zone_name,
                suggestion=suggestion,
            )
        )
    return local


def _checked(instant: datetime, now: datetime) -> datetime:
    """``instant`` in UTC, if it is after ``now`` (in UTC) and not too far ahead."""
    try:
        result = instant.astimezone(UTC)
    except OverflowError:
        raise _too_far() from None
    if result <= now:
        raise _in_the_past()
    if result - now > MAX_AHEAD:
        raise _too_far()
    return result


def _in_the_past() -> InvalidInput:
    return InvalidInput(
        Text("That time has already passed; pick one in the future. {examples}", examples=EXAMPLES)
    )


def _too_far() -> InvalidInput:
    return InvalidInput(
        Text(
            "That's more than a year away; pick a time within the next year. {examples}",
            examples=EXAMPLES,
        )
    )
