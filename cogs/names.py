"""Members' display names for what people read outside Discord's mentions (files, lists).

Bridges has no members intent, so the member cache is mostly empty. ``NamesCog`` stores the
name a member shows on each of their interactions (``bot.names``); a name then comes from
what the caller already knows (the interaction's user, the stored names), the cache, a fetch
of the member, and last the user id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import discord
from discord.ext import commands

from bot.app import BridgesBot
from storage.db import begin_work

log = logging.getLogger(__name__)


def name_of(guild: discord.Guild, user_id: int, stored: Mapping[int, str]) -> str:
    """The name without a request: stored from their interactions, else cached, else the id."""
    return stored.get(user_id) or cached_name(guild, user_id)


def cached_name(guild: discord.Guild, user_id: int) -> str:
    """The name without a request (for autocomplete, which must answer fast): from the
    cache, else the user id."""
    member = guild.get_member(user_id)
    return member.display_name if member is not None else str(user_id)


async def display_names(
    guild: discord.Guild, user_ids: Iterable[int], known: Mapping[int, str] | None = None
) -> dict[int, str]:
    """Each user's display name in ``guild``; a member who left is named by their id."""
    names = dict(known or {})
    for user_id in dict.fromkeys(user_ids):
        if user_id in names:
            continue
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.NotFound:
                member = None
            except discord.HTTPException as error:
                log.warning("could not fetch member %s for their name: %s", user_id, error.status)
                member = None
        names[user_id] = member.display_name if member is not None else str(user_id)
    return names


class NamesCog(commands.Cog):
    """Keeps each member's display name as they act (commands, buttons, forms)."""

    def __init__(self, bot: BridgesBot) -> None:
        self.names = bot.names

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        user = interaction.user
        if interaction.guild_id is None or not isinstance(user, discord.Member):
            return
        begin_work()  # a unit of its own: the name kept is not what the interaction saved
        await self.names.seen(interaction.guild_id, user.id, user.display_name)


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(NamesCog(bot))
