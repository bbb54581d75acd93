"""/training list|done: mentors work through the training staff defined."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.i18n import Slash, Text
from bot.services.access import Audience
from bot.services.programs import ProgramService
from bot.services.training import TrainingService, TrainingStatus
from cogs.context import guild_id_of, reader_language

MAX_CHOICES = 25


def status_embed(status: TrainingStatus, language: str) -> discord.Embed:
    minutes = {"confirmed": status.confirmed_minutes, "required": status.required_minutes}
    description = (
        Text(
            "Confirmed: **{confirmed}** of {required} minutes. You're ready to be matched.",
            **minutes,
        )
        if status.trained
        else Text(
            "Confirmed: **{confirmed}** of {required} minutes. Mark a module done with "
            "`{command}`; staff then confirm it.",
            command=Slash("training done"),
            **minutes,
        )
    )
    embed = discord.Embed(
        title=Text("Mentor training").render(language),
        description=description.render(language),
        colour=discord.Colour.green() if status.trained else discord.Colour.orange(),
    )
    for progress in status.modules[:25]:
        mark = (
            Text("confirmed by staff")
            if progress.confirmed
            else Text("done, waiting for staff")
            if progress.done
            else Text("to do")
        )
        name = Text(
            "{title} ({minutes} min): {mark}",
            title=progress.module.title,
            minutes=progress.module.minutes,
            mark=mark,
        )
        embed.add_field(
            name=name.render(language), value=progress.module.content[:1024], inline=False
        )
    if not status.modules:
        embed.add_field(
            name=Text("No modules yet").render(language),
            value=Text("Staff haven't added training yet.").render(language),
        )
    return embed


async def training_module_choices(
    service: TrainingService, interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[int]]:
    """Suggest the server's training modules whose title contains what was typed."""
    if interaction.guild_id is None:
        return []
    needle = current.strip().lower()
    return [
        app_commands.Choice(name=module.title[:100], value=module.id)
        for module in await service.modules(interaction.guild_id)
        if needle in module.title.lower()
    ][:MAX_CHOICES]


class TrainingCog(commands.Cog):
    training = app_commands.Group(
        name="training",
        description="Mentor training",
        guild_only=True,
        extras={"audience": Audience.MENTOR},
    )

    def __init__(self, bot: BridgesBot) -> None:
        programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.service = TrainingService(bot.sessions, bot.clock, programs, bot.settings.matching)

    async def module_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await training_module_choices(self.service, interaction, current)

    @training.command(name="list", extras={"audience": Audience.MENTOR})
    async def list_modules(self, interaction: discord.Interaction) -> None:
        """See the training modules and how far you are."""
        status = await self.service.status(guild_id_of(interaction), interaction.user.id)
        await interaction.response.send_message(
            embed=status_embed(status, reader_language(interaction)), ephemeral=True
        )

    @training.command(name="done", extras={"audience": Audience.MENTOR})
    @app_commands.describe(
        module="The module you finished", reflection="One line: what you took from it"
    )
    @app_commands.autocomplete(module=module_choices)
    async def done(
        self,
        interaction: discord.Interaction,
        module: int,
        reflection: app_commands.Range[str, 1, 200],
    ) -> None:
        """Mark a training module done, with a one-line reflection."""
        finished = await self.service.mark_done(
            guild_id_of(interaction), interaction.user.id, module, reflection
        )
        marked = Text('Marked "{title}" as done. Staff will confirm it.', title=finished.title)
        await interaction.response.send_message(
            marked.render(reader_language(interaction)), ephemeral=True
        )


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(TrainingCog(bot))
