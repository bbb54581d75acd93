"""A long series of write transactions (a check-in fan-out) pauses between two only where a
writer may be waiting for the database: on SQLite, while another transaction has written
and not yet ended (it holds the one write lock, or waits for it)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from storage.db import Sessions, is_sqlite, others_writing

WRITE = text(
    "INSERT INTO bot_state (key, value, updated_at) VALUES ('pause-test', 'x', '2026-12-04')"
)


async def test_a_transaction_that_only_reads_keeps_nobody_waiting(sessions: Sessions) -> None:
    async with sessions() as session:
        await session.execute(text("SELECT 1"))  # a connection held, nothing written
        assert not others_writing(sessions)
    assert not others_writing(sessions)


async def test_a_writing_transaction_is_seen_until_it_commits_or_rolls_back(
    database_url: str, sessions: Sessions
) -> None:
    for end in ("commit", "rollback"):
        async with sessions() as session:
            await session.execute(text("SELECT 1"))
            assert not others_writing(sessions)
            await session.execute(WRITE)
            assert others_writing(sessions) is is_sqlite(database_url)  # PostgreSQL locks rows
            await session.execute(text("SELECT 1"))  # still open: still holding the lock
            assert others_writing(sessions) is is_sqlite(database_url)
            await getattr(session, end)()
            assert not others_writing(sessions)
        async with sessions.begin() as session:  # the row was committed once: now removed
            await session.execute(text("DELETE FROM bot_state WHERE key = 'pause-test'"))
        assert not others_writing(sessions)


async def test_a_writer_cancelled_mid_transaction_is_not_seen_once_its_connection_is_back(
    sessions: Sessions,
) -> None:
    wrote = asyncio.Event()

    async def writer() -> None:
        async with sessions() as session:
            await session.execute(WRITE)
            wrote.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(writer())
    await wrote.wait()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert not others_writing(sessions)
    async with sessions() as session:  # and nothing it wrote is there
        rows = await session.execute(
            text("SELECT count(*) FROM bot_state WHERE key = 'pause-test'")
        )
        assert rows.scalar_one() == 0
