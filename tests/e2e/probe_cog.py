"""A test-only cog that exercises the start-up contract a real feature cog relies on:
jobs rebuilt from rows by ``reconcile()`` and a persistent button that survives restarts."""

from __future__ import annotations

from datetime import timedelta

import discord
from discord.ext import commands

from bot.app import BridgesBot
from storage.repositories import guilds

PROBE_BUTTON = "probe:button"


class ProbeView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Probe", custom_id=PROBE_BUTTON)
    async def probe(
        self, interaction: discord.Interaction, _button: discord.ui.Button[ProbeView]
    ) -> None:
        await interaction.response.send_message("probe answered", ephemeral=True)


class ProbeCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot

    async def reconcile(self) -> int:
        """One job per set-up server, an hour after start: DM the server's owner id."""
        async with self.bot.sessions() as session:
            ids = await guilds.configured_guild_ids(session)
        for guild_id in ids:
            self.bot.scheduler.run_at(
                f"probe:{guild_id}",
                self.bot.clock.now() + timedelta(hours=1),
                self.ping,
                guild_id,
            )
        return len(ids)

    async def ping(self, guild_id: int) -> None:
        program = await guilds_program(self.bot, guild_id)
        channel = self.bot.get_channel(program)
        if isinstance(channel, discord.TextChannel):
            await channel.send("probe job ran")

    def persistent_views(self) -> list[discord.ui.View]:
        return [ProbeView()]


async def guilds_program(bot: BridgesBot, guild_id: int) -> int:
    async with bot.sessions() as session:
        row = await guilds.get(session, guild_id)
    return row.escalation_channel_id or 0 if row is not None else 0


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(ProbeCog(bot))
