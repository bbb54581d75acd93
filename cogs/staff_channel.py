"""The daily check that each server's staff channel is still readable by staff only.

/setup refuses a channel others can read, but permissions change later. Every day at
``CHECK_AT`` (UTC) each configured server's escalation channel is checked as /setup checks
it (``privacy_problem``). When it has become readable by others the server is marked, and
from then on escalation posts carry only their number and urgency; when it is private again
(or /setup is run again) the mark is cleared. Staff are told once per change, by a post in
that channel mentioning the staff role, written with the change.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Message, Priority, Prompt
from bot.jobs import STAFF_CHANNEL_CHECK
from bot.services.deliveries import NOBODY
from bot.services.programs import ChannelCheck, Program, ProgramService
from cogs import privacy_texts as texts
from cogs.outbox import transactions
from cogs.program_checks import privacy_problem

log = logging.getLogger(__name__)
CHECK_JOB = STAFF_CHANNEL_CHECK.id()
#: When the daily check runs (UTC), after the retention clean-up.
CHECK_AT = time(4, 0)


def next_check(now: datetime) -> datetime:
    """The next daily check, strictly after ``now``."""
    today = datetime.combine(now.date(), CHECK_AT, tzinfo=now.tzinfo)
    return today if today > now else today + timedelta(days=1)


def notice(check: ChannelCheck) -> list[Prompt]:
    """Staff told that their channel became readable by others, or is private again."""
    program = check.program
    if program.escalation_channel_id is None:
        return []
    role = program.staff_role_id
    state = "exposed" if check.exposed else "private"
    content = (
        texts.channel_exposed(role, check.problem or "")
        if check.exposed
        else texts.channel_private(role)
    )
    return [
        Prompt(
            key=f"staff-channel:{program.guild_id}:{state}:{int(check.at.timestamp())}",
            kind="staff-channel",
            user_id=NOBODY,  # the channel's readers: shown by the channel in /staff status
            message=Message(content=content, mention_role_ids=(role,) if role else ()),
            priority=Priority.URGENT,
            channel_id=program.escalation_channel_id,
            guild_id=program.guild_id,
        )
    ]


class StaffChannelCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.programs = ProgramService(
            bot.sessions, bot.clock, bot.settings.program, transactions=transactions(bot)
        )

    async def reconcile(self) -> int:
        return await self.plan_from_rows()

    async def plan_from_rows(self) -> int:
        self.bot.scheduler.run_at(CHECK_JOB, next_check(self.bot.clock.now()), self.check_all)
        return 1

    async def check_all(self) -> None:
        """Check every configured server, then plan tomorrow's check (even if one failed)."""
        try:
            for program in await self.programs.configured():
                try:
                    await self.check(program)
                except Exception:
                    log.exception("server %s: the staff channel check failed", program.guild_id)
        finally:
            await self.reconcile()

    async def check(self, program: Program) -> ChannelCheck | None:
        """Check one server's staff channel now; the change recorded, if any."""
        guild = self.bot.get_guild(program.guild_id)
        channel = await self.bot.text_channel(program.escalation_channel_id)
        if guild is None or channel is None:
            log.warning("server %s: no staff channel to check", program.guild_id)
            return None
        tier2 = self.bot.settings.escalations.tier2_role_id
        staff = {role for role in (program.staff_role_id, tier2) if role is not None}
        problem = await privacy_problem(channel, staff, guild.me)
        return await self.programs.record_channel_check(program.guild_id, problem, notice)


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(StaffChannelCog(bot))
