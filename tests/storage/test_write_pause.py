"""A long series of write transactions (a check-in fan-out) pauses between two only where a
writer may be waiting for the database: on SQLite, while another connection is in use."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import Sessions, is_sqlite, others_may_wait


async def test_others_may_wait_only_while_another_sqlite_connection_is_in_use(
    database_url: str, sessions: Sessions
) -> None:
    assert not others_may_wait(sessions)  # nobody else: no pause
    async with sessions() as session:
        await session.execute(text("SELECT 1"))  # someone's transaction holds a connection
        assert others_may_wait(sessions) is is_sqlite(database_url)  # PostgreSQL locks rows
    assert not others_may_wait(sessions)
