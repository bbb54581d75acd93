"""/privacy for every member, and the daily retention clean-up.

The clean-up job's id is ``retention:daily``; ``reconcile()`` schedules it on every start
and each run schedules the next, so a restart loses nothing (a run is idempotent).
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.jobs import RETENTION
from bot.services.access import Audience
from bot.services.matches import MatchService
from bot.services.privacy import PrivacyService
from cogs import privacy_texts as texts
from cogs.context import guild_id_of, reader_language

log = logging.getLogger(__name__)
RETENTION_JOB = RETENTION.id()


class PrivacyCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.service = PrivacyService(
            bot.sessions,
            bot.clock,
            bot.settings.privacy,
            MatchService(bot.sessions, bot.clock, bot.settings.matching),
        )

    async def reconcile(self) -> int:
        return await self.plan_from_rows()

    async def plan_from_rows(self) -> int:
        self.bot.scheduler.run_at(RETENTION_JOB, self.service.next_purge(), self.purge)
        return 1

    async def purge(self) -> None:
        """Run the clean-up, then schedule tomorrow's (even if this one failed)."""
        try:
            await self.service.purge_expired()
        finally:
            await self.reconcile()

    @app_commands.command(name="privacy", extras={"audience": Audience.EVERYONE})
    @app_commands.guild_only()
    async def privacy(self, interaction: discord.Interaction) -> None:
        """See what Bridges stores about you, who can see it and how long it is kept."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        about = await self.service.stored_about(guild_id_of(interaction), interaction.user.id)
        language = reader_language(interaction)
        if about is None:
            await interaction.followup.send(texts.NOTHING_STORED.render(language), ephemeral=True)
            return
        await interaction.followup.send(embed=texts.stored_embed(about, language), ephemeral=True)


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(PrivacyCog(bot))
