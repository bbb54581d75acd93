"""Every registered slash command is documented and declares who may use it."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.app_commands import AppCommand

from bot.services.access import Audience
from cogs.help import leaf_commands
from storage.repositories import state
from tests.e2e.conftest import World, build_bot
from tests.e2e.test_foundation import reply_of, run_setup, text_of


def test_every_command_has_help_text_an_audience_and_described_options(world: World) -> None:
    listed = list(leaf_commands(world.bot.tree))
    assert listed, "no commands registered"
    for command, audience in listed:
        assert isinstance(audience, Audience)
        assert command.description and command.description != "…", command.qualified_name
        for parameter in command.parameters:
            assert parameter.description and parameter.description != "…", (
                f"/{command.qualified_name} {parameter.name}"
            )


def test_admin_commands_require_manage_server_in_the_menu_and_on_the_server(world: World) -> None:
    for command, audience in leaf_commands(world.bot.tree):
        if audience is not Audience.ADMIN:
            continue
        assert command.default_permissions is not None
        assert command.default_permissions.manage_guild
        assert any(
            getattr(check, "__qualname__", "").startswith("has_permissions")
            for check in command.checks
        ), f"/{command.qualified_name} has no server-side permission check"


def test_commands_are_guild_only(world: World) -> None:
    for command, _ in leaf_commands(world.bot.tree):
        root = command.root_parent or command
        assert root.guild_only, f"/{command.qualified_name} would be offered in DMs"


def test_staff_is_hidden_from_members_without_manage_server_in_the_synced_payload(
    world: World,
) -> None:
    staff = world.env.backend.find_command("staff", world.guild.id)
    assert staff is not None
    assert int(staff["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert "staff roster" not in world.student.available_commands(world.general)
    # The admin has Manage Server; the staff role was allowed under Integrations.
    assert "staff roster" in world.admin.available_commands(world.general)
    assert "staff roster" in world.staff.available_commands(world.general)


async def test_setup_explains_how_to_allow_the_staff_role(world: World) -> None:
    text = text_of(reply_of(await run_setup(world)))
    assert "Server Settings → Integrations → Bridges" in text and "staff role" in text


async def _restart_counting_syncs(
    world: World, database_url: str, extra: app_commands.Command[Any, ..., None] | None = None
) -> int:
    """Start a fresh bot on the same database and Discord; how many times it synced."""
    fresh = build_bot(database_url, world.bot.sessions, [world.env])
    if extra is not None:
        fresh.tree.add_command(extra)
    syncs: list[object] = []
    sync = fresh.tree.sync

    async def counted(*, guild: discord.abc.Snowflake | None = None) -> list[AppCommand]:
        syncs.append(guild)
        return await sync(guild=guild)

    fresh.tree.sync = counted  # type: ignore[method-assign]
    world.bot.scheduler.shutdown()
    await world.env.restart_bot(fresh)
    world.bot = fresh
    return len(syncs)


async def _said(interaction: discord.Interaction) -> None:
    await interaction.response.send_message("probe", ephemeral=True)


async def test_commands_are_synced_only_when_the_tree_changed(
    world: World, database_url: str
) -> None:
    assert await _restart_counting_syncs(world, database_url) == 0
    assert "staff roster" in world.staff.available_commands(world.general)  # still there
    probe = app_commands.Command(name="probe", description="A new command", callback=_said)
    assert await _restart_counting_syncs(world, database_url, probe) == 1
    assert "probe" in world.student.available_commands(world.general)
    async with world.bot.sessions() as session:
        kept = await state.get(session, "commands-digest:global")
    assert kept is not None
    assert await world.bot.sync_commands(force=True)  # `bridges sync`
