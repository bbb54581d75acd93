"""Queries on ``bot_state``: small values the bot keeps between starts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import BotState


async def get(session: AsyncSession, key: str) -> str | None:
    row = await session.get(BotState, key)
    return row.value if row is not None else None


async def put(session: AsyncSession, key: str, value: str, *, now: datetime) -> None:
    row = await session.get(BotState, key)
    if row is None:
        session.add(BotState(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    await session.flush()
