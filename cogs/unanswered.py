"""Answers the presses and forms that nothing else takes.

discord.py drops them silently, and the person reads Discord's "This interaction failed":
a view that timed out, one a restart left behind (only ``ReportingItem`` buttons survive
one), a form opened before a restart.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from cogs.context import reader_language
from cogs.errors import EXPIRED_BUTTONS, EXPIRED_FORM, WORK

log = logging.getLogger(__name__)


class Unanswered(commands.Cog):
    """Answers the presses and forms that no view, item or form took.

    Every handler starts its work (``cogs.errors.begin``) in its first step, and discord.py
    creates its task before this listener's for the same interaction, so an interaction
    with no work begun by the time this runs has no handler.
    """

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        kinds = (discord.InteractionType.component, discord.InteractionType.modal_submit)
        if interaction.type not in kinds or WORK in interaction.extras:
            return
        if interaction.response.is_done():
            return
        modal = interaction.type is discord.InteractionType.modal_submit
        try:
            reply = EXPIRED_FORM if modal else EXPIRED_BUTTONS
            await interaction.response.send_message(
                reply.render(reader_language(interaction)), ephemeral=True
            )
        except discord.HTTPException as error:
            log.warning("could not answer an expired interaction (HTTP %s)", error.status)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Unanswered())
