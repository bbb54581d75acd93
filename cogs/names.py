"""Members' display names for what people read outside Discord's mentions (files, lists).

Bridges has no members intent, so the member cache is mostly empty. A name comes from what
the caller already knows (the interaction's user), the cache, a fetch of the member, and
last the user id. All name lookup is here, so names stored from interactions (issue 18,
item 1) can replace it in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import discord

log = logging.getLogger(__name__)


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
