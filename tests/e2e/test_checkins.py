"""Goals and weekly check-ins through simcord: goals added, the check-in DM on Monday 15:30
in the mentee's zone, the two-step form, the mentor's digest without the staff-only answers,
history with a chart, refusals and restarts.

simcord's clock starts on Thursday 2026-01-01 00:00 UTC (Wednesday 18:00 in Chicago, the
program's and the members' zone after /setup). Monday 15:30 in Chicago is 21:30 UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from simcord.actors import MemberActor
from sqlalchemy import select

from bot.jobs import CHECKIN_DUE
from storage.models import Checkin, CheckinStatus, Signal
from tests.e2e.conftest import World
from tests.e2e.test_foundation import reply_of, text_of
from tests.e2e.test_sessions import dms, matched, restart, seconds_until

MONDAY_1530_CHICAGO = datetime(2026, 1, 5, 21, 30, tzinfo=UTC)
GOAL = {
    "goal:what": "Hand in every math homework",
    "goal:why": "I want to pass algebra",
    "goal:measure": "No missing homework on my report",
    "goal:by": "2026-03-01",
    "goal:focus": ["academics"],
}


async def add_goal(world: World, actor: MemberActor, **changes: str) -> Any:
    shown = await actor.slash(world.general, "goal add")
    assert shown.modal is not None
    return (await actor.submit_modal(shown, {**GOAL, **changes})).response


async def advance(world: World, seconds: float) -> None:
    """Move virtual time in steps of at most 6 hours: simcord gives one advance 5 s of real
    time, and a week holds 168 hourly re-plans (a loaded machine would not make it)."""
    while seconds > 0:
        step = min(seconds, 6 * 3600)
        await world.env.advance_time(step)
        seconds -= step


def checkin_dms(actor: MemberActor) -> list[discord.Message]:
    return [m for m in dms(actor) if "weekly check-in" in m.content]


async def until_monday(world: World) -> None:
    await advance(world, await seconds_until(world, MONDAY_1530_CHICAGO) + 60)


async def answer(
    actor: MemberActor, prompt: discord.Message, progress: list[str], **fields: Any
) -> Any:
    step = await actor.user.click(prompt, label="Start")
    if progress:
        shown = step.response
        assert shown.ephemeral and "How far did you get" in shown.content
        selects = [
            c
            for row in shown.components
            for c in row.get("components", [])
            if c.get("custom_id", "").startswith("checkin-progress:")
        ]
        for select_, value in zip(selects, progress, strict=True):
            await actor.user.select(shown, [value], custom_id=select_["custom_id"])
        step = await actor.user.click(shown, label="Next")
    assert step.modal is not None, step.response and step.response.content
    values = {"checkin:mood": ["4"], "checkin:reach": ["no"], **fields}
    return await actor.user.submit_modal(step, values)


async def test_goals_then_monday_checkin_digest_and_history(world: World) -> None:
    mentee, mentor = await matched(world)
    assert "Goal added" in (await add_goal(world, mentee)).content
    assert "Goal added" in (await add_goal(world, mentee, **{"goal:what": "Read a book"})).content

    await advance(world, await seconds_until(world, MONDAY_1530_CHICAGO) - 60)
    assert checkin_dms(mentee) == []
    await advance(world, 120)
    (prompt,) = checkin_dms(mentee)
    assert "Hand in every math homework" in prompt.content and "Read a book" in prompt.content
    assert any("Mentor check-in" in m.content for m in dms(mentor))

    done = await answer(
        mentee,
        prompt,
        ["4", "2"],
        **{
            "checkin:well": "I finished my essay",
            "checkin:hard": "Mornings",
            "checkin:note": "PRIVATE NOTE FOR STAFF",
            "checkin:reach": ["yes"],
        },
    )
    assert "Thanks for checking in" in done.response.content
    digest = dms(mentor)[-1].content
    assert "Check-in from" in digest and "Mood: 4/5" in digest
    assert "Hand in every math homework: 4/5" in digest and "Read a book: 2/5" in digest
    assert "I finished my essay" in digest and "Mornings" in digest
    assert "PRIVATE NOTE" not in digest and "reach" not in digest.lower()

    async with world.bot.sessions() as session:
        kinds = list(await session.scalars(select(Signal.kind)))
    assert kinds == ["reach_out"]

    history = reply_of(await mentee.slash(world.general, "checkin history"))
    (chart,) = history.attachments
    assert chart.filename == "checkins.png"
    assert (await chart.read()).startswith(b"\x89PNG")
    mentor_view = reply_of(await mentor.slash(world.general, "checkin history", member=mentee))
    assert "mood 4/5" in mentor_view.content and "PRIVATE NOTE" not in mentor_view.content
    assert mentor_view.attachments
    staff_view = reply_of(await world.staff.slash(world.general, "checkin history", member=mentee))
    assert "PRIVATE NOTE" in staff_view.content and "reach out" in staff_view.content
    outsider = world.guild.add_member(world.env.create_user("outsider"))
    refused = reply_of(await outsider.slash(world.general, "checkin history", member=mentee))
    assert "your own check-ins" in refused.content

    asked = next(m for m in dms(mentor) if "Mentor check-in" in m.content)
    form = await mentor.user.click(asked, label="Answer")
    answered = await mentor.user.submit_modal(
        form,
        {
            "mentor:met": ["yes"],
            "mentor:going": ["4"],
            "mentor:support": ["no"],
            "mentor:concern": "",
        },
    )
    assert "Thanks" in answered.response.content
    again = await mentor.user.click(asked, label="Answer")
    assert "already answered" in again.response.content


async def test_answered_once_then_refused(world: World) -> None:
    mentee, _ = await matched(world)
    await until_monday(world)
    (prompt,) = checkin_dms(mentee)
    assert "/goal add" in prompt.content  # no goals: the check-in still works
    first = await answer(mentee, prompt, [])
    assert "Thanks" in first.response.content
    again = await mentee.user.click(prompt, label="Start")
    assert "already sent" in again.response.content
    async with world.bot.sessions() as session:
        assert len(list(await session.scalars(select(Checkin)))) == 1


async def test_double_submit_is_stored_once(world: World) -> None:
    mentee, _ = await matched(world)
    await until_monday(world)
    (prompt,) = checkin_dms(mentee)
    form = await mentee.user.click(prompt, label="Start")
    other_form = await mentee.user.click(prompt, label="Start")  # e.g. a second device
    values = {"checkin:mood": ["1"], "checkin:reach": ["yes"]}
    first = await mentee.user.submit_modal(form, values)
    second = await mentee.user.submit_modal(other_form, values)
    assert "Thanks" in first.response.content and "already sent" in second.response.content
    async with world.bot.sessions() as session:
        kinds = list(await session.scalars(select(Signal.kind)))
    assert kinds == ["reach_out"]


async def test_reminder_then_missed_after_the_window_and_late_answer_refused(
    world: World,
) -> None:
    mentee, _ = await matched(world)
    await until_monday(world)
    (prompt,) = checkin_dms(mentee)
    await advance(world, 24 * 3600)
    assert len(checkin_dms(mentee)) == 2 and "Reminder" in checkin_dms(mentee)[-1].content
    await advance(world, 2 * 24 * 3600)
    late = await mentee.user.click(prompt, label="Start")
    assert "closed" in late.response.content
    async with world.bot.sessions() as session:
        (row,) = await session.scalars(select(Checkin))
    assert row.status is CheckinStatus.MISSED
    assert len(checkin_dms(mentee)) == 2  # one reminder only


async def test_a_restart_loses_nothing_and_sends_nothing_twice(
    world: World, database_url: str
) -> None:
    mentee, _ = await matched(world)
    await restart(world, database_url)
    await until_monday(world)
    assert len(checkin_dms(mentee)) == 1
    await restart(world, database_url)
    assert any(job.startswith("checkin-remind:") for job in world.bot.scheduler.job_ids())
    cog: Any = world.bot.cogs["CheckinCog"]
    await cog.send_due(MONDAY_1530_CHICAGO)  # a double fire sends nothing more
    assert len(checkin_dms(mentee)) == 1
    await advance(world, 24 * 3600)
    assert len(checkin_dms(mentee)) == 2


async def test_settings_pause_and_bad_input(world: World) -> None:
    mentee, _ = await matched(world)

    async def say(command: str, **options: Any) -> str:
        return reply_of(await mentee.slash(world.general, command, **options)).content

    assert "between 07:00 and 21:00" in await say("checkin settings", day="tuesday", time="23:00")
    assert "not a time" in await say("checkin settings", day="tuesday", time="soon")
    assert "has passed" in await say("checkin pause", until="2025-12-01")
    changed = await say("checkin settings", day="tuesday", time="16:00")
    assert "every Tuesday at 16:00" in changed
    assert "<t:1767736800:F>" in changed  # Tuesday Jan 6 16:00 in Chicago
    assert "paused until Jan 7, 2026" in await say("checkin pause", until="2026-01-07")
    await advance(world, await seconds_until(world, datetime(2026, 1, 9, tzinfo=UTC)))
    assert checkin_dms(mentee) == []  # Tuesday Jan 6 was inside the pause
    too_long = await add_goal(world, mentee, **{"goal:by": "someday"})
    assert "not a date" in too_long.content


async def test_checkin_settings_plan_only_that_members_instant(world: World) -> None:
    mentee, _ = await matched(world)
    cog = world.bot.cogs["CheckinCog"]
    derived = []
    everyone = cog.checkins.plan  # type: ignore[attr-defined]

    async def counted() -> Any:
        derived.append(1)
        return await everyone()

    cog.checkins.plan = counted  # type: ignore[attr-defined]
    before = world.bot.scheduler.planned(CHECKIN_DUE)
    changed = reply_of(
        await mentee.slash(world.general, "checkin settings", day="friday", time="09:00")
    ).content
    moment = int(re.findall(r"<t:([0-9]+):F>", changed)[0])  # Friday Jan 2, within 48 h
    assert derived == []  # nobody else's next check-in was derived again
    planned = world.bot.scheduler.planned(CHECKIN_DUE)
    assert planned.keys() - before.keys() == {CHECKIN_DUE.id(moment)}
    await mentee.slash(world.general, "checkin pause", until="2026-01-03")
    assert derived == []
    cog.checkins.plan = everyone  # type: ignore[attr-defined]


async def test_mentor_proposes_a_goal_the_mentee_accepts(world: World) -> None:
    mentee, mentor = await matched(world)
    shown = await mentor.slash(world.general, "goal propose", mentee=mentee)
    proposed = await mentor.submit_modal(shown, {**GOAL, "goal:what": "Join a club"})
    assert "Proposed" in proposed.response.content
    offer = dms(mentee)[-1]
    assert "proposes a goal" in offer.content and "Join a club" in offer.content
    accepted = await mentee.user.click(offer, label="Accept")
    assert "Accepted" in accepted.response.content
    assert "accepted your proposed goal" in dms(mentor)[-1].content
    listed = reply_of(await mentee.slash(world.general, "goal list")).content
    assert "Join a club" in listed and "active" in listed
    refused = reply_of(await mentee.slash(world.general, "goal propose", mentee=mentor)).content
    assert "only to your own mentee" in refused


async def test_help_lists_goals_and_checkins_by_audience(world: World) -> None:
    mentee, mentor = await matched(world)
    shown = text_of(reply_of(await mentee.slash(world.general, "help")))
    assert "/goal add" in shown and "/checkin settings" in shown and "/checkin history" in shown
    assert "/goal propose" not in shown
    assert "/goal propose" in text_of(reply_of(await mentor.slash(world.general, "help")))


async def test_four_weeks_in_a_row_are_celebrated_in_the_dm(world: World) -> None:
    mentee, _ = await matched(world)
    for week in range(4):
        monday = MONDAY_1530_CHICAGO + timedelta(weeks=week)
        await advance(world, await seconds_until(world, monday) + 60)
        prompt = checkin_dms(mentee)[-1]
        done = await answer(mentee, prompt, [])
        assert "Thanks" in done.response.content
    assert "4 weeks of check-ins in a row" in dms(mentee)[-1].content
    assert "4 weeks in a row" in done.response.content
