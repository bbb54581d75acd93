"""Queries on mentor training: modules staff define and completions mentors record."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import TrainingCompletion, TrainingModule


async def modules(session: AsyncSession, guild_id: int) -> list[TrainingModule]:
    """The server's current modules (removed ones are kept for the record, not listed)."""
    rows = await session.scalars(
        select(TrainingModule)
        .where(TrainingModule.guild_id == guild_id, TrainingModule.removed_at.is_(None))
        .order_by(TrainingModule.id)
    )
    return list(rows)


async def module(session: AsyncSession, guild_id: int, module_id: int) -> TrainingModule | None:
    found: TrainingModule | None = await session.scalar(
        select(TrainingModule).where(
            TrainingModule.id == module_id,
            TrainingModule.guild_id == guild_id,
            TrainingModule.removed_at.is_(None),
        )
    )
    return found


async def completion(
    session: AsyncSession, module_id: int, member_id: int
) -> TrainingCompletion | None:
    found: TrainingCompletion | None = await session.scalar(
        select(TrainingCompletion).where(
            TrainingCompletion.module_id == module_id, TrainingCompletion.member_id == member_id
        )
    )
    return found


async def completions(session: AsyncSession, member_id: int) -> list[TrainingCompletion]:
    rows = await session.scalars(
        select(TrainingCompletion)
        .where(TrainingCompletion.member_id == member_id)
        .order_by(TrainingCompletion.id)
    )
    return list(rows)


async def confirmed_minutes(session: AsyncSession, guild_id: int) -> dict[int, int]:
    """Confirmed training minutes per member id, over the server's current modules."""
    rows = await session.execute(
        select(TrainingCompletion.member_id, func.sum(TrainingModule.minutes))
        .join(TrainingModule, TrainingModule.id == TrainingCompletion.module_id)
        .where(
            TrainingModule.guild_id == guild_id,
            TrainingModule.removed_at.is_(None),
            TrainingCompletion.confirmed_at.is_not(None),
        )
        .group_by(TrainingCompletion.member_id)
    )
    return {member_id: int(minutes) for member_id, minutes in rows}
