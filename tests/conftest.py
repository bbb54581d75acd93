"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
BRIDGES_TEST_DATABASE_URL names a server (CI sets it)."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Sessions, create_engine, create_sessions
from storage.migrate import upgrade


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """A CLI test configures the root logger with a handler bound to pytest's captured
    stderr, which is closed after that test; put the logger back as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("discord", "bridges")}
    yield
    root.handlers[:], root.level = handlers, level
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


POSTGRES_URL = os.environ.get("BRIDGES_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A new, empty database for one test: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'bridges.db'}"
        return
    assert POSTGRES_URL is not None
    admin = make_url(POSTGRES_URL)
    name = f"bridges_test_{secrets.token_hex(6)}"
    connection = await asyncpg.connect(
        user=admin.username,
        password=admin.password,
        host=admin.host,
        port=admin.port or 5432,
        database=admin.database,
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database migrated to head by the real Alembic migrations."""
    created = create_engine(database_url)
    await upgrade(created)
    yield created
    await created.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> Sessions:
    return create_sessions(engine)
