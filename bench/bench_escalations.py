"""Time from a student's /help-me submit to the staff post, with the delivery queue busy
with a 5,000-student check-in fan-out and with it idle (issue 6: under 2 s).

    .venv/bin/python bench/bench_escalations.py [--users 5000] [--escalations 10]

Discord is the loopback server (bench/loopback.py, its own process: 50 req/s global, 5 per
5 s per channel, 50007 for 10% of users, 1% 500s, enforce_nonce), reached through
discord.py's HTTP client and the real ``DeliveryEngine`` (default ``[delivery]`` settings,
SQLite). A BULK check-in fan-out to every mentee is started (each mentee costs a create-DM
and a post, plus a fallback post when DMs are closed: about four minutes at 46 req/s); at
even spacing through it, a student's request goes the way the /help-me modal sends it:
``EscalationService.raise_manual`` writing the escalation with the cog's staff post (the
program, the context, the post's text, embed and buttons) as an URGENT prompt in one
transaction, queued on the same engine once committed, then the ephemeral confirmation (an
interaction callback). Then the same with the queue idle.

Two times per request, from the submit: the staff post answered by Discord (the message
exists), and its outcome recorded (with the post linked to its escalation, in the same
transaction, by the cog's outcome hook). Prints p50/p95/max of each; nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

from discord.http import HTTPClient, Route
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import checkins, login
from bench.loopback import Loopback, serving
from bot.clock import SystemClock
from bot.config import load_settings
from bot.delivery import (
    DeliveryEngine,
    DeliverySettings,
    Health,
    Message,
    Prompt,
    nonce_for,
)
from bot.services.escalations import EscalationService, Opened
from bot.services.outbox import Transactions
from bot.services.programs import ProgramService
from cogs import delivery_texts
from cogs import escalation_texts as texts
from cogs.escalations import staff_post
from cogs.transport import DiscordTransport
from storage.db import Sessions, create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import DeliveryStatus, GuildSettings, Member, Urgency
from storage.repositories.deliveries import Outcome

PORT = 18_766
GUILD = 1
STAFF_CHANNEL = 7 * 10**14  # apart from DM (10**15 + id) and pair (5 * 10**14 + id) channels
STAFF_ROLE = 8 * 10**14
IDLE_SPACING = 1.5  # seconds between idle requests: the staff channel allows 5 per 5 s


class Timed(DiscordTransport):
    """discord.py's transport, noting when Discord answered each post (by nonce)."""

    def __init__(self, http: HTTPClient) -> None:
        super().__init__(lambda: http)
        self.answered: dict[str, float] = {}

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        message_id = await super().post(channel_id, message, nonce)
        self.answered[nonce] = time.perf_counter()
        return message_id


@dataclass
class Request:
    posted: float  # submit -> post answered by Discord
    recorded: float  # submit -> deliver() returned
    queued: int  # prompts waiting in the engine at the submit
    status: DeliveryStatus


class School:
    """The services and the engine the escalation cog uses, on one database."""

    def __init__(self, sessions: Sessions, http: HTTPClient, health: Health) -> None:
        settings = load_settings(None, {})
        clock = SystemClock()
        self.programs = ProgramService(sessions, clock, settings.program)
        self.transport = Timed(http)
        self.http = http
        self.engine = DeliveryEngine(
            sessions,
            clock,
            self.transport,
            DeliverySettings(),
            delivery_texts.fallback,
            health=health,
        )
        self.transactions = Transactions(sessions, clock, self.engine)
        self.service = EscalationService(
            sessions, clock, self.programs, settings.escalations, transactions=self.transactions
        )
        self.engine.on_recorded(self._posted)
        self._interactions = 0

    async def help_me(self, student: int) -> Request:
        """One /help-me submit, timed to its staff post."""
        queued = self.engine.status().queued
        submitted = time.perf_counter()
        opened, changes = await self.service.raise_manual(
            GUILD, student, "I need to talk to someone", Urgency.TODAY, "wellbeing", _post
        )
        await self._confirm(texts.confirmation(opened.escalation, "", None))
        key = f"escalation-post:{opened.escalation.id}"
        status = await changes.waits[key]
        recorded = time.perf_counter()
        answered = self.transport.answered.get(nonce_for(key), recorded)
        return Request(answered - submitted, recorded - submitted, queued, status)

    async def _posted(self, session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
        """The cog's outcome hook: a post that went out is linked to its escalation."""
        await self.service.post_outcomes(self.transactions.join(session), outcomes, lambda _: [])

    async def _confirm(self, content: str) -> None:
        """The modal's ephemeral confirmation: an interaction callback, as on Discord."""
        self._interactions += 1
        route = Route(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=self._interactions,
            interaction_token=f"token{self._interactions}",
        )
        await self.http.request(route, json={"type": 4, "data": {"content": content}})


async def seed(sessions: Sessions, users: int) -> None:
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        session.add(
            GuildSettings(
                guild_id=GUILD,
                staff_role_id=STAFF_ROLE,
                escalation_channel_id=STAFF_CHANNEL,
                time_zone="UTC",
                checkin_weekday=0,
                checkin_time=clock_time(15, 30),
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add_all(
            Member(guild_id=GUILD, user_id=u, active=True, created_at=now, updated_at=now)
            for u in range(1, users + 1)
        )


def _post(opened: Opened) -> list[Prompt]:
    """The cog's staff post for a new escalation."""
    staff = opened.staff
    return [staff_post(opened.escalation, opened.context, staff.role_id, staff.channel_id or 0)]


def report(name: str, requests: list[Request]) -> None:
    print(f"\n{name}")
    print(f"  queued prompts at each submit: {', '.join(str(r.queued) for r in requests)}")
    failed = [r.status for r in requests if r.status is not DeliveryStatus.SENT]
    if failed:
        print(f"  NOT posted: {len(failed)} ({', '.join(s.value for s in failed)})")
    for label, figures in (
        ("submit -> staff post answered ", [r.posted for r in requests]),
        ("submit -> its delivery recorded", [r.recorded for r in requests]),
    ):
        figures = sorted(f * 1000 for f in figures)
        p95 = figures[max(0, round(len(figures) * 0.95) - 1)]
        print(
            f"  {label}: p50 {statistics.median(figures):6.0f} ms, p95 {p95:6.0f} ms, "
            f"max {figures[-1]:6.0f} ms over {len(figures)} requests (goal < 2000)"
        )


async def main(users: int, escalations: int) -> None:
    server = Loopback()
    server.port = PORT
    closed = sum(server.closed(u) for u in range(1, users + 1))
    with tempfile.TemporaryDirectory() as folder:
        database = create_engine(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        await upgrade(database)
        sessions = create_sessions(database)
        await seed(sessions, users)
        health = Health()
        http = await login(server, health)
        school = School(sessions, http, health)
        await school.engine.start()
        # Students spread over the fan-out's list ask for help (they get check-ins too).
        students = [1 + (i * users) // escalations for i in range(escalations)]

        started = time.perf_counter()
        fan_out: asyncio.Task[Any] = asyncio.create_task(
            school.engine.deliver(checkins(range(1, users + 1)))
        )
        expected = (2 * users + closed) / DeliverySettings().rate_per_second
        spacing = expected / (escalations + 1)
        busy = []
        for student in students:
            await asyncio.sleep(spacing)
            busy.append(await school.help_me(student))
        outcomes = await fan_out
        wall = time.perf_counter() - started
        done = sum(s in (DeliveryStatus.SENT, DeliveryStatus.FALLBACK) for s in outcomes.values())
        print(
            f"Check-in fan-out to {users} mentees ({closed} with DMs closed): {wall:.1f} s, "
            f"{done} / {users} delivered; {escalations} requests for help, one every "
            f"{spacing:.1f} s through it"
        )
        report("busy: during the BULK fan-out", busy)

        await asyncio.sleep(2)  # the staff channel's window empties
        idle = []
        for student in students:
            idle.append(await school.help_me(student))
            await asyncio.sleep(IDLE_SPACING)
        report("idle queue", idle)
        await school.engine.stop()
        await http.close()
        await database.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000, help="mentees in the fan-out")
    parser.add_argument(
        "--escalations", type=int, default=10, help="requests for help, busy and idle each"
    )
    arguments = parser.parse_args()
    with serving(PORT):
        asyncio.run(main(arguments.users, arguments.escalations))
