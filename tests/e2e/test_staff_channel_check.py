"""The daily check of the staff channel: once @everyone can read it, staff are told once and
escalation posts carry only their number and urgency; once it is private again (or /setup
is run again), staff are told and posts are full again."""

from __future__ import annotations

import discord

from bot.services.programs import ProgramService
from cogs.staff_channel import CHECK_JOB
from tests.e2e.conftest import World
from tests.e2e.test_escalations import ask_for_help
from tests.e2e.test_foundation import reply_of, run_setup

CHECK = "daily privacy check"
PRIVATE_AGAIN = "readable by staff only again"


async def everyone_can_read(world: World, can: bool) -> None:
    channel = world.bot.get_channel(world.escalations.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.set_permissions(channel.guild.default_role, view_channel=can)


async def run_the_check(world: World) -> None:
    """Let the daily job fire, as it does at 04:00 UTC."""
    due = world.bot.scheduler.next_run(CHECK_JOB)
    assert due is not None and (due.hour, due.minute) == (4, 0)
    await world.env.advance_time((due - world.bot.clock.now()).total_seconds() + 60)
    assert world.bot.scheduler.next_run(CHECK_JOB) is not None


def channel_messages(world: World) -> list[discord.Message]:
    return [m for m in world.escalations.history() if not m.content.startswith("This channel")]


async def exposed(world: World) -> bool:
    programs = ProgramService(world.bot.sessions, world.bot.clock, world.bot.settings.program)
    return (await programs.get(world.guild.id)).staff_channel_exposed


async def test_an_exposed_channel_gets_redacted_posts_until_it_is_private_again(
    world: World,
) -> None:
    await run_setup(world)
    await run_the_check(world)
    assert channel_messages(world) == []  # private: nothing to say
    await everyone_can_read(world, True)
    await run_the_check(world)
    (told,) = channel_messages(world)
    assert CHECK in told.content and "@everyone can read" in told.content
    assert told.raw_role_mentions == [world.staff_role.id]
    assert await exposed(world)

    await ask_for_help(world, world.student, "today")
    post = channel_messages(world)[-1]
    assert post.content.endswith("Escalation #1 (Today): see /staff escalation view 1")
    assert post.embeds == [] and "scared" not in post.content
    assert f"<@{world.student.id}>" not in post.content and "Safety" not in post.content

    await run_the_check(world)  # still exposed: not said again (only the re-pings came)
    assert sum(CHECK in m.content for m in channel_messages(world)) == 1

    await everyone_can_read(world, False)
    await run_the_check(world)
    assert PRIVATE_AGAIN in channel_messages(world)[-1].content
    assert not await exposed(world)
    await ask_for_help(world, world.student, "today")
    post = channel_messages(world)[-1]
    assert "New escalation #2" in post.content
    (embed,) = post.embeds
    assert "scared" in str(embed.to_dict())


async def test_running_setup_again_clears_the_mark(world: World) -> None:
    await run_setup(world)
    await everyone_can_read(world, True)
    await run_the_check(world)
    assert await exposed(world)
    await everyone_can_read(world, False)
    await run_setup(world)
    assert not await exposed(world)
    await ask_for_help(world, world.student, "right_now")
    assert len(channel_messages(world)[-1].embeds) == 1


async def test_a_notice_that_failed_shows_in_staff_status_by_its_channel(world: World) -> None:
    await run_setup(world)
    await everyone_can_read(world, True)
    world.env.inject_error(
        "POST",
        f"/channels/{world.escalations.id}/messages",
        status=403,
        code=50013,
        message="Missing Permissions (injected by test)",
    )
    await run_the_check(world)
    await world.bot.delivery.idle()
    shown = reply_of(await world.staff.slash(world.general, "staff status"))
    failures = next(f.value for f in shown.embeds[0].fields if f.name == "Recent failures")
    assert f"staff-channel in <#{world.escalations.id}>" in failures
    assert "<@0>" not in str(shown.embeds[0].to_dict())
