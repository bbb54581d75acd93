"""Queries on matches (mentor-mentee pairs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.batching import chunks
from storage.models import Match, MatchStatus, Member


async def by_id(session: AsyncSession, match_id: int) -> Match | None:
    return await session.get(Match, match_id)


async def by_ids(session: AsyncSession, match_ids: Sequence[int]) -> list[Match]:
    """These matches (those that exist), by id."""
    found: list[Match] = []
    for part in chunks(match_ids):
        found += await session.scalars(select(Match).where(Match.id.in_(part)).order_by(Match.id))
    return found


async def active(session: AsyncSession, guild_id: int) -> list[Match]:
    rows = await session.scalars(
        select(Match)
        .where(Match.guild_id == guild_id, Match.status == MatchStatus.ACTIVE)
        .order_by(Match.id)
    )
    return list(rows)


async def active_for_member(session: AsyncSession, member_id: int) -> list[Match]:
    rows = await session.scalars(
        select(Match)
        .where(
            Match.status == MatchStatus.ACTIVE,
            (Match.mentor_id == member_id) | (Match.mentee_id == member_id),
        )
        .order_by(Match.id)
    )
    return list(rows)


async def active_in_channel(session: AsyncSession, channel_id: int) -> Match | None:
    """The active match whose pair channel is ``channel_id``."""
    found: Match | None = await session.scalar(
        select(Match).where(Match.status == MatchStatus.ACTIVE, Match.channel_id == channel_id)
    )
    return found


async def active_pair(session: AsyncSession, mentor_id: int, mentee_id: int) -> Match | None:
    found: Match | None = await session.scalar(
        select(Match).where(
            Match.status == MatchStatus.ACTIVE,
            Match.mentor_id == mentor_id,
            Match.mentee_id == mentee_id,
        )
    )
    return found


async def closed_pairs(session: AsyncSession, guild_id: int) -> set[tuple[int, int]]:
    """(mentee member id, mentor member id) of every closed match in the server."""
    rows = await session.execute(
        select(Match.mentee_id, Match.mentor_id).where(
            Match.guild_id == guild_id, Match.status == MatchStatus.CLOSED
        )
    )
    return {(mentee, mentor) for mentee, mentor in rows}


async def loads(session: AsyncSession, guild_id: int) -> dict[int, int]:
    """Active matches per mentor member id."""
    rows = await session.execute(
        select(Match.mentor_id, func.count())
        .where(Match.guild_id == guild_id, Match.status == MatchStatus.ACTIVE)
        .group_by(Match.mentor_id)
    )
    return {mentor: int(count) for mentor, count in rows}


async def creations_after(session: AsyncSession, instant: datetime) -> list[datetime]:
    """The distinct creation instants of active matches, in every server, created after
    ``instant``."""
    rows = await session.scalars(
        select(Match.created_at)
        .where(Match.status == MatchStatus.ACTIVE, Match.created_at > instant)
        .distinct()
        .order_by(Match.created_at)
    )
    return list(rows)


async def midpoints_to_ask(
    session: AsyncSession, instant: datetime, created_by: datetime
) -> list[tuple[int, datetime]]:
    """(id, created at) of active matches created after ``instant`` and by ``created_by``
    whose mid-point survey was not asked yet, in every server."""
    rows = await session.execute(
        select(Match.id, Match.created_at)
        .where(
            Match.status == MatchStatus.ACTIVE,
            Match.created_at > instant,
            Match.created_at <= created_by,
            Match.midpoint_asked_at.is_(None),
        )
        .order_by(Match.id)
    )
    return [(match_id, created) for match_id, created in rows]


async def midpoints_due(
    session: AsyncSession, created_after: datetime, created_by: datetime, limit: int
) -> list[tuple[Match, int, int]]:
    """Up to ``limit`` of the matches ``midpoints_to_ask`` names, with their mentor's and
    mentee's user ids, for update: the oldest first."""
    mentor, mentee = aliased(Member), aliased(Member)
    rows = await session.execute(
        select(Match, mentor.user_id, mentee.user_id)
        .join(mentor, mentor.id == Match.mentor_id)
        .join(mentee, mentee.id == Match.mentee_id)
        .where(
            Match.status == MatchStatus.ACTIVE,
            Match.created_at > created_after,
            Match.created_at <= created_by,
            Match.midpoint_asked_at.is_(None),
        )
        .order_by(Match.created_at, Match.id)
        .limit(limit)
    )
    return [(match, mentor_user, mentee_user) for match, mentor_user, mentee_user in rows]


async def without_channel(session: AsyncSession) -> list[Match]:
    """Active matches, in every server, with no channel recorded."""
    rows = await session.scalars(
        select(Match)
        .where(Match.status == MatchStatus.ACTIVE, Match.channel_id.is_(None))
        .order_by(Match.id)
    )
    return list(rows)


async def unarchived(session: AsyncSession) -> list[Match]:
    """Closed matches, in every server, not yet archived."""
    rows = await session.scalars(
        select(Match)
        .where(Match.status == MatchStatus.CLOSED, Match.archived_at.is_(None))
        .order_by(Match.id)
    )
    return list(rows)
