"""Guardian consent on file: staff record whether the school holds a parent's or guardian's
consent for a student. With ``[privacy] require_guardian_consent``, matching waits for it
(``MatchService``), ``/join`` tells the student and the roster shows who is waiting.

The record is one row per member, changed in place (who recorded it last, and when); its
note is free text, so it is never logged, and is part of the member's export and erasure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.config import PrivacySettings
from bot.errors import UserError
from bot.i18n import OptionName, Text
from bot.services.programs import ProgramService
from storage.db import Sessions
from storage.models import GuardianConsent
from storage.repositories import consent, members

log = logging.getLogger(__name__)

MAX_NOTE = 300


@dataclass(frozen=True)
class ConsentRecord:
    user_id: int
    on_file: bool
    note: str | None
    recorded_by: int
    recorded_at: datetime


class ConsentService:
    def __init__(
        self, sessions: Sessions, clock: Clock, programs: ProgramService, settings: PrivacySettings
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._programs = programs
        self.required = settings.require_guardian_consent

    async def record(
        self, guild_id: int, staff_user_id: int, user_id: int, *, on_file: bool, note: str | None
    ) -> ConsentRecord:
        """Record (or change) whether the student's guardian consent is on file. A student
        who has not joined yet gets a member row, so consent collected at enrolment counts
        when they join."""
        cleaned = " ".join((note or "").split()) or None
        if cleaned is not None and len(cleaned) > MAX_NOTE:
            raise UserError(
                Text(
                    "Keep `{option}` under {limit} characters.",
                    option=OptionName("note"),
                    limit=MAX_NOTE,
                )
            )
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await self._programs.ensure(session, guild_id)
            member = await members.get_or_create(session, guild_id, user_id, now=now)
            row = await consent.of_member(session, member.id)
            if row is None:
                row = GuardianConsent(guild_id=guild_id, member_id=member.id)
                session.add(row)
            row.on_file, row.note = on_file, cleaned
            row.recorded_by, row.recorded_at = staff_user_id, now
        log.info("guardian consent recorded for member %d: on file %s", member.id, on_file)
        return ConsentRecord(user_id, on_file, cleaned, staff_user_id, now)

    async def waiting(self, guild_id: int, user_id: int) -> bool:
        """True when consent is required and the school has none on file for this person."""
        if not self.required:
            return False
        async with self._sessions() as session:
            member = await members.get(session, guild_id, user_id)
            row = await consent.of_member(session, member.id) if member is not None else None
        return row is None or not row.on_file
