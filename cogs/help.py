"""/help: the commands the caller may use, with what each does."""

from __future__ import annotations

from collections.abc import Iterator

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.i18n import DEFAULT_LANGUAGE, Slash, Text, lookup
from bot.services.access import Audience, audiences_for, is_staff
from bot.services.members import MemberService
from bot.services.programs import ProgramService
from cogs.context import reader_language
from cogs.translator import CONTEXTS

Listed = app_commands.Command[commands.Cog, ..., None]
SECTIONS = (
    (Audience.EVERYONE, Text("For everyone")),
    (Audience.MENTEE, Text("For mentees")),
    (Audience.MENTOR, Text("For mentors")),
    (Audience.STAFF, Text("For staff")),
    (Audience.ADMIN, Text("For server admins")),
)


def leaf_commands(
    tree: app_commands.CommandTree[discord.Client],
) -> Iterator[tuple[Listed, Audience]]:
    """Every runnable slash command with its audience (a subcommand inherits its group's)."""

    def walk(
        item: Listed | app_commands.Group, inherited: Audience
    ) -> Iterator[tuple[Listed, Audience]]:
        audience = Audience(item.extras.get("audience", inherited))
        if isinstance(item, app_commands.Group):
            for child in item.commands:
                yield from walk(child, audience)
        else:
            yield item, audience

    for command in tree.get_commands(type=discord.AppCommandType.chat_input):
        if isinstance(command, app_commands.Command | app_commands.Group):
            yield from walk(command, Audience.STAFF)


DESCRIPTION = CONTEXTS[app_commands.TranslationContextLocation.command_description]
FIELD_LIMIT = 1024  # Discord's limit on one embed field's value
EMBED_LIMIT = 5500  # under Discord's 6,000 characters per embed, leaving room for titles


def _fields(heading: Text, lines: list[str], language: str) -> list[tuple[str, str]]:
    """``lines`` under ``heading``, split into fields short enough for Discord."""
    fields: list[tuple[str, str]] = []
    chunk: list[str] = []
    name = heading.render(language)
    for line in lines:
        if chunk and len("\n".join([*chunk, line])) > FIELD_LIMIT:
            fields.append((name, "\n".join(chunk)))
            chunk = []
            name = Text("{heading} (continued)", heading=heading).render(language)
        chunk.append(line[:FIELD_LIMIT])
    if chunk:
        fields.append((name, "\n".join(chunk)))
    return fields


def _line(command: Listed, language: str) -> str:
    """One command as the reader's Discord shows it, with its description."""
    name = Slash(command.qualified_name).render(language)
    description = lookup(language, command.description, DESCRIPTION)
    return f"`{name}` {description}"


def help_embeds(
    tree: app_commands.CommandTree[discord.Client],
    audiences: frozenset[Audience],
    language: str = DEFAULT_LANGUAGE,
) -> list[discord.Embed]:
    """The caller's commands by audience, in as many embeds as Discord's limits need."""
    listed = sorted(leaf_commands(tree), key=lambda pair: pair[0].qualified_name)
    fields: list[tuple[str, str]] = []
    for audience, heading in SECTIONS:
        if audience in audiences:
            lines = [_line(command, language) for command, needed in listed if needed is audience]
            fields += _fields(heading, lines, language)
    embeds = [
        discord.Embed(
            title=Text("Bridges commands").render(language),
            description=Text(
                "Everything here answers only you. Times are shown in your own time zone."
            ).render(language),
            colour=discord.Colour.blurple(),
        )
    ]
    for name, value in fields:
        if len(embeds[-1]) + len(name) + len(value) > EMBED_LIMIT or len(embeds[-1].fields) == 25:
            embeds.append(discord.Embed(colour=discord.Colour.blurple()))
        embeds[-1].add_field(name=name, value=value, inline=False)
    return embeds


class HelpCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.members = MemberService(bot.sessions, bot.clock, self.programs)

    @app_commands.command(name="help", extras={"audience": Audience.EVERYONE})
    @app_commands.guild_only()
    async def help_command(self, interaction: discord.Interaction) -> None:
        """List the commands you can use and what each does."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id
        user = interaction.user
        admin = interaction.permissions.manage_guild
        if guild_id is None or not isinstance(user, discord.Member):
            audiences = audiences_for(None, staff=False, admin=False)
        else:
            program = await self.programs.get(guild_id)
            role_ids = {role.id for role in user.roles}
            audiences = audiences_for(
                await self.members.program_role(guild_id, user.id),
                staff=is_staff(role_ids, program.staff_role_id, is_admin=admin),
                admin=admin,
            )
        await interaction.followup.send(
            embeds=help_embeds(self.bot.tree, audiences, reader_language(interaction)),
            ephemeral=True,
        )


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(HelpCog(bot))
