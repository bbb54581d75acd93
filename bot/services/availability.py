"""When a person is free each week: "Mon-Thu 3:30-5pm, Sat 10-12" -> weekly ``Window`` s.

Text is read in the person's own time zone (matching converts it to UTC); anything not
understood raises ``InvalidInput`` naming every part that could not be read, with an
example that works. The rules, each pinned by ``tests/unit/test_availability.py``:

- Parts are separated by "," or ";"; each is days then a time range ("Sat 10-12"), or a
  time range then days ("4-6pm on weekdays"). Empty parts (a trailing comma) are skipped.
- Days: names and 3-letter abbreviations in any letter case ("Monday", "mon", also
  "tues", "thurs", "weds" and plurals like "mondays"), ranges ("Mon-Thu", "Mon to Thu";
  "Fri-Mon" wraps over the weekend), lists ("Tue/Thu", "Tue & Thu", "Tue and Thu"),
  "weekdays", "weekends", "every day", "daily".
- Time ranges: "3:30-5pm", "15:00-16:30", "9am-11am", "noon-2pm", "9pm-midnight", with
  "-", an en dash, "to" or "until" between. The end's am/pm applies to a start without one when
  that puts the start first ("3:30-5pm" is 15:30-17:00, but "10-12pm" is 10:00-12:00).
- Clock times without am/pm: hours 1-6 mean afternoon (nobody is free for a session at 3
  in the night), 7-11 morning, 12 noon; so "10-12" is 10:00-12:00 and "3-5" 15:00-17:00.
  An end that would then come before the start is read as pm too ("5-7" is 17:00-19:00).
  0, 13-23 and hours written with a leading zero ("09:00") are read on a 24-hour clock.
- Midnight as an end ("9pm-midnight", "10pm-12am", "24:00") is stored as 23:59, and a bare
  start before it is pm ("9-midnight" is 21:00-23:59). A range may not cross midnight:
  "Fri 10pm-1am" is refused; write "Fri 10pm-12am, Sat 12am-1am".
- A range must end after it starts ("5-3pm" is refused, naming the part).
- Overlapping or touching windows on the same day are merged; the result is sorted.
- At most ``MAX_LENGTH`` (400) characters and ``MAX_WINDOWS`` (21) windows after merging.
- Spanish, with or without accents, by the same rules: day names and abbreviations from
  CLDR ("lunes", "mié", "sáb", "mar/jue", "los sábados", "de lunes a jueves"), "entre
  semana", "fines de semana", "todos los días", and times "de 3 a 5", "desde las 15:00
  hasta las 16:30", "entre 3 y 5", "de 10 a 12 de la mañana", "de 3 a 5 de la tarde",
  "15h-17h", "mediodía", "medianoche". A part with a Spanish word is rewritten in English
  before it is read; English parts are read as they are.

Messages are ``bot.i18n.Text`` (English, rendered in the reader's language by the cog);
``format_windows(windows, language)`` writes day names in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import time
from functools import cache
from typing import Literal

from babel.dates import get_day_names

from bot.errors import InvalidInput
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Joined, Listing, Plural, Text, fold_accents

__all__ = [
    "EXAMPLE",
    "MAX_LENGTH",
    "MAX_WINDOWS",
    "Window",
    "format_windows",
    "parse_availability",
    "window_minutes",
    "windows_from_json",
    "windows_to_json",
]

MAX_LENGTH = 400
"""Longest availability text read, in characters."""

MAX_WINDOWS = 21
"""Most windows a week (after merging) a person may give."""

# Translators: an availability that /profile edit reads, in your language.
EXAMPLE = Text('e.g. "Mon-Thu 3:30-5pm, Sat 10-12"')

MINUTES_PER_DAY = 24 * 60
END_OF_DAY = time(23, 59)
"""How "until midnight" is stored; ``window_minutes`` reads it as 24:00."""


@dataclass(frozen=True, order=True)
class Window:
    """A weekly free time on one day, in the person's own time zone; ``start < end``."""

    weekday: int  # 0=Monday
    start: time
    end: time


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS: dict[str, int] = {
    **{name[:3]: day for day, name in enumerate(_FULL_NAMES)},
    **{name: day for day, name in enumerate(_FULL_NAMES)},
    **{name + "s": day for day, name in enumerate(_FULL_NAMES)},
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_GROUPS: dict[str, tuple[int, ...]] = {
    "weekday": (0, 1, 2, 3, 4),
    "weekdays": (0, 1, 2, 3, 4),
    "weekend": (5, 6),
    "weekends": (5, 6),
    "every day": tuple(range(7)),
    "everyday": tuple(range(7)),
    "daily": tuple(range(7)),
}

_CLOCK = r"(?:noon|midnight|[0-9]{1,2}(?:[:.][0-9]{2})?(?:\s*[ap]\.?(?:m\.?)?(?![a-z]))?)"
_RANGE = rf"(?:from\s+)?(?P<start>{_CLOCK})\s*(?:-|to|until|till)\s*(?P<end>{_CLOCK})"
_DAYS_FIRST_RE = re.compile(rf"(?P<days>[^0-9]+?)(?:\s+at)?\s*:?\s*{_RANGE}")
_TIMES_FIRST_RE = re.compile(rf"{_RANGE}\s*(?:on\s+)?(?P<days>[^0-9]+)")
_CLOCK_RE = re.compile(
    r"(?P<hour>[0-9]{1,2})(?:[:.](?P<minute>[0-9]{2}))?(?:\s*(?P<meridiem>[ap])\S*)?"
)
_LIST_SEPARATOR_RE = re.compile(r"\s*(?:/|&|\+|\band\b)\s*")
_DAY_RANGE_RE = re.compile(r"(?P<first>[a-z]+)\s*(?:-|to|through|thru)\s*(?P<last>[a-z]+)")
_DASHES_RE = re.compile(r"[\u2010-\u2015\u2212]")

_ES_CLOCK = r"(?:[0-9]{1,2}(?:[:.][0-9]{2})?|noon|midnight)"


@dataclass(frozen=True)
class _Spanish:
    """How a part in Spanish is recognised and rewritten in English (built on first use)."""

    days: dict[str, str]  # every language's day names, unaccented -> "mon"...
    day_re: re.Pattern[str]
    detector: re.Pattern[str]
    steps: tuple[tuple[re.Pattern[str], str], ...]


@cache
def _spanish() -> _Spanish:
    """The day names of every language Bridges speaks (CLDR, through Babel, unaccented) and
    the Spanish grammar of free times; built once, when a part is first read."""
    days: dict[str, str] = {
        fold_accents(str(name)).lower().rstrip("."): _FULL_NAMES[index][:3]
        for language in LANGUAGES
        for width in ("wide", "abbreviated")
        for index, name in get_day_names(width, locale=language).items()
    }
    days.update({name + "s": day for name, day in list(days.items()) if name[-1] != "s"})
    day = "(?:" + "|".join(sorted(days, key=len, reverse=True)) + ")"
    detector = re.compile(
        r"\b(?:de|del|desde|hasta|entre|y|a|las?|los|cada|todos|fines?|finde|semana|diario"
        r"|mediodia|medianoche|manana|tarde|noche|hs?|horas?)\b|" + rf"\b{day}\b"
    )
    steps = tuple(
        (re.compile(pattern), replacement)
        for pattern, replacement in (
            (r"\bfine?s? de semana\b|\bfindes?\b", "weekends"),
            (r"\b(?:entre semana|dias (?:de semana|habiles|laborables))\b", "weekdays"),
            (r"\b(?:todos los dias|cada dia|a diario|diariamente|diario)\b", "every day"),
            (r"\b(?:(?:a |al |del )?mediodia)\b", "noon"),
            (r"\b(?:a )?medianoche\b", "midnight"),
            (r"\b12(?::00)? (?:de|por|en) la noche\b", "midnight"),
            (r"\b12(?::00)? (?:de|por|en) la manana\b", "noon"),
            (r"\b(?:de|por|en) la (?:manana|madrugada)\b", "am"),
            (r"\b(?:de|por|en) la (?:tarde|noche)\b", "pm"),
            (r"\b([0-9]{1,2}(?::[0-9]{2})?)\s?(?:h|hs|hrs|horas)\b", r"\1"),
            (r"\b(?:las?|los)\s+(?=[0-9])", ""),
            (rf"\b(?:de|desde|entre)\s+(?={_ES_CLOCK}\b)", "from "),
            (rf"(?<=[0-9a-z])\s+(?:a|y|hasta)\s+(?={_ES_CLOCK}\b)", " to "),
            (rf"\bhasta\s+(?={_ES_CLOCK}\b)", "until "),
            (rf"\b(?:de|desde)\s+(?={day}\b)", ""),
            (rf"(?<=[a-z])\s+a\s+(?={day}\b)", " to "),
            (rf"(?<=[a-z])\s+y\s+(?={day}\b)", " and "),
            (rf"\b(?:todos los|cada|los|el)\s+(?={day}\b)", "every "),
            (r"\s*,\s*$", ""),
        )
    )
    return _Spanish(days, re.compile(rf"\b{day}\b"), detector, steps)


_HHMM_RE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


@dataclass(frozen=True)
class _Clock:
    """A clock time as typed: ``exact`` when it needs no guessing (am/pm or 24-hour)."""

    hour: int
    minute: int
    meridiem: str | None  # "a" or "p"
    exact: bool


def parse_availability(text: str) -> tuple[Window, ...]:
    """The weekly windows ``text`` describes, merged and sorted; see the module docstring.

    Raises ``InvalidInput`` naming every part that could not be read, or that ends before
    it starts, with an example that works.
    """
    if len(text) > MAX_LENGTH:
        raise InvalidInput(
            Text(
                "That's too long: keep your free times under {limit} characters, {example}.",
                limit=MAX_LENGTH,
                example=EXAMPLE,
            )
        )
    parts = [" ".join(part.split()) for part in re.split(r"[,;]", text)]
    parts = [part for part in parts if part]
    if not parts:
        raise InvalidInput(Text("Tell me when you're free each week, {example}.", example=EXAMPLE))
    windows: list[Window] = []
    unreadable: list[str] = []
    backwards: list[str] = []
    for part in parts:
        read = _read_part(part)
        if read is None:
            unreadable.append(part)
            continue
        days, start, end = read
        if end <= start:
            backwards.append(part)
            continue
        windows.extend(Window(day, _time_of(start), _time_of(end)) for day in days)
    problems: list[Text] = []
    if unreadable:
        problems.append(Text("I couldn't read {parts}.", parts=_quoted(unreadable, "or")))
    if backwards:
        problems.append(
            Plural(
                "{parts} ends before it starts.",
                "{parts} end before they start.",
                len(backwards),
                parts=_quoted(backwards, "standard"),
            )
        )
    if problems:
        raise InvalidInput(
            Text(
                "{problems} Write days then times for each part, {example}.",
                problems=Joined(problems),
                example=EXAMPLE,
            )
        )
    merged = _merge(windows)
    if len(merged) > MAX_WINDOWS:
        raise InvalidInput(
            Text(
                "That's {count} separate times a week; give at most {limit} (join the ones "
                "close together), {example}.",
                count=len(merged),
                limit=MAX_WINDOWS,
                example=EXAMPLE,
            )
        )
    return merged


def format_windows(windows: Iterable[Window], language: str = DEFAULT_LANGUAGE) -> str:
    """``windows`` written short, e.g. "Mon-Thu 15:30-17:00, Sat 10:00-12:00" (en dashes),
    with the day names of ``language`` ("lun-jue 15:30-17:00, sáb 10:00-12:00").

    Days sharing a time range are written together ("Tue/Thu", "Mon-Wed"); the result
    reads back to the same windows with ``parse_availability``. No windows -> "".
    """
    days_by_range: dict[tuple[time, time], list[int]] = {}
    for window in sorted(set(windows)):
        days_by_range.setdefault((window.start, window.end), []).append(window.weekday)
    ordered = sorted(days_by_range.items(), key=lambda item: (item[1][0], item[0]))
    return ", ".join(
        f"{_day_label(days, language)} {start:%H:%M}–{end:%H:%M}" for (start, end), days in ordered
    )


def windows_to_json(windows: Iterable[Window]) -> list[list[str | int]]:
    """``windows`` for a JSON column: ``[[0, "15:30", "17:00"], ...]``."""
    return [[w.weekday, f"{w.start:%H:%M}", f"{w.end:%H:%M}"] for w in windows]


def windows_from_json(data: Sequence[Sequence[str | int]]) -> tuple[Window, ...]:
    """The windows ``windows_to_json`` wrote; ``ValueError`` if ``data`` is not such a list."""
    windows: list[Window] = []
    for entry in data:
        if len(entry) != 3:
            raise ValueError(f"not a [weekday, start, end] entry: {entry!r}")
        weekday, start, end = entry
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            raise ValueError(f"not a weekday number: {weekday!r}")
        window = Window(weekday, _stored_time(start), _stored_time(end))
        if window.end <= window.start:
            raise ValueError(f"window ends before it starts: {entry!r}")
        windows.append(window)
    return tuple(windows)


def window_minutes(window: Window) -> tuple[int, int]:
    """Minutes from midnight to the start and to the end of ``window`` (23:59 ends at 1440)."""
    start = window.start.hour * 60 + window.start.minute
    end = MINUTES_PER_DAY if window.end == END_OF_DAY else window.end.hour * 60 + window.end.minute
    return start, end


def _read_part(part: str) -> tuple[tuple[int, ...], int, int] | None:
    """The days, start and end (minutes from midnight) of one part, or None if unreadable."""
    words = _from_spanish(_DASHES_RE.sub("-", part.lower()))
    match = _DAYS_FIRST_RE.fullmatch(words) or _TIMES_FIRST_RE.fullmatch(words)
    if match is None:
        return None
    days = _read_days(match["days"])
    start = _read_clock(match["start"])
    end = _read_clock(match["end"])
    if days is None or start is None or end is None:
        return None
    return days, *_resolve(start, end)


def _from_spanish(words: str) -> str:
    """A part with a Spanish word rewritten in the English read below ("de lunes a jueves
    de 3 a 5" -> "mon to thu from 3 to 5"); an English part unchanged."""
    folded = fold_accents(words)
    spanish = _spanish()
    if folded == words and not spanish.detector.search(words):
        return words
    for pattern, replacement in spanish.steps:
        folded = pattern.sub(replacement, folded)
    folded = spanish.day_re.sub(lambda match: spanish.days[match[0]], folded)
    return " ".join(folded.split())


def _read_days(spec: str) -> tuple[int, ...] | None:
    """The weekdays named by ``spec`` ("mon-thu", "tue/thu", "weekends"), or None."""
    spec = spec.strip()
    if spec in _GROUPS:
        return _GROUPS[spec]
    spec = re.sub(r"^(?:on|every)\s+", "", spec)
    days: set[int] = set()
    for item in _LIST_SEPARATOR_RE.split(spec):
        if item in _GROUPS:
            days.update(_GROUPS[item])
        elif item in _DAYS:
            days.add(_DAYS[item])
        elif (span := _DAY_RANGE_RE.fullmatch(item)) is not None:
            first, last = _DAYS.get(span["first"]), _DAYS.get(span["last"])
            if first is None or last is None:
                return None
            days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
        else:
            return None
    return tuple(sorted(days))


def _read_clock(text: str) -> _Clock | None:
    """A clock time ("3", "3:30pm", "15:00", "noon"), or None if it is not a real time."""
    if text == "noon":
        return _Clock(12, 0, "p", exact=True)
    if text == "midnight":
        return _Clock(12, 0, "a", exact=True)
    match = _CLOCK_RE.fullmatch(text)
    if match is None:
        return None
    hour, minute, meridiem = int(match["hour"]), int(match["minute"] or 0), match["meridiem"]
    if minute > 59 or (meridiem is not None and not 1 <= hour <= 12):
        return None
    if meridiem is None and (hour > 24 or (hour == 24 and minute)):
        return None
    exact = meridiem is not None or hour == 0 or hour >= 13 or match["hour"].startswith("0")
    return _Clock(hour, minute, meridiem, exact)


def _resolve(start: _Clock, end: _Clock) -> tuple[int, int]:
    """Start and end in minutes from midnight, applying the am/pm rules."""
    end_minutes = _minutes(end) or MINUTES_PER_DAY  # midnight as an end is the end of the day
    start_minutes = _minutes(start)
    if not start.exact and end_minutes == MINUTES_PER_DAY:
        start_minutes = (start.hour % 12 + 12) * 60 + start.minute  # "9-midnight" is 9pm
    elif not start.exact and end.meridiem is not None:
        borrowed = _minutes(_Clock(start.hour, start.minute, end.meridiem, exact=True))
        if borrowed < end_minutes:
            start_minutes = borrowed
    if not end.exact and end_minutes < 720 and end_minutes <= start_minutes < end_minutes + 720:
        end_minutes += 720  # "5-7": the day runs forward, so 7 is pm too
    return start_minutes, end_minutes


def _minutes(clock: _Clock) -> int:
    """Minutes from midnight of ``clock``; bare 1-6 are pm, 7-11 am, 12 noon."""
    if clock.meridiem is not None:
        return (clock.hour % 12 + (12 if clock.meridiem == "p" else 0)) * 60 + clock.minute
    if clock.exact or clock.hour >= 7:
        return clock.hour * 60 + clock.minute
    return (clock.hour + 12) * 60 + clock.minute


def _time_of(minutes: int) -> time:
    return END_OF_DAY if minutes >= MINUTES_PER_DAY else time(minutes // 60, minutes % 60)


def _merge(windows: Iterable[Window]) -> tuple[Window, ...]:
    """Windows sorted, with overlapping or touching ones on the same day joined."""
    merged: list[Window] = []
    for window in sorted(windows):
        last = merged[-1] if merged else None
        if last is not None and last.weekday == window.weekday and window.start <= last.end:
            merged[-1] = Window(last.weekday, last.start, max(last.end, window.end))
        else:
            merged.append(window)
    return tuple(merged)


def _day_label(days: Sequence[int], language: str) -> str:
    """Sorted weekdays as runs: [0, 1, 2, 4] -> "Mon-Wed/Fri" (en dash), [1, 2] -> "Tue/Wed"."""
    names = _DAY_NAMES if language == DEFAULT_LANGUAGE else _abbreviations(language)
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    labels = [
        f"{names[run[0]]}–{names[run[-1]]}" if len(run) >= 3 else "/".join(names[d] for d in run)
        for run in runs
    ]
    return "/".join(labels)


def _abbreviations(language: str) -> tuple[str, ...]:
    """Short day names of ``language``, Monday first ("lun", "mar", "mié"...)."""
    names = get_day_names("abbreviated", locale=language)
    return tuple(str(names[day]).rstrip(".") for day in range(7))


def _stored_time(value: str | int) -> time:
    match = _HHMM_RE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not an HH:MM time: {value!r}")
    return time(int(match[1]), int(match[2]))


def _quoted(parts: Sequence[str], style: Literal["standard", "or"]) -> Listing:
    """'"a"', '"a" or "b"', '"a", "b", or "c"', listed as the reader's language lists."""
    return Listing([f'"{part}"' for part in parts], style)
