"""Queries on ``guardian_consents``: whether the school holds a guardian's consent for a student."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import GuardianConsent


async def of_member(session: AsyncSession, member_id: int) -> GuardianConsent | None:
    found: GuardianConsent | None = await session.scalar(
        select(GuardianConsent).where(GuardianConsent.member_id == member_id)
    )
    return found


async def on_file(session: AsyncSession, guild_id: int) -> set[int]:
    """Ids of the server's members whose guardian's consent is on file."""
    rows = await session.scalars(
        select(GuardianConsent.member_id).where(
            GuardianConsent.guild_id == guild_id, GuardianConsent.on_file.is_(True)
        )
    )
    return set(rows)
