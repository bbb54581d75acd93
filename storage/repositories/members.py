"""Queries on ``members``: people in a server's program."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.batching import chunks
from storage.models import Member, ProgramRole


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


async def guilds_of(session: AsyncSession, user_id: int) -> list[int]:
    """The servers whose program has a row for ``user_id``, in id order."""
    rows = await session.scalars(
        select(Member.guild_id).where(Member.user_id == user_id).order_by(Member.guild_id)
    )
    return list(rows)


async def by_id(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, member_id)


async def active_with_role(session: AsyncSession, guild_id: int, role: ProgramRole) -> list[Member]:
    rows = await session.scalars(
        select(Member)
        .where(Member.guild_id == guild_id, Member.role == role, Member.active.is_(True))
        .order_by(Member.id)
    )
    return list(rows)


async def set_display_name(session: AsyncSession, guild_id: int, user_id: int, name: str) -> bool:
    """Keep the name the member showed on their latest interaction; False if they have no
    row (not in the program)."""
    result = await session.execute(
        update(Member)
        .where(Member.guild_id == guild_id, Member.user_id == user_id)
        .values(display_name=name)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def display_names(session: AsyncSession, guild_id: int) -> dict[int, str]:
    """The stored display name of every member of the server who has one."""
    rows = await session.execute(
        select(Member.user_id, Member.display_name).where(
            Member.guild_id == guild_id, Member.display_name.is_not(None)
        )
    )
    return {user_id: name for user_id, name in rows if name is not None}


async def languages(session: AsyncSession, user_ids: Collection[int]) -> dict[tuple[int, int], str]:
    """The stored language of every member row of these users, by (guild_id, user_id), the
    oldest row first."""
    found: dict[tuple[int, int], str] = {}
    for chunk in chunks(sorted(user_ids)):
        rows = await session.execute(
            select(Member.guild_id, Member.user_id, Member.language)
            .where(Member.user_id.in_(chunk))
            .order_by(Member.id)
        )
        found.update({(guild_id, user_id): language for guild_id, user_id, language in rows})
    return found
