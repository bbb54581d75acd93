"""Queries on mid-point surveys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MidpointSurvey


async def midpoint(session: AsyncSession, match_id: int, member_id: int) -> MidpointSurvey | None:
    found: MidpointSurvey | None = await session.scalar(
        select(MidpointSurvey).where(
            MidpointSurvey.match_id == match_id, MidpointSurvey.member_id == member_id
        )
    )
    return found
