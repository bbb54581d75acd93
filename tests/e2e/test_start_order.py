"""Start order: the scheduler, every cog's reconcile() and the delivery engine's resumption
wait for the gateway. The real gateway sends the servers a while after login, so until then
the channel cache is empty; simcord sends them at once, which hid the bug. Here the servers
arrive a second after ``setup_hook``, as on Discord."""

from __future__ import annotations

import asyncio
import time

import discord

from bot.app import BridgesBot
from tests.e2e.conftest import World, build_bot
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_sessions import dms, matched

#: How long after login the servers arrive (Discord: up to a few seconds for a big bot).
GATEWAY_LAG_SECONDS = 1.0


class LateGateway(BridgesBot):
    """A bot whose gateway sends the servers only a while after ``setup_hook``."""

    cached_at_setup: bool | None = None
    scheduling_at_setup: bool | None = None

    async def setup_hook(self) -> None:
        await super().setup_hook()
        LateGateway.cached_at_setup = bool(self.guilds)
        LateGateway.scheduling_at_setup = self.scheduler.running
        # A job started by setup_hook runs during this wait, on the empty cache. (Real time
        # in a thread: simcord's virtual timers do not run during login.)
        await asyncio.to_thread(time.sleep, GATEWAY_LAG_SECONDS)


async def test_a_reping_due_while_down_lands_in_the_staff_channel_with_the_role(
    world: World, database_url: str
) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "right_now")  # re-ping due 10 minutes after the post
    assert len(posts(world)) == 1
    world.bot.scheduler.shutdown()  # the bot goes down ...
    await world.env.advance_time(15 * 60)  # ... for 15 minutes: the re-ping is overdue
    assert len(posts(world)) == 1
    staff_dms = len(dms(world.staff))

    fresh = build_bot(database_url, world.bot.sessions, [world.env], bot_class=LateGateway)
    await world.env.restart_bot(fresh)
    world.bot = fresh

    assert LateGateway.cached_at_setup is False  # the cache was empty when setup_hook ran
    assert LateGateway.scheduling_at_setup is False  # and no job could start on it
    reping = posts(world)[-1]
    assert "has not been claimed" in reping.content
    assert reping.raw_role_mentions == [world.staff_role.id]
    assert isinstance(fresh.get_channel(world.escalations.id), discord.TextChannel)
    assert len(dms(world.staff)) == staff_dms  # no "channel missing" DM instead
    assert "escalation-sla:1:2" in fresh.scheduler.job_ids()  # the next tier is planned
