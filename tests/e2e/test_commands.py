"""Every registered slash command is documented and declares who may use it."""

from __future__ import annotations

from bot.services.access import Audience
from cogs.help import leaf_commands
from tests.e2e.conftest import World


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
