"""The check-in planner's read: people grouped by what decides when they are next due.

Planning needs the distinct instants someone is due, not the people: a district of 100,000
members has a few rhythms, so this reads one row per rhythm (and set of weeks taken)
instead of one per member.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import NamedTuple

from sqlalchemy import Integer, case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Checkin,
    Match,
    MatchStatus,
    Member,
    ProgramRole,
)
from storage.repositories.checkins import with_rhythm


class RhythmGroup(NamedTuple):
    """Active members sharing everything ``next_due`` reads of them."""

    guild_id: int
    time_zone: str | None
    joined_at: datetime | None  # None: before ``joined_since`` (or unknown)
    program_zone: str
    program_weekday: int
    program_at: time
    own_weekday: int | None
    own_at: time | None
    paused_until: date | None
    #: Bit n set: they have a check-in in ``weeks[n]``.
    taken: int


async def rhythm_groups(
    session: AsyncSession,
    role: ProgramRole,
    weeks: Sequence[date],
    joined_since: datetime,
    *,
    matched_only: bool = False,
) -> list[RhythmGroup]:
    """The active members with ``role``, in every server, grouped by server, zone, program
    and own day and time, pause, join (only when since ``joined_since``) and which of
    ``weeks`` hold a check-in of theirs; ``matched_only`` keeps those in an active match as
    mentor."""
    joined = case((Member.consented_at >= joined_since, Member.consented_at), else_=None)
    people = with_rhythm(role, Member.guild_id, Member.time_zone, joined.label("joined_at"))
    if weeks:
        bit = case(*((Checkin.week == week, 1 << n) for n, week in enumerate(weeks)), else_=0)
        taken = (
            select(Checkin.member_id, func.sum(bit).label("taken"))
            .where(Checkin.week >= min(weeks), Checkin.week <= max(weeks))
            .group_by(Checkin.member_id)
            .subquery()
        )
        people = people.outerjoin(taken, taken.c.member_id == Member.id).add_columns(
            func.coalesce(taken.c.taken, 0).label("taken")
        )
    else:
        people = people.add_columns(literal_column("0", Integer).label("taken"))
    if matched_only:
        mentors = select(Match.mentor_id).where(Match.status == MatchStatus.ACTIVE)
        people = people.where(Member.id.in_(mentors))
    grouped = people.subquery()
    columns = list(grouped.c)
    rows = await session.execute(select(*columns).group_by(*columns))
    return [RhythmGroup(*row) for row in rows]
