"""The history chart renders off the event loop to a PNG, whatever the weeks hold."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.services.checkins import Entry, History
from cogs.checkin_chart import render
from storage.models import CheckinStatus


def entry(week: int, status: CheckinStatus, mood: int | None = None) -> Entry:
    progress = (("Hand in homework", 3), ("Read a book", week % 5 + 1)) if mood else ()
    return Entry(
        date(2026, 1, 5) + timedelta(weeks=week), status, mood, progress, None, None, None, None
    )


async def test_a_png_of_mood_progress_and_missed_weeks() -> None:
    history = History(
        20,
        (
            entry(0, CheckinStatus.DONE, 4),
            entry(1, CheckinStatus.MISSED),
            entry(2, CheckinStatus.DONE, 2),
            entry(3, CheckinStatus.OPEN),
        ),
        0,
    )
    png = await asyncio.to_thread(render, history)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5_000


def test_only_missed_weeks_still_render() -> None:
    assert render(History(20, (entry(0, CheckinStatus.MISSED),), 0)).startswith(b"\x89PNG")


def test_the_chart_differs_by_language() -> None:
    history = History(20, (entry(0, CheckinStatus.DONE, 4), entry(1, CheckinStatus.MISSED)), 0)
    spanish = render(history, "es")
    assert spanish.startswith(b"\x89PNG") and spanish != render(history, "en")
