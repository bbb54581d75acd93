"""A database error never carries a student's words into a log, at any level.

Each error below is provoked with the words in a parameter, in the shapes that quote them:
SQLAlchemy's "[parameters: ...]", PostgreSQL's DETAIL ("Failing row contains (...)", "Key
(...)=(...)") and asyncpg's "invalid input for query argument $1: '...'". Every log record
of the test (root at DEBUG, so the drivers' own chatter too) is searched for them, with its
traceback, as the one error handler logs a bug.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage.db import Sessions
from storage.models import Delivery, DeliveryStatus, EscalationEvent, Goal, GoalStatus, Member
from tests.storage.test_session_service import GUILD, MENTEE, World

WORDS = "my stepdad hits me when he drinks"
NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
log = logging.getLogger("cogs.errors")


def delivery(key: str) -> dict[str, Any]:
    return {
        "key": key,
        "kind": "checkin",
        "recipient_user_id": MENTEE,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "created_at": NOW,
    }


#: Statements that fail with the words in a parameter; each (name, values to insert).
FAILING: list[tuple[str, Callable[[int], tuple[Any, list[dict[str, Any]]]]]] = [
    # NOT NULL broken in a row that holds the words: PostgreSQL quotes the whole row.
    (
        "not null",
        lambda member: (
            Goal,
            [
                {
                    "guild_id": GUILD,
                    "member_id": member,
                    "what": WORDS,
                    "why": None,
                    "measure": "x",
                    "due_on": date(2027, 1, 1),
                    "focus_area": "academics",
                    "status": GoalStatus.ACTIVE,
                    "created_at": NOW,
                }
            ],
        ),
    ),
    # A unique key made of the words: PostgreSQL quotes the key.
    ("unique", lambda _member: (Delivery, [delivery(WORDS), delivery(WORDS)])),
    # A foreign key broken next to the words.
    (
        "foreign key",
        lambda _member: (
            EscalationEvent,
            [{"escalation_id": 987654, "action": "note", "note": WORDS, "created_at": NOW}],
        ),
    ),
    # The words where a number belongs: asyncpg quotes the value it could not encode
    # (SQLite stores it, then finds no member with that id).
    (
        "wrong type",
        lambda _member: (
            Goal,
            [
                {
                    "guild_id": GUILD,
                    "member_id": WORDS,
                    "what": "x",
                    "why": "x",
                    "measure": "x",
                    "due_on": date(2027, 1, 1),
                    "focus_area": "academics",
                    "status": GoalStatus.ACTIVE,
                    "created_at": NOW,
                }
            ],
        ),
    ),
]


async def _member_id(sessions: Sessions) -> int:
    async with sessions() as session:
        found = await session.scalar(select(Member.id).where(Member.user_id == MENTEE))
    assert found is not None
    return found


async def _provoke(engine: AsyncEngine, model: Any, rows: list[dict[str, Any]]) -> SQLAlchemyError:
    with pytest.raises(SQLAlchemyError) as raised:
        async with engine.begin() as connection:
            for row in rows:
                await connection.execute(insert(model), row)
    return raised.value


@pytest.mark.parametrize("name", [name for name, _ in FAILING])
async def test_a_database_error_keeps_a_students_words_out_of_every_log(
    name: str, engine: AsyncEngine, sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(sessions)
    await world.pair()
    model, rows = dict(FAILING)[name](await _member_id(sessions))
    caplog.set_level(logging.DEBUG)

    error = await _provoke(engine, model, rows)
    log.error("error %s in %s", "0badc0de", "component", exc_info=error)

    assert caplog.records, "the handler's record was captured"
    assert WORDS not in caplog.text  # messages, arguments and tracebacks, as formatted
    for record in caplog.records:
        assert WORDS not in record.getMessage() and WORDS not in repr(record.args)


@pytest.mark.parametrize("name", [name for name, _ in FAILING])
async def test_without_hiding_the_same_errors_would_quote_the_words(
    name: str, database_url: str, engine: AsyncEngine, sessions: Sessions
) -> None:
    """The cases above are real: an engine made the plain way puts the words in its error."""
    world = World(sessions)
    await world.pair()
    model, rows = dict(FAILING)[name](await _member_id(sessions))
    plain = create_async_engine(database_url)
    event.listen(plain.sync_engine, "connect", _foreign_keys)
    try:
        error = await _provoke(plain, model, rows)
    finally:
        await plain.dispose()
    text = str(error) + "".join(str(e) for e in (error.__cause__, error.__context__) if e)
    assert WORDS in text


def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    """SQLite enforces foreign keys only when asked, as storage.db's engines do."""
    if "sqlite" in type(dbapi_connection).__module__:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


async def test_a_write_at_debug_level_logs_no_words(
    sessions: Sessions, caplog: pytest.LogCaptureFixture
) -> None:
    """The drivers log each statement at DEBUG; never its parameters."""
    world = World(sessions)
    await world.pair()
    caplog.set_level(logging.DEBUG)
    async with sessions.begin() as session:
        await session.execute(insert(Delivery), delivery(WORDS))
        await session.scalar(select(Delivery.key).where(Delivery.key == WORDS))
    assert WORDS not in caplog.text
