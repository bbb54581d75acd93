"""Small helpers every cog uses to read an interaction."""

from __future__ import annotations

import discord

from bot.errors import UserError


def guild_id_of(interaction: discord.Interaction) -> int:
    """The server the command ran in; commands of the program work only inside one."""
    if interaction.guild_id is None:
        raise UserError("Use this inside your school's server.")
    return interaction.guild_id
