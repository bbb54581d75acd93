"""`alembic upgrade head` yields exactly the models' schema, on every backend."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import alembic_config
from storage.models import Base


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_head_matches_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_every_model_table_exists_with_the_version_table(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    assert set(Base.metadata.tables) | {"alembic_version"} == tables


async def test_downgrade_to_base_and_up_again(engine: AsyncEngine) -> None:
    url = engine.url.render_as_string(hide_password=False)

    def cycle(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        assert inspect(connection).get_table_names() == ["alembic_version"]
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(cycle)
    async with engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
