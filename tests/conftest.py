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
    return await _connect(make_url(POSTGRES_URL).database or "")


async def _connect(name: str) -> asyncpg.Connection:
    """A connection to database ``name`` on the test server."""
    assert POSTGRES_URL is not None
    url = make_url(POSTGRES_URL)
    return await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host,
        port=url.port or 5432,
        database=name,
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


#: What a test could change in a database besides its rows: tables, columns, indexes,
#: constraints, types, sequences, functions, triggers, views, the Alembic revision.
_SCHEMA = """
SELECT md5(coalesce(string_agg(item, E'\\n' ORDER BY item), '')) FROM (
    SELECT concat_ws(':', 'column', table_schema, table_name, column_name, data_type,
                     column_default, is_nullable) AS item
    FROM information_schema.columns
    WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
    UNION ALL SELECT concat_ws(':', 'index', schemaname, indexname, indexdef) FROM pg_indexes
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL SELECT concat_ws(':', 'constraint', conrelid::regclass::text, conname,
                               pg_get_constraintdef(oid))
    FROM pg_constraint WHERE connamespace <> 'pg_catalog'::regnamespace
    UNION ALL SELECT concat_ws(':', 'type', n.nspname, t.typname, t.typtype)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    UNION ALL SELECT concat_ws(':', 'enum', enumtypid::regtype::text, enumlabel) FROM pg_enum
    UNION ALL SELECT concat_ws(':', 'routine', p.oid::regprocedure::text)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
    UNION ALL SELECT concat_ws(':', 'trigger', tgrelid::regclass::text, tgname)
    FROM pg_trigger WHERE NOT tgisinternal
    UNION ALL SELECT concat_ws(':', 'schema', nspname) FROM pg_namespace
    UNION ALL SELECT concat_ws(':', 'revision', version_num) FROM alembic_version
    UNION ALL SELECT concat_ws(':', 'setting', array_to_string(setconfig, ','))
    FROM pg_db_role_setting
    WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
) AS schema
"""

#: The tables that hold a row (Alembic's revision aside: ``_SCHEMA`` compares it).
_FILLED = """
SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> 'alembic_version'
AND (xpath('/row/n/text()', query_to_xml(
    format('SELECT count(*) AS n FROM %I.%I', schemaname, tablename), false, true, ''
)))[1]::text::int > 0
"""

#: Every sequence back to its start, as in a new copy (one a rolled-back insert moved too).
_RESTART = """
SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false)
FROM pg_sequences WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
"""


class Templates:
    """Databases the real migrations bring to head once per test process (each xdist worker
    has its own), copied for each test that uses ``engine``: a SQLite file copied, or, on
    PostgreSQL, a database this process made with ``CREATE DATABASE ... TEMPLATE`` and
    emptied after its last test (``give_back``). A copy is the same database as one migrated
    in the test, made in milliseconds instead of a quarter second; on PostgreSQL a template
    copy and its drop cost about a second (the whole database goes through the WAL),
    emptying one a tenth of that."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._sqlite: Path | None = None
        self.postgres: str | None = None
        self._schema = ""
        #: Databases at head with no rows, each as a template copy is, for the next test.
        self.idle: list[str] = []

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
                template = await _connect(name)
                try:
                    self._schema = await template.fetchval(_SCHEMA)
                    # give_back empties every table: a row a migration writes would go.
                    filled = [row[0] for row in await template.fetch(_FILLED)]
                    assert not filled, f"the migrations leave rows in {filled}"
                finally:
                    await template.close()
            except BaseException:
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                raise
            self.postgres = name
        return self.postgres

    async def give_back(self, connection: asyncpg.Connection, name: str) -> bool:
        """Empty database ``name`` after a test, its rows gone and its sequences restarted,
        for the next test (``idle``); false, and left as it is, when the test changed more
        than rows (its schema or revision) or cannot be emptied."""
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        used = await _connect(name)
        try:
            if await used.fetchval(_SCHEMA) != self._schema:
                return False
            # Only the tables with rows: a TRUNCATE costs a few fsyncs per table.
            filled = [row[0] for row in await used.fetch(_FILLED)]
            if filled:
                await used.execute(f"TRUNCATE {', '.join(filled)} CASCADE")
            await used.execute(_RESTART)
        except asyncpg.PostgresError:
            return False
        finally:
            await used.close()
        self.idle.append(name)
        return True


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
    for name in [*made.idle, *([made.postgres] if made.postgres is not None else [])]:
        asyncio.run(_drop_database(name))


@pytest.fixture(params=BACKENDS)
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> AsyncIterator[str]:
    """A new database for one test: a SQLite file, or a fresh PostgreSQL database. Empty,
    unless the test uses ``engine``: then it is a copy of one migrated to head (``Templates``;
    on PostgreSQL one an earlier test of this process used, emptied, when there is one)."""
    migrated = "engine" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "bridges.db"
        if migrated:
            await templates.copy_sqlite(path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"bridges_test_{secrets.token_hex(6)}"
    connection = await _admin_connection()
    kept = False
    try:
        if migrated and templates.idle:
            name = templates.idle.pop()
        elif migrated:
            template = await templates.postgres_template(connection)
            await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            await connection.execute(f'CREATE DATABASE "{name}"')
        yield _postgres_url(name)
        kept = migrated and await templates.give_back(connection, name)
    finally:
        if not kept:
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
