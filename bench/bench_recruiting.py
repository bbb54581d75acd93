"""Recruiting at the size of a big program, on SQLite and on PostgreSQL: what a mentee's
join adds (their place on the waiting list), the roster's recruiting pages and the
report's recruiting section.

5,000 students: 2,000 mentors (1,800 trained, capacity 2) and 3,000 mentees, 2,400 of
them matched (600 of those matches closed and re-made), so 600 wait; 5,000 sign-ups over
the year plus 1,000 re-joinings, half through one of 220 invitations (20 staff posts, 200
student leaders' own). Times are medians of 20 runs (5 for the report section).

    .venv/bin/python bench/bench_recruiting.py [--postgres postgresql+asyncpg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_report import drop_postgres, postgres_database
from bot.clock import FixedClock
from bot.config import load_settings
from bot.delivery import DeliveryEngine, DeliverySettings, Message
from bot.services.programs import ProgramService
from bot.services.recruiting import RecruitingService
from bot.services.reports import Scope, recruiting_section
from cogs import delivery_texts
from storage.db import create_engine, create_sessions, is_sqlite
from storage.migrate import upgrade
from storage.models import (
    GuildSettings,
    Invitation,
    InvitationAudience,
    InvitationKind,
    Match,
    MatchStatus,
    Member,
    ProgramRole,
    Signup,
    TrainingCompletion,
    TrainingModule,
)

GUILD = 1
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
MENTORS, TRAINED, MENTEES, MATCHED = 2_000, 1_800, 3_000, 2_400
STAFF_POSTS, LEADERS = 20, 200
CHUNK = 5_000


class Nowhere:
    """A Transport that never sends (nothing is posted in this benchmark)."""

    async def open_dm(self, user_id: int) -> int:
        return user_id

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        return 1


async def _insert(connection: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(model), rows[start : start + CHUNK])


async def seed(url: str) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    start = NOW - YEAR
    people = MENTORS + MENTEES
    step = YEAR / people

    def joined(member: int) -> datetime:
        return start + step * member

    async with engine.begin() as connection:
        await _insert(
            connection,
            GuildSettings,
            [
                {
                    "guild_id": GUILD,
                    "time_zone": "America/New_York",
                    "checkin_weekday": 0,
                    "checkin_time": NOW.time(),
                    "created_at": start,
                    "updated_at": start,
                }
            ],
        )
        await _insert(
            connection,
            Member,
            [
                {
                    "id": n,
                    "guild_id": GUILD,
                    "user_id": 10_000 + n,
                    "role": ProgramRole.MENTOR if n <= MENTORS else ProgramRole.MENTEE,
                    "grade": 11 if n <= MENTORS else 8,
                    "capacity": 2 if n <= MENTORS else None,
                    "active": True,
                    "consented_at": joined(n),
                    "created_at": joined(n),
                    "updated_at": joined(n),
                }
                for n in range(1, people + 1)
            ],
        )
        await _insert(
            connection,
            TrainingModule,
            [{"id": 1, "guild_id": GUILD, "title": "t", "content": "c", "minutes": 120,
              "created_at": start}],
        )  # fmt: skip
        await _insert(
            connection,
            TrainingCompletion,
            [
                {"module_id": 1, "member_id": n, "reflection": "r", "completed_at": start,
                 "confirmed_by": 1, "confirmed_at": start}
                for n in range(1, TRAINED + 1)
            ],
        )  # fmt: skip
        matches = []
        for k in range(MATCHED):
            mentee, mentor = MENTORS + 1 + k, 1 + k % TRAINED
            made = joined(mentee) + timedelta(days=3 + k % 20)
            if k % 4 == 0:  # closed, then matched again
                matches.append(
                    {"guild_id": GUILD, "mentor_id": 1 + (k + 7) % TRAINED, "mentee_id": mentee,
                     "status": MatchStatus.CLOSED, "created_by": 1, "created_at": made,
                     "ended_at": min(made + timedelta(days=30), NOW)}
                )  # fmt: skip
                made += timedelta(days=40)
            matches.append(
                {"guild_id": GUILD, "mentor_id": mentor, "mentee_id": mentee,
                 "status": MatchStatus.ACTIVE, "created_by": 1, "created_at": min(made, NOW),
                 "ended_at": None}
            )  # fmt: skip
        await _insert(connection, Match, matches)
        invitations = [
            {"id": n, "guild_id": GUILD, "kind": InvitationKind.STAFF,
             "audience": InvitationAudience.BOTH, "created_by": 1, "created_at": start}
            for n in range(1, STAFF_POSTS + 1)
        ] + [
            {"id": STAFF_POSTS + n, "guild_id": GUILD, "kind": InvitationKind.LEADER,
             "audience": InvitationAudience.BOTH, "created_by": 10_000 + n, "created_at": start}
            for n in range(1, LEADERS + 1)
        ]  # fmt: skip
        await _insert(connection, Invitation, invitations)
        signups = []
        for n in range(1, people + 1):
            role = ProgramRole.MENTOR if n <= MENTORS else ProgramRole.MENTEE
            through = 1 + n % len(invitations) if n % 2 else None
            signups.append(
                {"guild_id": GUILD, "member_id": n, "role": role, "invitation_id": through,
                 "joined_at": joined(n)}
            )  # fmt: skip
            if n % 5 == 0:  # left and came back
                signups.append(
                    {"guild_id": GUILD, "member_id": n, "role": role, "invitation_id": None,
                     "joined_at": joined(n) + timedelta(days=1)}
                )  # fmt: skip
        await _insert(connection, Signup, signups)
    if not is_sqlite(url):  # PostgreSQL's autovacuum keeps statistics; run it once now
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    await engine.dispose()


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def measure(url: str, label: str) -> None:
    started = time.perf_counter()
    await seed(url)
    print(f"[{label}] seeded in {time.perf_counter() - started:.1f} s")
    engine = create_engine(url)
    sessions = create_sessions(engine)
    settings = load_settings(None, {})
    clock = FixedClock(NOW)
    delivery = DeliveryEngine(
        sessions, clock, Nowhere(), DeliverySettings(), delivery_texts.fallback
    )
    service = RecruitingService(
        sessions,
        clock,
        ProgramService(sessions, clock, settings.program),
        settings.recruiting,
        settings.matching,
        delivery,
    )
    last_mentee = 10_000 + MENTORS + MENTEES
    place = await service.place(GUILD, last_mentee)
    roster = await service.roster(GUILD)
    print(
        f"[{label}] waiting {len(roster.waiting)}, free places {roster.free_places}, "
        f"credited {len(roster.credits)}, invitations {len(roster.invitations)}; "
        f"last mentee's place {place}"
    )
    print(f"[{label}] place on the waiting list (each mentee join): "
          f"{await timed(lambda: service.place(GUILD, last_mentee), 20):.1f} ms")  # fmt: skip
    print(f"[{label}] roster's recruiting data (/staff roster): "
          f"{await timed(lambda: service.roster(GUILD), 20):.1f} ms")  # fmt: skip

    async def section(days: int) -> None:
        async with sessions() as session:
            await recruiting_section(session, Scope(GUILD, NOW - timedelta(days=days), NOW))

    for days in (30, 365):
        took = await timed(lambda days=days: section(days), 5)  # type: ignore[misc]
        print(f"[{label}] report section, {days} days: {took:.1f} ms")
    async with sessions() as session:
        figures = (await recruiting_section(session, Scope(GUILD, NOW - YEAR, NOW))).figures
    print(f"[{label}] year figures: {figures}")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="an admin URL; a database is made")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await measure(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", "sqlite")
    if args.postgres:
        url, name = await postgres_database(args.postgres)
        try:
            await measure(url, "postgresql")
        finally:
            await drop_postgres(args.postgres, name)


if __name__ == "__main__":
    asyncio.run(main())
