"""Whatever a person types, on SQLite and PostgreSQL: it is stored (without what no database
takes) or refused with a sentence, never a traceback. NUL and lone surrogates are mixed in
on purpose; they used to reach PostgreSQL and come back as an apology with an error id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.delivery import Prompt
from bot.errors import UserError
from bot.services.escalations import EscalationService
from bot.services.programs import ProgramService
from bot.services.sessions import SessionService
from bot.text import clean
from storage.db import Sessions
from storage.models import (
    Checkin,
    Escalation,
    EscalationEvent,
    Goal,
    MentoringSession,
    Urgency,
)
from tests.storage.test_checkin_service import FIRST_DUE, World, answers
from tests.storage.test_session_service import GUILD, MENTEE, SETTINGS, STAFF

REFUSED = ["\x00", "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d"]
#: Any character at all (surrogates too), with what databases refuse drawn often.
TYPED = st.text(st.one_of(st.characters(exclude_categories=()), st.sampled_from(REFUSED)))
EXAMPLES = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class Typing(World):
    def __init__(self, sessions: Sessions) -> None:
        super().__init__(sessions)
        programs = ProgramService(sessions, self.clock, SETTINGS.program)
        self.sessions = SessionService(sessions, self.clock, programs, SETTINGS.sessions)
        self.escalations = EscalationService(sessions, self.clock, programs, SETTINGS.escalations)
        self.weeks = 0

    async def next_checkin(self) -> int:
        """The mentee's next week's check-in, opened (a week with none, a holiday, is passed)."""
        while True:
            due = FIRST_DUE + timedelta(weeks=self.weeks)
            self.weeks += 1
            self.clock.set(due)
            opened = await self.checkins.open_due(due, nothing)
            if opened.checkins:
                self.clock.set(due + timedelta(minutes=5))
                return opened.checkins[0].checkin_id

    async def stored(self, column: Any, row_id: int) -> Any:
        async with self.db() as session:
            return (
                await session.execute(select(column).where(column.class_.id == row_id))
            ).scalar_one()


@pytest.fixture
async def world(sessions: Sessions) -> Typing:
    created = Typing(sessions)
    await created.pair()
    return created


def nothing(_: object) -> list[Prompt]:
    """What a change would send: nothing, here (the words stored are what is checked)."""
    return []


def same_words(stored: str | None, typed: str) -> bool:
    """What was kept is what was typed, cleaned, up to the spacing a service normalises."""
    return stored is not None and clean(stored) == stored and stored.split() == clean(typed).split()


def refused_with_a_sentence(error: UserError) -> bool:
    return bool(error.message.strip()) and "Traceback" not in error.message


@EXAMPLES
@given(what=TYPED, why=TYPED)
@example(what="Hand in \x00every homework", why="so I pass \ud83d")
async def test_a_goal(world: Typing, what: str, why: str) -> None:
    try:
        draft = await world.goals.draft(
            GUILD, MENTEE, what, why, "no missing homework", "2027-03-01", "academics"
        )
        goal = await world.goals.add(GUILD, MENTEE, draft)
    except UserError as error:
        assert refused_with_a_sentence(error)
        return
    assert clean(what).split(), "a goal with nothing to say was kept"
    assert same_words(await world.stored(Goal.what, goal.id), what)
    assert same_words(await world.stored(Goal.why, goal.id), why)
    await world.goals.close(GUILD, MENTEE, goal.id, done=False)  # room for the next example


@EXAMPLES
@given(topic=TYPED)
@example(topic="algebra\x00 and \udc00 essays")
async def test_a_session_topic(world: Typing, topic: str) -> None:
    try:
        scheduled = await world.sessions.schedule(
            GUILD, MENTEE, "wednesday 4pm", topic=topic, compose=nothing
        )
    except UserError as error:
        assert refused_with_a_sentence(error)
        return
    stored = await world.stored(MentoringSession.topic, scheduled.first.id)
    assert same_words(stored, topic) if clean(topic).split() else stored in (None, "")
    await world.sessions.cancel(MENTEE, scheduled.first.id, nothing)  # the slot is free again


@EXAMPLES
@given(went_well=TYPED, hard=TYPED, note=TYPED)
@example(went_well="\x00", hard="math \ud800", note="\udfff\x00 tired")
async def test_a_checkin_answer(world: Typing, went_well: str, hard: str, note: str) -> None:
    checkin_id = await world.next_checkin()
    try:
        await world.checkins.submit(
            checkin_id, MENTEE, answers(went_well=went_well, hard=hard, staff_note=note), nothing
        )
    except UserError as error:
        assert refused_with_a_sentence(error)
        return
    for column, typed in (
        (Checkin.went_well, went_well),
        (Checkin.hard, hard),
        (Checkin.staff_note, note),
    ):
        stored = await world.stored(column, checkin_id)
        assert same_words(stored, typed) if clean(typed).split() else stored in (None, "")


@EXAMPLES
@given(details=TYPED, note=TYPED)
@example(details="help\x00 me \ud83d", note="called home\x00")
async def test_help_me_details_and_a_staff_note(world: Typing, details: str, note: str) -> None:
    try:
        opened, _ = await world.escalations.raise_manual(
            GUILD, MENTEE, details, Urgency.TODAY, "other", nothing
        )
        view = opened.escalation
    except UserError as error:
        assert refused_with_a_sentence(error)
        return
    assert same_words(await world.stored(Escalation.details, view.id), details)
    try:
        await world.escalations.add_note(view.id, STAFF, note)
    except UserError as error:
        assert refused_with_a_sentence(error)
        return
    async with world.db() as session:
        notes = list(
            await session.scalars(
                select(EscalationEvent.note).where(
                    EscalationEvent.escalation_id == view.id, EscalationEvent.action == "note"
                )
            )
        )
    assert len(notes) == 1 and same_words(notes[0], note)
