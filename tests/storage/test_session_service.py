"""The sessions service on a real database: who may answer, reminders after downtime,
attendance signals, and a match that ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FixedClock
from bot.config import load_settings
from bot.delivery import Prompt
from bot.errors import NotAllowed, UserError
from bot.services.matches import MatchService
from bot.services.profiles import ProfileService
from bot.services.programs import ProgramService
from bot.services.sessions import (
    FirstSessionCheck,
    Scheduled,
    SessionService,
    SessionTimes,
    SessionView,
)
from bot.services.training import TrainingService
from storage.db import Sessions
from storage.models import AttendanceAnswer, ProgramRole, Signal
from tests.storage.prompts import closing_notes, note

GUILD, MENTOR, MENTEE, STAFF = 1, 10, 20, 99
MONDAY_NOON = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 12:00 in New York
SETTINGS = load_settings(None, {})


class World:
    def __init__(self, sessions: Sessions) -> None:
        self.clock = FixedClock(MONDAY_NOON)
        programs = ProgramService(sessions, self.clock, SETTINGS.program)
        self.profiles = ProfileService(sessions, self.clock, programs, SETTINGS.matching)
        self.training = TrainingService(sessions, self.clock, programs, SETTINGS.matching)
        self.matches = MatchService(sessions, self.clock, SETTINGS.matching)
        self.service = SessionService(sessions, self.clock, programs, SETTINGS.sessions)
        self.db = sessions

    async def pair(self) -> None:
        for user_id, role, grade in (
            (MENTOR, ProgramRole.MENTOR, 11),
            (MENTEE, ProgramRole.MENTEE, 8),
        ):
            draft = self.profiles.draft(
                role,
                grade=str(grade),
                interests="",
                focus_areas=["academics"],
                subjects="",
                availability="Mon-Fri 3-6pm",
                time_zone="America/New_York",
            )
            await self.profiles.accept(GUILD, user_id, draft)
        await self.matches.create(GUILD, STAFF, MENTOR, MENTEE, override_reason="test pair")

    async def schedule(self, user_id: int, when: str, **options: Any) -> Scheduled:
        return await self.service.schedule(
            GUILD,
            user_id,
            when,
            compose=lambda s: [note(f"invite:{s.first.id}", s.first.invitee_user_id)],
            **options,
        )

    async def respond(self, session_id: int, user_id: int, *, accept: bool) -> list[SessionView]:
        answered = await self.service.respond(
            session_id,
            user_id,
            accept=accept,
            compose=lambda a: [note(f"answered:{a.view.id}", a.view.proposer_user_id)],
        )
        return list(answered.sessions)


@pytest.fixture
async def world(sessions: Sessions) -> World:
    created = World(sessions)
    await created.pair()
    return created


async def test_only_the_invitee_may_answer(world: World) -> None:
    proposed = await world.schedule(MENTEE, "wednesday 4pm")
    with pytest.raises(NotAllowed, match="other member"):
        await world.respond(proposed.first.id, MENTEE, accept=True)
    (confirmed,) = await world.respond(proposed.first.id, MENTOR, accept=True)
    assert confirmed.status.value == "confirmed"
    with pytest.raises(UserError, match="already answered"):
        await world.respond(proposed.first.id, MENTOR, accept=False)


async def test_propose_another_time_goes_back_the_other_way(world: World) -> None:
    proposed = await world.schedule(MENTEE, "wednesday 4pm")
    counter = await world.service.propose_instead(
        proposed.first.id,
        MENTOR,
        "thursday 5pm",
        lambda s: [note(f"invite:{s.first.id}", s.first.invitee_user_id)],
    )
    assert (counter.first.proposer_user_id, counter.first.invitee_user_id) == (MENTOR, MENTEE)
    assert counter.first.starts_at == datetime(2026, 11, 26, 22, 0, tzinfo=UTC)
    old = await world.service.view(proposed.first.id)
    assert old is not None and old.status.value == "declined"


async def test_reminders_after_downtime_are_sent_only_while_useful(world: World) -> None:
    proposed = await world.schedule(MENTEE, "thursday 4pm")  # 21:00 UTC
    (view,) = await world.respond(proposed.first.id, MENTOR, accept=True)
    start = view.starts_at
    assert world.service.reminder_plan(view) == [
        ("24h", start - timedelta(hours=24)),
        ("15m", start - timedelta(minutes=15)),
    ]
    world.clock.set(start - timedelta(minutes=5))  # the bot was down through both moments
    assert world.service.reminder_plan(view) == [
        ("24h", world.clock.now()),
        ("15m", world.clock.now()),
    ]
    world.clock.set(start + timedelta(minutes=1))  # ... and past the start: nothing is useful
    assert world.service.reminder_plan(view) == []


async def test_a_session_confirmed_late_gets_no_reminder_for_moments_already_gone(
    world: World,
) -> None:
    proposed = await world.schedule(MENTEE, "today 4pm")
    (view,) = await world.respond(proposed.first.id, MENTOR, accept=True)
    assert [label for label, _ in world.service.reminder_plan(view)] == ["15m"]


async def test_two_no_shows_in_a_row_record_one_signal(world: World) -> None:
    ids = []
    for day in ("tuesday 4pm", "wednesday 4pm"):
        proposed = await world.schedule(MENTEE, day)
        await world.respond(proposed.first.id, MENTOR, accept=True)
        ids.append(proposed.first.id)
    world.clock.set(MONDAY_NOON + timedelta(days=3))
    with pytest.raises(NotAllowed):
        await world.service.record_attendance(ids[0], 12345, AttendanceAnswer.NO_SHOW)
    first = await world.service.record_attendance(ids[0], MENTOR, AttendanceAnswer.NO_SHOW)
    assert first.signal_ids == ()
    same = await world.service.record_attendance(ids[0], MENTEE, AttendanceAnswer.NO_SHOW)
    assert same.signal_ids == ()  # both members about one session: still one no-show
    with pytest.raises(UserError, match="already answered"):
        await world.service.record_attendance(ids[0], MENTOR, AttendanceAnswer.HAPPENED)
    assert await signals(world) == []
    second = await world.service.record_attendance(ids[1], MENTOR, AttendanceAnswer.NO_SHOW)
    assert await signals(world) == ["two_no_shows"] and len(second.signal_ids) == 1
    other = await world.service.record_attendance(ids[1], MENTEE, AttendanceAnswer.NO_SHOW)
    assert other.signal_ids == ()  # the second member's answer does not signal again


async def test_fourteen_quiet_days_record_one_signal_per_quiet_spell(world: World) -> None:
    ((match_id, mark),) = await world.service.quiet_matches()
    assert match_id > 0
    assert mark == MONDAY_NOON + timedelta(days=14)  # made at noon, no session since
    span = timedelta(minutes=15)
    world.clock.set(mark - timedelta(days=1))
    assert await world.service.quiet_check_between(None, mark) == []  # not passed yet
    world.clock.set(mark)
    assert await world.service.quiet_check_between(mark, mark + span) == []  # another span
    recorded = await world.service.quiet_check_between(mark - span, mark)
    assert len(recorded) == 1 and await signals(world) == ["no_session_14_days"]
    assert await world.service.quiet_check_between(mark - span, mark) == []  # a double fire
    assert await world.service.quiet_check_between(None, mark) == []  # and the start's catch-up
    assert await signals(world) == ["no_session_14_days"]
    await world.matches.end(GUILD, STAFF, MENTOR, MENTEE, "moved away", closing_notes)
    assert await world.service.quiet_matches() == []
    assert await world.service.quiet_check_between(None, mark + timedelta(days=30)) == []


async def test_a_session_that_began_starts_a_new_quiet_spell(world: World) -> None:
    proposed = await world.schedule(MENTEE, "wednesday 4pm")  # 21:00 UTC, two days on
    (confirmed,) = await world.respond(proposed.first.id, MENTOR, accept=True)
    made = MONDAY_NOON + timedelta(days=14)
    world.clock.set(made)
    moved = confirmed.starts_at + timedelta(days=14)
    assert await world.service.quiet_matches() == [(confirmed.match_id, moved)]
    span = timedelta(minutes=15)
    assert await world.service.quiet_check_between(made - span, made) == []  # the old mark
    world.clock.set(moved)
    (signal,) = await world.service.quiet_check_between(None, moved)  # a start's catch-up
    assert await world.service.quiet_check_between(moved - span, moved) == []
    assert await signals(world) == ["no_session_14_days"] and signal > 0


async def test_jobs_are_planned_from_the_times_of_sessions_read_in_one_statement(
    world: World, engine: AsyncEngine
) -> None:
    proposed = await world.schedule(MENTEE, "tuesday 4pm", weeks=3)
    confirmed = await world.respond(proposed.first.id, MENTOR, accept=True)
    with statements(engine) as read:
        times = await world.service.times_for_jobs(MONDAY_NOON + timedelta(days=30))
    assert times == [SessionTimes(v.starts_at, v.ends_at, v.changed_at) for v in confirmed]
    assert len(read) == 1
    soon = await world.service.times_for_jobs(MONDAY_NOON + timedelta(days=2))
    assert soon == times[:1]  # the first session's reminders only, within the horizon


async def test_new_matches_without_a_session_are_checked_together_each_once(
    world: World,
) -> None:
    made = MONDAY_NOON  # the pair was matched at the world's fixed clock
    (nudged,) = await world.service.first_session_checks(
        made, made + timedelta(seconds=1), deadline=False, compose=nudge_notes
    )
    assert nudged.pair == (MENTOR, MENTEE) and nudged.signal_id is None
    later = made + timedelta(seconds=1)
    assert (
        await world.service.first_session_checks(
            later, later + timedelta(seconds=1), deadline=False, compose=nudge_notes
        )
        == []
    )  # made at another second: not this job's
    flagged = await world.service.first_session_checks(
        made, later, deadline=True, compose=lambda _: []
    )
    again = await world.service.first_session_checks(
        made, later, deadline=True, compose=lambda _: []
    )
    assert [c.signal_id is not None for c in flagged + again] == [True, False]
    assert await signals(world) == ["no_session_7_days"]
    await world.schedule(MENTEE, "thursday 4pm")  # a live (proposed) session
    assert (
        await world.service.first_session_checks(made, later, deadline=False, compose=nudge_notes)
        == []
    )


def nudge_notes(checked: FirstSessionCheck) -> list[Prompt]:
    return [note(f"nudge:{checked.match_id}:{user}", user) for user in checked.pair]


async def test_sessions_of_an_ended_match_are_not_due(world: World) -> None:
    proposed = await world.schedule(MENTEE, "thursday 4pm")
    await world.respond(proposed.first.id, MENTOR, accept=True)
    await world.matches.end(GUILD, STAFF, MENTOR, MENTEE, "moved away", closing_notes)
    view = await world.service.view(proposed.first.id)
    assert view is not None and not view.due and view.status.value == "cancelled"
    with pytest.raises(UserError, match="active match"):
        await world.schedule(MENTEE, "friday 4pm")


async def signals(world: World) -> list[str]:
    async with world.db() as session:
        return list(await session.scalars(select(Signal.kind)))


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_listing_and_accepting_a_series_read_no_more_for_more_sessions(
    world: World, engine: AsyncEngine
) -> None:
    short = await world.schedule(MENTEE, "tuesday 4pm", weeks=2)
    with statements(engine) as two:
        assert len(await world.service.listing(GUILD, MENTOR)) == 2
    long = await world.schedule(MENTEE, "wednesday 4pm", weeks=8)
    with statements(engine) as ten:
        assert len(await world.service.listing(GUILD, MENTOR)) == 10
    assert len(ten) == len(two) <= 3
    with statements(engine) as accept_two:
        assert len(await world.respond(short.first.id, MENTOR, accept=True)) == 2
    with statements(engine) as accept_eight:
        assert len(await world.respond(long.first.id, MENTOR, accept=True)) == 8
    assert len(accept_eight) == len(accept_two)
