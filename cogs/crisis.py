"""What a member whose own words were concerning reads at once: that staff were told, the
crisis resources in their language and, outside staff hours, when staff are back. Staff
hear of it through the signal the service recorded with the words."""

from __future__ import annotations

import discord

from bot.app import BridgesBot
from bot.services.programs import ProgramService
from cogs import escalation_texts
from cogs.context import reader_language


async def concern_reply(
    bot: BridgesBot, programs: ProgramService, interaction: discord.Interaction, guild_id: int
) -> str:
    """The reply, rendered in the reader's language."""
    settings = bot.settings.escalations
    language = reader_language(interaction)
    away = await programs.staff_away(guild_id, settings.staff_hours, bot.settings.sessions.holidays)
    return escalation_texts.concern_shown(settings.crisis(language), away).render(language)
