"""Run a check-in fan-out against the loopback server until killed (the restart test).

Usage: python -m tests.storage.fanout_child DATABASE_URL PORT MENTEES
"""

from __future__ import annotations

import asyncio
import sys

from bench.fanout import checkins, engine_for, login
from bench.loopback import Loopback
from bot.delivery import DeliverySettings, Health
from storage.db import create_engine, create_sessions


async def main(url: str, port: int, mentees: int) -> None:
    server = Loopback()
    server.port = port  # the parent's server; only its address is used here
    health = Health()
    http = await login(server, health)
    database = create_engine(url)
    engine = engine_for(create_sessions(database), http, health, SLOW)
    await engine.start()
    await engine.deliver(checkins(range(1, mentees + 1)))
    print("finished", flush=True)


#: Slow enough that the parent can kill it in the middle.
SLOW = DeliverySettings(rate_per_second=20, concurrency=4)

if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
