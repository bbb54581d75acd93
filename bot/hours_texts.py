"""What people read about service hours outside Discord's own markup: the CSV per mentor,
the words for each entry and period, and hours as a localized number ("12.5" / "12,5").

Discord-free, so the certificate (``bot.hours_pdf``) and the cogs share it.
"""

from __future__ import annotations

import io
import re

from babel.numbers import format_decimal

from bot.i18n import Date, Localized, Plural, Text, fold_accents
from bot.services.hours import Activity, Entry, MentorHours, Period, Standing
from bot.spreadsheets import SpreadsheetWriter


class HourCount(Localized):
    """Minutes as hours with up to two decimals, as the language writes numbers."""

    __slots__ = ("minutes",)

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes

    def render(self, language: str) -> str:
        return str(format_decimal(self.minutes / 60, "#,##0.##", locale=language))


def hours_phrase(minutes: int) -> Text:
    """ "12.5 hours", "1 hour" / "12,5 horas", "1 hora"."""
    return Plural(
        "{hours} hour", "{hours} hours", 1 if minutes == 60 else 2, hours=HourCount(minutes)
    )


def what(entry: Entry) -> Text:
    if entry.activity is Activity.SESSION:
        return Text("Mentoring session")
    if entry.activity is Activity.TRAINING:
        return Text("Mentor training: {title}", title=entry.title or "")
    return Text("Mentor check-in")


STANDINGS: dict[Standing, Text] = {
    Standing.COUNTED: Text("yes"),
    Standing.CONFIRMED_BY_STAFF: Text("yes, confirmed by staff"),
    Standing.DISPUTED: Text("no: the mentee answered it did not happen; waiting for staff"),
    Standing.NOT_HAPPENED: Text("no: staff found it did not happen"),
    Standing.UNCONFIRMED: Text("no: waiting for staff to confirm the module"),
}


class PeriodName(Localized):
    """ "January 2026", "2026" or "Aug 1, 2025 to Jan 15, 2026", in the reader's language."""

    __slots__ = ("period",)

    def __init__(self, period: Period) -> None:
        self.period = period

    def render(self, language: str) -> str:
        start, end = self.period.start, self.period.end
        if self.period.is_month:
            return Date(start, "yMMMM").render(language)
        if self.period.is_year:
            return str(start.year)
        return Text("{start} to {end}", start=Date(start, "yMMMd"), end=Date(end, "yMMMd")).render(
            language
        )


def hours_csv(hours: MentorHours, language: str) -> bytes:
    """One mentor's entries: date, what, minutes, whether it counts. UTF-8 with a byte
    order mark, so spreadsheet programs read the accents."""
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    # Translators: the columns of the service-hours spreadsheet.
    header = [Text("date"), Text("what"), Text("minutes"), Text("confirmed")]
    writer.writerow([column.render(language) for column in header])
    for entry in hours.entries:
        writer.writerow(
            [
                entry.day.isoformat(),
                what(entry).render(language),
                entry.minutes,
                STANDINGS[entry.standing].render(language),
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def file_stem(name: str, user_id: int) -> str:
    """A file name part from a display name ("Sofía R." -> "sofia-r"), else the user id."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold_accents(name).lower()).strip("-")[:40]
    return slug or str(user_id)
