"""/timezone set|show: each member's own time zone, used to read and show their times."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.i18n import Slash, Text, Weekday
from bot.services.access import Audience
from bot.services.members import MemberService, ZoneChoice
from bot.services.programs import ProgramService
from cogs.context import guild_id_of, reader_language

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete suggestions


@cache
def _zone_names() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


async def zone_choices(
    _interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Suggest IANA zones containing what the person typed ("york", "london", "chicago")."""
    needle = current.strip().lower().replace(" ", "_")
    found = [name for name in _zone_names() if needle in name.lower()][:MAX_CHOICES]
    return [app_commands.Choice(name=name, value=name) for name in found]


def local_clock(zone: str, now: datetime) -> Text:
    """The day and time it is in ``zone``: "Wednesday 18:00" / "miércoles 18:00"."""
    local = now.astimezone(ZoneInfo(zone))
    return Text("{day} {time}", day=Weekday(local.weekday()), time=local.strftime("%H:%M"))


class TimezoneCog(commands.Cog):
    timezone = app_commands.Group(
        name="timezone",
        description="See or change the time zone your times are read and shown in",
        guild_only=True,
        extras={"audience": Audience.EVERYONE},
    )

    def __init__(self, bot: BridgesBot) -> None:
        self.clock = bot.clock
        programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.members = MemberService(bot.sessions, bot.clock, programs)

    @timezone.command(name="set", extras={"audience": Audience.EVERYONE})
    @app_commands.describe(zone="Your time zone, e.g. America/Chicago (start typing a city)")
    @app_commands.autocomplete(zone=zone_choices)
    async def set_zone(self, interaction: discord.Interaction, zone: str) -> None:
        """Set your time zone, so "4pm" means 4pm where you are."""
        choice = await self.members.set_time_zone(
            guild_id_of(interaction), interaction.user.id, zone
        )
        reply = Text(
            "Your time zone is now **{zone}** (it is {clock} there). Times you type are read in "
            "this zone.",
            zone=choice.name,
            clock=self._clock_text(choice),
        )
        await interaction.response.send_message(
            reply.render(reader_language(interaction)), ephemeral=True
        )

    @timezone.command(name="show", extras={"audience": Audience.EVERYONE})
    async def show_zone(self, interaction: discord.Interaction) -> None:
        """Show the time zone your times are read in."""
        choice = await self.members.time_zone(guild_id_of(interaction), interaction.user.id)
        clock = self._clock_text(choice)
        reply = (
            Text(
                "Your time zone is **{zone}** (the program's time zone; change yours with "
                "`{command}`). It is {clock} there.",
                zone=choice.name,
                command=Slash("timezone set"),
                clock=clock,
            )
            if choice.is_program_default
            else Text(
                "Your time zone is **{zone}**. It is {clock} there.", zone=choice.name, clock=clock
            )
        )
        await interaction.response.send_message(
            reply.render(reader_language(interaction)), ephemeral=True
        )

    def _clock_text(self, choice: ZoneChoice) -> Text:
        return local_clock(choice.name, self.clock.now())


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(TimezoneCog(bot))
