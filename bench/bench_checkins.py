"""Preparing a week's check-ins for 5,000 mentees: deciding who is due when, opening the
check-ins due at one instant with their prompts, and draining them (time and peak memory).

Two programs are measured: every mentee in one zone (all 5,000 due at the same instant,
the common case), and mentees spread over four US zones with one in ten on their own day
and time. "open" is ``CheckinService.open_due`` as the check-ins cog calls it: transactions
of ``FANOUT_CHUNK`` check-ins, each inserting its check-ins and writing their prompts'
delivery rows with their messages (built by the cog's ``fanout``: text and Start button),
then every prompt queued on the real ``DeliveryEngine`` once the last has committed; the
longest of those transactions is how long other writers wait on SQLite; "drain" is the
engine's own work per prompt with a ``Transport`` that does nothing and no pacing, and the
batched writes of every outcome.
The sending itself, paced against a Discord that enforces its limits, is
``bench_delivery.py``. Runs on SQLite, or on the database named by
``BRIDGES_BENCH_DATABASE_URL`` (an empty PostgreSQL database).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

from sqlalchemy import insert

from bot.clock import FixedClock
from bot.config import load_settings
from bot.delivery import DeliveryEngine, DeliverySettings, Message
from bot.services.checkins import FANOUT_CHUNK, CheckinService
from bot.services.outbox import Changes, Transactions
from bot.services.programs import ProgramService
from cogs import delivery_texts
from cogs.checkins import fanout
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import (
    CheckinPreference,
    Goal,
    GoalStatus,
    GuildSettings,
    Match,
    MatchStatus,
    Member,
    ProgramRole,
)

MENTEES = 5_000
GUILD = 1
SUNDAY = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")


async def seed(url: str, spread: bool) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    rng = random.Random(5)
    now = SUNDAY - timedelta(days=30)
    members, matches, goals, preferences = [], [], [], []
    for i in range(MENTEES):
        mentee_id, mentor_id = 2 * i + 1, 2 * i + 2
        zone = rng.choice(ZONES) if spread else ZONES[0]
        for member_id, role in ((mentee_id, ProgramRole.MENTEE), (mentor_id, ProgramRole.MENTOR)):
            members.append(
                {
                    "id": member_id,
                    "guild_id": GUILD,
                    "user_id": 10_000 + member_id,
                    "role": role,
                    "time_zone": zone,
                    "active": True,
                    "consented_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        matches.append(
            {
                "guild_id": GUILD,
                "mentor_id": mentor_id,
                "mentee_id": mentee_id,
                "status": MatchStatus.ACTIVE,
                "created_by": 1,
                "channel_id": 50_000 + i,
                "created_at": now,
            }
        )
        for n in range(2):
            goals.append(
                {
                    "guild_id": GUILD,
                    "member_id": mentee_id,
                    "what": f"goal {n}",
                    "why": "it matters",
                    "measure": "we will see",
                    "due_on": (SUNDAY + timedelta(days=60)).date(),
                    "focus_area": "academics",
                    "status": GoalStatus.ACTIVE,
                    "created_at": now,
                }
            )
        if spread and rng.random() < 0.1:
            preferences.append(
                {
                    "member_id": mentee_id,
                    "weekday": rng.randrange(7),
                    "at": dt_time(rng.randrange(8, 20), rng.choice((0, 15, 30, 45))),
                    "updated_at": now,
                }
            )
    async with engine.begin() as connection:
        await connection.execute(
            insert(GuildSettings).values(
                guild_id=GUILD,
                time_zone=ZONES[0],
                checkin_weekday=0,
                checkin_time=dt_time(15, 30),
                created_at=now,
                updated_at=now,
            )
        )
        for table, rows in ((Member, members), (Match, matches), (Goal, goals)):
            for start in range(0, len(rows), 2_000):
                await connection.execute(insert(table), rows[start : start + 2_000])
        if preferences:
            await connection.execute(insert(CheckinPreference), preferences)
    await engine.dispose()


@dataclass
class Figures:
    plan_s: float = 0.0
    instants: int = 0
    open_s: float = 0.0
    opened: int = 0
    drain_s: float = 0.0
    enqueued: int = 0
    largest: tuple[int, float, float] = (0, 0.0, 0.0)
    longest_write_s: float = 0.0
    peak_bytes: int = 0


class Timed(Transactions):
    """The service's transactions, each timed from its first statement to its commit."""

    longest = 0.0

    @contextlib.asynccontextmanager
    async def begin(self, flow: str, *, queue: bool = True) -> AsyncIterator[Changes]:
        began = time.perf_counter()
        async with super().begin(flow, queue=False) as changes:
            yield changes
        Timed.longest = max(Timed.longest, time.perf_counter() - began)
        if queue:
            await self.queue([changes])


class Nowhere:
    """A Transport that sends nothing."""

    def __init__(self) -> None:
        self._ids = 0

    async def open_dm(self, user_id: int) -> int:
        return user_id + 10**15

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        self._ids += 1
        return self._ids


async def run_week(url: str, spread: bool, *, traced: bool) -> Figures:
    """Plan the week, then open and enqueue every instant due in it. With ``traced`` the
    peak memory is recorded (tracemalloc slows Python down, so times come from a run
    without it)."""
    await seed(url, spread)
    database = create_engine(url)
    sessions = create_sessions(database)
    settings = load_settings(None, {})
    clock = FixedClock(SUNDAY)
    unpaced = DeliverySettings(rate_per_second=1e6, channel_window_seconds=1e-6)
    engine = DeliveryEngine(sessions, clock, Nowhere(), unpaced, delivery_texts.fallback)
    service = CheckinService(
        sessions,
        clock,
        ProgramService(sessions, clock, settings.program),
        settings.checkins,
        transactions=Timed(sessions, clock, engine),
    )
    await engine.start()
    Timed.longest = 0.0
    figures = Figures()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    instants = await service.plan()
    figures.plan_s, figures.instants = time.perf_counter() - started, len(instants)
    for instant in instants:
        if instant > SUNDAY + timedelta(days=7):
            continue
        clock.set(instant)
        began = time.perf_counter()
        opened = await service.open_due(instant, fanout)
        middle = time.perf_counter()
        await engine.idle()
        ended = time.perf_counter()
        figures.opened += len(opened.checkins)
        figures.enqueued += len(opened.checkins) + len(opened.mentors)
        figures.open_s += middle - began
        figures.drain_s += ended - middle
        if len(opened.checkins) > figures.largest[0]:
            figures.largest = (len(opened.checkins), middle - began, ended - middle)
    figures.longest_write_s = Timed.longest
    if traced:
        figures.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    await engine.stop()
    await database.dispose()
    return figures


def report(label: str, timed: Figures, traced: Figures) -> None:
    print(f"\n{label}")
    plan_ms = timed.plan_s * 1000
    print(f"  decide who is due (plan):         {plan_ms:8.1f} ms, {timed.instants} instants")
    print(
        f"  open with prompts (all instants): {timed.open_s * 1000:8.1f} ms for {timed.opened} "
        f"check-ins and {timed.enqueued} prompts, mentees' and mentors' "
        f"({timed.open_s / max(timed.opened, 1) * 1e6:.0f} us per check-in)"
    )
    print(
        f"  drain with a null transport:      {timed.drain_s * 1000:8.1f} ms "
        "(engine work per prompt, outcomes written)"
    )
    count, opening, delivering = timed.largest
    print(
        f"  largest instant: {count} check-ins opened with their prompts in "
        f"{opening * 1000:.1f} ms (drained {delivering * 1000:.1f} ms later)"
    )
    print(
        f"  longest write transaction:        {timed.longest_write_s * 1000:8.1f} ms "
        f"({FANOUT_CHUNK} check-ins and their prompts)"
    )
    if traced.peak_bytes:
        print(f"  peak Python memory (tracemalloc): {traced.peak_bytes / 2**20:8.1f} MiB")
    else:
        print("  peak Python memory: not measured (one run only)")


async def main() -> None:
    url = os.environ.get("BRIDGES_BENCH_DATABASE_URL")
    if url:
        print("BRIDGES_BENCH_DATABASE_URL is for one run of one scenario on an empty database:")
        figures = await run_week(url, False, traced=False)
        report("one zone, all due at once", figures, Figures())
        return
    for label, spread in (("one zone, all due at once", False), ("four zones, 10% own day", True)):
        runs = []
        for traced in (False, True):
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                runs.append(await run_week(url, spread, traced=traced))
        report(label, *runs)


if __name__ == "__main__":
    asyncio.run(main())
