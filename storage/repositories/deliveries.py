"""Queries on deliveries: the record of every outbound prompt, keyed so none goes twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, DeliveryStatus


async def claim(
    session: AsyncSession, prompts: Sequence[tuple[str, str, int]], now: datetime
) -> set[str]:
    """Record each (key, kind, recipient) as pending in one statement; returns the keys that
    were new. A key recorded before is never claimed again (never resent)."""
    if not prompts:
        return set()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(Delivery)
        .values(
            [
                {
                    "key": key,
                    "kind": kind,
                    "recipient_user_id": user_id,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "created_at": now,
                }
                for key, kind, user_id in prompts
            ]
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Delivery.key)
    )
    return set(result.scalars())


async def mark(
    session: AsyncSession,
    keys: Sequence[str],
    status: DeliveryStatus,
    now: datetime,
    error: str | None = None,
) -> None:
    """Record the outcome of these deliveries in one statement."""
    if not keys:
        return
    await session.execute(
        update(Delivery)
        .where(Delivery.key.in_(keys))
        .values(
            status=status,
            attempts=Delivery.attempts + 1,
            last_error=error[:200] if error else None,
            sent_at=now if status is DeliveryStatus.SENT else None,
        )
    )
