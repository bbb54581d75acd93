"""Queries on signals: the unprocessed ones, and claiming one for the escalation rules."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Signal


async def unprocessed(session: AsyncSession, limit: int, skip: Collection[int] = ()) -> list[int]:
    """Ids of signals the rules have not applied yet, oldest first (without ``skip``)."""
    query = select(Signal.id).where(Signal.processed_at.is_(None))
    if skip:
        query = query.where(Signal.id.not_in(list(skip)))
    rows = await session.scalars(query.order_by(Signal.id).limit(limit))
    return list(rows)


async def claim(session: AsyncSession, signal_id: int, now: datetime) -> Signal | None:
    """Mark the signal processed in the caller's transaction and return it, unless it was
    processed already (by another run, or a second process that got there first: the
    conditional update waits for that one's commit on PostgreSQL)."""
    result = await session.execute(
        update(Signal)
        .where(Signal.id == signal_id, Signal.processed_at.is_(None))
        .values(processed_at=now)
        .execution_options(synchronize_session=False)
    )
    if not getattr(result, "rowcount", 0):
        return None
    return await session.get(Signal, signal_id)
