"""The mid-point survey: a DM some weeks into each match, answered in a modal.

The closure survey's DM is written with the match's closing (``cogs.pairs``); both DMs carry a
``SurveyButton``, registered here.

Jobs are derived from rows by ``reconcile()``: a match's survey is due at its start plus
``[surveys] midpoint_weeks``; one ``midpoint:{unix}`` job per ``SPAN`` holding such a moment
within the horizon asks every match due in it (read from rows: a match closed meanwhile is
simply not found), ``midpoint-missed`` asks at once those whose moment passed (within the
late grace), and the planner (``horizon``) adds what has come within the horizon. Each
member's DM is written under ``midpoint:{match_id}:{user_id}`` in the transaction that
marks the match asked, so it is sent once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Priority, Prompt
from bot.jobs import HORIZON, MIDPOINT, MIDPOINT_MISSED, Window
from bot.services.surveys import MidpointDue, Survey, SurveyService
from cogs import survey_texts as texts
from cogs.outbox import dm, transactions
from cogs.views import persistent_view
from cogs.views.surveys import SurveyButton

log = logging.getLogger(__name__)


class SurveyCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.surveys = SurveyService(
            bot.sessions, bot.clock, bot.settings.surveys, transactions=transactions(bot)
        )
        SurveyButton.service = self.surveys

    async def reconcile(self) -> int:
        return await self.plan_from_rows()

    async def plan_from_rows(self) -> int:
        return await self.extend(Window(None, self.bot.clock.now() + HORIZON))

    async def extend(self, window: Window) -> int:
        """Plan a ``midpoint`` job per span in ``window`` holding a survey that is not
        planned yet, and on start (``since`` None) one at once for those passed. A
        survey's moment is fixed by its match's start, so the planner's runs find each one
        before it is due. Returns how many jobs were added."""
        due = await self.surveys.plan(window.until)
        return self.bot.scheduler.run_spans(
            MIDPOINT, MIDPOINT_MISSED, [at for _, at in due], window, self.send
        )

    async def send(self, after: int, by: int) -> None:
        """The job: DM both members of every match due in (after, by] (unix; ``after`` 0:
        every one passed within the late grace), once each."""
        asked = await self.surveys.ask_midpoints_between(
            datetime.fromtimestamp(after, UTC) if after else None,
            datetime.fromtimestamp(by, UTC),
            self.midpoint_dms,
        )
        if asked:
            log.info("mid-point surveys of %d matches written", len(asked))

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
