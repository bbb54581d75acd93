"""A server's mentoring program: its settings, as set up by staff with /setup, and whether
its staff channel is still private (the daily check records when it stops being so)."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import ProgramDefaults
from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Joined, Slash, Text
from bot.services.outbox import Compose, Transactions
from bot.services.support_hours import Away, SupportHours, away
from bot.timeparse import resolve_zone
from storage.db import Sessions
from storage.models import GuildSettings
from storage.repositories import guilds
from storage.repositories import sessions as session_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Program:
    guild_id: int
    staff_role_id: int | None
    escalation_channel_id: int | None
    mentoring_category_id: int | None
    time_zone: str
    checkin_weekday: int
    checkin_time: time
    program_channel_id: int | None = None
    language: str = DEFAULT_LANGUAGE  # of staff posts and shared channels
    #: The staff channel was found readable by others than staff: posts are redacted.
    staff_channel_exposed: bool = False

    @classmethod
    def of(cls, row: GuildSettings) -> Program:
        return cls(
            guild_id=row.guild_id,
            staff_role_id=row.staff_role_id,
            escalation_channel_id=row.escalation_channel_id,
            mentoring_category_id=row.mentoring_category_id,
            time_zone=row.time_zone,
            checkin_weekday=row.checkin_weekday,
            checkin_time=row.checkin_time,
            program_channel_id=row.program_channel_id,
            language=row.language,
            staff_channel_exposed=row.staff_channel_exposed_at is not None,
        )


@dataclass(frozen=True)
class ChannelCheck:
    """A change found by the daily check of the staff channel: it became readable by others
    (``problem`` says by whom and how to fix it), or it is private again."""

    program: Program
    exposed: bool
    problem: str | None
    at: datetime


@dataclass(frozen=True)
class ProgramSetup:
    """What /setup asks for. ``time_zone``, ``program_channel_id`` or ``language`` None keeps
    the current."""

    staff_role_id: int
    escalation_channel_id: int
    mentoring_category_id: int
    time_zone: str | None
    program_channel_id: int | None = None
    language: str | None = None


class ProgramService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        defaults: ProgramDefaults,
        *,
        transactions: Transactions | None = None,
    ) -> None:
        self._sessions = sessions
        self._tx = transactions or Transactions(sessions, clock)
        self._clock = clock
        self._defaults = defaults

    async def get(self, guild_id: int) -> Program:
        """The server's program; a server never set up gets the configured defaults."""
        async with self._sessions.begin() as session:
            return Program.of(await self.ensure(session, guild_id))

    async def configure(
        self, guild_id: int, setup: ProgramSetup, server_problems: Sequence[str] = ()
    ) -> Program:
        """Save the set-up, or refuse it whole, naming every problem found.

        ``server_problems`` are what the Discord side found wrong (a channel the bot cannot
        post in, a role it cannot mention), already phrased for the person.
        """
        problems = list(server_problems)
        zone = None
        if setup.time_zone is not None:
            try:
                zone = resolve_zone(setup.time_zone).key
            except UserError as error:
                problems.insert(0, error.message)
        if problems:
            raise UserError(
                Text(
                    "Nothing was saved. Please fix these first, then run {command} again:\n"
                    "{problems}",
                    command=Slash("setup"),
                    problems=Joined(problems, "\n", "- "),
                )
            )
        async with self._sessions.begin() as session:
            row = await self.ensure(session, guild_id)
            row.staff_role_id = setup.staff_role_id
            row.escalation_channel_id = setup.escalation_channel_id
            row.mentoring_category_id = setup.mentoring_category_id
            if zone is not None:
                row.time_zone = zone
            if setup.program_channel_id is not None:
                row.program_channel_id = setup.program_channel_id
            if setup.language is not None and setup.language in LANGUAGES:
                row.language = setup.language
            row.staff_channel_exposed_at = None  # /setup refuses a channel others can read
            row.updated_at = self._clock.now()
            return Program.of(row)

    async def staff_away(
        self, guild_id: int, hours: SupportHours, holidays: Collection[date]
    ) -> Away | None:
        """Whether staff are away now, in the program's zone, with its holidays (the
        configured ``holidays`` and the server's own); None when they are in."""
        if not hours.known:
            return None
        async with self._sessions.begin() as session:
            row = await self.ensure(session, guild_id)
            days = {h.day for h in await session_rows.holidays(session, guild_id)}
        return away(hours, self._clock.now(), ZoneInfo(row.time_zone), days | set(holidays))

    async def configured(self) -> list[Program]:
        """Every server whose program has been set up."""
        async with self._sessions() as session:
            ids = await guilds.configured_guild_ids(session)
            found = [await guilds.get(session, guild_id) for guild_id in ids]
        return [Program.of(row) for row in found if row is not None]

    async def record_channel_check(
        self, guild_id: int, problem: str | None, compose: Compose[ChannelCheck]
    ) -> ChannelCheck | None:
        """Mark the staff channel readable by others (``problem``) or private again (None);
        staff are told once per change, in its transaction. None when nothing changed."""
        async with self._tx.begin("staff-channel-check") as changes:
            row = await self.ensure(changes.session, guild_id)
            exposed = problem is not None
            if exposed == (row.staff_channel_exposed_at is not None):
                return None
            row.staff_channel_exposed_at = changes.now if exposed else None
            row.updated_at = changes.now
            check = ChannelCheck(Program.of(row), exposed, problem, changes.now)
            await changes.send(compose(check))
        log.warning(
            "server %s: the staff channel is %s",
            guild_id,
            "readable by others than staff" if exposed else "private again",
        )
        return check

    async def ensure(self, session: AsyncSession, guild_id: int) -> GuildSettings:
        """The program row inside the caller's transaction, created on first use."""
        return await guilds.get_or_create(
            session,
            guild_id,
            time_zone=self._defaults.time_zone,
            checkin_weekday=self._defaults.checkin_weekday,
            checkin_time=self._defaults.checkin_time,
            now=self._clock.now(),
        )
