"""Staff check-ins with mentoring pairs, and when the next one is due.

MENTOR's standard: staff contact each match twice in its first month, then monthly. Until
two contacts have been made in the match's first month, the next is due two weeks after
the last one (or after the match started); after that, a month after the last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.errors import NotFound, UserError
from bot.i18n import Text
from storage.db import Sessions
from storage.repositories import contacts, matches, members

FIRST_MONTH = timedelta(days=30)
EARLY_INTERVAL = timedelta(days=14)
MONTHLY = timedelta(days=30)
MAX_NOTE = 500


def contact_due(started: datetime, made: Sequence[datetime]) -> datetime:
    """When the next staff contact is due for a match started at ``started``, given the
    contacts ``made`` so far (any order)."""
    if not made:
        return started + EARLY_INTERVAL
    last = max(made)
    early = sum(moment < started + FIRST_MONTH for moment in made)
    return last + (EARLY_INTERVAL if early < 2 and last < started + FIRST_MONTH else MONTHLY)


@dataclass(frozen=True)
class ContactState:
    match_id: int
    mentor_user_id: int
    mentee_user_id: int
    started: datetime
    last: datetime | None
    due: datetime


class ContactService:
    def __init__(self, sessions: Sessions, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    async def record(
        self, guild_id: int, staff_user_id: int, member_user_id: int, note: str
    ) -> ContactState:
        """Record a contact with the active match of ``member_user_id``."""
        note = " ".join(note.split())
        if not note or len(note) > MAX_NOTE:
            raise UserError(
                Text(
                    "Write a short note about the contact (1 to {limit} characters).",
                    limit=MAX_NOTE,
                )
            )
        async with self._sessions.begin() as session:
            member = await members.get(session, guild_id, member_user_id)
            active = await matches.active_for_member(session, member.id) if member else []
            mention = f"<@{member_user_id}>"
            if not active:
                raise NotFound(Text("{member} is not in an active match.", member=mention))
            if len(active) > 1:
                raise UserError(
                    Text(
                        "{member} mentors {count} mentees: name the mentee instead, so the "
                        "contact goes to the right pair.",
                        member=mention,
                        count=len(active),
                    )
                )
            (match,) = active
            now = self._clock.now()
            await contacts.add(session, guild_id, match.id, staff_user_id, note, now)
            made = (await contacts.times_for_active(session, guild_id)).get(match.id, [])
            mentor = await members.by_id(session, match.mentor_id)
            mentee = await members.by_id(session, match.mentee_id)
            if mentor is None or mentee is None:  # the foreign keys forbid it
                raise NotFound(Text("That pair is no longer in the program."))
            return ContactState(
                match.id,
                mentor.user_id,
                mentee.user_id,
                match.created_at,
                now,
                contact_due(match.created_at, made),
            )
