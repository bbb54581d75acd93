"""An interaction's Work knows whether a write of it committed: what an error reply says."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import delete, select, update

from storage.db import Sessions, Work, begin_work
from storage.models import GuildSettings

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


def program(guild_id: int) -> GuildSettings:
    return GuildSettings(
        guild_id=guild_id,
        time_zone="UTC",
        checkin_weekday=0,
        checkin_time=time(15, 30),
        created_at=NOW,
        updated_at=NOW,
    )


async def test_reads_save_nothing(sessions: Sessions) -> None:
    async def handle() -> Work:
        work = begin_work()
        async with sessions() as session:
            await session.scalar(select(GuildSettings.guild_id))
            await session.commit()
        async with sessions.begin() as session:
            await session.scalar(select(GuildSettings.guild_id))
        return work

    assert not (await asyncio.create_task(handle())).saved


async def test_a_committed_write_is_saved_however_it_was_written(sessions: Sessions) -> None:
    async def added() -> Work:
        work = begin_work()
        async with sessions.begin() as session:  # SQLAlchemy commits this in a task of its own
            session.add(program(1))
        return work

    async def updated() -> Work:
        work = begin_work()
        async with sessions() as session:
            await session.execute(update(GuildSettings).values(time_zone="Europe/Madrid"))
            await session.commit()
        return work

    async def in_a_task_it_started() -> Work:
        work = begin_work()

        async def later() -> None:
            async with sessions.begin() as session:
                await session.execute(delete(GuildSettings).where(GuildSettings.guild_id == 1))

        await asyncio.create_task(later())
        return work

    for handle in (added, updated, in_a_task_it_started):
        assert (await asyncio.create_task(handle())).saved, handle.__name__


async def test_a_rolled_back_write_is_not_saved(sessions: Sessions) -> None:
    async def handle() -> Work:
        work = begin_work()
        with pytest.raises(RuntimeError):
            async with sessions.begin() as session:
                session.add(program(2))
                await session.flush()
                raise RuntimeError("refused after the flush")
        async with sessions() as session:  # a later, read-only commit
            await session.commit()
        return work

    assert not (await asyncio.create_task(handle())).saved


async def test_one_interactions_writes_are_not_anothers(sessions: Sessions) -> None:
    """Two interactions at once: each has its own Work."""
    wrote = asyncio.Event()

    async def writer() -> Work:
        work = begin_work()
        async with sessions.begin() as session:
            session.add(program(3))
        wrote.set()
        return work

    async def reader() -> Work:
        work = begin_work()
        await wrote.wait()
        async with sessions() as session:
            await session.scalar(select(GuildSettings.guild_id))
        return work

    written, read = await asyncio.gather(writer(), reader())
    assert written.saved and not read.saved
