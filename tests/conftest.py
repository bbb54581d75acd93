"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
BRIDGES_TEST_DATABASE_URL names a server (CI sets it)."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Sessions, create_engine, create_sessions
from storage.migrate import upgrade

# Hypothesis times each example (200 ms by default) and its data generation: on a loaded
# machine, and with the suite's workers sharing two cores, those clocks fail correct code.
# Speed is measured in bench/, never asserted here.
settings.register_profile("bridges", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("bridges")


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


async def _admin_connection() -> asyncpg.Connection:
    assert POSTGRES_URL is not None
    admin = make_url(POSTGRES_URL)
    return await asyncpg.connect(
        user=admin.username,
        password=admin.password,
        host=admin.host,
        port=admin.port or 5432,
        database=admin.database,
    )


def _postgres_url(name: str) -> str:
    assert POSTGRES_URL is not None
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def _migrate(url: str) -> None:
    created = create_engine(url)
    try:
        await upgrade(created)
    finally:
        await created.dispose()


class Templates:
    """Databases the real migrations bring to head once per test process (each xdist worker
    has its own), copied for each test that uses ``engine``: a SQLite file copied, or a
    PostgreSQL database made with ``CREATE DATABASE ... TEMPLATE``. A copy is the same
    database as one migrated in the test, made in milliseconds instead of a quarter second."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self.postgres: str | None = None

    async def copy_sqlite(self, target: Path) -> None:
        if self._sqlite is None:
            template = self._folder / "template.db"
            await _migrate(f"sqlite+aiosqlite:///{template}")
            self._sqlite = template
        shutil.copyfile(self._sqlite, target)

    async def postgres_template(self, connection: asyncpg.Connection) -> str:
        if self.postgres is None:
            name = f"bridges_template_{secrets.token_hex(6)}"
            await connection.execute(f'CREATE DATABASE "{name}"')
            try:
                await _migrate(_postgres_url(name))
            except BaseException:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                raise
            self.postgres = name
        return self.postgres


async def _drop_database(name: str) -> None:
    connection = await _admin_connection()
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    made = Templates(tmp_path_factory.mktemp("templates"))
    yield made
    if made.postgres is not None:
        asyncio.run(_drop_database(made.postgres))


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> AsyncIterator[str]:
    """A new database for one test: a SQLite file, or a fresh PostgreSQL database. Empty,
    unless the test uses ``engine``: then it is a copy of one migrated to head (``Templates``)."""
    migrated = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "bridges.db"
        if migrated:
            await templates.copy_sqlite(path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"bridges_test_{secrets.token_hex(6)}"
    connection = await _admin_connection()
    try:
        if migrated:
            template = await templates.postgres_template(connection)
            await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            await connection.execute(f'CREATE DATABASE "{name}"')
        yield _postgres_url(name)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a database at head, as the real Alembic migrations leave it."""
    created = create_engine(database_url)
    yield created
    await created.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> Sessions:
    return create_sessions(engine)
