"""Persistent buttons and modals; their custom_ids are stable so they survive restarts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import discord


def persistent_view(*items: discord.ui.Item[Any]) -> discord.ui.View:
    """A view that never times out, holding ``items`` (DynamicItems, so they answer after
    a restart even though only the view's JSON is sent by the delivery engine)."""
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def stamped_button(item: discord.ui.Item[Any]) -> Callable[[str], tuple[dict[str, Any], ...]]:
    """The components of ``persistent_view(item)`` (one button), built once, as a function
    giving them with another ``custom_id``: a fan-out of thousands of prompts builds one
    view, not one each."""
    (row,) = persistent_view(item).to_components()
    (button,) = row["components"]

    def components(custom_id: str) -> tuple[dict[str, Any], ...]:
        return ({**row, "components": [{**button, "custom_id": custom_id}]},)

    return components
