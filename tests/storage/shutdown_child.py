"""The bot's scheduler and delivery engine mid fan-out until SIGTERM, which runs the real
``BridgesBot.close()`` as ``bridges run`` does (the graceful shutdown test). No gateway: the
bot's HTTP client talks to the parent's loopback Discord.

Usage: python -m tests.storage.shutdown_child DATABASE_URL PORT REMINDERS MENTEES
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from dataclasses import replace

import discord

from bench.fanout import checkins
from bench.loopback import Loopback
from bot.app import BridgesBot
from bot.clock import SystemClock
from bot.config import load_settings
from bot.delivery import DeliverySettings, Message, Priority, Prompt
from bot.jobs import CHECKIN_DUE, REMINDER
from bot.scheduler import Scheduler
from storage.db import create_engine, create_sessions

#: Slow enough for the parent to stop it mid fan-out.
SLOW = DeliverySettings(rate_per_second=20, concurrency=4)
REMINDER_OFFSET = 100_000  # reminder i goes to user REMINDER_OFFSET + i


def reminder(number: int) -> Prompt:
    return Prompt(
        key=f"reminder:{number}:15m",
        kind="reminder",
        user_id=REMINDER_OFFSET + number,
        message=Message(content="Your session starts in 15 minutes."),
        priority=Priority.BULK,
    )


async def main(url: str, port: int, reminders: int, mentees: int) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    server = Loopback()
    server.port = port
    discord.http.Route.BASE = server.base_url
    settings = load_settings(None, {"BRIDGES_DATABASE_URL": url})
    settings = replace(settings, delivery=SLOW)
    database = create_engine(url)
    clock = SystemClock()
    closed = asyncio.Event()

    async def on_close() -> None:
        await database.dispose()
        closed.set()

    bot = BridgesBot(
        settings=settings,
        sessions=create_sessions(database),
        scheduler=Scheduler(clock, misfire_grace_seconds=60),
        clock=clock,
        extensions=[],
        on_close=on_close,
        watch_loop=False,
    )

    async def remind(number: int) -> None:
        """As a session's reminder job does: deliver, then carry on with the database."""
        key = reminder(number).key
        await bot.delivery.deliver([reminder(number)])
        await bot.delivery.message_id(key)

    async def fan_out() -> None:
        await bot.delivery.deliver(checkins(range(1, mentees + 1)))

    loop = asyncio.get_running_loop()
    async with bot:
        await bot.http.static_login("loopback-token")
        await bot.delivery.start()
        bot.scheduler.start()
        now = clock.now()
        with bot.scheduler.batch():
            bot.scheduler.run_at(CHECKIN_DUE.id(1), now, fan_out)
            for number in range(reminders):
                bot.scheduler.run_at(REMINDER.id(number, "15m"), now, remind, number)
        loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(bot.close()))
        await closed.wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])))
