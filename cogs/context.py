"""Small helpers every cog uses to read an interaction."""

from __future__ import annotations

import discord

from bot.errors import UserError
from bot.i18n import language_of


def guild_id_of(interaction: discord.Interaction) -> int:
    """The server the command ran in; commands of the program work only inside one."""
    if interaction.guild_id is None:
        raise UserError("Use this inside your school's server.")
    return interaction.guild_id


def reader_language(interaction: discord.Interaction) -> str:
    """The language to answer this interaction in: its user's Discord locale's (es-419 and
    es-ES -> "es"), English when Bridges does not speak it."""
    return language_of(interaction.locale.value)
