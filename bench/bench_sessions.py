"""Sessions at scale: rebuilding jobs for 20,000 future sessions on start, and how late
the 2,000 DMs of 1,000 sessions' reminders due in the same minute go out.

Runs the real sessions cog, service, scheduler, delivery engine and SQLite database; only
Discord is replaced, by the loopback server (bench/loopback.py, in its own process, with
Discord's rate limits and a share of users with DMs closed). A reminder counts once its
delivery is recorded as sent (``sent_at``): end to end, not when its job started. The
engine sends at most ``rate_per_second`` requests a second, so the floor for the burst is
DMs / rate.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import discord
from sqlalchemy import func, insert, select

from bench.loopback import DM_OFFSET, Loopback, serving
from bot.app import BridgesBot
from bot.clock import SystemClock
from bot.config import load_settings
from bot.scheduler import Scheduler
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import (
    Delivery,
    DeliveryStatus,
    DmChannel,
    GuildSettings,
    Match,
    MatchStatus,
    Member,
    MentoringSession,
    Place,
    ProgramRole,
    SessionStatus,
)

GUILD = 1
PORT = 18_766
PAIR_CHANNEL_OFFSET = 5 * 10**14  # match p's pair channel (where a closed DM falls back)


async def seed(url: str, pairs: int, per_pair: int, first: datetime, gap: timedelta) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    now = datetime.now(UTC)
    async with engine.begin() as connection:
        await connection.execute(
            insert(GuildSettings).values(
                guild_id=GUILD,
                time_zone="America/New_York",
                checkin_weekday=0,
                checkin_time=dt_time(15, 30),
                created_at=now,
                updated_at=now,
            )
        )
        await connection.execute(
            insert(Member),
            [
                {
                    "id": i + 1,
                    "guild_id": GUILD,
                    "user_id": 10_000 + i,
                    "active": True,
                    "role": ProgramRole.MENTOR if i % 2 == 0 else ProgramRole.MENTEE,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(2 * pairs)
            ],
        )
        await connection.execute(
            insert(Match),
            [
                {
                    "id": p + 1,
                    "guild_id": GUILD,
                    "mentor_id": 2 * p + 1,
                    "mentee_id": 2 * p + 2,
                    "status": MatchStatus.ACTIVE,
                    "created_by": 1,
                    "channel_id": PAIR_CHANNEL_OFFSET + p + 1,
                    "created_at": now - timedelta(days=30),
                }
                for p in range(pairs)
            ],
        )
        rows = []
        for p in range(pairs):
            for k in range(per_pair):
                start = first + gap * k
                rows.append(
                    {
                        "guild_id": GUILD,
                        "match_id": p + 1,
                        "starts_at": start,
                        "ends_at": start + timedelta(minutes=45),
                        "place": Place.VIDEO,
                        "place_detail": "https://meet.example.org",
                        "status": SessionStatus.CONFIRMED,
                        "proposed_by": 2 * p + 2,
                        "invitee": 2 * p + 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        await connection.execute(insert(MentoringSession), rows)
        await connection.execute(  # DM channels known from earlier prompts, as in a live server
            insert(DmChannel),
            [
                {"user_id": 10_000 + i, "channel_id": 10_000 + i + DM_OFFSET, "created_at": now}
                for i in range(2 * pairs)
            ],
        )
    await engine.dispose()


async def start_cog(url: str) -> tuple[BridgesBot, Any, Any]:
    settings = load_settings(None, {"BRIDGES_DATABASE_URL": url})
    engine = create_engine(url)
    clock = SystemClock()
    bot = BridgesBot(
        settings=settings,
        sessions=create_sessions(engine),
        scheduler=Scheduler(clock, misfire_grace_seconds=3600),
        clock=clock,
        extensions=["cogs.sessions"],
    )
    await bot.load_extension("cogs.sessions")
    bot.scheduler.start()
    return bot, bot.cogs["SessionCog"], engine


async def reconcile(folder: Path) -> None:
    url = f"sqlite+aiosqlite:///{folder / 'reconcile.db'}"
    await seed(
        url,
        pairs=2_000,
        per_pair=10,
        first=datetime.now(UTC) + timedelta(days=2),
        gap=timedelta(days=5),
    )
    bot, cog, engine = await start_cog(url)
    began = time.perf_counter()
    jobs = await cog.reconcile()
    elapsed = time.perf_counter() - began
    print(f"reconcile 20000 future sessions: {elapsed:.2f} s for {jobs} jobs (goal < 5 s)")
    bot.scheduler.shutdown()
    await engine.dispose()


async def outcomes(engine: Any) -> dict[DeliveryStatus, int]:
    async with create_sessions(engine)() as session:
        rows = await session.execute(
            select(Delivery.status, func.count())
            .where(Delivery.kind == "reminder")
            .group_by(Delivery.status)
        )
        return {status: int(count) for status, count in rows}


async def burst(folder: Path) -> None:
    url = f"sqlite+aiosqlite:///{folder / 'burst.db'}"
    due = datetime.now(UTC) + timedelta(seconds=25)
    pairs = 1_000
    await seed(
        url, pairs=pairs, per_pair=1, first=due + timedelta(minutes=15), gap=timedelta(days=7)
    )
    server = Loopback()
    server.port = PORT
    discord.http.Route.BASE = server.base_url
    bot, cog, engine = await start_cog(url)
    await bot.http.static_login("loopback-token")  # REST only, to the loopback
    await bot.delivery.start()
    await cog.reconcile()
    expected = 2 * pairs
    for _ in range(720):  # until every reminder's outcome is recorded (at most 6 minutes)
        counts = await outcomes(engine)
        if sum(counts.values()) == expected and not counts.get(DeliveryStatus.PENDING):
            break
        await asyncio.sleep(0.5)
    async with create_sessions(engine)() as session:
        sent = list(
            await session.scalars(
                select(Delivery.sent_at).where(
                    Delivery.kind == "reminder", Delivery.sent_at.is_not(None)
                )
            )
        )
    lateness = sorted((at - due).total_seconds() for at in sent if at is not None)
    p99 = lateness[max(0, int(len(lateness) * 0.99) - 1)]
    rate = bot.settings.delivery.rate_per_second
    requests = expected + counts.get(DeliveryStatus.FALLBACK, 0)  # a fallback: refused DM + post
    summary = ", ".join(f"{status.value} {count}" for status, count in sorted(counts.items()))
    print(
        f"{pairs} sessions' 15-minute reminders due at once, end to end (recorded sent): "
        f"{len(lateness)} of {expected} DMs reached ({summary}); lateness p50 "
        f"{statistics.median(lateness):.2f} s, p99 {p99:.2f} s, max {lateness[-1]:.2f} s; "
        f"floor ({requests} requests at {rate:g} req/s): {requests / rate:.1f} s"
    )
    await bot.delivery.stop()
    bot.scheduler.shutdown()
    await bot.http.close()
    await engine.dispose()


async def main() -> None:
    # Each phase ends with the scheduler's shutdown, which cuts off the quiet-day checks
    # still running (every seeded match is quiet): not worth a traceback each.
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        await reconcile(Path(folder))
        with serving(PORT):
            await burst(Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
