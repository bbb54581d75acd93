"""Sessions at scale: rebuilding jobs for 20,000 future sessions on start, and how late
1,000 reminders due in the same minute go out.

Runs the real sessions cog, service, scheduler and SQLite database; only Discord is
replaced, by users whose ``send`` records the moment it was called (the sending itself
is the delivery engine's benchmark).
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bot.app import BridgesBot
from bot.clock import SystemClock
from bot.config import load_settings
from bot.scheduler import Scheduler
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import (
    Delivery,
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


EXPECTED_DMS = 2_000
ALL_SENT = asyncio.Event()
SENT: list[datetime] = []


class FakeUser:
    async def send(self, *_args: Any, **_kwargs: Any) -> None:
        SENT.append(datetime.now(UTC))
        if len(SENT) == EXPECTED_DMS:
            ALL_SENT.set()


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


async def burst(folder: Path) -> None:
    url = f"sqlite+aiosqlite:///{folder / 'burst.db'}"
    due = datetime.now(UTC) + timedelta(seconds=25)
    await seed(
        url, pairs=1_000, per_pair=1, first=due + timedelta(minutes=15), gap=timedelta(days=7)
    )
    bot, cog, engine = await start_cog(url)
    users: dict[int, FakeUser] = {}

    async def fetch_user(user_id: int) -> FakeUser:
        return users.setdefault(user_id, FakeUser())

    bot.fetch_user = fetch_user  # type: ignore[assignment, method-assign]
    await cog.reconcile()
    await asyncio.wait_for(ALL_SENT.wait(), timeout=180)
    for _ in range(120):  # let the last deliveries record that they were sent
        async with create_sessions(engine)() as session:
            pending = await session.scalar(
                select(func.count()).select_from(Delivery).where(Delivery.sent_at.is_(None))
            )
        if not pending:
            break
        await asyncio.sleep(0.5)
    lateness = sorted((sent - due).total_seconds() for sent in SENT)
    p99 = lateness[max(0, int(len(lateness) * 0.99) - 1)]
    print(
        f"1000 sessions' 15-minute reminders due at once: {len(lateness)} DMs, "
        f"lateness p50 {statistics.median(lateness):.2f} s, p99 {p99:.2f} s, "
        f"max {lateness[-1]:.2f} s (goal p99 <= 5 s)"
    )
    bot.scheduler.shutdown()
    await engine.dispose()


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        await reconcile(Path(folder))
        await burst(Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
