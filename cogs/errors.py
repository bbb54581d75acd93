"""The one error handler for slash commands (and, later, buttons and modals).

A ``UserError`` is a message for the person: it is shown to them, ephemerally, as it is.
A failed permission check gets a sentence naming what is missing. Anything else is a bug:
it is logged with its traceback under a short error id, and the person sees an apology
quoting that id so staff can find it in the logs.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.errors import UserError
from bot.i18n import language_of, render

log = logging.getLogger(__name__)

APOLOGY = (
    "Sorry, something went wrong on our side and nothing was changed. "
    "If it keeps happening, tell a staff member and quote error id `{error_id}`."
)


class Refused(app_commands.CheckFailure):
    """A permission check's refusal, with a sentence for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _permission_names(permissions: list[str]) -> str:
    return ", ".join(
        name.replace("_", " ").replace("guild", "server").title() for name in permissions
    )


def message_for(error: BaseException) -> tuple[str, str | None]:
    """What the person is told, and the error id when the error is a bug."""
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, UserError | Refused):
        return cause.message, None
    if isinstance(cause, app_commands.MissingPermissions):
        return (
            f"You need the {_permission_names(cause.missing_permissions)} permission "
            "to use this command.",
            None,
        )
    if isinstance(cause, app_commands.NoPrivateMessage):
        return "This command works only inside your school's server, not in DMs.", None
    if isinstance(cause, app_commands.TransformerError):
        return f"I could not understand `{cause.value}`. Please pick one of the suggestions.", None
    if isinstance(cause, app_commands.CheckFailure):
        return "You are not allowed to use this command here.", None
    error_id = secrets.token_hex(4)
    return APOLOGY.format(error_id=error_id), error_id


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    text, error_id = message_for(error)
    text = render(text, language_of(interaction.locale.value))  # a Text in the reader's language
    if error_id is not None:
        command = interaction.command.qualified_name if interaction.command else "component"
        log.error(
            "error %s in %s (guild %s, user %s)",
            error_id,
            command,
            interaction.guild_id,
            interaction.user.id,
            exc_info=(type(error), error, error.__traceback__),
        )
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell user %s about an error (id %s)", interaction.user.id, error_id)


class BridgesTree(app_commands.CommandTree[discord.Client]):
    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await report_error(interaction, error)


class ReportingModal(discord.ui.Modal):
    """A form whose errors are answered like a command's: a sentence, or an error id."""

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await report_error(interaction, error)


class ReportingView(discord.ui.View):
    """Buttons whose errors are answered like a command's: a sentence, or an error id."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, _item: discord.ui.Item[Any]
    ) -> None:
        await report_error(interaction, error)
