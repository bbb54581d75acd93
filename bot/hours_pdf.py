"""A mentor's one-page certificate of service hours, as a PDF the school prints and signs.

Made with fpdf2 (pure Python, its dependencies Pillow and fontTools already come with
matplotlib), imported only when a certificate is made: it takes about 0.6 s to import,
which no other command should pay. The text is set in DejaVu Sans, the font matplotlib
ships (``matplotlib/mpl-data/fonts/ttf``), found without importing matplotlib, cut down
once to the scripts a certificate writes (Latin with Vietnamese, Greek, Cyrillic) and kept
in the temporary directory: fpdf2 parses the whole font for every document, and the cut
font parses four times faster. A character it lacks (an emoji in a display name, a CJK,
Arabic or Hebrew name, which would also need shaping) is left out rather than printed as a
box; a name with nothing left is written as the Discord user id.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from bot.hours_texts import hours_phrase
from bot.i18n import Date, Text
from bot.services.hours import Activity, MentorHours, Period

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "dejavu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
#: What the certificate's font keeps: Latin (and IPA, combining marks), Greek, Cyrillic,
#: Latin Extended Additional (Vietnamese), punctuation and currency signs.
SCRIPTS = ((0x20, 0x52F), (0x1E00, 0x1EFF), (0x2000, 0x20CF))
ACCENT = (88, 101, 242)  # Discord's blurple, like the bot's embeds
GREY = (90, 90, 90)


@dataclass(frozen=True)
class Certificate:
    school: str  # the server's name
    mentor: str  # the mentor's display name
    mentor_user_id: int
    staff: str  # the display name of the staff member who exported it
    period: Period
    hours: MentorHours
    issued_on: date  # in the program's time zone
    issued_at: datetime  # the PDF's creation date


def font_directory() -> Path:
    """Where matplotlib keeps its fonts, found without importing it."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed; its DejaVu fonts set the certificate")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


@cache
def font_file(style: str) -> Path:
    """The certificate's font in ``style``, cut to ``SCRIPTS``: made once, then reused from
    the temporary directory (named after the source, so a new matplotlib makes a new one)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    source = font_directory() / FONT_FILES[style]
    found = source.stat()
    folder = Path(tempfile.gettempdir()) / "bridges-fonts"
    target = folder / f"{source.stem}-{found.st_size}-{int(found.st_mtime)}.ttf"
    if target.is_file():
        return target
    folder.mkdir(exist_ok=True)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM"]
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[c for low, high in SCRIPTS for c in range(low, high + 1)])
    with TTFont(source) as font:
        cutter.subset(font)
        partial = target.with_name(f"{target.stem}.{os.getpid()}.tmp")
        font.save(partial)
    os.replace(partial, target)  # whole or not at all, even with two exports at once
    return target


@cache
def _covered() -> frozenset[int]:
    """The code points every style of the certificate's font can draw."""
    from fontTools.ttLib import TTFont

    found: frozenset[int] | None = None
    for style in FONT_FILES:
        with TTFont(font_file(style), lazy=True) as font:
            points = frozenset(font.getBestCmap())
        found = points if found is None else found & points
    return found or frozenset()


def drawable(text: str) -> str:
    """``text`` without the characters the font cannot draw, spaces tidied."""
    covered = _covered()
    return " ".join("".join(c for c in text if ord(c) in covered or c.isspace()).split())


def certificate_pdf(certificate: Certificate, language: str) -> bytes:
    """The certificate in ``language`` (the exporting staff member's), US Letter landscape
    (it prints on A4 scaled to fit)."""
    from fpdf import FPDF
    from fpdf.enums import Align, XPos, YPos

    def say(text: Text) -> str:
        return drawable(text.render(language))

    pdf = FPDF(orientation="L", unit="mm", format="letter")
    for style in FONT_FILES:
        pdf.add_font(FONT, style, str(font_file(style)))
    pdf.set_auto_page_break(False)
    pdf.set_margins(28, 20, 28)
    pdf.set_creation_date(certificate.issued_at)
    pdf.set_creator("Bridges")
    pdf.set_lang(language)
    title = say(Text("Certificate of Service Hours"))
    pdf.set_title(title)
    pdf.add_page()
    width, height = pdf.w, pdf.h
    _border(pdf, width, height)

    def line(text: str, size: float, *, bold: bool = False, gap: float = 0) -> None:
        pdf.set_font(FONT, "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.5, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    hours = certificate.hours
    mentor = drawable(certificate.mentor) or say(
        Text("Discord user {id}", id=str(certificate.mentor_user_id))
    )
    pdf.set_y(30)
    pdf.set_text_color(*ACCENT)
    line(drawable(certificate.school) or say(Text("Mentoring program")), 22, bold=True, gap=4)
    pdf.set_text_color(0, 0, 0)
    line(title, 26, bold=True, gap=8)
    line(say(Text("This certifies that")), 14, gap=3)
    line(mentor, 28, bold=True, gap=5)
    line(
        say(
            Text(
                "gave {hours} of service as a peer mentor in the school's mentoring program, "
                "from {start} to {end}.",
                hours=hours_phrase(hours.minutes),
                start=Date(certificate.period.start, "yMMMMd"),
                end=Date(certificate.period.end, "yMMMMd"),
            )
        ),
        14,
        gap=3,
    )
    pdf.set_text_color(*GREY)
    line(
        say(
            Text(
                "Mentoring sessions: {sessions}. Mentor training: {training}. Mentor check-ins: "
                "{checkins}.",
                sessions=hours_phrase(hours.minutes_of(Activity.SESSION)),
                training=hours_phrase(hours.minutes_of(Activity.TRAINING)),
                checkins=hours_phrase(hours.minutes_of(Activity.MENTOR_CHECKIN)),
            )
        ),
        11,
    )
    staff = drawable(certificate.staff)
    _signature_lines(pdf, height, say(Text("{name}, program staff", name=staff)), say(Text("Date")))
    pdf.set_text_color(*GREY)
    pdf.set_y(height - 27)
    line(
        say(
            Text(
                "Issued on {date} by {name}, from the program's records in Bridges: sessions "
                "that happened, training confirmed by staff and mentor check-ins.",
                date=Date(certificate.issued_on, "yMMMMd"),
                name=staff,
            )
        ),
        8,
    )
    return bytes(pdf.output())


def _border(pdf: FPDF, width: float, height: float) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, width - 26, height - 26)


def _signature_lines(pdf: FPDF, height: float, signer: str, dated: str) -> None:
    """A line to sign over the staff member's name, and a line for the date."""
    from fpdf.enums import Align

    y = height - 52
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "", 11)
    for left, right, caption in ((40.0, 140.0, signer), (180.0, 240.0, dated)):
        pdf.line(left, y, right, y)
        pdf.set_xy(left, y + 2)
        pdf.multi_cell(right - left, 5, caption, align=Align.C)
