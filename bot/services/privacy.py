"""Members' data rights: what is stored about them, export, erasure, and retention.

Which columns are personal is declared in ``storage.personal``; which rows are about a
member is found by foreign keys (``storage.repositories.personal``). Exports and erasures
are recorded as audit rows. Erasure keeps the rows (and so the program's counts) but
empties free text and the profile, and replaces every stored copy of the member's Discord
user id with a pseudonym. What Bridges sent about the member's escalations (staff posts,
re-pings, DMs) is blanked on Discord by edits written in the erasure's own transaction, so
they are made even if the bot restarts on the way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import PrivacySettings
from bot.errors import NotFound
from bot.i18n import Text
from bot.services.matches import MatchService, Pair
from bot.services.outbox import Compose, Transactions
from storage.db import Sessions
from storage.models import AuditAction, AuditEvent, Delivery, DeliveryStatus, Member, ProgramRole
from storage.personal import Kind, pseudonym
from storage.repositories import deliveries, members
from storage.repositories import personal as rows

log = logging.getLogger(__name__)

#: When the daily retention clean-up runs (UTC): a quiet hour for schools everywhere.
PURGE_AT = time(3, 0)
EXPORT_FORMAT = "bridges-member-export/1"
FORGET_REASON = "member's data erased"


@dataclass(frozen=True)
class StoredAbout:
    """What the program keeps about one member, for /privacy."""

    role: ProgramRole | None
    active: bool
    time_zone: str | None
    language: str | None  # None: no member row
    grade: int | None
    interests: tuple[str, ...]
    focus_areas: tuple[str, ...]
    subjects: tuple[str, ...]
    availability_windows: int
    consented_at: datetime | None
    records: dict[str, int]  # table name -> rows about them besides their member row
    retention_days: int


@dataclass(frozen=True)
class SentMessage:
    """A message sent about an erased member, to blank: its delivery row, and where it is."""

    delivery_id: int
    channel_id: int
    message_id: int
    recipient_user_id: int  # the pseudonym when it was the member


@dataclass(frozen=True)
class Forgotten:
    pseudonym: int
    ended: list[Pair]
    emptied: int  # values of free text or profile data emptied
    blanked: int = 0  # messages on Discord to be edited to say they were erased


class PrivacyService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        settings: PrivacySettings,
        matches: MatchService,
        *,
        transactions: Transactions | None = None,
    ) -> None:
        self._sessions = sessions
        self._tx = transactions or Transactions(sessions, clock)
        self._clock = clock
        self._settings = settings
        self._matches = matches

    async def stored_about(self, guild_id: int, user_id: int) -> StoredAbout | None:
        """None when nothing is stored about the person in this server."""
        async with self._sessions() as session:
            member = await members.get(session, guild_id, user_id)
            named = await rows.naming_user(session, guild_id, user_id)
            about = await rows.about_member(session, member.id) if member else {}
        if member is None and not named:
            return None
        found = rows.merge(about, named)
        return StoredAbout(
            role=member.role if member else None,
            active=bool(member and member.active),
            time_zone=member.time_zone if member else None,
            language=member.language if member else None,
            grade=member.grade if member else None,
            interests=tuple(member.interests) if member else (),
            focus_areas=tuple(member.focus_areas) if member else (),
            subjects=tuple(member.subjects) if member else (),
            availability_windows=len(member.availability) if member else 0,
            consented_at=member.consented_at if member else None,
            records={name: len(ids) for name, ids in found.items() if name != "members"},
            retention_days=self._settings.retention_days,
        )

    async def export(self, guild_id: int, staff_user_id: int, user_id: int) -> dict[str, Any]:
        """Every row about the member, every column, as JSON-ready data; audited. Free
        text another member wrote (their survey, their attendance note) is withheld."""
        async with self._sessions.begin() as session:
            member = await members.get(session, guild_id, user_id)
            found = rows.merge(
                await rows.about_member(session, member.id) if member else {},
                await rows.naming_user(session, guild_id, user_id),
            )
            if not found:
                mention = f"<@{user_id}>"
                raise NotFound(
                    Text("Bridges stores nothing about {member} in this server.", member=mention)
                )
            tables = await rows.read_rows(session, found, member.id if member else None)
            now = self._clock.now()
            session.add(
                AuditEvent(
                    guild_id=guild_id,
                    actor_user_id=staff_user_id,
                    action=AuditAction.EXPORT,
                    subject_user_id=user_id,
                    at=now,
                )
            )
        log.info("member data exported: %d tables", len(tables))
        return {
            "format": EXPORT_FORMAT,
            "exported_at": now.isoformat(),
            "server_id": guild_id,
            "user_id": user_id,
            "tables": tables,
        }

    async def forget_preview(self, guild_id: int, user_id: int) -> dict[str, int]:
        """Rows that erasing the member would touch, by table."""
        async with self._sessions() as session:
            member = await self._member(session, guild_id, user_id)
            found = rows.merge(
                await rows.about_member(session, member.id),
                await rows.naming_user(session, guild_id, user_id),
            )
        return {name: len(ids) for name, ids in found.items()}

    async def forget(
        self, guild_id: int, staff_user_id: int, user_id: int, compose: Compose[SentMessage]
    ) -> Forgotten:
        """Close their active matches, then erase: free text and profile emptied in every
        row about them, every copy of their user id pseudonymised; rows stay as counts. Every
        message sent for their escalations is blanked by an edit (``compose``), committed
        with the erasure."""
        async with self._tx.begin("member-forget") as changes:
            session = changes.session
            member = await self._member(session, guild_id, user_id)
            ended = await self._matches.close_all(session, member, staff_user_id, FORGET_REASON)
            now = self._clock.now()
            member.active = False
            member.left_at = member.left_at or now
            member.consented_at = None
            member.updated_at = now
            await session.flush()
            about = await rows.about_member(session, member.id)
            sent = await self._sent_about(session, guild_id, about.get("escalations", set()))
            emptied = await rows.clear(session, about, (Kind.FREE_TEXT, Kind.PROFILE))
            alias = pseudonym(member.id)
            await rows.replace_user_id(session, guild_id, user_id, alias)
            blank = [
                replace(m, recipient_user_id=alias) if m.recipient_user_id == user_id else m
                for m in sent
            ]
            for message in blank:
                await changes.send(compose(message))
            session.add(
                AuditEvent(
                    guild_id=guild_id,
                    actor_user_id=staff_user_id,
                    action=AuditAction.FORGET,
                    subject_user_id=alias,
                    at=now,
                )
            )
        log.info(
            "member %d forgotten: %d values emptied, %d matches closed, %d messages to blank",
            alias,
            emptied,
            len(ended),
            len(blank),
        )
        return Forgotten(alias, ended, emptied, len(blank))

    @staticmethod
    async def _sent_about(
        session: AsyncSession, guild_id: int, escalation_ids: set[int]
    ) -> list[SentMessage]:
        """Where each message sent for these escalations is: a post's channel, the channel a
        DM fell back to, or the recipient's DM channel (read before ids are pseudonymised)."""
        sent = await deliveries.sent_for_escalations(session, sorted(escalation_ids))
        dm_users = [row.recipient_user_id for row in sent if row.channel_id is None]
        dm_channels = await deliveries.dm_channels(session, dm_users)
        program = await deliveries.program_channel(session, guild_id)
        found = []
        for row in sent:
            channel_id = _channel_of(row, dm_channels, program)
            if channel_id is None or row.message_id is None:
                log.warning("delivery %s: no channel known to blank it in", row.id)
                continue
            found.append(SentMessage(row.id, channel_id, row.message_id, row.recipient_user_id))
        return found

    async def purge_expired(self) -> int:
        """Empty the free text hanging off matches closed more than ``retention_days`` ago;
        returns how many values were emptied."""
        cutoff = self._clock.now() - timedelta(days=self._settings.retention_days)
        async with self._sessions.begin() as session:
            closed = await rows.closed_before(session, cutoff)
            found = await rows.descendants(session, {"matches": closed})
            emptied = await rows.clear(session, found, (Kind.FREE_TEXT,))
        log.info("retention: %d matches past %s, %d values emptied", len(closed), cutoff, emptied)
        return emptied

    def next_purge(self) -> datetime:
        """The next daily clean-up time, strictly after now."""
        now = self._clock.now()
        today = datetime.combine(now.date(), PURGE_AT, tzinfo=now.tzinfo)
        return today if today > now else today + timedelta(days=1)

    @staticmethod
    async def _member(session: AsyncSession, guild_id: int, user_id: int) -> Member:
        member = await members.get(session, guild_id, user_id)
        if member is None:
            mention = f"<@{user_id}>"
            raise NotFound(
                Text(
                    "{member} has no record in the program here; nothing to erase.",
                    member=mention,
                )
            )
        return member


def _channel_of(row: Delivery, dm_channels: dict[int, int], program: int | None) -> int | None:
    if row.status is DeliveryStatus.FALLBACK:
        return row.fallback_channel_id or program
    return row.channel_id or dm_channels.get(row.recipient_user_id)
