"""A fan-out against the loopback Discord through a database the parent can take away, until
killed (the outage test).

Usage: python -m tests.storage.outage_child DATABASE_URL PORT MENTEES WINDOW_SECONDS
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import replace

from bench.fanout import checkins, engine_for, login
from bench.loopback import Loopback
from bot.delivery import DeliverySettings, Health, Message, Priority, Prompt
from storage.db import create_engine, create_sessions
from tests.storage.outage import fast_locks

STAFF_CHANNEL = 4242
URGENT_USER = 999_999


def urgent() -> Prompt:
    return Prompt(
        key="escalation-post:1",
        kind="escalation-post",
        user_id=URGENT_USER,
        message=Message(content="A student asked for help.", mention_role_ids=(42,)),
        priority=Priority.URGENT,
        channel_id=STAFF_CHANNEL,
    )


#: Slow enough for the parent to act mid fan-out; a retry waits long enough to be cut by
#: the kill.
SLOW = DeliverySettings(rate_per_second=20, concurrency=4, retry_base_seconds=30)


async def main(url: str, port: int, mentees: int, window: float) -> None:
    server = Loopback()
    server.port = port  # the parent's server; only its address is used here
    health = Health()
    http = await login(server, health)
    database = create_engine(url)
    fast_locks(database)
    settings = replace(SLOW, nonce_window_seconds=window)
    engine = engine_for(create_sessions(database), http, health, settings)
    await engine.start()
    await engine.deliver([urgent(), *checkins(range(1, mentees + 1))])
    print("finished", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
