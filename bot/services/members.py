"""Members of a program: their time zone and role."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.services.programs import ProgramService
from bot.timeparse import resolve_zone
from storage.db import Sessions
from storage.models import ProgramRole
from storage.repositories import members


@dataclass(frozen=True)
class ZoneChoice:
    name: str
    is_program_default: bool


class MemberService:
    def __init__(self, sessions: Sessions, clock: Clock, programs: ProgramService) -> None:
        self._sessions = sessions
        self._clock = clock
        self._programs = programs

    async def set_time_zone(self, guild_id: int, user_id: int, zone_name: str) -> ZoneChoice:
        zone = resolve_zone(zone_name)
        async with self._sessions.begin() as session:
            await self._programs.ensure(session, guild_id)
            member = await members.get_or_create(session, guild_id, user_id, now=self._clock.now())
            member.time_zone = zone.key
            member.updated_at = self._clock.now()
        return ZoneChoice(zone.key, is_program_default=False)

    async def time_zone(self, guild_id: int, user_id: int) -> ZoneChoice:
        """The member's own zone, or the program's when they have not chosen one."""
        async with self._sessions.begin() as session:
            member = await members.get(session, guild_id, user_id)
            if member is not None and member.time_zone is not None:
                return ZoneChoice(member.time_zone, is_program_default=False)
            program = await self._programs.ensure(session, guild_id)
            return ZoneChoice(program.time_zone, is_program_default=True)

    async def program_role(self, guild_id: int, user_id: int) -> ProgramRole | None:
        async with self._sessions.begin() as session:
            member = await members.get(session, guild_id, user_id)
            return member.role if member is not None else None
