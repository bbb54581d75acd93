"""Parsing speed of natural-language times, English and Spanish (settings are built once).

Spanish is rewritten into the English grammar first (bot.timeparse.spanish); the Spanish
figures include that step.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from datetime import UTC, datetime

from bot.errors import InvalidInput
from bot.timeparse import parse_when

PHRASES = {
    "en": [
        "tomorrow 4pm", "next friday at 3:30", "in 2 weeks at 4pm", "dec 3 10am", "monday 9am",
        "in 45 minutes", "tonight at 8", "2026-12-03 16:00", "noon tomorrow", "thursday 4:30 pm",
        "asdfgh", "yesterday 4pm",
    ],
    "es": [
        "mañana a las 4 de la tarde", "el próximo viernes a las 3:30", "en 2 semanas a las 4",
        "el 3 de diciembre a las 10", "el lunes a las 9 de la mañana", "en 45 minutos",
        "esta noche a las 8", "hoy a las 18h", "mañana al mediodía", "el jueves a las 4 y media",
        "cuando pueda", "ayer a las 4",
    ],
}  # fmt: skip
ROUNDS = 200
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def measure(phrases: list[str]) -> list[float]:
    per_call: list[float] = []
    for _ in range(ROUNDS):
        for phrase in phrases:
            began = time.perf_counter()
            with contextlib.suppress(InvalidInput):
                parse_when(phrase, "America/New_York", NOW)
            per_call.append(time.perf_counter() - began)
    return sorted(per_call)


def main() -> None:
    for language, phrases in PHRASES.items():
        ordered = measure(phrases)
        print(
            f"{language}: {len(ordered)} parses: median {statistics.median(ordered) * 1e3:.2f} ms, "
            f"p99 {ordered[int(len(ordered) * 0.99)] * 1e3:.2f} ms, "
            f"{len(ordered) / sum(ordered):.0f} parses/s"
        )


if __name__ == "__main__":
    main()
