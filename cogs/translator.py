"""Slash commands in the reader's language: discord.py's ``Translator`` read from the catalogs.

discord.py asks the translator for every command and group name, description, option
name and description and choice name, for every Discord locale, when it syncs the tree;
Discord then shows each member the names of their client's language (``/sesion
programar`` in Spanish) and still sends the English names in interactions, so nothing
else changes. Each kind of string has its own catalog context (``CONTEXTS``), since a
name must follow Discord's rules (lower case, no spaces, at most 32 characters) where a
sentence need not.

``command_messages`` lists those strings from the real command tree; ``extract`` is the
Babel extraction method for cog modules (``[tool.babel.mappings]`` in pyproject.toml): the
``Text``/``Plural`` messages of the file, plus the command strings it defines. So a new
command lands in the catalog template, and the catalog tests fail until it is translated.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import discord
from babel.messages.extract import extract_python
from discord import app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import CHOICE, COMMAND, DEFAULT_LANGUAGE, OPTION, language_of, load_catalogs, lookup

__all__ = [
    "CONTEXTS",
    "MENU",
    "CatalogTranslator",
    "CommandMessage",
    "command_messages",
    "extract",
    "locales_of",
]

MENU: str = "message command"
"""The context of a message command's name ("Get help from staff"): words, not a slug."""

CONTEXTS: Mapping[Where, str] = {
    Where.command_name: COMMAND,
    Where.group_name: COMMAND,
    Where.command_description: "command description",
    Where.group_description: "command description",
    Where.parameter_name: OPTION,
    Where.parameter_description: "option description",
    Where.choice_name: CHOICE,
}
"""The catalog context (msgctxt) of each kind of command string."""

NOTES: Mapping[str, str] = {
    COMMAND: "A command name: lower case, no spaces, at most 32 characters.",
    OPTION: "An option name: lower case, no spaces, at most 32 characters.",
    "command description": "A command's description: at most 100 characters.",
    "option description": "An option's description: at most 100 characters.",
    CHOICE: "A choice shown in an option's list: at most 100 characters.",
    MENU: "A message command's name (Apps menu): at most 32 characters, spaces allowed.",
}


def locales_of(language: str) -> list[discord.Locale]:
    """The Discord locales whose readers get ``language`` (es: es-ES and es-419)."""
    return [locale for locale in discord.Locale if language_of(locale.value) == language]


class CatalogTranslator(app_commands.Translator):
    """Command strings from the catalog; None (Discord shows the English) when untranslated."""

    async def load(self) -> None:
        load_catalogs()  # at start, so no reply waits for a catalog to compile

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        where = CONTEXTS.get(context.location)
        if isinstance(context.data, app_commands.ContextMenu):
            where = MENU
        return None if where is None else _translated(locale.value, string.message, where)


@cache
def _translated(locale: str, message: str, where: str) -> str | None:
    """One command string in ``locale`` (None: English). A sync asks for every string in
    every Discord locale, and each start computes the tree twice (its digest, then the sync):
    each answer is looked up once per process."""
    language = language_of(locale)
    if language == DEFAULT_LANGUAGE:
        return None
    translated = lookup(language, message, where)
    return translated if translated != message else None


@dataclass(frozen=True)
class CommandMessage:
    """One translatable command string, where it is defined."""

    context: str
    message: str
    module: str
    line: int


def command_messages(
    tree: app_commands.CommandTree[discord.Client],
) -> list[CommandMessage]:
    """Every translatable string of the tree's slash commands, in tree order."""
    found: list[CommandMessage] = []

    def add(where: Where, message: str, module: str | None, line: int) -> None:
        found.append(CommandMessage(CONTEXTS[where], message, module or "", line))

    def visit(item: app_commands.Command[Any, ..., Any] | app_commands.Group) -> None:
        if isinstance(item, app_commands.Group):
            line = min((_line(child) for child in item.walk_commands()), default=1)
            add(Where.group_name, item.name, item.module, line)
            add(Where.group_description, item.description, item.module, line)
            for child in item.commands:
                visit(child)
            return
        line = _line(item)
        add(Where.command_name, item.name, item.module, line)
        add(Where.command_description, item.description, item.module, line)
        for parameter in item.parameters:
            add(Where.parameter_name, parameter.display_name, item.module, line)
            add(Where.parameter_description, parameter.description, item.module, line)
            for choice in parameter.choices:
                add(Where.choice_name, choice.name, item.module, line)

    for command in tree.get_commands(type=discord.AppCommandType.chat_input):
        if isinstance(command, app_commands.Command | app_commands.Group):
            visit(command)
    for menu in tree.get_commands(type=discord.AppCommandType.message):
        if isinstance(menu, app_commands.ContextMenu):
            found.append(CommandMessage(MENU, menu.name, menu.module or "", _line(menu)))
    return found


def _line(
    item: app_commands.Command[Any, ..., Any] | app_commands.Group | app_commands.ContextMenu,
) -> int:
    if isinstance(item, app_commands.Group):
        return 1
    return int(inspect.unwrap(item.callback).__code__.co_firstlineno)


@cache
def _messages_by_file() -> dict[Path, tuple[CommandMessage, ...]]:
    """The command strings of every cog, by the file that defines them (built once)."""
    # Imported here: bot.app imports this module, and cogs.reference imports bot.app.
    from bot.config import load_settings
    from cogs.reference import command_tree

    tree = asyncio.run(command_tree(load_settings(None, {})))
    by_file: dict[Path, list[CommandMessage]] = {}
    for message in command_messages(tree):
        source = getattr(sys.modules.get(message.module), "__file__", None)
        if source is not None:
            by_file.setdefault(Path(source).resolve(), []).append(message)
    return {path: tuple(messages) for path, messages in by_file.items()}


def extract(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[Any, ...]]:
    """Babel extraction method for a cog module: its messages and its command strings."""
    yield from extract_python(fileobj, dict.fromkeys(keywords), comment_tags, options)  # type: ignore[arg-type]
    name = getattr(fileobj, "name", None)
    if name is None:
        return
    for message in _messages_by_file().get(Path(name).resolve(), ()):
        yield message.line, "pgettext", (message.context, message.message), [NOTES[message.context]]
