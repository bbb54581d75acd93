"""A process that sends only while it is the active instance (the two-process tests).

Usage: python -m tests.storage.instance_child DATABASE_URL PORT MENTEES POLL HEARTBEAT

It waits as a standby (logging so, like ``bridges run``) until it holds the instance lock,
then prints "active", fans out a check-in to MENTEES mentees against the loopback Discord
at PORT (resuming whatever an earlier active one left pending), prints "finished" and
holds on until SIGTERM. It exits 1 if it lost the lock, 0 otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

from bench.fanout import checkins, engine_for, login
from bench.loopback import Loopback
from bot import instance
from bot.clock import SystemClock
from bot.delivery import DeliveryEngine, DeliverySettings, Health
from bot.instance import InstanceSettings
from bot.logs import configure_logging
from storage.db import create_engine, create_sessions

#: Slow enough that the parent can kill it in the middle of the fan-out.
SLOW = DeliverySettings(rate_per_second=20, concurrency=4)


async def _fan_out(engine: DeliveryEngine, mentees: int) -> None:
    """This process's check-ins, and what an earlier active one left pending."""
    await engine.deliver(checkins(range(1, mentees + 1)))
    await engine.idle()


async def main(url: str, port: int, mentees: int, settings: InstanceSettings) -> int:
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    async with instance.active_instance(url, settings, SystemClock(), stopping) as active:
        if active is None:
            return 0
        print("active", flush=True)
        server = Loopback()
        server.port = port  # the parent's server; only its address is used here
        health = Health()
        http = await login(server, health)
        database = create_engine(url)
        engine = engine_for(create_sessions(database), http, health, SLOW)
        try:
            await engine.start()
            sending = asyncio.create_task(_fan_out(engine, mentees))
            stop = asyncio.create_task(stopping.wait())
            await asyncio.wait({sending, stop}, return_when=asyncio.FIRST_COMPLETED)
            if sending.done():
                sending.result()
                print("finished", flush=True)
                await stop
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sending
        finally:
            await engine.stop()
            await http.close()
            await database.dispose()
    return 1 if active.lost else 0


if __name__ == "__main__":
    configure_logging("INFO")
    url, port, mentees, poll, heartbeat = sys.argv[1:6]
    sys.exit(
        asyncio.run(main(url, int(port), int(mentees), InstanceSettings(int(poll), int(heartbeat))))
    )
