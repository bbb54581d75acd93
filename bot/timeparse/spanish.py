"""Spanish times ("mañana a las 4 de la tarde") rewritten as the English the parser reads.

``parse_when`` reads one grammar, the English one, with every rule and dateparser
workaround it has; Spanish text is first rewritten into it ("tomorrow at 4 afternoon"), so
both languages get the same rules, zone handling and refusals. Text with no Spanish word
(and no accent) is returned unchanged, so English input is read exactly as before.

What is understood, with or without accents, in the forms of Spain and Latin America:

- days: "hoy", "mañana", "pasado mañana", "ayer"; weekday names and abbreviations from
  CLDR (Babel: "lunes", "mié", "sáb"; not "mar", which is also March), with "el",
  "este", "el próximo viernes", "el viernes que viene";
- dates: "el 3 de diciembre", "3 de dic", "1º/primero de mayo", "diciembre 3";
- clock times: "a las 4", "a la una", "las 16:30", "16.30", "18h", "18 hs", "16h30",
  "a las 18 horas", "4 y media", "4 y cuarto", "5 menos cuarto", "4 en punto", number
  words from one to twelve, "4 p. m.";
- parts of the day: "de/por/en la mañana|tarde|noche", "de la madrugada" (morning), "esta
  tarde", "esta noche", "mediodía", "medianoche", "a las 12 de la noche" (midnight),
  "después de clases/de la escuela/del cole" and "a la salida" (afternoon, so the parser
  asks for a time as it does for "friday afternoon");
- durations: "en 2 horas", "dentro de 90 minutos", "en media hora", "en una hora y media",
  "en 1 h 30 min", "en 2 semanas a las 4", "hace 2 horas".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache

from babel.dates import get_day_names, get_month_names

from bot.i18n import fold_accents

__all__ = ["to_english"]

_NUMBERS = {
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "quince": 15,
    "veinte": 20, "treinta": 30, "cuarenta": 40, "noventa": 90,
}  # fmt: skip


def _names(table: Callable[..., Mapping[int, str]], width: str) -> dict[str, int]:
    """Spanish names of one CLDR width ("wide", "abbreviated") -> their index, unaccented."""
    return {
        fold_accents(str(name)).lower().rstrip("."): int(index)
        for locale in ("es", "es_419")
        for index, name in table(width, locale=locale).items()
    }


_NUMBER_WORD = r"\b(" + "|".join(_NUMBERS) + r")\b"
_SCHOOL = r"(?:clases?|escuela|cole|colegio|insti|instituto|prepa|secu|secundaria|liceo)"

_AMOUNT = r"[0-9]+(?:[.,][0-9]+)?"
_UNITS = {
    "minutes": r"minutos?|mins?|m",
    "hours": r"horas?|hrs?|hs|h",
    "days": r"dias?|d",
    "weeks": r"semanas?|sem",
    "months": r"mes(?:es)?",
    "years": r"anos?",
}
_UNIT = "(?:" + "|".join(_UNITS.values()) + ")"
_CHAIN = rf"{_AMOUNT}\s*{_UNIT}\b(?:\s*(?:,|y)?\s*{_AMOUNT}\s*{_UNIT}\b)*"
_DURATION_RE = re.compile(
    rf"\b(?P<lead>en|dentro de|hace)\s+(?P<chain>{_CHAIN})|^(?P<bare>{_CHAIN})$"
)
_PART_RE = re.compile(rf"(?P<amount>{_AMOUNT})\s*(?P<unit>{_UNIT})\b")


def _duration(match: re.Match[str]) -> str:
    """A Spanish duration in English: "en 1 h 30 min" -> "in 1 hours and 30 minutes",
    "hace 2 horas" -> "2 hours ago"."""
    chain = match["chain"] or match["bare"]
    parts = []
    for part in _PART_RE.finditer(chain):
        unit = next(
            english for english, spanish in _UNITS.items() if re.fullmatch(spanish, part["unit"])
        )
        parts.append(f"{part['amount'].replace(',', '.')} {unit}")
    body = " and ".join(parts)
    if match["lead"] == "hace":
        return f"{body} ago"
    return f"in {body}" if match["lead"] else body


def _minus(match: re.Match[str]) -> str:
    """Minutes before the hour: "5 menos cuarto" -> "4:45", "5 menos 10" -> "4:50" ("la
    una menos cuarto" is 12:45)."""
    hour, minutes = int(match[1]), 15 if match[2] == "cuarto" else int(match[2])
    if not 1 <= minutes <= 59 or hour > 23:
        return match[0]
    before = hour - 1 if hour > 12 else (hour - 2) % 12 + 1
    return f"{before}:{60 - minutes:02d}"


def _and_minutes(match: re.Match[str]) -> str:
    """Minutes after the hour: "4 y 20" -> "4:20" (not a clock time: left as it is)."""
    hour, minutes = int(match[1]), int(match[2])
    return f"{hour}:{minutes:02d}" if hour <= 23 and minutes <= 59 else match[0]


_Step = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]


def _step(pattern: str, replacement: str | Callable[[re.Match[str]], str]) -> _Step:
    return re.compile(pattern), replacement


@cache
def _grammar() -> tuple[re.Pattern[str], tuple[_Step, ...]]:
    """What tells Spanish apart, and the rewriting steps in order (built on first use: the
    CLDR names take a few tens of milliseconds to load, which a `bridges` command that never
    reads a time should not pay)."""
    english_days = {i: str(n).lower() for i, n in get_day_names("wide", locale="en").items()}
    english_months = {i: str(n).lower() for i, n in get_month_names("wide", locale="en").items()}
    days = {**_names(get_day_names, "wide"), **_names(get_day_names, "abbreviated")}
    del days["mar"]  # "mar" is March in English; write "martes"
    months = {**_names(get_month_names, "wide"), "setiembre": 9}
    month_abbreviations = {**_names(get_month_names, "abbreviated"), "set": 9}  # after a day only

    any_month = {**months, **month_abbreviations}
    day = "(?P<day>" + "|".join(sorted(days, key=len, reverse=True)) + ")"
    month = "(?P<month>" + "|".join(sorted(any_month, key=len, reverse=True)) + ")"

    def in_english(match: re.Match[str]) -> str:
        """A Spanish date in English: "3 de diciembre de 2026" -> "december 3 2026"."""
        number = "1" if match["number"] == "primero" else match["number"]
        name = english_months[any_month[match["month"]]]
        return " ".join(filter(None, (name, number, match["year"])))

    def weekday(prefix: str) -> Callable[[re.Match[str]], str]:
        return lambda match: prefix + english_days[days[match["day"]]]

    detector = re.compile(
        r"\b(?:hoy|manana|pasado|ayer|anteayer|antier|el|la|las|los|del|de|en|dentro|hace"
        r"|proxim[oa]|que viene|est[ea]|y|media|cuarto|menos|punto|horas?|minutos?|dias?"
        r"|semanas?|mes(?:es)?|mediodia|medianoche|madrugada|tarde|noche|despues|salida"
        r"|por|para|sobre|tipo|primero|" + "|".join([*days, *months, *_NUMBERS]) + r")\b"
    )

    steps: tuple[_Step, ...] = (
        _step(r"[¿?¡!º°ª]", ""),
        # Durations first, while "h" and "m" after a number still mean hours and minutes.
        _step(r"\b(?:1 |un )?cuarto de hora\b", "15 minutos"),
        _step(r"\btres cuartos de hora\b", "45 minutos"),
        _step(r"\bmedia hora\b", "30 minutos"),
        _step(_NUMBER_WORD, lambda match: str(_NUMBERS[match[1]])),
        _step(r"\b([0-9]+) horas? y media\b", lambda match: f"{match[1]}.5 horas"),
        _step(r"\bhora y media\b", "1.5 horas"),
        _step(r"\b(?:a\s+)?las?\s+([0-9]{1,2})\s?(?:h|hs|hrs?|horas)\b", r"at \1:00"),
        (_DURATION_RE, _duration),
        # What is left of "18h", "16h30", "16.30" and "16:30 h" are clock times.
        _step(r"\b([0-9]{1,2})h([0-5][0-9])\b", r"\1:\2"),
        _step(r"\b([0-9]{1,2})\.([0-5][0-9])\b", r"\1:\2"),
        _step(r"\b([0-9]{1,2}:[0-9]{2})\s?(?:h|hs|hrs?|horas)\b", r"\1"),
        _step(r"\b([0-9]{1,2})\s?(?:h|hs|hrs)\b", r"\1:00"),
        # Clock times.
        _step(r"\b(?:(?:sobre|como a|a eso de|tipo a|tipo)\s+)?(?:a\s+)?las?\s+(?=[0-9])", "at "),
        _step(r"\b([0-9]{1,2}) y media\b", r"\1:30"),
        _step(r"\b([0-9]{1,2}) y cuarto\b", r"\1:15"),
        _step(r"\b([0-9]{1,2}) menos (cuarto|[0-9]{1,2})\b", _minus),
        _step(r"\b([0-9]{1,2}) y ([0-9]{1,2})\b", _and_minutes),
        _step(r"\s*\ben punto\b", ""),
        # Parts of the day, before "mañana" alone is read as tomorrow.
        _step(r"\b(?:at )?12 (?:de la noche|de la madrugada)\b", "midnight"),
        _step(r"\b12:([0-5][0-9]) (?:de la noche|de la madrugada)\b", r"12:\1am"),
        _step(r"\b(?:at )?12 (?:del mediodia|de la tarde)\b", "noon"),
        _step(r"\b(?:a |al |del )?mediodia\b", "noon"),
        _step(r"\b(?:a |de )?medianoche\b", "midnight"),
        _step(r"\besta manana\b", "this morning"),
        _step(r"\besta tarde\b", "this afternoon"),
        _step(r"\besta noche\b", "tonight"),
        _step(r"\b(?:de|por|en|a) la (?:manana|madrugada)\b", "morning"),
        _step(r"\b(?:de|por|en|a) la tarde\b", "afternoon"),
        _step(r"\b(?:de|por|en|a) la noche\b", "night"),
        _step(rf"\b(?:despues|luego) (?:de|del)(?: la| las| los)? {_SCHOOL}\b", "afternoon"),
        _step(rf"\ba la salida(?: (?:de|del)(?: la| las)? {_SCHOOL})?\b", "afternoon"),
        _step(
            r"(?<![0-9:])(?<!at )\b([0-9]{1,2}(?::[0-9]{2})?) (?=morning|afternoon|night)",
            r"at \1 ",
        ),
        # Days.
        _step(r"\bpasado manana\b", "in 2 days"),
        _step(r"\bmanana\b", "tomorrow"),
        _step(r"\bhoy\b", "today"),
        _step(r"\b(?:anteayer|antier)\b", "2 days ago"),
        _step(r"\bayer\b", "yesterday"),
        _step(rf"\b(?:(?:el|este|para el)\s+)?proxim[oa]\s+{day}\b", weekday("next ")),
        _step(rf"\b(?:el\s+)?{day}\s+(?:proximo|que viene)\b", weekday("next ")),
        _step(rf"\b(?:(?:el|este|para el)\s+)?{day}\b", weekday("")),
        # Dates.
        _step(
            rf"\b(?:el\s+)?(?:dia\s+)?(?P<number>[0-9]{{1,2}}|primero)\s+(?:de\s+)?{month}\b"
            r"(?:\s+(?:de|del)\s+(?P<year>[0-9]{4}))?",
            in_english,
        ),
        _step(
            rf"\b{month}\s+(?P<number>[0-9]{{1,2}})\b(?:\s+(?:de|del)\s+(?P<year>[0-9]{{4}}))?",
            in_english,
        ),
        _step(r"\b(?:el|la|las|los|del|de|para|dia|este|esta)\b", ""),
    )
    return detector, steps


def to_english(words: str) -> str:
    """``words`` (lower case, single spaces) in the parser's English, if they are Spanish;
    otherwise ``words`` unchanged."""
    detector, steps = _grammar()
    folded = fold_accents(words)
    if folded == words and not detector.search(words):
        return words
    text = folded
    for pattern, replacement in steps:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())
