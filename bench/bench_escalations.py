"""Time from a student's /help-me submit to the staff post, through the real bot in simcord
(in-process Discord, real SQLite database, scheduler and cogs): idle, and while the same
delivery path sends a fan-out of 500 DMs.

Prints p50/p95/max in milliseconds of wall time; the goal is under 2 s. The fan-out here is
the current ``bot/delivery.py`` (no shared queue, no pacing): the "queue busy with a fan-out"
figure belongs to the new delivery engine and must be measured again with it.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
import simcord

from bot.app import BridgesBot
from bot.delivery import Deliveries, Prompt
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from tests.e2e.conftest import World, build_bot
from tests.e2e.test_sessions import matched

RUNS = 20
FAN_OUT = 500


async def school(url: str) -> World:
    engine = create_engine(url)
    await upgrade(engine)
    sessions = create_sessions(engine)
    cell: list[simcord.Env] = []
    env = simcord.Env(build_bot(url, sessions, cell))
    cell.append(env)
    await env.start()
    with env.time_context():
        guild = env.create_guild("Bench School")
        staff_role = guild.create_role("Staff", mentionable=True)
        admin_role = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True))
        world = World(
            env=env,
            bot=env.bot,  # type: ignore[arg-type]
            guild=guild,
            general=guild.create_text_channel("general"),
            escalations=guild.create_text_channel("staff-alerts"),
            mentoring=guild.create_category("Mentoring"),
            staff_role=staff_role,
            admin=guild.add_member(env.create_user("principal"), roles=[admin_role, staff_role]),
            staff=guild.add_member(env.create_user("ms_rivera"), roles=[staff_role]),
            student=guild.add_member(env.create_user("jordan")),
        )
    await matched(world)
    return world


async def one_request(world: World) -> float:
    shown = await world.student.slash(world.general, "help-me")
    before = len(world.escalations.history())
    started = time.perf_counter()
    await world.student.submit_modal(
        shown,
        {
            "help:details": "I need to talk to someone",
            "help:urgency": ["today"],
            "help:category": ["wellbeing"],
        },
    )
    assert len(world.escalations.history()) == before + 1
    return (time.perf_counter() - started) * 1000


async def fan_out(bot: BridgesBot) -> None:
    async def send() -> None:
        await asyncio.sleep(0)

    stamp = time.monotonic_ns()
    prompts = [Prompt(f"bench:{stamp}:{i}", "bench", 10_000 + i, send) for i in range(FAN_OUT)]
    await Deliveries(bot.sessions, bot.clock).once_each(prompts)


def report(name: str, figures: list[float]) -> None:
    figures.sort()
    p95 = figures[max(0, round(len(figures) * 0.95) - 1)]
    print(
        f"{name}: submit -> staff post p50 {statistics.median(figures):.0f} ms, "
        f"p95 {p95:.0f} ms, max {figures[-1]:.0f} ms over {len(figures)} requests (goal < 2000)"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = await school(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}")
        try:
            report("idle", [await one_request(world) for _ in range(RUNS)])
            busy: list[float] = []
            for _ in range(RUNS // 2):
                task: asyncio.Task[Any] = asyncio.create_task(fan_out(world.bot))
                busy.append(await one_request(world))
                await task
            report(f"with a {FAN_OUT}-DM fan-out on the current delivery path", busy)
        finally:
            world.bot.scheduler.shutdown()
            await world.env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
