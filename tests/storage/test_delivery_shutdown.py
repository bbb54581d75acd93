"""Graceful shutdown: SIGTERM in the middle of a fan-out (and of a few hundred reminder
jobs, each waiting on its delivery) drains: requests already out finish, every outcome is
written, the rest stays pending for the next start, one summary line, no traceback."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import discord
import pytest
from discord.http import HTTPClient
from sqlalchemy import select

from bench.fanout import engine_for, login
from bench.loopback import Loopback
from bot.delivery import DeliverySettings, Health
from storage.db import Sessions
from storage.models import Delivery, DeliveryStatus
from tests.storage.shutdown_child import REMINDER_OFFSET

ROOT = Path(__file__).resolve().parents[2]
REMINDERS, MENTEES = 200, 100


@pytest.fixture
async def server() -> AsyncIterator[Loopback]:
    base = discord.http.Route.BASE
    loopback = Loopback(closed_share=0.2, error_share=0.0)
    await loopback.start()
    try:
        yield loopback
    finally:
        discord.http.Route.BASE = base
        await loopback.stop()


@pytest.fixture
async def http(server: Loopback) -> AsyncIterator[HTTPClient]:
    client = await login(server)
    try:
        yield client
    finally:
        await client.close()


async def test_sigterm_mid_fan_out_drains_records_everything_and_logs_one_line(
    sessions: Sessions, database_url: str, server: Loopback, http: HTTPClient
) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.storage.shutdown_child",
        database_url,
        str(server.port),
        str(REMINDERS),
        str(MENTEES),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=asyncio.subprocess.PIPE,
    )
    while sum(server.stats.messages.values()) < 40:
        assert child.returncode is None, "the child ended before it was stopped"
        await asyncio.sleep(0.01)
    child.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(child.communicate(), 60)
    log = stderr.decode()
    assert child.returncode == 0, log
    assert "Traceback" not in log and "raised an exception" not in log, log
    summaries = [line for line in log.splitlines() if "delivery stopped in" in line]
    assert len(summaries) == 1, log
    assert "0 cut off" in summaries[0] and "0 not written" in summaries[0]

    async with sessions() as session:
        rows = {row.key: row for row in await session.scalars(select(Delivery))}
    people = [*range(1, MENTEES + 1), *(REMINDER_OFFSET + i for i in range(REMINDERS))]
    reached = {u for u in people if server.stats.messages[u] == 1}
    assert all(server.stats.messages[u] <= 1 for u in people)
    done = {DeliveryStatus.SENT, DeliveryStatus.FALLBACK}
    # Every message that went out is recorded; the rest is pending, known as never sent.
    assert {r.recipient_user_id for r in rows.values() if r.status in done} == reached
    left = [r for r in rows.values() if r.status is DeliveryStatus.PENDING]
    assert left and all(r.last_attempt_at is None for r in left)
    assert f"{len(left)} left pending for the next start" in summaries[0]

    engine = engine_for(sessions, http, Health(), DeliverySettings(rate_per_second=45))
    assert await engine.start() == len(left)
    await engine.idle()
    await engine.stop()
    # Each written exactly once (a reminder to a student with DMs closed has nowhere to go:
    # failed); a job still waiting for its turn at SIGTERM wrote nothing (the next start
    # plans it again from its rows).
    claimed = {row.recipient_user_id for row in rows.values()}
    expected = {u: int(u in claimed and (u <= MENTEES or not server.closed(u))) for u in people}
    assert {u: server.stats.messages[u] for u in people} == expected
