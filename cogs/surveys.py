"""The mid-point survey: a DM some weeks into each match, answered in a modal.

The closure survey's DM is written with the match's closing (``cogs.pairs``); both DMs carry a
``SurveyButton``, registered here.

Jobs are derived from rows by ``reconcile()``: ``midpoint:{match_id}`` at the match's start
plus ``[surveys] midpoint_weeks`` for every active match due within the horizon, and
``midpoint-plan``, which re-derives them every hour (new matches, closed ones) and changes
only the difference. Each member's DM is written under
``midpoint:{match_id}:{user_id}`` in the job's transaction, so it is sent once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Priority, Prompt
from bot.jobs import HORIZON, MIDPOINT, MIDPOINT_PLAN
from bot.services.surveys import MidpointDue, Survey, SurveyService
from cogs import survey_texts as texts
from cogs.outbox import dm, transactions
from cogs.views import persistent_view
from cogs.views.surveys import SurveyButton

log = logging.getLogger(__name__)
PLAN_EVERY = timedelta(hours=1)


class SurveyCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.surveys = SurveyService(
            bot.sessions, bot.clock, bot.settings.surveys, transactions=transactions(bot)
        )
        SurveyButton.service = self.surveys

    async def reconcile(self) -> int:
        return await self.plan()

    async def plan_from_rows(self) -> int:
        return await self.plan()

    async def plan(self) -> int:
        """(Re)derive a ``midpoint`` job per active match due within the horizon, changing
        only the difference with what is planned, and the hourly re-plan itself. Returns
        how many jobs were added."""
        now = self.bot.clock.now()
        scheduler = self.bot.scheduler
        scheduler.run_at(MIDPOINT_PLAN.id(), now + PLAN_EVERY, self.replan)
        due = await self.surveys.plan(now + HORIZON)
        wanted = {MIDPOINT.id(match_id): (match_id, at) for match_id, at in due}
        planned = scheduler.planned(MIDPOINT)
        with scheduler.batch():
            for job in planned.keys() - wanted.keys():
                scheduler.cancel(job)
            for job in wanted.keys() - planned.keys():
                match_id, at = wanted[job]
                scheduler.run_at(job, max(at, now), self.send, match_id)
        return len(wanted.keys() - planned.keys()) + 1

    async def replan(self) -> None:
        await self.plan()

    async def send(self, match_id: int) -> None:
        """The job: DM both members of the match, once each; nothing once it has closed."""
        if await self.surveys.ask_midpoint(match_id, self.midpoint_dms) is not None:
            log.info("mid-point survey of match %d written", match_id)

    def midpoint_dms(self, due: MidpointDue) -> list[Prompt]:
        view = persistent_view(SurveyButton(Survey.MIDPOINT, due.match_id))
        return [
            dm(
                f"midpoint:{due.match_id}:{user_id}",
                user_id,
                texts.prompt(self.bot.settings.surveys.midpoint_weeks),
                view=view,
                priority=Priority.BULK,
                fallback_channel_id=due.channel_id,
                guild_id=due.guild_id,
            )
            for user_id in due.user_ids
        ]


async def setup(bot: BridgesBot) -> None:
    bot.add_dynamic_items(SurveyButton)
    await bot.add_cog(SurveyCog(bot))
