"""The roster's pages and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.services.matches import MentorLine, Roster
from cogs.staff import PAGE_SIZE, roster_csv, roster_pages

SINCE = datetime(2026, 9, 1, tzinfo=UTC)


def roster(pairs: int, waiting: int) -> Roster:
    return Roster(
        pairs=tuple((100 + i, 200 + i, SINCE) for i in range(pairs)),
        unmatched_mentees=tuple(300 + i for i in range(waiting)),
        mentors=(MentorLine(user_id=100, load=1, capacity=2, confirmed_minutes=90, trained=False),),
    )


def test_pages_hold_every_line() -> None:
    pages = roster_pages(roster(pairs=12, waiting=9))
    assert len(pages) == 3  # 12 + 9 + 1 = 22 lines
    assert all(len((page.description or "").splitlines()) <= PAGE_SIZE for page in pages)
    assert pages[0].title == "Roster (12 matches, 9 waiting, 1 mentors)"
    assert pages[-1].footer.text == "Page 3 of 3"
    assert "(not yet trained)" in (pages[-1].description or "")


def test_an_empty_roster_has_one_page() -> None:
    (page,) = roster_pages(Roster((), (), ()))
    assert page.description == "Nobody has joined yet."


def test_csv_has_the_same_rows() -> None:
    file = roster_csv(roster(pairs=2, waiting=1), {100: "Sam", 200: "Jordan"})
    rows = list(csv.reader(io.StringIO(file.fp.read().decode())))
    assert rows[0][:3] == ["kind", "mentor", "mentee"]
    assert rows[1][:4] == ["match", "Sam", "Jordan", SINCE.isoformat()]
    assert [row[0] for row in rows[1:]] == ["match", "match", "unmatched", "mentor"]
