"""The cogs' side of the transactional outbox: the bot's ``Transactions``, and prompts.

Services write what a change implies in its transaction (``bot.services.outbox``); cogs
supply the ``compose`` callables that turn a service's result into prompts. Every prompt is
built here, so each says who it is for, where it goes when DMs are closed, and until when
it is worth sending (``expires_at``; None: always).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.app import BridgesBot
from bot.delivery import Message, Priority, Prompt
from bot.services.outbox import Transactions

#: The event that wakes the signal worker after signals were committed.
SIGNALS_RECORDED = "signals_recorded"


def transactions(bot: BridgesBot) -> Transactions:
    """Transactions whose prompts go to the bot's delivery engine once committed, and whose
    signals wake the signal worker (the escalation cog listens for ``SIGNALS_RECORDED``)."""
    return Transactions(
        bot.sessions, bot.clock, bot.delivery, lambda: bot.dispatch(SIGNALS_RECORDED)
    )


def dm(
    key: str,
    user_id: int,
    content: str,
    *,
    view: discord.ui.View | None = None,
    components: tuple[dict[str, Any], ...] = (),
    priority: Priority = Priority.NORMAL,
    fallback_channel_id: int | None = None,
    guild_id: int | None = None,
    expires_at: datetime | None = None,
    language: str | None = None,
) -> Prompt:
    """A DM under ``key`` (its kind is the key's first part). With DMs closed it is posted
    in ``fallback_channel_id`` (the pair's channel), else in ``guild_id``'s program channel;
    with neither, it is not posted anywhere else. ``components`` are a view's, built
    already (``cogs.views.stamped_button``), for a prompt without ``view``. ``language``:
    the reader's stored language, when read with them (not read again to render it)."""
    return Prompt(
        key=key,
        kind=key.split(":", 1)[0],
        user_id=user_id,
        message=Message(
            content=content,
            components=tuple(view.to_components()) if view is not None else components,
        ),
        priority=priority,
        fallback_channel_id=fallback_channel_id,
        guild_id=guild_id,
        expires_at=expires_at,
        language=language,
    )
