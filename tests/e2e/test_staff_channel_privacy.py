"""The staff channel is read by staff only: /setup refuses a channel anyone else can read,
and the online check repeats it when a channel has been opened up since."""

from __future__ import annotations

import discord

from bot.services.programs import ProgramService
from cogs.program_checks import online_problems
from storage.repositories import guilds
from tests.e2e.conftest import World
from tests.e2e.test_foundation import reply_of, run_setup, text_of


async def configured(world: World) -> bool:
    async with world.bot.sessions() as session:
        row = await guilds.get(session, world.guild.id)
    return row is not None and row.is_configured


async def test_setup_refuses_a_channel_everyone_can_read_and_says_how_to_fix_it(
    world: World,
) -> None:
    text = text_of(reply_of(await run_setup(world, escalation_channel=world.general)))
    assert "Nothing was saved" in text
    assert f"@everyone can read {world.general.mention}" in text
    assert "turn off View Channel" in text
    assert not await configured(world)


async def test_setup_refuses_a_channel_a_student_role_or_a_student_can_read(
    world: World,
) -> None:
    with world.env.time_context():
        students = world.guild.create_role("Students")
    channel = world.bot.get_channel(world.escalations.id)
    assert isinstance(channel, discord.TextChannel)
    guild = channel.guild
    role = guild.get_role(students.id)
    assert role is not None
    await channel.set_permissions(role, view_channel=True)
    text = text_of(reply_of(await run_setup(world)))
    assert f"{students.mention} can read" in text and not await configured(world)

    await channel.set_permissions(role, overwrite=None)
    await channel.set_permissions(await guild.fetch_member(world.student.id), view_channel=True)
    text = text_of(reply_of(await run_setup(world)))
    assert f"<@{world.student.id}> can read" in text and not await configured(world)


async def test_a_staff_member_added_by_name_is_fine(world: World) -> None:
    channel = world.bot.get_channel(world.escalations.id)
    assert isinstance(channel, discord.TextChannel)
    staff = await channel.guild.fetch_member(world.staff.id)
    await channel.set_permissions(staff, view_channel=True)
    text = text_of(reply_of(await run_setup(world)))
    assert "Bridges is set up" in text and await configured(world)


async def test_the_online_check_sees_a_staff_channel_opened_to_everyone_later(
    world: World,
) -> None:
    await run_setup(world)
    program = await ProgramService(
        world.bot.sessions, world.bot.clock, world.bot.settings.program
    ).get(world.guild.id)
    assert await online_problems(world.bot, program) == []
    channel = world.bot.get_channel(world.escalations.id)
    assert isinstance(channel, discord.TextChannel)
    with world.env.time_context():
        counsellors = world.guild.create_role("Counsellors")
    role = channel.guild.get_role(counsellors.id)
    assert role is not None
    await channel.set_permissions(role, view_channel=True)
    (problem,) = await online_problems(world.bot, program)
    assert f"{counsellors.mention} can read" in problem
    assert await online_problems(world.bot, program, (counsellors.id,)) == []  # tier 2: staff

    await channel.set_permissions(channel.guild.default_role, view_channel=True)
    (problem,) = await online_problems(world.bot, program)
    assert problem.startswith(f"server {world.guild.name} ({world.guild.id}): @everyone can read")
