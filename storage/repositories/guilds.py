"""Queries on ``guild_settings``: one mentoring program per Discord server."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GuildSettings


async def get(session: AsyncSession, guild_id: int) -> GuildSettings | None:
    return await session.get(GuildSettings, guild_id)


async def get_or_create(
    session: AsyncSession,
    guild_id: int,
    *,
    time_zone: str,
    checkin_weekday: int,
    checkin_time: time,
    now: datetime,
) -> GuildSettings:
    """The server's program, created with the given defaults the first time it is needed."""
    found = await session.get(GuildSettings, guild_id)
    if found is not None:
        return found
    created = GuildSettings(
        guild_id=guild_id,
        time_zone=time_zone,
        checkin_weekday=checkin_weekday,
        checkin_time=checkin_time,
        created_at=now,
        updated_at=now,
    )
    session.add(created)
    await session.flush()
    return created


async def configured_guild_ids(session: AsyncSession) -> list[int]:
    """Servers whose staff have run /setup."""
    rows = await session.scalars(
        select(GuildSettings.guild_id)
        .where(GuildSettings.staff_role_id.is_not(None))
        .order_by(GuildSettings.guild_id)
    )
    return list(rows)


async def languages(session: AsyncSession, guild_ids: Collection[int]) -> dict[int, str]:
    """The language of each of these servers' staff posts."""
    if not guild_ids:
        return {}
    rows = await session.execute(
        select(GuildSettings.guild_id, GuildSettings.language).where(
            GuildSettings.guild_id.in_(guild_ids)
        )
    )
    return {guild_id: language for guild_id, language in rows}
