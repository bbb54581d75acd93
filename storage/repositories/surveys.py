"""Queries on the mid-point and closure surveys."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ClosureSurvey, MidpointSurvey

TABLES: dict[str, type[MidpointSurvey] | type[ClosureSurvey]] = {
    "midpoint": MidpointSurvey,
    "closure": ClosureSurvey,
}


async def answered(session: AsyncSession, survey: str, match_id: int, member_id: int) -> bool:
    """Whether the member answered ``survey`` ("midpoint" or "closure") of the match."""
    table = TABLES[survey]
    found = await session.scalar(
        select(exists().where(table.match_id == match_id, table.member_id == member_id))
    )
    return bool(found)
