"""Queries on mid-point surveys and the survey figures of the report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ClosureSurvey, Match, MidpointSurvey


async def midpoint(session: AsyncSession, match_id: int, member_id: int) -> MidpointSurvey | None:
    found: MidpointSurvey | None = await session.scalar(
        select(MidpointSurvey).where(
            MidpointSurvey.match_id == match_id, MidpointSurvey.member_id == member_id
        )
    )
    return found


async def midpoint_answers(session: AsyncSession, guild_id: int) -> list[list[int]]:
    """Every mid-point answer list given in the server's matches."""
    rows = await session.scalars(
        select(MidpointSurvey.answers)
        .join(Match, Match.id == MidpointSurvey.match_id)
        .where(Match.guild_id == guild_id)
        .order_by(MidpointSurvey.id)
    )
    return [list(answers) for answers in rows]


async def closure_ratings(session: AsyncSession, guild_id: int) -> list[int]:
    """Every closure-survey rating (1-5) given in the server's matches."""
    rows = await session.scalars(
        select(ClosureSurvey.rating)
        .join(Match, Match.id == ClosureSurvey.match_id)
        .where(Match.guild_id == guild_id)
        .order_by(ClosureSurvey.id)
    )
    return list(rows)
