"""Every staff command, walked from the registered command tree, is refused to a student by
the bot itself (not only hidden in the client): a new staff command is covered without
touching this file."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.services.access import Audience
from cogs.help import Listed, leaf_commands
from tests.e2e.conftest import World, open_staff_menu
from tests.e2e.test_foundation import reply_of, run_setup
from tests.e2e.test_matching import MENTEE, join


def option_value(world: World, parameter: app_commands.Parameter) -> Any:
    """A value simcord accepts for this option; the refusal must come before it is read."""
    if parameter.choices:
        return parameter.choices[0].value
    kind = parameter.type
    if kind is discord.AppCommandOptionType.string:
        return "x" * max(1, int(parameter.min_value or 1))
    if kind is discord.AppCommandOptionType.integer:
        return int(parameter.min_value or 1)
    if kind is discord.AppCommandOptionType.number:
        return float(parameter.min_value or 1)
    if kind is discord.AppCommandOptionType.boolean:
        return True
    if kind in (discord.AppCommandOptionType.user, discord.AppCommandOptionType.mentionable):
        return world.student
    if kind is discord.AppCommandOptionType.channel:
        return world.general
    if kind is discord.AppCommandOptionType.role:
        return world.staff_role
    raise AssertionError(f"no test value for option type {kind!r} of {parameter.name}")


def staff_commands(world: World) -> list[Listed]:
    return [
        command for command, audience in leaf_commands(world.bot.tree) if audience is Audience.STAFF
    ]


@pytest.mark.parametrize("as_member", [False, True], ids=["bystander", "mentee"])
async def test_every_staff_command_is_refused_to_students_on_the_server(
    world: World, as_member: bool
) -> None:
    await run_setup(world)
    if as_member:
        await join(world, world.student, "mentee", MENTEE)
    # A server that showed /staff to everyone under Integrations: the bot still refuses.
    open_staff_menu(world, world.guild.default_role)
    walked = staff_commands(world)
    assert len(walked) >= 10, "the walk found too few staff commands"
    for command in walked:
        options = {
            parameter.display_name: option_value(world, parameter)
            for parameter in command.parameters
            if parameter.required
        }
        result = await world.student.slash(world.general, command.qualified_name, **options)
        assert result.modal is None, f"/{command.qualified_name} opened a form for a student"
        reply = reply_of(result)
        assert "Only staff" in reply.content, f"/{command.qualified_name}: {reply.content!r}"


def test_students_do_not_see_staff_commands_by_default(world: World) -> None:
    shown = world.student.available_commands(world.general)
    assert not [name for name in shown if name.startswith("staff ")]


async def test_the_same_commands_answer_staff(world: World) -> None:
    """The walk is not vacuous: staff get past the check (no refusal) on a read-only one."""
    await run_setup(world)
    result = await world.staff.slash(world.general, "staff roster")
    assert "Only staff" not in reply_of(result).content
