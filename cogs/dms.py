"""/dms on: a student who re-opened their DMs asks Bridges to message them there again."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Message
from bot.services.access import Audience
from bot.services.deliveries import DeliveryService
from cogs import delivery_texts as texts
from cogs.context import reader_language
from storage.models import DmStatus


class DmsCog(commands.Cog):
    dms = app_commands.Group(
        name="dms",
        description="Get Bridges' prompts as direct messages",
        guild_only=True,
        extras={"audience": Audience.EVERYONE},
    )

    def __init__(self, bot: BridgesBot) -> None:
        self.service = DeliveryService(bot.sessions, bot.clock, bot.delivery)

    @dms.command(name="on", extras={"audience": Audience.EVERYONE})
    async def dms_on(self, interaction: discord.Interaction) -> None:
        """After turning your DMs back on: Bridges checks, and messages you privately again."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        language = reader_language(interaction)
        check = Message(texts.DMS_CHECK.render(language), language=language)
        status = await self.service.recheck_dms(interaction.user.id, check, interaction.id)
        reply = {
            DmStatus.OPEN: texts.DMS_OPEN,
            DmStatus.CLOSED: texts.DMS_STILL_CLOSED,
        }.get(status, texts.DMS_NO_CHANGE)
        await interaction.followup.send(reply.render(language), ephemeral=True)


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(DmsCog(bot))
