"""How long rebuilding jobs takes at start, and how late a burst of due jobs runs.

Prints: time and peak memory to add N future jobs (replace_existing, as reconcile does),
and the lateness (p50/p99/max) of M jobs all due in the same second.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

from bot.clock import SystemClock
from bot.jobs import REMINDER
from bot.scheduler import Scheduler

FUTURE_JOBS = 20_000
BURST = 1_000


async def noop(_row: int) -> None:
    return None


async def rebuild() -> None:
    scheduler = Scheduler(SystemClock(), misfire_grace_seconds=3600)
    scheduler.start()
    start = datetime.now(UTC) + timedelta(days=1)
    began = time.perf_counter()
    for row in range(FUTURE_JOBS):
        scheduler.run_at(REMINDER.id(row, "24h"), start + timedelta(minutes=row), noop, row)
    elapsed = time.perf_counter() - began
    scheduler.cancel_matching("reminder:")
    # The same again under tracemalloc (which slows it down) for the memory figure.
    tracemalloc.start()
    for row in range(FUTURE_JOBS):
        scheduler.run_at(REMINDER.id(row, "24h"), start + timedelta(minutes=row), noop, row)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    scheduler.shutdown()
    print(
        f"add {FUTURE_JOBS} jobs: {elapsed:.2f} s ({elapsed / FUTURE_JOBS * 1e6:.0f} us/job), "
        f"peak {peak / 2**20:.1f} MiB"
    )


async def burst() -> None:
    scheduler = Scheduler(SystemClock(), misfire_grace_seconds=3600)
    scheduler.start()
    lateness: list[float] = []
    due = datetime.now(UTC) + timedelta(seconds=2)
    done = asyncio.Event()

    async def record(_row: int) -> None:
        lateness.append((datetime.now(UTC) - due).total_seconds())
        if len(lateness) == BURST:
            done.set()

    for row in range(BURST):
        scheduler.run_at(f"burst:{row}", due, record, row)
    await asyncio.wait_for(done.wait(), timeout=120)
    scheduler.shutdown()
    ordered = sorted(lateness)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    print(
        f"{BURST} jobs due at once: lateness p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    asyncio.run(rebuild())
    asyncio.run(burst())
