"""Small helpers every cog uses to read an interaction."""

from __future__ import annotations

from typing import TypeVar

import discord

from bot.errors import UserError
from bot.i18n import Text, language_of, render


def guild_id_of(interaction: discord.Interaction) -> int:
    """The server the command ran in; commands of the program work only inside one."""
    if interaction.guild_id is None:
        raise UserError(Text("Use this inside your school's server."))
    return interaction.guild_id


def reader_language(interaction: discord.Interaction) -> str:
    """The language to answer this interaction in: its user's Discord locale's (es-419 and
    es-ES -> "es"), English when Bridges does not speak it."""
    return language_of(interaction.locale.value)


Localizable = TypeVar("Localizable", discord.ui.View, discord.ui.Modal)


def localized(container: Localizable, language: str) -> Localizable:
    """A view or form in ``language``: the form's title, and each item's label, placeholder
    and options that are ``Text``s rendered (in place; returns it)."""
    if isinstance(container, discord.ui.Modal):
        container.title = render(container.title, language)
    for item in container.walk_children():
        if isinstance(item, discord.ui.Button) and item.label:
            item.label = render(item.label, language)
        if isinstance(item, discord.ui.TextInput) and item._underlying.label:
            # The label of a form's field (its public property is deprecated, not gone).
            item._underlying.label = render(item._underlying.label, language)
        if isinstance(item, discord.ui.TextInput | discord.ui.Select) and item.placeholder:
            item.placeholder = render(item.placeholder, language)
        if isinstance(item, discord.ui.Label):
            item.text = render(item.text, language)
            if item.description:
                item.description = render(item.description, language)
        if isinstance(item, discord.ui.Select | discord.ui.RadioGroup):
            for option in item.options:
                option.label = render(option.label, language)
                if option.description:
                    option.description = render(option.description, language)
    return container
