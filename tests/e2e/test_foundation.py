"""The foundation through simcord: start, /setup, /help by role, /timezone, time and restarts."""

from __future__ import annotations

import discord
import pytest
import simcord
from simcord import SetupError

from bot.services.programs import ProgramService
from cogs.program_checks import online_problems
from storage.db import Sessions
from storage.repositories import guilds, members
from tests.e2e.conftest import World, build_bot
from tests.e2e.probe_cog import PROBE_BUTTON, ProbeView


async def run_setup(world: World, **overrides: object) -> object:
    options: dict[str, object] = {
        "staff_role": world.staff_role,
        "escalation_channel": world.escalations,
        "mentoring_category": world.mentoring,
        "time_zone": "America/Chicago",
    }
    options.update(overrides)
    return await world.admin.slash(world.general, "setup", **options)


def reply_of(result: object) -> discord.Message:
    """The message the person sees: the response, or the first follow-up after a defer."""
    followups = result.followups  # type: ignore[attr-defined]
    message = followups[0] if followups else result.response  # type: ignore[attr-defined]
    assert message is not None
    assert message.ephemeral
    return message


def text_of(message: object) -> str:
    embeds = message.embeds  # type: ignore[attr-defined]
    parts = [message.content or ""]  # type: ignore[attr-defined]
    for embed in embeds:
        parts += [embed.title or "", embed.description or ""]
        parts += [f"{field.name}: {field.value}" for field in embed.fields]
    return "\n".join(parts)


async def test_bot_starts_syncs_commands_and_runs_the_scheduler(world: World) -> None:
    assert set(world.admin.available_commands(world.general)) >= {
        "setup",
        "help",
        "timezone set",
        "timezone show",
    }
    assert world.bot.scheduler.running


async def test_admin_runs_setup_and_sees_the_summary(world: World) -> None:
    text = text_of(reply_of(await run_setup(world)))
    assert "Bridges is set up" in text
    assert world.staff_role.mention in text and world.escalations.mention in text
    assert "America/Chicago" in text and "Every Monday at 15:30" in text
    notice = world.escalations.last_message
    assert notice is not None and "will receive Bridges escalations" in notice.content
    async with world.bot.sessions() as session:
        row = await guilds.get(session, world.guild.id)
    assert row is not None and row.is_configured
    assert (row.staff_role_id, row.escalation_channel_id, row.mentoring_category_id) == (
        world.staff_role.id,
        world.escalations.id,
        world.mentoring.id,
    )
    assert row.time_zone == "America/Chicago"


async def test_a_student_cannot_see_setup(world: World) -> None:
    assert "setup" not in world.student.available_commands(world.general)
    with pytest.raises(SetupError, match="not visible"):
        await world.student.slash(
            world.general,
            "setup",
            staff_role=world.staff_role,
            escalation_channel=world.escalations,
            mentoring_category=world.mentoring,
        )


async def test_setup_is_refused_server_side_even_when_the_menu_allows_it(world: World) -> None:
    """A server may override command permissions; the bot still checks Manage Server."""
    commands = await world.bot.tree.fetch_commands()
    setup_command = next(command for command in commands if command.name == "setup")
    world.guild.set_command_permissions(setup_command, {world.student: True})
    result = await world.student.slash(
        world.general,
        "setup",
        staff_role=world.staff_role,
        escalation_channel=world.general,
        mentoring_category=world.mentoring,
    )
    assert "You need the Manage Server permission" in reply_of(result).content
    async with world.bot.sessions() as session:
        row = await guilds.get(session, world.guild.id)
    assert row is None or not row.is_configured


async def test_setup_names_what_to_fix_and_saves_nothing(world: World) -> None:
    locked = world.guild.create_text_channel(
        "locked", overwrites={world.guild.me: discord.PermissionOverwrite(send_messages=False)}
    )
    everyone = world.guild.default_role
    result = await run_setup(world, escalation_channel=locked, staff_role=everyone)
    text = reply_of(result).content
    assert "Nothing was saved" in text
    assert f"I can't post in {locked.mention}" in text and "Send Messages" in text
    assert "other than @everyone" in text
    async with world.bot.sessions() as session:
        row = await guilds.get(session, world.guild.id)
    assert row is None or not row.is_configured


async def test_setup_rejects_an_unknown_time_zone(world: World) -> None:
    text = reply_of(await run_setup(world, time_zone="Mars/Olympus")).content
    assert "Mars/Olympus" in text and "America/New_York" in text


async def test_help_differs_by_role(world: World) -> None:
    await run_setup(world)
    student = text_of(reply_of(await world.student.slash(world.general, "help")))
    admin = text_of(reply_of(await world.admin.slash(world.general, "help")))
    assert "/timezone set" in student and "/help" in student
    assert "/setup" not in student and "For server admins" not in student
    assert "/setup" in admin and "For server admins" in admin


async def test_timezone_rejects_mars_with_a_clear_message(world: World) -> None:
    result = await world.student.slash(world.general, "timezone set", zone="Mars/Olympus")
    text = reply_of(result).content
    assert "Mars/Olympus" in text and "America/New_York" in text
    async with world.bot.sessions() as session:
        assert await members.get(session, world.guild.id, world.student.id) is None


async def test_timezone_set_and_show(world: World) -> None:
    shown = reply_of(await world.student.slash(world.general, "timezone show")).content
    assert "America/New_York" in shown and "program's time zone" in shown
    done = reply_of(await world.student.slash(world.general, "timezone set", zone="Europe/London"))
    assert "Europe/London" in done.content
    shown = reply_of(await world.student.slash(world.general, "timezone show")).content
    assert "Europe/London" in shown and "program's" not in shown


async def test_timezone_autocomplete_suggests_zones(world: World) -> None:
    result = await world.student.autocomplete(world.general, "timezone set", "zone", "london")
    assert [choice["value"] for choice in result] == ["Europe/London"]


async def test_restart_keeps_data_rebuilds_jobs_and_buttons_still_work(
    world: World, database_url: str
) -> None:
    await world.student.slash(world.general, "timezone set", zone="Asia/Kolkata")
    await run_setup(world)
    channel = world.bot.get_channel(world.escalations.id)
    assert isinstance(channel, discord.TextChannel)
    button_post = await channel.send("press", view=ProbeView())

    fresh = build_bot(database_url, world.bot.sessions, [world.env], ["tests.e2e.probe_cog"])
    world.bot.scheduler.shutdown()
    await world.env.restart_bot(fresh)
    world.bot = fresh

    probes = [job for job in fresh.scheduler.job_ids() if job.startswith("probe:")]
    assert probes == [f"probe:{world.guild.id}"]
    shown = reply_of(await world.student.slash(world.general, "timezone show")).content
    assert "Asia/Kolkata" in shown
    await world.env.advance_time(59 * 60)
    assert world.escalations.last_message.content != "probe job ran"
    await world.env.advance_time(60)
    assert world.escalations.last_message.content == "probe job ran"
    clicked = await world.staff.click(button_post, custom_id=PROBE_BUTTON)
    assert clicked.response is not None and clicked.response.content == "probe answered"


async def test_online_check_finds_a_set_up_server_ready_then_a_broken_one(world: World) -> None:
    await run_setup(world)
    program = await ProgramService(
        world.bot.sessions, world.bot.clock, world.bot.settings.program
    ).get(world.guild.id)
    assert await online_problems(world.bot, program) == []

    channel = world.bot.get_channel(world.escalations.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.set_permissions(channel.guild.me, view_channel=True, send_messages=False)
    problems = await online_problems(world.bot, program)
    assert len(problems) == 1
    assert problems[0].startswith(f"server {world.guild.name} ({world.guild.id}): I can't post")


async def test_close_stops_the_scheduler_before_releasing_the_database(
    database_url: str, sessions: Sessions
) -> None:
    events: list[str] = []
    cell: list[simcord.Env] = []
    bot = build_bot(database_url, sessions, cell)

    async def released() -> None:
        events.append(f"database released, scheduler running={bot.scheduler.running}")

    bot._on_close = released
    env = simcord.Env(bot)
    cell.append(env)
    await env.start()
    try:
        assert bot.scheduler.running
        await bot.close()
    finally:
        await env.shutdown()
    assert events == ["database released, scheduler running=False"]
    assert bot.is_closed()
