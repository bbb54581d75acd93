"""A Monday check-in for N mentees against a loopback Discord that enforces Discord's limits:
(a) naive discord.py (``asyncio.gather`` of ``user.send``) and (b) Bridges' delivery engine,
side by side in one run. Prints one table; nothing is asserted.

    .venv/bin/python bench/bench_delivery.py [--users 5000]

The server (bench/loopback.py) runs in its own process: 50 req/s global, 5 per 5 s per
channel, 50007 for 10% of users, 1% 500s, enforce_nonce. Every mentee's DM channel is new
(no cache), so each prompt costs a create-DM and a post, plus a post in the pair's channel
for a closed DM. While each fan-out runs, a slash command is acknowledged once a second
(an interaction callback through the same discord.py HTTP client) and the event loop's lag
is sampled every 10 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient, Route
from discord.types.user import User as UserPayload

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import checkins, engine_for, login
from bench.loopback import Loopback, serving
from bot.delivery import DeliverySettings, Health, LoopLag
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import GuildSettings, Member

PORT = 18_765


@dataclass
class Result:
    name: str
    wall: float
    stats: dict[str, Any]
    users: int
    closed: int
    lag_p50: float
    lag_p99: float
    acks: list[float]

    def row(self) -> dict[str, str]:
        requests = self.stats["requests"]
        floor = requests / 50  # as the issue defines it: every request sent, 429s included
        refused = self.stats["statuses"].get("429", 0)
        messages = {int(k): v for k, v in self.stats["messages"].items()}
        delivered = sum(1 for u in range(1, self.users + 1) if messages.get(u, 0) >= 1)
        duplicates = sum(max(0, count - 1) for count in messages.values())
        other_invalid = self.stats["invalid"] - min(self.stats["dms_closed"], self.closed)
        return {
            "wall time (s)": f"{self.wall:.1f}",
            "time / floor": f"{self.wall / floor:.3f}" if floor else "-",
            "time / floor of answered requests": (
                f"{self.wall / answered:.3f}" if (answered := (requests - refused) / 50) else "-"
            ),
            "requests": str(requests),
            "sustained req/s": f"{requests / self.wall:.1f}",
            "429s (global / channel)": (
                f"{self.stats['statuses'].get('429', 0)} "
                f"({self.stats['global_429']} / {self.stats['channel_429']})"
            ),
            "other invalid (401/403/429)": f"{other_invalid} ({other_invalid / requests:.2%})",
            "500s answered": str(self.stats["server_errors"]),
            "delivered": f"{delivered} / {self.users}",
            "duplicates": str(duplicates),
            "lost": str(self.users - delivered),
            "loop lag p50 / p99 (ms)": f"{self.lag_p50 * 1000:.1f} / {self.lag_p99 * 1000:.1f}",
            "ack mid fan-out median / max (s)": (
                f"{statistics.median(self.acks):.3f} / {max(self.acks):.3f}" if self.acks else "-"
            ),
        }


async def control(session: aiohttp.ClientSession, path: str) -> Any:
    url = f"http://127.0.0.1:{PORT}/_bench/{path}"
    if path == "reset":
        async with session.post(url):
            return None
    async with session.get(url) as response:
        return json.loads(await response.text())


async def acknowledge(http: HTTPClient, number: int) -> float:
    """One slash command's acknowledgement (a deferred reply), timed."""
    started = time.perf_counter()
    route = Route(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        interaction_id=number,
        interaction_token=f"token{number}",
    )
    await http.request(route, json={"type": 5})
    return time.perf_counter() - started


async def measured(name: str, run: Any, http: HTTPClient, users: int, closed: int) -> Result:
    async with aiohttp.ClientSession() as session:
        await control(session, "reset")
        lag = LoopLag(interval=0.01, keep=1_000_000)
        acks: list[float] = []
        sampler = asyncio.create_task(lag.run(lambda _: None, every=3600))

        async def ack_every_second() -> None:
            number = 0
            while True:
                await asyncio.sleep(1.0)
                number += 1
                acks.append(await acknowledge(http, number))

        acker = asyncio.create_task(ack_every_second())
        started = time.perf_counter()
        await run()
        wall = time.perf_counter() - started
        for task in (sampler, acker):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        stats = await control(session, "stats")
    return Result(name, wall, stats, users, closed, lag.percentile(0.5), lag.percentile(0.99), acks)


async def naive(users: int, closed: int) -> Result:
    client = discord.Client(intents=discord.Intents.none())
    await client.http.static_login("loopback-token")  # no gateway: REST only
    state = client._connection
    people = [
        state.store_user(
            UserPayload(
                id=str(u), username=f"s{u}", discriminator="0", avatar=None, global_name=None
            )
        )
        for u in range(1, users + 1)
    ]

    async def run() -> None:
        await asyncio.gather(
            *(person.send("Week 1: how are you doing with your goal?") for person in people),
            return_exceptions=True,
        )

    result = await measured("naive gather(user.send)", run, client.http, users, closed)
    await client.close()
    return result


async def bridges(users: int, closed: int, folder: Path, rate: float) -> Result:
    database = create_engine(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
    await upgrade(database)
    sessions = create_sessions(database)
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        session.add(
            GuildSettings(
                guild_id=1,
                time_zone="UTC",
                checkin_weekday=0,
                checkin_time=clock_time(15, 30),
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add_all(
            Member(guild_id=1, user_id=u, active=True, created_at=now, updated_at=now)
            for u in range(1, users + 1)
        )
    health = Health()
    server = Loopback()
    server.port = PORT
    http = await login(server, health)
    engine = engine_for(sessions, http, health, DeliverySettings(rate_per_second=rate))
    await engine.start()
    prompts = checkins(range(1, users + 1))

    async def run() -> None:
        await engine.deliver(prompts)

    result = await measured("Bridges delivery engine", run, http, users, closed)
    await engine.stop()
    await http.close()
    await database.dispose()
    return result


def print_table(results: list[Result], users: int) -> None:
    rows = [r.row() for r in results]
    width = max(len(k) for k in rows[0])
    columns = [
        max(len(r.name), *(len(v) for v in row.values()))
        for r, row in zip(results, rows, strict=True)
    ]
    print(f"Check-in fan-out to {users} mentees ({results[0].closed} with DMs closed)")
    print(
        " " * width
        + " | "
        + " | ".join(r.name.ljust(c) for r, c in zip(results, columns, strict=True))
    )
    for key in rows[0]:
        print(
            key.ljust(width)
            + " | "
            + " | ".join(row[key].ljust(c) for row, c in zip(rows, columns, strict=True))
        )
    print(
        "goals (Bridges): time / floor <= 1.12 (>= 90% of 50 req/s), 0 lost, 0 duplicates, "
        "other invalid <= 0.5%, loop lag p99 <= 50 ms, ack < 1.5 s"
    )


async def main(users: int, rate: float) -> None:
    discord.http.Route.BASE = f"http://127.0.0.1:{PORT}/api/v10"
    closed = sum(Loopback().closed(u) for u in range(1, users + 1))
    results = [await naive(users, closed)]
    await asyncio.sleep(2)  # let every window on the server empty
    with tempfile.TemporaryDirectory() as folder:
        results.append(await bridges(users, closed, Path(folder), rate))
    print_table(results, users)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000, help="mentees in the fan-out")
    parser.add_argument(
        "--rate", type=float, default=46, help="Bridges' [delivery] rate_per_second"
    )
    arguments = parser.parse_args()
    with serving(PORT):
        asyncio.run(main(arguments.users, arguments.rate))
