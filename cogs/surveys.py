"""The mid-point survey: a DM some weeks into each match, answered in a modal.

Jobs are derived from rows by ``reconcile()``: ``midpoint:{match_id}`` at the match's start
plus ``[surveys] midpoint_weeks`` for every active match, and ``midpoint-plan``, which
re-derives them every hour (new matches, closed ones). Each member's DM goes out through the
delivery engine under ``midpoint:{match_id}:{user_id}``, so it is sent once.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any, ClassVar

import discord
from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Message, Priority, Prompt
from bot.scheduler import job_id
from bot.services.surveys import SurveyService
from cogs import survey_texts as texts
from cogs.errors import ReportingModal, report_error
from cogs.views import persistent_view

log = logging.getLogger(__name__)
PLAN_EVERY = timedelta(hours=1)


class MidpointModal(ReportingModal, title=texts.MODAL_TITLE):
    """One select per configured statement, then the optional comment."""

    def __init__(self, service: SurveyService, match_id: int) -> None:
        super().__init__(timeout=1800)
        self.service, self.match_id = service, match_id
        self.selects: list[discord.ui.Select[Any]] = []
        for index, question in enumerate(service.questions):
            select: discord.ui.Select[Any] = discord.ui.Select(
                custom_id=f"midpoint:q{index}",
                placeholder="Pick one",
                options=[
                    discord.SelectOption(label=f"{value} – {label}", value=str(value))
                    for value, label in texts.LIKERT_LABELS.items()
                ],
            )
            self.selects.append(select)
            self.add_item(discord.ui.Label(text=question, component=select))
        self.comment: discord.ui.TextInput[MidpointModal] = discord.ui.TextInput(
            label=texts.COMMENT_LABEL,
            custom_id="midpoint:comment",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
        )
        self.add_item(self.comment)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        answers = [int(s.values[0]) if s.values else 0 for s in self.selects]
        await self.service.submit(self.match_id, interaction.user.id, answers, self.comment.value)
        await interaction.response.send_message(texts.THANKS, ephemeral=True)


class MidpointButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"midpoint:(?P<match_id>[0-9]+)"
):
    #: Set when the cog loads; the button is rebuilt from its custom_id alone.
    service: ClassVar[SurveyService | None] = None

    def __init__(self, match_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=texts.BUTTON_LABEL,
                style=discord.ButtonStyle.primary,
                custom_id=f"midpoint:{match_id}",
            )
        )
        self.match_id = match_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> MidpointButton:
        return cls(int(match["match_id"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.service is None:
            raise RuntimeError("the surveys cog is not loaded")
        try:
            await self.service.check_answerable(self.match_id, interaction.user.id)
            await interaction.response.send_modal(MidpointModal(self.service, self.match_id))
        except Exception as error:
            await report_error(interaction, error)


class SurveyCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.surveys = SurveyService(bot.sessions, bot.clock, bot.settings.surveys)
        MidpointButton.service = self.surveys

    async def reconcile(self) -> int:
        return await self.plan()

    async def plan(self) -> int:
        """(Re)derive a ``midpoint`` job per active match, and the hourly re-plan itself."""
        now = self.bot.clock.now()
        due = await self.surveys.plan()
        scheduler = self.bot.scheduler
        with scheduler.batch():
            scheduler.cancel_matching("midpoint:")
            for match_id, at in due:
                scheduler.run_at(job_id("midpoint", match_id), max(at, now), self.send, match_id)
            scheduler.run_at(job_id("midpoint-plan"), now + PLAN_EVERY, self.replan)
        return len(due) + 1

    async def replan(self) -> None:
        await self.plan()

    async def send(self, match_id: int) -> None:
        """The job: DM both members of the match, once each; nothing once it has closed."""
        due = await self.surveys.due(match_id)
        if due is None:
            return
        message = Message(
            content=texts.prompt(self.bot.settings.surveys.midpoint_weeks),
            components=tuple(persistent_view(MidpointButton(match_id)).to_components()),
        )
        outcomes = await self.bot.delivery.deliver(
            [
                Prompt(
                    key=f"midpoint:{match_id}:{user_id}",
                    kind="midpoint",
                    user_id=user_id,
                    message=message,
                    priority=Priority.BULK,
                    fallback_channel_id=due.channel_id,
                    guild_id=due.guild_id,
                )
                for user_id in due.user_ids
            ]
        )
        log.info("mid-point survey of match %d: %s", match_id, sorted(outcomes.values()))


async def setup(bot: BridgesBot) -> None:
    bot.add_dynamic_items(MidpointButton)
    await bot.add_cog(SurveyCog(bot))
