"""Queries handed a district's worth of ids (40,000) on SQLite and PostgreSQL: each list is
cut in chunks, so no statement passes a database's bind-parameter limit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.batching import IN_LIST
from storage.db import Sessions
from storage.models import (
    CheckinStatus,
    DeliveryStatus,
    DmStatus,
    Goal,
    GoalStatus,
    Match,
    MatchStatus,
    MentoringSession,
    Place,
    ProgramRole,
    SessionStatus,
)
from storage.repositories import checkins, deliveries, escalations, guilds, members
from storage.repositories import sessions as mentoring
from tests.storage.test_session_service import statements

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
MANY = 40_000
DEFAULTS = {"time_zone": "America/New_York", "checkin_weekday": 0, "checkin_time": time(15, 30)}


async def _pair(sessions: Sessions) -> tuple[int, int, int, int]:
    """One server with a mentor and a mentee in an active match with a confirmed session
    and a check-in: (mentor id, mentee id, session id, goal id)."""
    async with sessions.begin() as session:
        await guilds.get_or_create(session, 1, now=NOW, **DEFAULTS)
        mentor = await members.get_or_create(session, 1, 11, now=NOW)
        mentee = await members.get_or_create(session, 1, 12, now=NOW)
        mentor.role, mentee.role = ProgramRole.MENTOR, ProgramRole.MENTEE
        await session.flush()
        match = Match(
            guild_id=1,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            status=MatchStatus.ACTIVE,
            created_by=1,
            channel_id=77,
            created_at=NOW,
        )
        session.add(match)
        await session.flush()
        row = MentoringSession(
            guild_id=1,
            match_id=match.id,
            starts_at=NOW + timedelta(hours=1),
            ends_at=NOW + timedelta(hours=2),
            place=Place.VOICE,
            status=SessionStatus.CONFIRMED,
            proposed_by=mentor.id,
            invitee=mentee.id,
            created_at=NOW,
            updated_at=NOW,
        )
        goal = Goal(
            guild_id=1,
            member_id=mentee.id,
            what="Read",
            why="Because",
            measure="Pages",
            due_on=date(2027, 1, 1),
            focus_area="academic",
            status=GoalStatus.ACTIVE,
            created_at=NOW,
        )
        session.add_all([row, goal])
        await checkins.open_many(
            session,
            [
                {
                    "guild_id": 1,
                    "member_id": mentee.id,
                    "week": date(2026, 11, 23),
                    "due_at": NOW,
                    "closes_at": NOW + timedelta(days=3),
                    "status": CheckinStatus.OPEN,
                    "created_at": NOW,
                }
            ],
        )
        await session.flush()
        return mentor.id, mentee.id, row.id, goal.id


async def test_every_in_list_takes_40000_ids(sessions: Sessions) -> None:
    mentor, mentee, session_id, goal_id = await _pair(sessions)
    ids = [mentee, mentor, *range(10**6, 10**6 + MANY)]
    async with sessions() as session:
        assert [g.id for g in await checkins.active_goal_lines(session, ids)] == [goal_id]
        assert list(await checkins.goals_by_ids(session, [goal_id, *ids])) == [goal_id]
        assert await checkins.weeks_taken(session, date(2026, 11, 1), ids) == {
            (mentee, date(2026, 11, 23))
        }
        assert await checkins.pair_channels(session, ids) == {mentee: 77}
        assert await checkins.mentor_channels(session, ids) == {mentor: 77}
        busy = await mentoring.busy_for_members(session, ids, NOW, NOW + timedelta(days=1))
        assert [row.id for row in busy] == [session_id]
        pairs = await mentoring.with_pairs(session, [session_id, *ids])
        assert [(row.id, a, b) for row, _, a, b in pairs] == [(session_id, 11, 12)]
        found = await mentoring.pairs_of_matches(session, [pairs[0][1].id, *ids])
        assert [(match.mentee_id, a, b) for match, a, b in found.values()] == [(mentee, 11, 12)]
        assert await escalations.students(session, ids) == {mentor: (11, None), mentee: (12, None)}
        assert await escalations.mentors_of(session, ids) == {mentee: 11}
        events = await escalations.events_of(session, ids)
        assert len(events) == len(ids) and not any(events.values())


async def test_40000_deliveries_are_claimed_and_read_in_one_transaction(
    sessions: Sessions, engine: AsyncEngine
) -> None:
    rows = [
        {
            "key": f"checkin:1:{user}",
            "kind": "checkin",
            "recipient_user_id": user,
            "created_at": NOW,
            "guild_id": 1,
            "priority": 2,
            "nonce": f"n{user}",
            "payload": {"content": "How is your goal going?"},
        }
        for user in range(1, MANY + 1)
    ]
    keys = [row["key"] for row in rows]
    users = list(range(1, MANY + 1))
    async with sessions.begin() as session:
        with statements(engine) as claims:
            assert len(await deliveries.claim(session, rows)) == MANY
        assert len(claims) == MANY // IN_LIST  # one INSERT per thousand rows
        assert len(set(claims)) == 1  # the same compiled statement each time
        assert await deliveries.claim(session, rows[:5]) == set()
        await deliveries.mark_attempting(session, keys, NOW)
        await deliveries.clear_attempts(session, keys)
        await deliveries.remember_dm_channels(session, {u: u + 10**15 for u in users[:9]}, NOW)
        await guilds.get_or_create(session, 1, now=NOW, **DEFAULTS)
        closed = await members.get_or_create(session, 1, 7, now=NOW)
        closed.dm_status = DmStatus.CLOSED
    async with sessions.begin() as session:
        found = await deliveries.statuses(session, keys)
        assert len(found) == MANY and set(found.values()) == {DeliveryStatus.PENDING}
        assert len(await deliveries.dm_channels(session, users)) == 9
        assert await deliveries.dms_closed(session, users) == {7}
        await deliveries.set_dm_status(session, users, DmStatus.OPEN, NOW)
    async with sessions() as session:
        assert await deliveries.dms_closed(session, users) == set()
        assert (await deliveries.backlog(session)).stamped == 0
