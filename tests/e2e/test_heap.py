"""The start-up heap that ``bridges run`` freezes (``bot.heap``): the bot works on after it,
and what ran since is freed, not kept alive by the freeze. The check-in fan-out runs with
full collections held off."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import BridgesBot
from bot.heap import NEVER
from tests.e2e.conftest import World, build_bot
from tests.e2e.test_checkins import advance, checkin_dms, until_monday
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_sessions import matched


class FrozenAtStart(BridgesBot):
    """The bot as ``bridges run`` builds it: its heap frozen once started."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options, freeze_heap=True)


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's heap unfrozen afterwards (the freeze is the process's)."""
    yield
    gc.unfreeze()


async def test_a_bot_in_a_test_process_leaves_the_heap_alone(world: World) -> None:
    await matched(world)
    assert gc.get_freeze_count() == 0


async def test_after_the_freeze_a_job_that_ran_is_freed_and_the_next_one_runs(
    world: World, database_url: str, unfrozen: None
) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "right_now")  # re-pinged 10 minutes after the post
    world.bot.scheduler.shutdown()
    fresh = build_bot(database_url, world.bot.sessions, [world.env], bot_class=FrozenAtStart)
    await world.env.restart_bot(fresh)
    world.bot = fresh
    assert gc.get_freeze_count() > 0

    first = "escalation-sla:1:1"
    job = fresh.scheduler._scheduler.get_job(first)  # planned at start, so frozen
    assert job is not None
    planned = weakref.ref(job)
    del job
    await world.env.advance_time(15 * 60)

    assert "has not been claimed" in posts(world)[-1].content
    assert first not in fresh.scheduler.job_ids()
    gc.collect()
    assert planned() is None  # freed when it ran: the freeze keeps no finished job alive
    assert "escalation-sla:1:2" in fresh.scheduler.job_ids()


async def test_the_checkin_fan_out_and_its_reminders_hold_full_collections_off(
    world: World,
) -> None:
    mentee, _ = await matched(world)
    cog: Any = world.bot.cogs["CheckinCog"]
    service, seen = cog.checkins, []

    def watched(call: Any) -> Any:
        async def run(*args: Any) -> Any:
            seen.append((call.__name__, gc.get_threshold()[2]))
            return await call(*args)

        return run

    service.open_due, service.reminders = watched(service.open_due), watched(service.reminders)
    before = gc.get_threshold()
    await until_monday(world)
    await advance(world, 24 * 3600)
    assert len(checkin_dms(mentee)) == 2  # the prompt, then its reminder
    assert ("open_due", NEVER) in seen and ("reminders", NEVER) in seen
    assert gc.get_threshold() == before
