"""Persistent buttons and modals; their custom_ids are stable so they survive restarts."""

from __future__ import annotations

from typing import Any

import discord


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view that never times out, holding ``items`` (DynamicItems, so they answer after
    a restart even though only the view's JSON is sent by the delivery engine)."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view
