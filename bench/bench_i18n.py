"""What a translated reply costs: microseconds per ``render`` of a real session reply, in
English and Spanish, the one-time catalog compile, and how many message ids there are.

The reply is ``/session schedule``'s (``session_texts.proposed_reply``): a sentence with a
nested summary, place and Discord timestamp, the shape of most replies.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from babel.messages.pofile import read_po

from bot import i18n
from bot.i18n import DOMAIN, LANGUAGES, Text, catalog_path
from bot.services.sessions import SessionView
from cogs import session_texts
from storage.models import Place, SessionStatus

ROUNDS = 20_000
START = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


def view() -> SessionView:
    return SessionView(
        id=12, series_id=None, match_id=3, guild_id=1, starts_at=START,
        ends_at=START + timedelta(minutes=45), topic="algebra", place=Place.VIDEO,
        place_detail="https://meet.example.org/abc", status=SessionStatus.PROPOSED,
        proposer_user_id=101, invitee_user_id=202, mentor_user_id=202, mentee_user_id=101,
        pair_channel_id=None, voice_channel_id=None, changed_at=START, match_active=True,
    )  # fmt: skip


def per_call_us(work: Callable[[], object], rounds: int = ROUNDS) -> tuple[float, float]:
    """Median and p99 of one call, in microseconds."""
    timings = []
    for _ in range(rounds):
        began = time.perf_counter()
        work()
        timings.append(time.perf_counter() - began)
    timings.sort()
    return statistics.median(timings) * 1e6, timings[int(len(timings) * 0.99)] * 1e6


def main() -> None:
    i18n._translations.cache_clear()
    began = time.perf_counter()
    for language in LANGUAGES:
        i18n._translations(language)
    print(
        f"compile every catalog from its .po: {(time.perf_counter() - began) * 1e3:.1f} ms (once)"
    )

    with catalog_path("es").open("rb") as source:
        catalog = read_po(source, locale="es", domain=DOMAIN)
    entries = [message for message in catalog if message.id]
    kinds = Counter(message.context or "messages" for message in entries)
    listed = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    print(f"message ids: {len(entries)} ({listed})")

    session = view()
    built = session_texts.proposed_reply(session, 3, ())
    simple = Text("Cancelled the session on {when}.", when="<t:1:F>")
    for label, work in (
        (
            "build the reply (Text objects, English value)",
            lambda: session_texts.proposed_reply(session, 3, ()),
        ),
        ("render it in English", lambda: built.render("en")),
        ("render it in Spanish", lambda: built.render("es")),
        (
            "build + render in Spanish (a whole reply)",
            lambda: session_texts.proposed_reply(session, 3, ()).render("es"),
        ),
        ("one-sentence Text, render in Spanish", lambda: simple.render("es")),
    ):
        median, p99 = per_call_us(work)
        print(f"{label}: median {median:.1f} µs, p99 {p99:.1f} µs")


if __name__ == "__main__":
    main()
