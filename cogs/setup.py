"""/setup: a server admin names the staff role, escalation channel, category and time zone."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.errors import UserError
from bot.i18n import LANGUAGES, Slash, Text, Weekday
from bot.services.access import Audience
from bot.services.programs import Program, ProgramService, ProgramSetup
from cogs.context import reader_language
from cogs.program_checks import program_problems
from cogs.timezones import zone_choices

#: `/staff` is hidden from everyone without Manage Server until an admin allows the staff role.
STAFF_COMMANDS_STEP = Text(
    "Only members with Manage Server see `{command}` for now. To let your staff role use it: "
    "Server Settings → Integrations → Bridges → `{command}` → Add roles or members → choose "
    "the staff role. Students never see it; Bridges also checks the role itself.",
    command=Slash("staff"),
)


def summary_embed(
    program: Program,
    role: discord.Role,
    channel: discord.TextChannel,
    category: discord.CategoryChannel,
    language: str,
) -> discord.Embed:
    """What /setup answers, in the admin's language (``language``)."""
    embed = discord.Embed(
        title=Text("Bridges is set up").render(language),
        description=Text(
            "Your mentoring program is ready. Members can now use {command}.",
            command=Slash("help"),
        ).render(language),
        colour=discord.Colour.green(),
    )
    fields: list[tuple[Text, str]] = [
        (Text("Staff role"), role.mention),
        (Text("Escalation channel"), channel.mention),
        (Text("Mentoring category"), category.name),
        (Text("Program time zone"), program.time_zone),
        (Text("Staff posts in"), LANGUAGES[program.language]),
    ]
    if program.program_channel_id is not None:
        fields.append((Text("Program channel (DMs closed)"), f"<#{program.program_channel_id}>"))
    at = f"{program.checkin_time:%H:%M}"
    checkin = Text(
        "Every {day} at {time} in each mentee's own time zone",
        day=Weekday(program.checkin_weekday),
        time=at,
    )
    fields.append((Text("Weekly check-in"), checkin.render(language)))
    for name, value in fields:
        embed.add_field(name=name.render(language), value=value, inline=True)
    embed.add_field(
        name=Text("Staff commands").render(language),
        value=STAFF_COMMANDS_STEP.render(language),
        inline=False,
    )
    return embed


class SetupCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        tier2 = bot.settings.escalations.tier2_role_id
        #: The tier-2 role may read the staff channel too.
        self.tier2_role_ids = (tier2,) if tier2 else ()

    @app_commands.command(
        name="setup", extras={"audience": Audience.ADMIN, "saves": Text("the program's set-up")}
    )
    @app_commands.describe(
        staff_role="The role your teachers and counsellors have; it is pinged for escalations",
        escalation_channel="The staff-only channel where requests for help are posted",
        mentoring_category="The category where each mentoring pair gets a private channel",
        time_zone="The program's time zone, e.g. America/New_York (default: unchanged)",
        program_channel="Where prompts go for a student with DMs closed and no pair channel "
        "(optional)",
        language="The language of staff posts and pair channels (default: unchanged, at first "
        "English)",
    )
    @app_commands.choices(
        language=[app_commands.Choice(name=name, value=code) for code, name in LANGUAGES.items()]
    )
    @app_commands.autocomplete(time_zone=zone_choices)
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def setup_command(
        self,
        interaction: discord.Interaction,
        staff_role: discord.Role,
        escalation_channel: discord.TextChannel,
        mentoring_category: discord.CategoryChannel,
        time_zone: str | None = None,
        program_channel: discord.TextChannel | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        """Set up the mentoring program in this server (Manage Server permission)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        if guild is None or not isinstance(interaction.user, discord.Member):
            raise UserError(
                Text("Run {command} inside your school's server.", command=Slash("setup"))
            )
        problems = await program_problems(
            guild.me, staff_role, escalation_channel, mentoring_category, self.tier2_role_ids
        )
        if (
            program_channel is not None
            and not program_channel.permissions_for(guild.me).send_messages
        ):
            problems.append(
                Text(
                    "I can't post in {channel}: give me Send Messages there.",
                    channel=program_channel.mention,
                )
            )
        program = await self.programs.configure(
            guild.id,
            ProgramSetup(
                staff_role_id=staff_role.id,
                escalation_channel_id=escalation_channel.id,
                mentoring_category_id=mentoring_category.id,
                time_zone=time_zone,
                program_channel_id=program_channel.id if program_channel else None,
                language=language.value if language else None,
            ),
            problems,
        )
        check = Text(
            "This channel will receive Bridges escalations for {role}. (Set up by {admin}.)",
            role=staff_role.mention,
            admin=interaction.user.mention,
        )
        await escalation_channel.send(
            check.render(program.language), allowed_mentions=discord.AllowedMentions.none()
        )
        summary = summary_embed(
            program,
            staff_role,
            escalation_channel,
            mentoring_category,
            reader_language(interaction),
        )
        await interaction.followup.send(embed=summary, ephemeral=True)


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(SetupCog(bot))
