"""Queries on staff contacts: staff check-ins with mentoring pairs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Match, MatchStatus, StaffContact


async def times_for_active(session: AsyncSession, guild_id: int) -> dict[int, list[datetime]]:
    """Match id -> when staff contacted it, for the server's active matches."""
    rows = await session.execute(
        select(StaffContact.match_id, StaffContact.contacted_at)
        .join(Match, Match.id == StaffContact.match_id)
        .where(Match.guild_id == guild_id, Match.status == MatchStatus.ACTIVE)
    )
    found: dict[int, list[datetime]] = {}
    for match_id, moment in rows:
        found.setdefault(match_id, []).append(moment)
    return found


async def add(
    session: AsyncSession, guild_id: int, match_id: int, staff_user_id: int, note: str, at: datetime
) -> StaffContact:
    row = StaffContact(
        guild_id=guild_id,
        match_id=match_id,
        staff_user_id=staff_user_id,
        note=note,
        contacted_at=at,
    )
    session.add(row)
    await session.flush()
    return row
