"""Sessions through simcord: schedule, accept, reminders in virtual time, attendance, cancel,
and restarts that neither lose nor repeat a reminder.

simcord's clock starts on Thursday 2026-01-01 00:00 UTC (Wednesday 18:00 in Chicago, the
program's and the members' zone after /setup).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord
from simcord.actors import MemberActor
from sqlalchemy import select

from bot.jobs import ATTENDANCE, FIRST_SESSION_NUDGE, HORIZON_PLAN, REMINDER, unix
from storage.models import Signal
from tests.e2e.conftest import World, build_bot
from tests.e2e.test_foundation import reply_of
from tests.e2e.test_matching import MENTEE, MENTOR, add_student, join, ready_school

SUNDAY_4PM_CHICAGO = datetime(2026, 1, 4, 22, 0, tzinfo=UTC)


async def matched(world: World) -> tuple[MemberActor, MemberActor]:
    mentee, mentor = await ready_school(world)
    created = await world.staff.slash(
        world.general, "staff match create", mentor=mentor, mentee=mentee
    )
    assert "Matched" in reply_of(created).content
    return mentee, mentor


def dms(actor: MemberActor) -> list[discord.Message]:
    return actor.user.dm_channel.history()


def reminders(actor: MemberActor) -> list[str]:
    return [m.content for m in dms(actor) if m.content.startswith("Reminder:")]


async def propose(world: World, actor: MemberActor, **options: Any) -> Any:
    return reply_of(await actor.slash(world.general, "session schedule", **options))


async def accept(world: World, invitee: MemberActor) -> Any:
    invitation = next(m for m in reversed(dms(invitee)) if "would like to meet" in m.content)
    return await invitee.user.click(invitation, label="Accept")


async def seconds_until(world: World, instant: datetime) -> float:
    return (instant - world.env.now()).total_seconds()


async def test_schedule_accept_remind_ask_attendance(world: World) -> None:
    mentee, mentor = await matched(world)
    reply = await propose(
        world,
        mentee,
        when="sunday 4pm",
        topic="algebra",
        where="video",
        details="https://meet.example.org/abc",
    )
    unix = int(SUNDAY_4PM_CHICAGO.timestamp())
    assert f"<t:{unix}:F>" in reply.content and f"<t:{unix}:R>" in reply.content
    invitation = dms(mentor)[-1]
    assert "would like to meet" in invitation.content and "algebra" in invitation.content

    accepted = await accept(world, mentor)
    assert "Accepted" in accepted.response.content
    assert "accepted" in dms(mentee)[-1].content

    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 3, 21, 59, tzinfo=UTC))
    )
    assert reminders(mentee) == [] and reminders(mentor) == []
    await world.env.advance_time(120)  # the 24 h reminder, to both
    assert len(reminders(mentee)) == 1 and len(reminders(mentor)) == 1
    assert "https://meet.example.org/abc" in reminders(mentee)[0]
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 4, 21, 46, tzinfo=UTC))
    )
    assert len(reminders(mentee)) == 2  # and the 15 min one

    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 4, 22, 56, tzinfo=UTC))
    )
    question = dms(mentee)[-1]
    assert "Did it happen?" in question.content
    answered = await mentee.user.click(question, label="No-show")
    assert "noted" in answered.response.content


async def test_only_the_invitee_can_answer_and_decline_tells_the_proposer(world: World) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm")
    invitation = dms(mentor)[-1]
    declined = await mentor.user.click(invitation, label="Decline")
    assert declined.response.content == "Declined."
    assert "can't make" in dms(mentee)[-1].content


async def test_refusals(world: World) -> None:
    mentee, mentor = await matched(world)
    for when, expected in (
        ("yesterday 4pm", "already passed"),
        ("in 10 minutes", "15 minutes"),
        ("sunday 11pm", "07:00"),
        ("march 30 4pm", "60 days"),
    ):
        text = (await propose(world, mentee, when=when)).content
        assert expected in text, (when, text)
    outsider = world.guild.add_member(world.env.create_user("outsider"))
    text = (await propose(world, mentor, when="sunday 4pm", **{"with": outsider})).content
    assert "not your match" in text
    await propose(world, mentee, when="sunday 4pm")
    await accept(world, mentor)
    text = (await propose(world, mentor, when="sunday 4:30pm")).content
    assert "overlaps" in text
    text = (await propose(world, mentee, when="monday 4pm", where="video", details="zoom")).content
    assert "https://" in text


async def test_weekly_series_skips_holidays_and_tells_both(world: World) -> None:
    mentee, mentor = await matched(world)
    await world.staff.slash(world.general, "staff holiday add", day="2026-01-11", label="Break")
    reply = await propose(world, mentee, when="sunday 4pm", weeks=3)
    assert "2 weekly sessions" in reply.content and "Jan 11" in reply.content
    assert "Jan 11" in dms(mentor)[-1].content


async def test_cancelled_session_never_reminds_even_after_restart(
    world: World, database_url: str
) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm")
    await accept(world, mentor)
    listed = reply_of(await mentee.slash(world.general, "session list")).content
    session_id = int(listed.split("`#", 1)[1].split("`", 1)[0])
    cancelled = reply_of(await mentee.slash(world.general, "session cancel", session=session_id))
    assert "Cancelled" in cancelled.content
    assert "cancelled the session" in dms(mentor)[-1].content
    await restart(world, database_url)
    await world.env.advance_time(await seconds_until(world, datetime(2026, 1, 5, tzinfo=UTC)))
    assert reminders(mentee) == [] and reminders(mentor) == []


async def test_a_restart_before_the_reminder_loses_nothing_and_repeats_nothing(
    world: World, database_url: str
) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm")
    await accept(world, mentor)
    await restart(world, database_url)
    assert world.bot.scheduler.has(HORIZON_PLAN.id())  # it plans the reminders in time
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 3, 22, 1, tzinfo=UTC))
    )
    assert len(reminders(mentee)) == 1
    await restart(world, database_url)  # again, after the 24 h reminder went out
    cog = world.bot.cogs["SessionCog"]
    moment = unix(datetime(2026, 1, 3, 22, tzinfo=UTC))
    await cog.remind(moment, "24h")  # type: ignore[attr-defined]  # a double fire
    assert len(reminders(mentee)) == 1
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 4, 21, 46, tzinfo=UTC))
    )
    assert len(reminders(mentee)) == 2 and len(reminders(mentor)) == 2


async def test_reschedule_needs_the_other_member_again(world: World) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm")
    await accept(world, mentor)
    listed = reply_of(await mentee.slash(world.general, "session list")).content
    session_id = int(listed.split("`#", 1)[1].split("`", 1)[0])
    moved = reply_of(
        await mentee.slash(
            world.general, "session reschedule", session=session_id, when="monday 5pm"
        )
    )
    assert "Invitation sent" in moved.content
    listed = reply_of(await mentor.slash(world.general, "session list")).content
    assert "cancelled" in listed and "proposed" in listed


async def test_calendar_file(world: World) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm", topic="essay")
    await accept(world, mentor)
    result = reply_of(await mentee.slash(world.general, "session calendar"))
    (ics,) = result.attachments
    assert ics.filename == "sessions.ics"
    body = (await ics.read()).decode()
    assert "BEGIN:VEVENT" in body and "TZID=America/Chicago" in body and "essay" in body


async def test_a_new_match_without_sessions_is_nudged_then_flagged(world: World) -> None:
    mentee, mentor = await matched(world)
    other, other_mentor = await second_pair(world)
    # One nudge job per second in which matches were made, each handling all of them.
    made = {
        unix(at) - 48 * 3600 for at in world.bot.scheduler.planned(FIRST_SESSION_NUDGE).values()
    }
    assert 1 <= len(made) <= 2
    await world.env.advance_time(48 * 3600 + 60)
    for student in (mentee, mentor, other, other_mentor):
        assert "haven't planned a session" in dms(student)[-1].content
    await world.env.advance_time(5 * 24 * 3600)
    async with world.bot.sessions() as session:
        kinds = list(await session.scalars(select(Signal.kind)))
    assert kinds == ["no_session_7_days", "no_session_7_days"]


async def second_pair(world: World) -> tuple[MemberActor, MemberActor]:
    """Another mentee and mentor, matched (after ``matched``: the module exists)."""
    mentee, mentor = add_student(world, "riley_mentee"), add_student(world, "alex_mentor")
    await join(world, mentee, "mentee", MENTEE)
    await join(world, mentor, "mentor", MENTOR)
    module = (await world.bot.cogs["TrainingCog"].service.modules(world.guild.id))[0]  # type: ignore[attr-defined]
    await mentor.slash(world.general, "training done", module=module.id, reflection="Listen.")
    await world.staff.slash(
        world.general, "staff training confirm", mentor=mentor, module=module.id
    )
    created = await world.staff.slash(
        world.general, "staff match create", mentor=mentor, mentee=mentee
    )
    assert "Matched" in reply_of(created).content
    return mentee, mentor


async def test_a_session_beyond_the_horizon_is_planned_by_the_planner_and_reminded_once(
    world: World, database_url: str
) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="monday 4pm")  # Jan 5 22:00 UTC: 4 days 22 h ahead
    await accept(world, mentor)
    assert world.bot.scheduler.planned(REMINDER) == {}
    assert world.bot.scheduler.planned(ATTENDANCE) == {}
    await world.env.advance_time(await seconds_until(world, datetime(2026, 1, 4, 12, tzinfo=UTC)))
    day_before = REMINDER.id(unix(datetime(2026, 1, 4, 22, tzinfo=UTC)), "24h")
    assert world.bot.scheduler.has(day_before)  # the planner reached it
    await restart(world, database_url)  # inside the horizon
    assert world.bot.scheduler.has(day_before)
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 4, 22, 1, tzinfo=UTC))
    )
    assert len(reminders(mentee)) == 1 and len(reminders(mentor)) == 1
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 5, 21, 46, tzinfo=UTC))
    )
    assert len(reminders(mentee)) == 2 and len(reminders(mentor)) == 2


async def test_sessions_at_one_instant_share_one_job_and_a_cancelled_one_is_not_reminded(
    world: World,
) -> None:
    mentee, mentor = await matched(world)
    other, other_mentor = await second_pair(world)
    for proposer, invitee in ((mentee, mentor), (other, other_mentor)):
        await propose(world, proposer, when="sunday 4pm")
        await accept(world, invitee)
    await world.env.advance_time(await seconds_until(world, datetime(2026, 1, 3, 21, tzinfo=UTC)))
    day_before = [job for job in world.bot.scheduler.planned(REMINDER) if job.endswith(":24h")]
    assert day_before == [REMINDER.id(unix(datetime(2026, 1, 3, 22, tzinfo=UTC)), "24h")]
    listed = reply_of(await other.slash(world.general, "session list")).content
    session_id = int(listed.split("`#", 1)[1].split("`", 1)[0])
    await other.slash(world.general, "session cancel", session=session_id)
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 3, 22, 1, tzinfo=UTC))
    )
    assert len(reminders(mentee)) == 1 and len(reminders(mentor)) == 1
    assert reminders(other) == [] and reminders(other_mentor) == []


async def test_two_sessions_at_one_instant_are_both_reminded(world: World) -> None:
    mentee, mentor = await matched(world)
    other, other_mentor = await second_pair(world)
    for proposer, invitee in ((mentee, mentor), (other, other_mentor)):
        await propose(world, proposer, when="sunday 4pm")
        await accept(world, invitee)
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 3, 22, 1, tzinfo=UTC))
    )
    for actor in (mentee, mentor, other, other_mentor):
        assert len(reminders(actor)) == 1


async def restart(world: World, database_url: str) -> None:
    fresh = build_bot(database_url, world.bot.sessions, [world.env])
    world.bot.scheduler.shutdown()
    await world.env.restart_bot(fresh)
    world.bot = fresh


async def test_weekly_until_the_match_ends_then_closure_cancels_what_is_ahead(
    world: World,
) -> None:
    mentee, mentor = await matched(world)
    reply = await propose(world, mentee, when="sunday 4pm", until_match_ends=True)
    assert "26 weekly sessions" in reply.content
    await accept(world, mentor)
    await world.staff.slash(
        world.general, "staff match end", mentor=mentor, mentee=mentee, reason="moved school"
    )
    listed = reply_of(await mentee.slash(world.general, "session list")).content
    assert "confirmed" not in listed and "cancelled" in listed
    await world.env.advance_time(await seconds_until(world, datetime(2026, 1, 5, tzinfo=UTC)))
    assert reminders(mentee) == [] and reminders(mentor) == []


async def test_propose_another_time_and_say_it_happened(world: World) -> None:
    mentee, mentor = await matched(world)
    await propose(world, mentee, when="sunday 4pm")
    shown = await mentor.user.click(dms(mentor)[-1], label="Propose another time")
    answered = await mentor.user.submit_modal(shown, {"session:when": "saturday 11am"})
    assert "Invitation sent" in answered.response.content
    counter = dms(mentee)[-1]
    assert "would like to meet" in counter.content
    await mentee.user.click(counter, label="Accept")
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 3, 18, 0, tzinfo=UTC))
    )
    question = dms(mentor)[-1]
    assert "Did it happen?" in question.content
    form = await mentor.user.click(question, label="Yes")
    done = await mentor.user.submit_modal(
        form, {"attend:covered": "Algebra, goals", "attend:note": ""}
    )
    assert "noted" in done.response.content
