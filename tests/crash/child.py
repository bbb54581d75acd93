"""The bot of one crash scenario, against the loopback Discord, until it has settled.

Run as a fork of ``tests.crash.zygote`` (the harness), or by hand:
python -m tests.crash.child POINT DATABASE_URL LOOPBACK_BASE_URL [CONFIG]

The real ``BridgesBot`` (every cog, the services, the scheduler, the delivery engine and
the signal worker) logs in over discord.py's HTTP client, starts as it does on Discord
(jobs and repairs derived from rows), runs the scenario's trigger, and prints ``settled``
once nothing is queued, in flight or due. With ``BRIDGES_FAULT`` set it dies at that point
instead (``bot.faults``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

import discord

from bot.app import BridgesBot
from bot.clock import SystemClock
from bot.config import load_settings
from bot.scheduler import Scheduler
from storage.db import create_engine, create_sessions
from tests.crash.harness import SCENARIOS

#: Looks in a row with nothing to do, a tenth of a second apart: a job running, a delivery
#: queued, waiting to retry or in flight, and the signal worker each count as something.
QUIET_CHECKS = 5
QUIET_SECONDS = 0.1
SOON_SECONDS = 2.0


async def main(point: str, url: str, base_url: str, config: str | None = None) -> None:
    discord.http.Route.BASE = base_url
    secret = os.environ.get("BRIDGES_WEBHOOK_SECRET", "")
    settings = load_settings(
        Path(config) if config else None,
        {"BRIDGES_DATABASE_URL": url, "BRIDGES_WEBHOOK_SECRET": secret},
    )
    clock = SystemClock()
    database = create_engine(url)
    bot = BridgesBot(
        settings=settings,
        sessions=create_sessions(database),
        scheduler=Scheduler(clock, misfire_grace_seconds=settings.misfire_grace_seconds),
        clock=clock,
        watch_loop=False,
        on_close=database.dispose,
    )
    await bot.login("loopback-token")  # setup_hook: cogs, the engine, jobs from rows
    # No gateway here: mark the client ready as its READY event would, then wait for the
    # start-up that follows it (deliveries resumed, scheduler started, jobs from rows).
    bot._ready.set()
    await started(bot)
    trigger = SCENARIOS[point].trigger
    if trigger is not None:
        await trigger(bot)
    await settled(bot)
    print("settled", flush=True)
    await bot.close()


async def started(bot: BridgesBot) -> None:
    """Until the scheduler runs and every cog has rebuilt its jobs."""
    assert bot._starter is not None  # created by setup_hook, during login
    await bot._starter  # a failed start is this run's error


async def settled(bot: BridgesBot) -> None:
    """Until nothing is queued, in flight, being applied or due in the next seconds."""
    quiet = 0
    while quiet < QUIET_CHECKS:
        await asyncio.sleep(QUIET_SECONDS)
        quiet = 0 if busy(bot) else quiet + 1
    await bot.delivery.idle()


def busy(bot: BridgesBot) -> bool:
    status = bot.delivery.status()
    worker = getattr(bot.cogs.get("EscalationCog"), "worker", None)
    soon = bot.clock.now().timestamp() + SOON_SECONDS
    due = [
        at
        for job in bot.scheduler.job_ids()
        if (at := bot.scheduler.next_run(job)) is not None and at.timestamp() <= soon
    ]
    return bool(
        not bot.scheduler.running
        or bot.scheduler.jobs_running
        or status.queued
        or status.in_flight
        or (worker is not None and worker.running)
        or due
    )


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main(*sys.argv[1:5]))
