"""Goals and check-ins on a real database: who is due, answers stored once, the window,
signals once per cause, streaks, privacy of history, mentor check-ins, goals' limits; and
the prompts each change writes in its own transaction (with the cog's compose functions,
so their keys and deadlines are the real ones)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FixedClock
from bot.config import load_settings
from bot.delivery import Prompt
from bot.errors import NotAllowed, UserError
from bot.services import checkins as checkins_service
from bot.services import signals
from bot.services.checkins import (
    Answers,
    CheckinPrompt,
    CheckinService,
    MentorHistory,
    MentorPrompt,
    Opened,
    Submitted,
)
from bot.services.goals import GoalService
from bot.services.matches import MatchService
from bot.services.profiles import ProfileService
from bot.services.programs import ProgramService
from cogs.checkins import answer_dm, answer_messages, fanout, proposal_dm, reminders
from storage.db import Sessions
from storage.models import (
    Checkin,
    Delivery,
    Holiday,
    Match,
    MentorCheckin,
    ProgramRole,
    Signal,
)
from tests.storage.prompts import written
from tests.storage.test_session_service import GUILD, MENTEE, MENTOR, STAFF, statements

JOINED = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # Monday 12:00 in New York
FIRST_DUE = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # Monday 15:30 in New York
SETTINGS = load_settings(None, {})
OUTSIDER = 77


def answers(mood: int = 4, **changes: object) -> Answers:
    values: dict[str, object] = {
        "mood": mood,
        "progress": {},
        "went_well": "finished my essay",
        "hard": "mornings",
        "staff_note": "",
        "reach_out": False,
    }
    values.update(changes)
    return Answers(**values)  # type: ignore[arg-type]


class World:
    def __init__(self, sessions: Sessions) -> None:
        self.clock = FixedClock(JOINED)
        programs = ProgramService(sessions, self.clock, SETTINGS.program)
        self.profiles = ProfileService(sessions, self.clock, programs, SETTINGS.matching)
        self.matches = MatchService(sessions, self.clock, SETTINGS.matching)
        self.checkins = CheckinService(sessions, self.clock, programs, SETTINGS.checkins)
        self.goals = GoalService(sessions, self.clock, programs, 3)
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

    async def more_mentees(self, *user_ids: int) -> None:
        """Mentees besides ``MENTEE``, unmatched, due at the same instant as theirs."""
        for user_id in user_ids:
            draft = self.profiles.draft(
                ProgramRole.MENTEE,
                grade="8",
                interests="",
                focus_areas=["academics"],
                subjects="",
                availability="Mon-Fri 3-6pm",
                time_zone="America/New_York",
            )
            await self.profiles.accept(GUILD, user_id, draft)

    async def submit(self, checkin_id: int, user_id: int, given: Answers) -> Submitted:
        return await self.checkins.submit(checkin_id, user_id, given, answer_messages)

    async def week(self, n: int) -> int:
        """Open week ``n`` (0: the week of Nov 23) at its due time; the check-in's id."""
        due = FIRST_DUE + timedelta(weeks=n)
        self.clock.set(due)
        opened = await self.checkins.open_due(due, fanout)
        (item,) = opened.checkins
        return item.checkin_id

    async def miss(self, n: int) -> list[int]:
        await self.week(n)
        due = FIRST_DUE + timedelta(weeks=n)
        self.clock.set(due + self.checkins.window)
        return await self.checkins.close(due)

    async def signals(self) -> list[str]:
        async with self.db() as session:
            return list(await session.scalars(select(Signal.kind).order_by(Signal.id)))


@pytest.fixture
async def world(sessions: Sessions) -> World:
    created = World(sessions)
    await created.pair()
    return created


async def add_goal(world: World, what: str = "Hand in homework") -> int:
    draft = await world.goals.draft(
        GUILD, MENTEE, what, "pass algebra", "no missing work", "2027-01-31", "academics"
    )
    return (await world.goals.add(GUILD, MENTEE, draft)).id


async def test_due_monday_1530_in_the_mentees_zone_opened_once(world: World) -> None:
    assert FIRST_DUE in await world.checkins.plan()
    goal_id = await add_goal(world)
    world.clock.set(FIRST_DUE)
    opened = await world.checkins.open_due(FIRST_DUE, fanout)
    (item,) = opened.checkins
    assert item.user_id == MENTEE and [g.id for g in item.goals] == [goal_id]
    assert [m.user_id for m in opened.mentors] == [MENTOR]
    (mentor,) = opened.mentors
    assert await written(world.db) == [
        (f"checkin:{item.checkin_id}:prompt", MENTEE),
        (f"mentor-checkin:{mentor.member_id}:{mentor.week.isoformat()}", MENTOR),
    ]  # committed with the check-in
    async with world.db() as session:
        rows = await session.execute(select(Delivery.kind, Delivery.expires_at))
        deadlines = {kind: expires_at for kind, expires_at in rows}
    assert deadlines["checkin"] == FIRST_DUE + world.checkins.window  # until it closes
    assert deadlines["mentor-checkin"] == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)  # week's end
    again = await world.checkins.open_due(FIRST_DUE, fanout)  # a double fire
    assert again.checkins == [] and len(await written(world.db)) == 2  # nothing twice
    async with world.db() as session:
        assert await session.scalar(select(func.count()).select_from(Checkin)) == 1
    assert FIRST_DUE not in await world.checkins.plan()
    assert FIRST_DUE + timedelta(weeks=1) in await world.checkins.plan()


async def test_a_fanout_stopped_between_chunks_leaves_each_checkin_with_its_prompt(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    await world.more_mentees(21, 22)  # three mentees in all, two per transaction
    monkeypatch.setattr(checkins_service, "FANOUT_CHUNK", 2)
    monkeypatch.setattr(checkins_service, "FANOUT_CHUNK_ROW_LOCKS", 2)
    world.clock.set(FIRST_DUE)
    calls = []

    def crashing(opened: Opened) -> list[Prompt]:
        calls.append(opened)
        if len(calls) == 2:
            raise RuntimeError("the process died in the second transaction")
        return fanout(opened)

    with pytest.raises(RuntimeError):
        await world.checkins.open_due(FIRST_DUE, crashing)
    async with world.db() as session:
        opened = list(await session.scalars(select(Checkin.id)))
    assert len(opened) == 2  # the first transaction: two check-ins ...
    assert [key for key, _ in await written(world.db)] == [
        f"checkin:{checkin_id}:prompt" for checkin_id in opened
    ]  # ... each with its prompt; the third check-in was never opened
    again = await world.checkins.open_due(FIRST_DUE, fanout)  # the job again, at start
    assert len(again.checkins) == 1 and [m.user_id for m in again.mentors] == [MENTOR]
    assert len([k for k, _ in await written(world.db) if k.startswith("checkin:")]) == 3


async def test_goals_and_channels_read_ahead_of_several_parts_reach_each_prompt(
    world: World, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    goal_id = await add_goal(world)
    # Three mentees and a mentor: four parts of one, read two by two.
    await world.more_mentees(21, 22)
    async with world.db.begin() as session:
        match = await session.scalar(select(Match))
        assert match is not None
        match.channel_id = 555
    monkeypatch.setattr(checkins_service, "FANOUT_CHUNK", 1)
    monkeypatch.setattr(checkins_service, "FANOUT_CHUNK_ROW_LOCKS", 1)
    monkeypatch.setattr(checkins_service, "READ_AHEAD", 2)
    world.clock.set(FIRST_DUE)
    with statements(engine) as seen:
        opened = await world.checkins.open_due(FIRST_DUE, fanout)
    shown = {
        item.user_id: (item.channel_id, [g.id for g in item.goals]) for item in opened.checkins
    }
    assert shown == {MENTEE: (555, [goal_id]), 21: (None, []), 22: (None, [])}
    assert [(m.user_id, m.channel_id) for m in opened.mentors] == [(MENTOR, 555)]
    assert len([sql for sql in seen if "FROM goals" in sql]) == 2  # once per two parts
    assert len(await written(world.db)) == 4


async def test_a_fan_out_that_fails_leaves_no_read_of_the_next_people_running(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three mentees and a mentor: four parts of one, read two by two.
    await world.more_mentees(21, 22)
    monkeypatch.setattr(checkins_service, "FANOUT_CHUNK", 1)
    monkeypatch.setattr(checkins_service, "FANOUT_CHUNK_ROW_LOCKS", 1)
    monkeypatch.setattr(checkins_service, "READ_AHEAD", 2)
    world.clock.set(FIRST_DUE)
    read = checkins_service.CheckinService._read_known
    started: list[int] = []

    async def slow_after_the_first(self: Any, parts: Any) -> Any:
        started.append(len(parts))
        if len(started) > 1:
            await asyncio.Event().wait()  # the next people's read, still going
        return await read(self, parts)

    monkeypatch.setattr(checkins_service.CheckinService, "_read_known", slow_after_the_first)

    def crashing(opened: Opened) -> list[Prompt]:
        raise RuntimeError("the first part fails while the next two are being read")

    with pytest.raises(RuntimeError):
        await world.checkins.open_due(FIRST_DUE, crashing)
    assert started == [2, 2]  # the second group's read had begun
    reads = [t for t in asyncio.all_tasks() if "slow_after_the_first" in repr(t.get_coro())]
    assert not reads  # and was stopped and awaited
    monkeypatch.setattr(checkins_service.CheckinService, "_read_known", read)
    again = await world.checkins.open_due(FIRST_DUE, fanout)
    assert len(again.checkins) == 3 and len(again.mentors) == 1


async def test_each_persons_language_comes_with_who_is_due_and_is_not_read_again(
    world: World, engine: AsyncEngine
) -> None:
    await world.profiles.set_language(GUILD, MENTEE, "es")
    world.clock.set(FIRST_DUE)
    with statements(engine) as seen:
        opened = await world.checkins.open_due(FIRST_DUE, fanout)
    assert [(i.user_id, i.language) for i in opened.checkins] == [(MENTEE, "es")]
    assert [(m.user_id, m.language) for m in opened.mentors] == [(MENTOR, "en")]
    assert not [sql for sql in seen if "members.language" in sql and "WHERE members.user_id" in sql]
    async with world.db() as session:
        rows = await session.execute(select(Delivery.recipient_user_id, Delivery.payload))
        written_in = {user_id: payload["language"] for user_id, payload in rows}
    assert written_in == {MENTEE: "es", MENTOR: "en"}
    world.clock.set(FIRST_DUE + world.checkins.reminder_after)
    (reminded,) = await world.checkins.reminders(FIRST_DUE, reminders)
    assert reminded.language is None  # read by the outbox, as for any prompt
    async with world.db() as session:
        payload = await session.scalar(
            select(Delivery.payload)
            .where(Delivery.kind == "checkin")
            .order_by(Delivery.id.desc())
            .limit(1)
        )
    assert payload is not None and payload["language"] == "es"


def test_a_prompt_rendered_in_its_readers_language_is_the_one_the_outbox_renders() -> None:
    goals = (checkins_service.GoalLine(1, "Leer"), checkins_service.GoalLine(2, "Correr"))
    closes = FIRST_DUE + timedelta(days=2)
    people = [
        (CheckinPrompt(10 + 2 * n + i, 20 + n, None, closes, GUILD, goals[:n], lang), lang)
        for n in range(3)
        for i, lang in enumerate(("es", "en"))
    ]
    mentor = MentorPrompt(5, MENTOR, date(2026, 11, 23), 555, closes, "es")
    known = fanout(Opened([item for item, _ in people], [mentor]))
    unknown = fanout(
        Opened(
            [item._replace(language=None) for item, _ in people], [mentor._replace(language=None)]
        )
    )
    languages = [lang for _, lang in people] + ["es"]
    assert [p.message for p in known] == [
        p.message.rendered(lang) for p, lang in zip(unknown, languages, strict=True)
    ]
    assert all(p.message.rendered(p.language or "") is p.message for p in known)
    assert len({p.message.components[0]["components"][0]["custom_id"] for p in known}) == 7


async def test_people_sharing_a_rhythm_are_each_judged_by_their_own_join(world: World) -> None:
    world.clock.set(FIRST_DUE + timedelta(hours=1))  # a mentee joins after Monday's 15:30
    await world.more_mentees(21)
    opened = await world.checkins.open_due(FIRST_DUE, fanout)  # judged together, one call
    assert [item.user_id for item in opened.checkins] == [MENTEE]
    assert await world.checkins.next_for(GUILD, 21) == FIRST_DUE + timedelta(weeks=1)


async def test_holiday_and_pause_skip_the_week(world: World, sessions: Sessions) -> None:
    async with sessions.begin() as session:
        session.add(Holiday(guild_id=GUILD, day=date(2026, 11, 23), label="Break"))
    assert await world.checkins.next_for(GUILD, MENTEE) == FIRST_DUE + timedelta(weeks=1)
    await world.checkins.pause(GUILD, MENTEE, "2026-12-08")
    assert await world.checkins.next_for(GUILD, MENTEE) == FIRST_DUE + timedelta(weeks=3)
    with pytest.raises(UserError, match="has passed"):
        await world.checkins.pause(GUILD, MENTEE, "2026-11-01")
    with pytest.raises(UserError, match="not a date"):
        await world.checkins.pause(GUILD, MENTEE, "next week")


async def test_own_day_and_time_inside_allowed_hours(world: World) -> None:
    with pytest.raises(UserError, match="between 07:00 and 21:00"):
        await world.checkins.set_rhythm(GUILD, MENTEE, 1, "22:30")
    next_at = await world.checkins.set_rhythm(GUILD, MENTEE, 1, "16:00")
    assert next_at == datetime(2026, 11, 24, 21, 0, tzinfo=UTC)  # Tuesday 16:00 New York


async def test_answer_refusals_and_a_double_submit_stored_once(world: World) -> None:
    checkin_id = await world.week(0)
    with pytest.raises(NotAllowed, match="someone else"):
        await world.checkins.start(checkin_id, MENTOR)
    with pytest.raises(NotAllowed, match="someone else"):
        await world.submit(checkin_id, OUTSIDER, answers())
    with pytest.raises(UserError, match="1000 or fewer"):
        await world.submit(checkin_id, MENTEE, answers(went_well="x" * 1001))
    with pytest.raises(UserError, match="from 1 to 5"):
        await world.submit(checkin_id, MENTEE, answers(mood=0))
    first = await world.submit(checkin_id, MENTEE, answers(reach_out=True))
    assert len(first.signal_ids) == 1
    with pytest.raises(UserError, match="already sent"):
        await world.submit(checkin_id, MENTEE, answers(reach_out=True))
    assert await world.signals() == [signals.REACH_OUT]


async def test_the_window_closes(world: World) -> None:
    checkin_id = await world.week(0)
    world.clock.set(FIRST_DUE + world.checkins.window)
    with pytest.raises(UserError, match="closed"):
        await world.submit(checkin_id, MENTEE, answers())
    assert await world.checkins.close(FIRST_DUE) == []  # one miss is no signal
    assert await world.checkins.close(FIRST_DUE) == []
    async with world.db() as session:
        (row,) = await session.scalars(select(Checkin))
    assert row.status.value == "missed" and row.mood is None


async def test_reminder_only_while_open(world: World) -> None:
    checkin_id = await world.week(0)
    world.clock.set(FIRST_DUE + world.checkins.reminder_after)
    assert [p.checkin_id for p in await world.checkins.reminders(FIRST_DUE, reminders)] == [
        checkin_id
    ]
    assert (f"checkin:{checkin_id}:reminder", MENTEE) in await written(world.db)
    await world.submit(checkin_id, MENTEE, answers())
    assert await world.checkins.reminders(FIRST_DUE, reminders) == []


async def test_low_mood_two_weeks_in_a_row_once_per_pair(world: World) -> None:
    first = await world.submit(await world.week(0), MENTEE, answers(mood=2))
    assert first.signal_ids == ()
    second = await world.submit(await world.week(1), MENTEE, answers(mood=1))
    assert len(second.signal_ids) == 1
    await world.submit(await world.week(2), MENTEE, answers(mood=4))
    await world.submit(await world.week(3), MENTEE, answers(mood=2))
    assert await world.signals() == [signals.LOW_MOOD_TWICE]


async def test_two_missed_in_a_row_once(world: World) -> None:
    assert await world.miss(0) == []
    assert len(await world.miss(1)) == 1
    due = FIRST_DUE + timedelta(weeks=1)
    assert await world.checkins.close(due) == []  # a double fire
    assert await world.signals() == [signals.TWO_MISSED_CHECKINS]


async def test_two_missed_counts_only_the_week_just_before(world: World) -> None:
    await world.miss(0)
    await world.submit(await world.week(1), MENTEE, answers())
    assert await world.miss(2) == []  # the week before was answered
    assert len(await world.miss(3)) == 1
    assert await world.signals() == [signals.TWO_MISSED_CHECKINS]


async def test_streak_and_the_four_week_milestone(world: World) -> None:
    results = [await world.submit(await world.week(n), MENTEE, answers()) for n in range(4)]
    assert [r.streak for r in results] == [1, 2, 3, 4]
    assert [r.milestone for r in results] == [None, None, None, 4]
    await world.miss(4)
    after = await world.submit(await world.week(5), MENTEE, answers())
    assert after.streak == 1 and after.milestone is None


async def test_digest_free_text_and_history_privacy(world: World) -> None:
    goal_id = await add_goal(world)
    checkin_id = await world.week(0)
    done = await world.submit(
        checkin_id,
        MENTEE,
        answers(mood=3, progress={goal_id: 4}, staff_note="for staff only", reach_out=True),
    )
    assert done.digest is not None
    assert done.digest.mentor_user_id == MENTOR and done.digest.progress == (
        ("Hand in homework", 4),
    )
    assert "for staff only" not in repr(done.digest)
    assert not done.concerning  # "mornings" and an essay: nothing for staff
    assert (f"checkin-digest:{checkin_id}", MENTOR) in await written(world.db)
    (own,) = (await world.checkins.history(GUILD, MENTEE, MENTEE, staff=False)).entries
    assert own.staff_note == "for staff only" and own.reach_out is True
    (mentors,) = (await world.checkins.history(GUILD, MENTOR, MENTEE, staff=False)).entries
    assert mentors.staff_note is None and mentors.reach_out is None and mentors.mood == 3
    (staffs,) = (await world.checkins.history(GUILD, STAFF, MENTEE, staff=True)).entries
    assert staffs.staff_note == "for staff only"
    with pytest.raises(NotAllowed):
        await world.checkins.history(GUILD, OUTSIDER, MENTEE, staff=False)


async def test_mentor_checkin_answered_once(world: World) -> None:
    world.clock.set(FIRST_DUE)
    (asked,) = (await world.checkins.open_due(FIRST_DUE, fanout)).mentors
    with pytest.raises(NotAllowed):
        await world.checkins.mentor_check(asked.member_id, asked.week, MENTEE)
    kwargs = {"met": True, "going": 4, "concern": " ", "needs_support": True}
    answered = await world.checkins.mentor_answer(asked.member_id, asked.week, MENTOR, **kwargs)  # type: ignore[arg-type]
    assert (answered.guild_id, answered.mentor_user_id, answered.concern) == (GUILD, MENTOR, None)
    with pytest.raises(UserError, match="already answered"):
        await world.checkins.mentor_answer(asked.member_id, asked.week, MENTOR, **kwargs)  # type: ignore[arg-type]
    async with world.db() as session:
        (row,) = await session.scalars(select(MentorCheckin))
        (signal,) = await session.scalars(select(Signal))
    assert row.needs_support and row.going == 4
    assert (signal.id,) == answered.signal_ids and signal.kind == "mentor_support"
    assert signal.member_id == asked.member_id and signal.match_id is not None
    own = await world.checkins.history(GUILD, MENTOR, MENTOR, staff=False)
    assert isinstance(own, MentorHistory) and [(e.going, e.needs_support) for e in own.entries] == [
        (4, True)
    ]
    seen = await world.checkins.history(GUILD, STAFF, MENTOR, staff=True)
    assert isinstance(seen, MentorHistory) and len(seen.entries) == 1
    with pytest.raises(NotAllowed):  # a mentee never sees their mentor's answers
        await world.checkins.history(GUILD, MENTEE, MENTOR, staff=False)


async def test_goals_limits_and_proposals(world: World) -> None:
    for n in range(3):
        await add_goal(world, f"goal {n}")
    with pytest.raises(UserError, match="already have 3 active goals"):
        await add_goal(world, "one too many")
    with pytest.raises(UserError, match="keep it to 100"):
        await world.goals.draft(GUILD, MENTEE, "x" * 101, "y", "z", "2027-01-01", "academics")
    with pytest.raises(UserError, match="has passed"):
        await world.goals.draft(GUILD, MENTEE, "x", "y", "z", "2026-01-01", "academics")
    draft = await world.goals.draft(
        GUILD, MENTOR, "Join a club", "friends", "I go", "2027-01-01", "social-emotional"
    )
    proposal = await world.goals.propose(GUILD, MENTOR, MENTEE, draft, proposal_dm)
    with pytest.raises(NotAllowed, match="someone else"):
        await world.goals.answer(
            proposal.goal.id, MENTOR, accept=True, compose=lambda p: answer_dm(p, True)
        )
    with pytest.raises(UserError, match="already have 3"):
        await world.goals.answer(
            proposal.goal.id, MENTEE, accept=True, compose=lambda p: answer_dm(p, True)
        )
    declined = await world.goals.answer(
        proposal.goal.id, MENTEE, accept=False, compose=lambda p: answer_dm(p, False)
    )
    assert declined.goal.status.value == "declined"
    goal = proposal.goal.id
    assert await written(world.db) == [
        (f"goal-proposal:{goal}", MENTEE),
        (f"goal-answer:{goal}", MENTOR),
    ]  # each with its change; the refused answers wrote nothing
    with pytest.raises(NotAllowed):
        await world.goals.propose(GUILD, OUTSIDER, MENTEE, draft, proposal_dm)
    with pytest.raises(NotAllowed):
        await world.goals.listing(GUILD, MENTEE, OUTSIDER)
    assert len(await world.goals.listing(GUILD, MENTEE, MENTOR)) == 4


async def test_plan_reads_people_grouped_and_finds_each_ones_next_instant(
    world: World, engine: AsyncEngine
) -> None:
    await world.more_mentees(21, 22, 23, 24)
    await world.checkins.set_rhythm(GUILD, 21, 2, "16:00")  # Wednesdays
    await world.checkins.pause(GUILD, 22, "2026-12-10")
    world.clock.set(FIRST_DUE)
    await world.checkins.open_due(FIRST_DUE, fanout)  # week 0 taken by those due then
    world.clock.set(FIRST_DUE + timedelta(hours=1))
    with statements(engine) as read:
        planned = await world.checkins.plan()
    mentees = {await world.checkins.next_for(GUILD, u) for u in (MENTEE, 21, 22, 23, 24)}
    assert set(planned) >= mentees
    assert planned == [
        datetime(2026, 11, 25, 21, 0, tzinfo=UTC),  # Wednesday 16:00 in New York
        FIRST_DUE + timedelta(weeks=1),  # week 0 taken (and the mentor's week)
        datetime(2026, 12, 14, 20, 30, tzinfo=UTC),  # after the pause
    ]
    assert len(read) == 3  # grouped: the same statements for 5 mentees or 50,000
