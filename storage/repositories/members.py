"""Queries on ``members``: people in a server's program."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member


async def get(session: AsyncSession, guild_id: int, user_id: int) -> Member | None:
    found: Member | None = await session.scalar(
        select(Member).where(Member.guild_id == guild_id, Member.user_id == user_id)
    )
    return found


async def get_or_create(
    session: AsyncSession, guild_id: int, user_id: int, *, now: datetime
) -> Member:
    """The member row; the guild's program row must exist already."""
    found = await get(session, guild_id, user_id)
    if found is not None:
        return found
    created = Member(guild_id=guild_id, user_id=user_id, created_at=now, updated_at=now)
    session.add(created)
    await session.flush()
    return created
