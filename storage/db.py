"""Engine and session factory from a database URL.

SQLite (the default, via aiosqlite) gets foreign keys enforced and write-ahead logging on
every connection; PostgreSQL (via asyncpg) needs nothing special.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

Sessions = async_sessionmaker[AsyncSession]


def create_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(url, pool_pre_ping=not is_sqlite(url), **_pool(url))
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def create_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # The documented pairing with WAL: commits are atomic and survive a crash of the
        # bot; only an OS crash or power cut can lose the last few, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def _pool(url: str) -> dict[str, int]:
    """SQLite: a fixed set of connections (each is a thread in aiosqlite); opening and closing
    overflow connections under a burst cost more than waiting for one."""
    return {"pool_size": 5, "max_overflow": 0, "pool_timeout": 120} if is_sqlite(url) else {}
