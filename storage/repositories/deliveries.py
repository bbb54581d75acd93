"""Queries on deliveries: the record of every outbound prompt, keyed so none goes twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Delivery, DeliveryStatus


async def claim(
    session: AsyncSession, key: str, kind: str, recipient_user_id: int, now: datetime
) -> bool:
    """Record the prompt ``key`` as pending; False if it was recorded before (never resend)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(Delivery)
        .values(
            key=key,
            kind=kind,
            recipient_user_id=recipient_user_id,
            status=DeliveryStatus.PENDING,
            attempts=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return bool(getattr(result, "rowcount", 0))


async def by_key(session: AsyncSession, key: str) -> Delivery | None:
    found: Delivery | None = await session.scalar(select(Delivery).where(Delivery.key == key))
    return found


async def mark(
    session: AsyncSession, key: str, status: DeliveryStatus, now: datetime, error: str | None
) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.key == key)
        .values(
            status=status,
            attempts=Delivery.attempts + 1,
            last_error=error[:200] if error else None,
            sent_at=now if status is DeliveryStatus.SENT else None,
        )
    )
