"""Service hours without a database: what counts, months, periods, the CSV and the PDF."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from bot.errors import UserError
from bot.hours_pdf import Certificate, certificate_pdf, drawable, font_directory
from bot.hours_texts import (
    HourCount,
    PeriodName,
    file_stem,
    hours_csv,
    hours_phrase,
)
from bot.services.hours import (
    Activity,
    Entry,
    MentorHours,
    Period,
    Standing,
    parse_period,
    school_year,
    session_standing,
    suggested_periods,
)
from bot.spreadsheets import spreadsheet_safe
from cogs.hours import MAX_UPLOAD, bundled
from storage.models import AttendanceAnswer
from storage.repositories.hours import SessionRow

H, R, N = AttendanceAnswer.HAPPENED, AttendanceAnswer.RESCHEDULED, AttendanceAnswer.NO_SHOW
START = datetime(2026, 1, 4, 22, tzinfo=UTC)


def row(
    mentor: AttendanceAnswer | None, mentee: AttendanceAnswer | None, review: bool | None = None
) -> SessionRow:
    return SessionRow(1, 10, 20, START, START.replace(hour=23), mentor, mentee, review)


@pytest.mark.parametrize(
    ("mentor", "mentee", "review", "expected"),
    [
        (H, H, None, Standing.COUNTED),
        (H, None, None, Standing.COUNTED),  # the mentee has not answered: the mentor's word
        (None, H, None, Standing.COUNTED),  # the mentor has not answered: the mentee's word
        (H, N, None, Standing.DISPUTED),
        (H, R, None, Standing.DISPUTED),
        (H, N, True, Standing.CONFIRMED_BY_STAFF),
        (H, R, False, Standing.NOT_HAPPENED),
        (N, H, None, None),  # the mentor says it did not happen: nothing to credit
        (R, H, None, None),
        (None, N, None, None),
    ],
)
def test_what_a_session_earns(
    mentor: AttendanceAnswer | None,
    mentee: AttendanceAnswer | None,
    review: bool | None,
    expected: Standing | None,
) -> None:
    assert session_standing(row(mentor, mentee, review)) is expected


def hours(*entries: Entry) -> MentorHours:
    return MentorHours(7, "America/Chicago", entries)


def test_months_count_only_what_counts_newest_first() -> None:
    found = hours(
        Entry(Activity.TRAINING, date(2026, 1, 2), 120, Standing.COUNTED, "Listening"),
        Entry(Activity.SESSION, date(2026, 1, 31), 60, Standing.COUNTED, session_id=1),
        Entry(Activity.SESSION, date(2026, 2, 1), 45, Standing.DISPUTED, session_id=2),
        Entry(Activity.SESSION, date(2026, 2, 3), 30, Standing.CONFIRMED_BY_STAFF, session_id=3),
        Entry(Activity.MENTOR_CHECKIN, date(2026, 2, 9), 10, Standing.COUNTED),
        Entry(Activity.TRAINING, date(2026, 2, 9), 60, Standing.UNCONFIRMED, "Safety"),
    )
    months = found.by_month()
    assert [(m.month, m.minutes, m.sessions, m.trainings, m.checkins) for m in months] == [
        (date(2026, 2, 1), 40, 1, 0, 1),
        (date(2026, 1, 1), 180, 1, 1, 0),
    ]
    assert found.minutes == 220
    assert found.minutes_of(Activity.SESSION) == 90
    assert [entry.standing for entry in found.waiting] == [Standing.DISPUTED, Standing.UNCONFIRMED]


@pytest.mark.parametrize(
    ("typed", "start", "end"),
    [
        ("2026-03", date(2026, 3, 1), date(2026, 3, 31)),
        ("2028-2", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2025-09-01..2026-06-30", date(2025, 9, 1), date(2026, 6, 30)),
        (" 2025-9-1 .. 2026-6-30 ", date(2025, 9, 1), date(2026, 6, 30)),
        ("2025-12-01/2025-12-31", date(2025, 12, 1), date(2025, 12, 31)),
    ],
)
def test_periods_staff_type(typed: str, start: date, end: date) -> None:
    period = parse_period(typed)
    assert (period.start, period.end) == (start, end)
    assert parse_period(period.value) == period


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("last spring", "couldn't read the period"),
        ("2026-13", "couldn't read the period"),
        ("2026-02-30..2026-03-01", "couldn't read the period"),
        ("2026-06-30..2025-09-01", "ends before it starts"),
        ("2020-01-01..2026-01-01", "at most three years"),
    ],
)
def test_a_period_that_cannot_be_read_says_what_works(typed: str, says: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_period(typed)
    assert says in raised.value.message and "2025-09-01..2026-06-30" in raised.value.message


@given(st.text(max_size=60))
def test_any_typed_period_is_read_or_refused_with_a_sentence(typed: str) -> None:
    try:
        period = parse_period(typed)
    except UserError as refused:
        assert refused.message.render("es") != refused.message  # type: ignore[attr-defined]
    else:
        assert period.start <= period.end


def test_school_years_and_the_suggested_periods() -> None:
    assert school_year(date(2026, 1, 15), 8) == Period(date(2025, 8, 1), date(2026, 7, 31))
    assert school_year(date(2026, 8, 1), 8) == Period(date(2026, 8, 1), date(2027, 7, 31))
    assert school_year(date(2026, 5, 1), 1) == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert school_year(date(2026, 2, 1), 3) == Period(date(2025, 3, 1), date(2026, 2, 28))
    periods = suggested_periods(date(2026, 1, 15), 8)
    assert periods[:4] == [
        Period(date(2025, 8, 1), date(2026, 7, 31)),
        Period(date(2024, 8, 1), date(2025, 7, 31)),
        Period(date(2026, 1, 1), date(2026, 1, 31)),
        Period(date(2025, 12, 1), date(2025, 12, 31)),
    ]


def test_periods_and_hours_in_each_language() -> None:
    assert PeriodName(Period(date(2026, 1, 1), date(2026, 1, 31))).render("es") == "enero de 2026"
    assert PeriodName(Period(date(2026, 1, 1), date(2026, 12, 31))).render("en") == "2026"
    school = PeriodName(Period(date(2025, 8, 1), date(2026, 1, 15)))
    assert school.render("en") == "Aug 1, 2025 to Jan 15, 2026"
    assert school.render("es") == "1 ago 2025 al 15 ene 2026"
    assert HourCount(750).render("en") == "12.5" and HourCount(750).render("es") == "12,5"
    assert hours_phrase(60).render("es") == "1 hora"
    assert hours_phrase(190).render("en") == "3.17 hours"
    assert hours_phrase(0).render("es") == "0 horas"


def test_the_csv_lists_every_entry_in_the_readers_language_and_runs_no_formula() -> None:
    found = hours(
        Entry(Activity.TRAINING, date(2026, 1, 2), 120, Standing.COUNTED, "=HYPERLINK(x)"),
        Entry(Activity.SESSION, date(2026, 1, 4), 60, Standing.DISPUTED, session_id=1),
        Entry(Activity.MENTOR_CHECKIN, date(2026, 1, 5), 10, Standing.COUNTED),
    )
    body = hours_csv(found, "es")
    assert body.startswith(b"\xef\xbb\xbf")  # a byte order mark: spreadsheets read the accents
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["fecha", "actividad", "minutos", "confirmada"]
    assert rows[1] == ["2026-01-02", "Formación de mentores: =HYPERLINK(x)", "120", "sí"]
    assert rows[2][0:3] == ["2026-01-04", "Sesión de mentoría", "60"]
    assert rows[2][3].startswith("no: ")
    english = list(csv.reader(io.StringIO(hours_csv(found, "en").decode("utf-8-sig"))))
    assert english[0] == ["date", "what", "minutes", "confirmed"]
    assert english[3] == ["2026-01-05", "Mentor check-in", "10", "yes"]


def test_a_cell_that_would_run_as_a_formula_is_quoted() -> None:
    assert spreadsheet_safe("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    assert spreadsheet_safe("@SUM(1)") == "'@SUM(1)" and spreadsheet_safe("-2+3") == "'-2+3"
    assert spreadsheet_safe("Sam") == "Sam"


def test_file_names_from_display_names() -> None:
    assert file_stem("Sofía R.", 1) == "sofia-r"
    assert file_stem("🌟🌟", 123) == "123"


def certificate(mentor: str = "Sofía Ramírez 🌟") -> Certificate:
    found = hours(
        Entry(Activity.SESSION, date(2026, 1, 4), 60, Standing.COUNTED, session_id=1),
        Entry(Activity.TRAINING, date(2026, 1, 2), 120, Standing.COUNTED, "Listening"),
        Entry(Activity.MENTOR_CHECKIN, date(2026, 1, 5), 30, Standing.COUNTED),
        Entry(Activity.SESSION, date(2026, 1, 11), 45, Standing.DISPUTED, session_id=2),
    )
    return Certificate(
        school="Eastside Alternative School",
        mentor=mentor,
        mentor_user_id=4242,
        staff="Ms Rivera",
        period=Period(date(2025, 8, 1), date(2026, 1, 15)),
        hours=found,
        issued_on=date(2026, 1, 15),
        issued_at=datetime(2026, 1, 15, 18, tzinfo=UTC),
    )


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def test_the_certificate_in_english() -> None:
    text = pdf_text(certificate_pdf(certificate(), "en"))
    for expected in (
        "Eastside Alternative School",
        "Certificate of Service Hours",
        "Sofía Ramírez",
        "3.5 hours",  # 60 + 120 + 30 minutes; the disputed session does not count
        "from August 1, 2025 to January 15, 2026",
        "Ms Rivera, program staff",
        "Date",
    ):
        assert expected in text, (expected, text)


def test_the_certificate_in_spanish() -> None:
    text = pdf_text(certificate_pdf(certificate(), "es"))
    for expected in (
        "Certificado de horas de servicio",
        "Sofía Ramírez",
        "3,5 horas",
        "del 1 de agosto de 2025 al 15 de enero de 2026",
        "Ms Rivera, personal del programa",
        "Fecha",
    ):
        assert expected in text, (expected, text)
    assert "Certificate" not in text


def test_a_name_the_font_cannot_draw_is_written_as_the_user_id() -> None:
    assert drawable("Sam 🌟 Lee") == "Sam Lee"
    assert "Usuario de Discord 4242" in pdf_text(certificate_pdf(certificate("名前"), "es"))


def test_the_font_comes_with_matplotlib() -> None:
    assert (font_directory() / "DejaVuSans.ttf").is_file()
    assert (font_directory() / "DejaVuSans-Bold.ttf").is_file()


def test_attachments_past_discords_limits_come_as_zips_under_the_upload_limit() -> None:
    small = [(f"f{n}.csv", b"x") for n in range(10)]
    assert [[f.filename for f in message] for message in bundled(small, "p")] == [
        [name for name, _ in small]
    ]
    (one,) = bundled([*small, ("g.csv", b"y")], "p")
    assert [f.filename for f in one] == ["service-hours-p.zip"]
    with zipfile.ZipFile(one[0].fp) as archive:
        assert len(archive.namelist()) == 11
    big = [(f"c{n}.pdf", bytes(MAX_UPLOAD // 3)) for n in range(12)]
    messages = bundled(big, "p")
    assert [m[0].filename for m in messages] == [f"service-hours-p-{n}.zip" for n in (1, 2, 3, 4)]
    names = []
    for (attachment,) in messages:
        with zipfile.ZipFile(attachment.fp) as archive:
            names += archive.namelist()
    assert names == [name for name, _ in big]
