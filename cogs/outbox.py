"""The cogs' side of the transactional outbox: the bot's ``Transactions``, and prompts.

Services write what a change implies in its transaction (``bot.services.outbox``); cogs
supply the ``compose`` callables that turn a service's result into prompts. Every prompt is
built here, so each says who it is for, where it goes when DMs are closed, and until when
it is worth sending (``expires_at``; None: always).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import discord

from bot.app import BridgesBot
from bot.delivery import Message, Priority, Prompt
from bot.i18n import DEFAULT_LANGUAGE, Localized, render, render_json
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
    the reader's stored language, when read with them: the outbox does not read it again,
    and a message already rendered in it (``InTheirLanguage``) is written as it is."""
    plain = (
        language is not None
        and view is None
        and not isinstance(content, Localized)
        and (not components or isinstance(components, Rendered))
    )
    return Prompt(
        key=key,
        kind=key.split(":", 1)[0],
        user_id=user_id,
        message=Message(
            content=content,
            components=tuple(view.to_components()) if view is not None else components,
            language=language or DEFAULT_LANGUAGE,
            plain=plain,
        ),
        priority=priority,
        fallback_channel_id=fallback_channel_id,
        guild_id=guild_id,
        expires_at=expires_at,
        language=language,
    )


Components = Callable[[str], tuple[dict[str, Any], ...]]


class Rendered(tuple[dict[str, Any], ...]):
    """Components with every label rendered already (``InTheirLanguage.button``)."""


class InTheirLanguage:
    """A fan-out's texts and stamped buttons (``cogs.views.stamped_button``) in each
    reader's language, rendered once per distinct text (or button) and language, not once
    per prompt; for a reader whose language is not known (None) they are left as they are,
    for the outbox to render."""

    def __init__(self) -> None:
        self._texts: dict[tuple[str, str], str] = {}
        self._buttons: dict[tuple[Components, str], Components] = {}

    def text(self, text: str, language: str | None) -> str:
        if language is None:
            return text
        if (text, language) not in self._texts:
            self._texts[text, language] = render(text, language)
        return self._texts[text, language]

    def button(self, components: Components, language: str | None) -> Components:
        """``components`` with every label rendered in ``language``, a custom_id each."""
        if language is None:
            return components
        if (components, language) not in self._buttons:
            (row,) = render_json(components(""), language)
            (button,) = row["components"]

            def stamped(custom_id: str) -> tuple[dict[str, Any], ...]:
                return Rendered(({**row, "components": [{**button, "custom_id": custom_id}]},))

            self._buttons[components, language] = stamped
        return self._buttons[components, language]
