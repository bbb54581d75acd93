"""Apply Alembic migrations from code (`bridges db upgrade`, and `bridges run` on start).

Alembic is imported only when a migration runs: every other `bridges` command (and
``check-config``) starts without it (about 0.25 s)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database at ``engine`` up to ``revision`` inside one transaction."""
    url = engine.url.render_as_string(hide_password=False)

    def run(connection: Connection) -> None:
        from alembic import command

        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)
    log.info("database schema is at %s", revision)
