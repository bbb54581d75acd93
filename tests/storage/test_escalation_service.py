"""The escalation rules and workflow on a real database, with a fixed clock: each rule fires
once for its signal, one live escalation per student per rule, SLA timings, audit rows, and
what each change writes for staff in its own transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery import Prompt
from bot.errors import NotAllowed, UserError
from bot.services import signals
from bot.services.escalations import (
    CATEGORIES,
    CONCERNING_LANGUAGE,
    MENTOR_CONCERN,
    NEXT_TIER,
    POST,
    RE_PING,
    Claimed,
    EscalationService,
    EscalationView,
    Opened,
    Quote,
    Stage,
)
from bot.services.programs import ProgramService
from cogs import escalation_texts
from storage.models import (
    Checkin,
    CheckinStatus,
    EscalationEvent,
    EscalationStatus,
    Member,
    MentorCheckin,
    Signal,
    Urgency,
)
from storage.repositories import members
from tests.storage.prompts import note, written
from tests.storage.test_session_service import (
    GUILD,
    MENTEE,
    MENTOR,
    MONDAY_NOON,
    SETTINGS,
    STAFF,
    World,
    statements,
)


def post(opened: Opened) -> list[Prompt]:
    return [note(f"{POST}:{opened.escalation.id}", opened.escalation.student_user_id)]


def told(claimed: Claimed) -> list[Prompt]:
    view = claimed.escalation
    return [note(f"escalation-claimed:{view.id}:{u}", u) for u in claimed.told]


def pings(stage: Stage) -> list[Prompt]:
    return [note(f"escalation-sla:{stage.escalation.id}:{stage.stage}", 0)]


class Escalations(World):
    def __init__(self, sessions: object) -> None:
        super().__init__(sessions)  # type: ignore[arg-type]
        programs = ProgramService(self.db, self.clock, SETTINGS.program)
        self.escalations = EscalationService(self.db, self.clock, programs, SETTINGS.escalations)

    async def signal(self, kind: str, user_id: int = MENTEE, **points: int) -> int:
        async with self.db.begin() as session:
            member = await members.get(session, GUILD, user_id)
            assert member is not None
            row = Signal(
                guild_id=GUILD,
                kind=kind,
                member_id=member.id,
                created_at=self.clock.now(),
                **points,
            )
            session.add(row)
            await session.flush()
            return row.id

    async def apply(self, signal_id: int) -> Opened | None:
        applied = await self.escalations.apply_signal(signal_id, post)
        return None if applied is None else applied[0]

    async def raise_manual(
        self, user_id: int, details: str, urgency: Urgency, category: str, **options: int
    ) -> EscalationView:
        opened, _ = await self.escalations.raise_manual(
            GUILD, user_id, details, urgency, category, post, **options
        )
        return opened.escalation

    async def concern(self, text: str, week: int) -> Opened | None:
        """A mentor's check-in with this concern, and its signal, applied."""
        async with self.db.begin() as session:
            mentor = await members.get(session, GUILD, MENTOR)
            assert mentor is not None
            answer = MentorCheckin(
                guild_id=GUILD,
                member_id=mentor.id,
                week=date(2026, 11, 23) + timedelta(weeks=week),
                met=True,
                going=3,
                concern=text,
                needs_support=False,
                answered_at=self.clock.now(),
            )
            session.add(answer)
            await session.flush()
        return await self.apply(
            await self.signal(signals.MENTOR_CONCERN, MENTOR, mentor_checkin_id=answer.id)
        )

    async def words(self, week: int, *texts: str) -> Opened | None:
        """A check-in with these words in "what is hard", and its signal, applied."""
        async with self.db.begin() as session:
            mentee = await members.get(session, GUILD, MENTEE)
            assert mentee is not None
            now = self.clock.now()
            row = Checkin(
                guild_id=GUILD,
                member_id=mentee.id,
                week=date(2026, 11, 23) + timedelta(weeks=week),
                due_at=now,
                closes_at=now + timedelta(days=2),
                status=CheckinStatus.DONE,
                hard="\n".join(texts),
                created_at=now,
            )
            session.add(row)
            await session.flush()
        return await self.apply(await self.signal(signals.CONCERNING_WORDS, checkin_id=row.id))


@pytest.fixture
async def world(sessions: object) -> Escalations:
    created = Escalations(sessions)
    await created.pair()
    return created


@pytest.mark.parametrize(
    "kind",
    [
        signals.TWO_NO_SHOWS,
        signals.NO_SESSION_14_DAYS,
        signals.LOW_MOOD_TWICE,
        signals.TWO_MISSED_CHECKINS,
        signals.REACH_OUT,
    ],
)
async def test_each_rule_fires_exactly_once_for_its_signal(world: Escalations, kind: str) -> None:
    first = await world.signal(kind)
    opened = await world.apply(first)
    assert opened is not None and opened.new and opened.escalation.source == kind
    assert opened.escalation.student_user_id == MENTEE
    assert opened.escalation.mentor_user_id == MENTOR
    assert opened.staff.channel_id is None  # no /setup here: the cog DMs known staff
    assert await written(world.db) == [(f"{POST}:{opened.escalation.id}", MENTEE)]
    assert await world.apply(first) is None  # woken twice: once only
    added = await world.apply(await world.signal(kind))
    assert added is not None and not added.new and added.escalation.id == opened.escalation.id
    assert added.escalation.signal_count == 2
    assert len(await world.escalations.listing(GUILD, "open", 0)) == 1
    assert len(await written(world.db)) == 1  # an added signal posts nothing new
    async with world.db() as session:
        assert await session.scalar(select(func.count()).where(Signal.processed_at.is_(None))) == 0


async def test_a_mentor_asking_for_support_is_an_escalation_about_the_mentor(
    world: Escalations,
) -> None:
    opened = await world.apply(await world.signal(signals.MENTOR_SUPPORT, MENTOR))
    assert opened is not None and opened.new and opened.escalation.source == "mentor_support"
    assert opened.escalation.student_user_id == MENTOR
    assert opened.escalation.urgency is Urgency.TODAY


async def test_a_mentors_concern_reaches_staff_about_their_mentee_with_their_words(
    world: Escalations,
) -> None:
    assert await world.concern("   ", 0) is None  # blank: nothing for staff
    opened = await world.concern("She seems withdrawn", 1)
    assert opened is not None and opened.new
    assert (opened.escalation.source, opened.escalation.urgency) == (MENTOR_CONCERN, Urgency.TODAY)
    assert opened.escalation.student_user_id == MENTEE
    assert opened.escalation.details == "From the mentor's check-in: She seems withdrawn"
    again = await world.concern("Still withdrawn", 2)
    assert again is not None and not again.new and again.escalation.id == opened.escalation.id
    urgent = await world.concern("He said: I want to die", 3)
    assert urgent is not None and urgent.new
    assert urgent.escalation.source == CONCERNING_LANGUAGE
    assert urgent.escalation.urgency is Urgency.RIGHT_NOW
    assert (
        urgent.escalation.student_user_id == MENTEE
        and urgent.escalation.category == "wish_to_be_dead"
    )
    await world.escalations.set_rule(GUILD, 99, MENTOR_CONCERN, "off")
    assert await world.concern("Another worry", 4) is None
    still = await world.concern("she wants to kill herself", 5)
    assert still is not None  # concerning words reach staff whatever the rule says


async def test_the_first_week_nudge_does_not_escalate_unless_a_server_turns_it_on(
    world: Escalations,
) -> None:
    assert await world.apply(await world.signal(signals.NO_FIRST_SESSION)) is None
    await world.escalations.set_rule(GUILD, 99, signals.NO_FIRST_SESSION, "right_now")
    opened = await world.apply(await world.signal(signals.NO_FIRST_SESSION))
    assert opened is not None and opened.escalation.urgency is Urgency.RIGHT_NOW
    await world.escalations.set_rule(GUILD, 99, signals.REACH_OUT, "off")
    assert await world.apply(await world.signal(signals.REACH_OUT)) is None
    with pytest.raises(UserError, match="Unknown rule"):
        await world.escalations.set_rule(GUILD, 99, "moody", "today")


async def test_a_resolved_escalation_lets_the_rule_open_a_new_one(world: Escalations) -> None:
    opened = await world.apply(await world.signal(signals.REACH_OUT))
    assert opened is not None
    with pytest.raises(UserError, match="resolution note is required"):
        await world.escalations.resolve(opened.escalation.id, 99, "  ")
    await world.escalations.resolve(opened.escalation.id, 99, "Called home; all fine.")
    again = await world.apply(await world.signal(signals.REACH_OUT))
    assert again is not None and again.new and again.escalation.id != opened.escalation.id
    view, events = await world.escalations.timeline(GUILD, opened.escalation.id)
    # no staff channel in this school: the timeline says the escalation was DMed instead
    assert [e.action for e in events] == ["opened", "dm-fallback", "resolved"]
    assert events[2].actor == 99 and events[2].note == "Called home; all fine."
    # ... in the reader's language; a note written before notes were structured, as written
    legacy = replace(events[1], note="the post failed; DMed <@7>")
    in_a_goal = replace(events[0], note="goal")  # where concerning words were found
    shown = {
        language: escalation_texts.timeline(view, [*events, legacy, in_a_goal], language)
        .fields[-1]
        .value
        for language in ("en", "es")
    }
    assert "opened: in a goal" in shown["en"] and ": en una meta" in shown["es"]
    assert "sent as DMs: no staff channel; to " in shown["en"]
    assert "no hay canal del personal; a " in shown["es"]
    assert all("the post failed; DMed <@7>" in text for text in shown.values())


async def test_sla_timings_follow_the_urgency(world: Escalations) -> None:
    view = await world.raise_manual(MENTEE, "I need help", Urgency.TODAY, "wellbeing")
    assert world.escalations.sla_plan(view) == [
        (RE_PING, MONDAY_NOON + timedelta(minutes=60)),
        (NEXT_TIER, MONDAY_NOON + timedelta(minutes=120)),
    ]
    world.clock.advance(timedelta(minutes=61))
    stepped = await world.escalations.sla_step(view.id, RE_PING, pings)
    assert stepped is not None and stepped.escalation.sla_stage == RE_PING
    assert stepped.channel_id is None and stepped.dm_to == (STAFF,)  # no channel: DMs to staff
    assert await world.escalations.sla_step(view.id, RE_PING, pings) is None  # a double fire
    assert [key for key, _ in await written(world.db)] == [
        f"{POST}:{view.id}",
        f"escalation-sla:{view.id}:{RE_PING}",
    ]
    # after a restart only the next tier is still ahead, due at its own time
    (unclaimed,) = await world.escalations.unclaimed()
    assert world.escalations.sla_plan(unclaimed) == [
        (NEXT_TIER, MONDAY_NOON + timedelta(minutes=120))
    ]
    claimed = (await world.escalations.claim(view.id, 99, told)).escalation
    assert claimed.status is EscalationStatus.CLAIMED and world.escalations.sla_plan(claimed) == []
    assert await world.escalations.sla_step(view.id, NEXT_TIER, pings) is None
    assert (f"escalation-claimed:{view.id}:{MENTEE}", MENTEE) in await written(world.db)


async def test_help_me_input_and_who_may_raise_for_whom(world: Escalations) -> None:
    with pytest.raises(UserError, match="a few words"):
        await world.raise_manual(MENTEE, "   ", Urgency.TODAY, "other")
    with pytest.raises(UserError, match="under 1000"):
        await world.raise_manual(MENTEE, "x" * 1001, Urgency.TODAY, "other")
    with pytest.raises(UserError, match="what it is about"):
        await world.raise_manual(MENTEE, "help", Urgency.TODAY, "gossip")
    with pytest.raises(NotAllowed, match="your own mentee"):
        await world.raise_manual(MENTEE, "help", Urgency.TODAY, "other", about_user_id=MENTOR)
    assert await written(world.db) == []  # refused: no escalation, no post
    by_mentor = await world.raise_manual(
        MENTOR, "He seems low", Urgency.TODAY, "wellbeing", about_user_id=MENTEE
    )
    assert by_mentor.student_user_id == MENTEE and by_mentor.raised_by == MENTOR
    outsider = await world.raise_manual(555, "help", Urgency.RIGHT_NOW, "safety")
    assert outsider.student_user_id == 555 and outsider.mentor_user_id is None
    async with world.db() as session:
        row = await members.get(session, GUILD, 555)
        assert isinstance(row, Member) and not row.active and row.grade is None


async def test_concerning_free_text_opens_one_urgent_escalation(world: Escalations) -> None:
    assert await world.words(0, "this homework is killing me") is None
    opened = await world.words(1, "fine", "I want to die")
    assert opened is not None and opened.new
    assert opened.escalation.urgency is Urgency.RIGHT_NOW
    assert opened.escalation.source == CONCERNING_LANGUAGE
    assert opened.escalation.category == "wish_to_be_dead"
    added = await world.words(2, "my sister hit me with a snowball lol")
    assert added is None  # a sibling's snowball is not on the list; a parent who hits is
    added = await world.words(3, "dad hits me")
    assert added is not None and not added.new and added.escalation.signal_count == 2
    async with world.db() as session:
        count = await session.scalar(select(func.count()).select_from(EscalationEvent))
    # opened, its concern's categories, DMed (no staff channel here); then the second text's
    # signal, text and categories
    assert count == 6
    assert added.escalation.concerns == ("wish_to_be_dead", "abuse")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(details=st.text(max_size=1200), category=st.sampled_from([*CATEGORIES, "", "gossip"]))
@example(details="help\x00 me", category="other")
async def test_any_help_me_input_is_kept_whole_or_refused_with_a_sentence(
    world: Escalations, details: str, category: str
) -> None:
    try:
        view = await world.raise_manual(MENTEE, details, Urgency.TODAY, category)
    except UserError as error:
        assert error.message.endswith(".")
        return
    assert view.details == details.replace("\x00", "").strip() and view.category == category


async def test_a_quote_from_a_dm_with_bridges_is_about_the_asker(world: Escalations) -> None:
    dm = Quote("i want to kill myself", None, None, "https://discord.com/channels/@me/1/2")
    assert await world.escalations.home_guild(MENTEE) == GUILD
    with pytest.raises(UserError, match="which school"):
        await world.escalations.home_guild(4242)  # in no program: nowhere to send it
    await world.escalations.may_quote(GUILD, MENTEE, dm)
    with pytest.raises(UserError, match="no text to quote"):
        await world.escalations.may_quote(GUILD, MENTEE, replace(dm, text="  "))
    with pytest.raises(NotAllowed, match="pair's channel"):  # not a pair channel
        await world.escalations.may_quote(GUILD, MENTEE, replace(dm, channel_id=7))
    opened, _ = await world.escalations.raise_manual(
        GUILD, MENTEE, "Can someone talk to me", Urgency.CAN_WAIT, "other", post, quote=dm
    )
    view = opened.escalation
    assert view.student_user_id == MENTEE and view.raised_by == MENTEE
    assert view.urgency is Urgency.RIGHT_NOW and view.concerns == ("active_ideation",)
    _, events = await world.escalations.timeline(GUILD, view.id)
    assert ("quoted", dm.link) in [(e.action, e.note) for e in events]


async def test_reading_every_live_escalation_at_start_costs_the_same_for_more(
    world: Escalations, engine: AsyncEngine
) -> None:
    await world.raise_manual(MENTEE, "help", Urgency.TODAY, "other")
    await world.raise_manual(555, "help", Urgency.TODAY, "other")
    with statements(engine) as two:
        assert len(await world.escalations.unclaimed()) == 2
    for user_id in range(556, 562):
        await world.raise_manual(user_id, "help", Urgency.TODAY, "other")
    with statements(engine) as eight:
        found = await world.escalations.unclaimed()
    assert len(eight) == len(two) and len(found) == 8
    assert [(v.student_user_id, v.mentor_user_id) for v in found[:2]] == [
        (MENTEE, MENTOR),
        (555, None),
    ]
    assert all(v.signal_count == 0 and v.claimed_at is None for v in found)
