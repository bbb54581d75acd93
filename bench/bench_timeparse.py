"""Parsing speed of natural-language times (the parser's settings are built once)."""

from __future__ import annotations

import contextlib
import statistics
import time
from datetime import UTC, datetime

from bot.errors import InvalidInput
from bot.timeparse import parse_when

PHRASES = [
    "tomorrow 4pm", "next friday at 3:30", "in 2 weeks at 4pm", "dec 3 10am", "monday 9am",
    "in 45 minutes", "tonight at 8", "2026-12-03 16:00", "noon tomorrow", "thursday 4:30 pm",
    "asdfgh", "yesterday 4pm",
]  # fmt: skip
ROUNDS = 200
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def main() -> None:
    per_call: list[float] = []
    for _ in range(ROUNDS):
        for phrase in PHRASES:
            began = time.perf_counter()
            with contextlib.suppress(InvalidInput):
                parse_when(phrase, "America/New_York", NOW)
            per_call.append(time.perf_counter() - began)
    ordered = sorted(per_call)
    print(
        f"{len(per_call)} parses: median {statistics.median(ordered) * 1e3:.2f} ms, "
        f"p99 {ordered[int(len(ordered) * 0.99)] * 1e3:.2f} ms, "
        f"{len(per_call) / sum(per_call):.0f} parses/s"
    )


if __name__ == "__main__":
    main()
