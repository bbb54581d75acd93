"""`alembic upgrade head` yields exactly the models' schema, on every backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, Connection, column, inspect, select, table
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Sessions
from storage.migrate import alembic_config
from storage.models import (
    Base,
    ClosureSurvey,
    MidpointSurvey,
    ProgramRole,
    Signup,
    UTCDateTime,
)
from storage.repositories import members
from tests.storage.test_program_services import GUILD, NOW, Services


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


OLD_CLOSURE = table(
    "closure_surveys",
    *(column(name) for name in ("match_id", "member_id", "rating", "helped", "change")),
    column("submitted_at", UTCDateTime),
)
OLD_MIDPOINT = table(
    "midpoint_surveys",
    *(column(name) for name in ("match_id", "member_id")),
    column("answers", JSON),
    column("submitted_at", UTCDateTime),
)


def _migrate(url: str, revision: str) -> Callable[[Connection], None]:
    """Up or down to ``revision`` ("head" is up) on the connection given."""

    def run(connection: Connection) -> None:
        config = alembic_config(url)
        config.attributes["connection"] = connection
        step = command.upgrade if revision == "head" else command.downgrade
        step(config, revision)

    return run


async def test_survey_answers_move_to_their_statements_and_back(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """0009 keeps every answer given before it: the closure survey's two texts become one
    comment that keeps both, mid-point answers stored by position get numbered statements;
    the downgrade gives both back."""
    services = Services(sessions)
    await services.join(10, ProgramRole.MENTOR, 11)
    await services.trained(10)
    await services.join(20, ProgramRole.MENTEE, 8)
    match_id = (await services.matches.create(GUILD, 999, 10, 20)).match_id
    async with sessions() as session:
        mentor = await members.get(session, GUILD, 10)
        mentee = await members.get(session, GUILD, 20)
    assert mentor is not None and mentee is not None
    url = engine.url.render_as_string(hide_password=False)
    common = {"match_id": match_id, "submitted_at": NOW}
    async with engine.begin() as connection:
        await connection.run_sync(_migrate(url, "0008"))
        await connection.execute(
            OLD_CLOSURE.insert(),
            [
                {**common, "member_id": mentor.id, "rating": 4, "helped": "Talks", "change": ""},
                {**common, "member_id": mentee.id, "rating": 2, "helped": "", "change": "Time"},
            ],
        )
        await connection.execute(
            OLD_MIDPOINT.insert(), {**common, "member_id": mentor.id, "answers": [5, 3]}
        )
        await connection.run_sync(_migrate(url, "head"))
    async with sessions() as session:
        closed = {s.member_id: s for s in await session.scalars(select(ClosureSurvey))}
        (midpoint,) = await session.scalars(select(MidpointSurvey))
    assert (closed[mentor.id].rating, closed[mentor.id].answers) == (4, {})
    assert closed[mentor.id].comment == "What helped: Talks"
    assert closed[mentee.id].comment == "What I would change: Time"
    assert midpoint.answers == {"Statement 1": 5, "Statement 2": 3}

    async with engine.begin() as connection:
        await connection.run_sync(_migrate(url, "0008"))
        old = OLD_CLOSURE.c
        texts = await connection.execute(select(old.member_id, old.helped, old.change))
        answers = await connection.scalar(select(OLD_MIDPOINT.c.answers))
        await connection.run_sync(_migrate(url, "head"))
    assert sorted(texts.all()) == [(mentor.id, "Talks", ""), (mentee.id, "", "Time")]
    assert answers == [5, 3]


async def test_members_who_joined_before_0012_get_their_sign_up(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """0012 gives each member their current joining as a sign-up (no invitation), so the
    report's sign-ups include the program's members from before recruiting was added."""
    services = Services(sessions)
    await services.join(10, ProgramRole.MENTOR, 11)
    await services.join(20, ProgramRole.MENTEE, 8)
    url = engine.url.render_as_string(hide_password=False)
    async with engine.begin() as connection:
        await connection.run_sync(_migrate(url, "0011"))
        await connection.run_sync(_migrate(url, "head"))
    async with sessions() as session:
        found = list(await session.scalars(select(Signup).order_by(Signup.member_id)))
        joined = [await members.get(session, GUILD, user) for user in (10, 20)]
    assert [(s.member_id, s.role, s.invitation_id, s.joined_at) for s in found] == [
        (row.id, row.role, None, NOW) for row in joined if row is not None
    ]
