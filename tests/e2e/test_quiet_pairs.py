"""A pair that goes ``[escalations] no_session_days`` without a session reaches staff once,
through simcord: while the bot runs (the job of the span holding the pair's mark) and after
a downtime (the start's catch-up of every mark passed), never twice across restarts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from bot.config import Settings
from bot.jobs import QUIET_CHECK, QUIET_CHECK_MISSED, SPAN, Window, span_end
from tests.e2e.conftest import World, build_bot
from tests.e2e.test_checkins import advance
from tests.e2e.test_escalations import posts
from tests.e2e.test_sessions import matched

HOUR = 3600.0


def two_quiet_days(settings: Settings) -> Settings:
    return replace(settings, escalations=replace(settings.escalations, no_session_days=2))


@pytest.fixture
def adjust_settings() -> object:
    return two_quiet_days


async def restart(world: World, database_url: str, *, down: float = 0.0) -> None:
    """Stop the bot (nothing runs, nothing is sent), let ``down`` seconds pass, start it
    again with the same settings, and let what the start derived run."""
    world.bot.scheduler.shutdown()
    await world.bot.delivery.stop()
    await advance(world, down)
    fresh = build_bot(database_url, world.bot.sessions, [world.env], adjust=two_quiet_days)
    await world.env.restart_bot(fresh)
    world.bot = fresh
    await world.env.advance_time(1)


def quiet_posts(world: World) -> list[discord.Message]:
    def text(post: discord.Message) -> str:
        return post.content + " ".join(str(embed.to_dict()) for embed in post.embeds)

    return [post for post in posts(world) if "No session in" in text(post)]


async def test_a_quiet_pair_reaches_staff_once(world: World, database_url: str) -> None:
    await matched(world)
    await advance(world, 48 * HOUR - HOUR)
    assert quiet_posts(world) == []
    await advance(world, 2 * HOUR)  # its mark passed: the job of its span has run
    assert len(quiet_posts(world)) == 1
    await restart(world, database_url)
    await advance(world, 6 * HOUR)
    assert len(quiet_posts(world)) == 1


async def test_after_a_downtime_the_start_catches_up_once(world: World, database_url: str) -> None:
    await matched(world)
    await restart(world, database_url, down=72 * HOUR)
    assert len(quiet_posts(world)) == 1
    await restart(world, database_url, down=HOUR)
    assert len(quiet_posts(world)) == 1


async def test_pairs_are_looked_at_by_span_not_one_job_each(world: World) -> None:
    cog: Any = world.bot.cogs["SessionCog"]
    now = world.bot.clock.now()
    first = datetime.fromtimestamp(span_end(now + timedelta(hours=1), SPAN), UTC)
    marks = [first + timedelta(seconds=1 + i) for i in range(500)]  # 500 pairs, one span
    marks += [now + timedelta(hours=30), now + timedelta(hours=47)]
    marks += [now - timedelta(days=3), now - timedelta(hours=1)]  # passed while down
    marks.append(now + timedelta(hours=60))  # beyond the horizon: planned later
    planned = cog.plan_quiet_checks(marks, Window(None, now + timedelta(hours=48)))
    assert planned == 4  # three spans ahead and one catch-up
    assert len(world.bot.scheduler.planned(QUIET_CHECK)) == 3
    assert len(world.bot.scheduler.planned(QUIET_CHECK_MISSED)) == 1
