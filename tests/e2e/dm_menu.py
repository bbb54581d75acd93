"""A message command run in a user's DM with the bot, which simcord (3.2.1) offers only on a
guild member: the same MESSAGE context-menu interaction ``MemberActor.context_menu`` sends,
built here without a guild, as Discord sends it for a command allowed in DMs."""

from __future__ import annotations

from typing import Any

import discord
from simcord.actors import _dispatch_actor_interaction, _resolve_visible_command
from simcord.backend import serializers
from simcord.builders import UserHandle
from simcord.enums import AppCommandType, InteractionType
from simcord.results import InteractionResult


async def dm_message_command(
    user: UserHandle, name: str, message: discord.Message
) -> InteractionResult:
    """``user`` right-clicks ``message`` in their DM with the bot and picks ``name``."""
    channel = user.dm_channel
    backend: Any = user._env.backend  # the simulator's own model
    payload = dict(
        serializers.message_payload(backend, backend.get_message(channel.id, message.id))
    )
    root = _resolve_visible_command(user, channel.id, name, AppCommandType.MESSAGE)
    data = {
        "id": root["id"],
        "name": root["name"],
        "type": AppCommandType.MESSAGE,
        "target_id": str(message.id),
        "resolved": {"messages": {str(message.id): payload}},
    }
    return await _dispatch_actor_interaction(
        user, InteractionType.APPLICATION_COMMAND, channel, data
    )
