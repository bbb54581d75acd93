"""Repositories and column types on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from storage.db import Sessions
from storage.models import DmStatus, Member, ProgramRole
from storage.repositories import guilds, members

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
DEFAULTS = {"time_zone": "America/New_York", "checkin_weekday": 0, "checkin_time": time(15, 30)}


async def test_guild_is_created_once_with_defaults(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        first = await guilds.get_or_create(session, 42, now=NOW, **DEFAULTS)
    async with sessions.begin() as session:
        again = await guilds.get_or_create(
            session,
            42,
            now=NOW + timedelta(days=1),
            time_zone="Europe/London",
            checkin_weekday=3,
            checkin_time=time(9),
        )
    assert (again.time_zone, again.checkin_weekday, again.checkin_time) == (
        "America/New_York",
        0,
        time(15, 30),
    )
    assert first.created_at == again.created_at == NOW
    assert not again.is_configured


async def test_configured_guild_ids_lists_only_set_up_servers(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await guilds.get_or_create(session, 1, now=NOW, **DEFAULTS)
        configured = await guilds.get_or_create(session, 2, now=NOW, **DEFAULTS)
        configured.staff_role_id = 7
    async with sessions() as session:
        assert await guilds.configured_guild_ids(session) == [2]


async def test_datetimes_come_back_aware_utc(sessions: Sessions) -> None:
    eastern = timezone(timedelta(hours=-5))
    async with sessions.begin() as session:
        row = await guilds.get_or_create(session, 5, now=NOW.astimezone(eastern), **DEFAULTS)
        row.updated_at = datetime(2026, 3, 8, 1, 59, tzinfo=eastern)
    async with sessions() as session:
        found = await guilds.get(session, 5)
    assert found is not None
    assert found.created_at == NOW and found.created_at.tzinfo is UTC
    assert found.updated_at == datetime(2026, 3, 8, 6, 59, tzinfo=UTC)


async def test_naive_datetimes_are_refused(sessions: Sessions) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with sessions.begin() as session:
            await guilds.get_or_create(session, 6, now=datetime(2026, 1, 1), **DEFAULTS)  # noqa: DTZ001


async def test_member_defaults_and_uniqueness(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await guilds.get_or_create(session, 9, now=NOW, **DEFAULTS)
        member = await members.get_or_create(session, 9, 1234, now=NOW)
        member.role = ProgramRole.MENTEE
        assert await members.get_or_create(session, 9, 1234, now=NOW) is member
    async with sessions() as session:
        found = await members.get(session, 9, 1234)
        assert found is not None
        assert (found.role, found.dm_status, found.time_zone) == (
            ProgramRole.MENTEE,
            DmStatus.UNKNOWN,
            None,
        )
        assert await members.get(session, 9, 999) is None
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(Member(guild_id=9, user_id=1234, created_at=NOW, updated_at=NOW))


async def test_a_member_needs_its_program(sessions: Sessions) -> None:
    """Foreign keys are enforced on SQLite too."""
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(Member(guild_id=404, user_id=1, created_at=NOW, updated_at=NOW))
