"""Escalations through simcord: /help-me to the staff channel, crisis resources, staff-only
buttons, the student told on Claim, re-pings and the next tier across a restart, and the DM
fallback when the staff channel is gone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import discord
from sqlalchemy import update

from bot.services.concern import LABELS
from storage.models import Checkin, CheckinStatus, GuildSettings, Signal
from storage.repositories import members
from tests.e2e.conftest import World, build_bot, open_staff_menu
from tests.e2e.test_checkins import advance
from tests.e2e.test_foundation import reply_of, run_setup
from tests.e2e.test_sessions import dms, matched, restart

SECOND_SESSION_OVER = datetime(2026, 1, 11, 23, 0, tzinfo=UTC)  # Sunday Jan 11, 5pm Chicago


def posts(world: World) -> list[discord.Message]:
    """The staff channel's messages after /setup's own check message."""
    return [
        m
        for m in world.escalations.history()
        if not m.content.startswith("This channel will receive")
    ]


async def ask_for_help(
    world: World,
    actor: Any,
    urgency: str,
    details: str = "I'm scared I will fail chemistry and I need a tutor.",
    **options: Any,
) -> Any:
    shown = await actor.slash(world.general, "help-me", **options)
    return await actor.submit_modal(
        shown,
        {"help:details": details, "help:urgency": [urgency], "help:category": ["safety"]},
    )


async def test_a_right_now_request_reaches_staff_and_shows_crisis_resources(
    world: World,
) -> None:
    mentee, mentor = await matched(world)
    answered = await ask_for_help(world, mentee, "right_now")
    reply = answered.response
    assert reply.ephemeral
    assert "988" in reply.content and "741741" in reply.content and "911" in reply.content
    assert "not a counsellor" in reply.content
    post = posts(world)[-1]
    assert post.raw_role_mentions == [world.staff_role.id]
    assert post.mentions == []  # only the role is pinged, nobody else
    (embed,) = post.embeds
    assert embed.title == "Escalation #1: Right now"
    shown = " ".join(f"{f.name} {f.value}" for f in embed.fields)
    assert f"<@{mentee.id}>" in shown and f"<@{mentor.id}>" in shown
    assert "scared" in shown and "Sessions: 0 happened" in shown


async def test_concerning_details_make_a_request_urgent_and_name_the_category(
    world: World,
) -> None:
    mentee, _ = await matched(world)
    answered = await ask_for_help(world, mentee, "can_wait", "honestly I want to kill myself")
    reply = answered.response.content
    assert "988" in reply and "741741" in reply and "not a counsellor" in reply
    post = posts(world)[-1]
    assert "(Right now)" in post.content and LABELS["active_ideation"] in post.content
    (embed,) = post.embeds
    assert embed.title == "Escalation #1: Right now"
    assert LABELS["active_ideation"] in (embed.description or "")
    assert "escalation-sla:1:1" in world.bot.scheduler.job_ids()
    shown = reply_of(await world.staff.slash(world.general, "staff escalation view", id=1))
    assert f"concern: {LABELS['active_ideation']}" in shown.embeds[0].fields[-1].value


async def test_only_staff_can_claim_and_the_student_is_told(world: World) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "today")
    post = posts(world)[-1]
    channel = world.bot.get_channel(world.escalations.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.set_permissions(await channel.guild.fetch_member(mentee.id), view_channel=True)
    refused = await mentee.click(post, label="Claim")
    assert "Only staff" in refused.response.content
    claimed = await world.staff.click(post, label="Claim")
    assert "You claimed escalation #1" in claimed.response.content
    told = dms(mentee)[-1].content
    assert "picked up your request" in told and f"<@{world.staff.id}>" in told
    again = await world.admin.slash(world.general, "staff escalation claim", id=1)
    assert "already claimed" in reply_of(again).content
    shown = reply_of(await world.staff.slash(world.general, "staff escalation view", id=1))
    timeline = shown.embeds[0].fields[-1].value
    assert "opened" in timeline and "posted" in timeline and "claimed" in timeline


async def test_resolve_needs_a_note_and_keeps_the_timeline(world: World) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "can_wait")
    post = posts(world)[-1]
    form = await world.staff.click(post, label="Resolve")
    empty = await world.staff.submit_modal(form, {"esc:note": "   "})
    assert "resolution note is required" in empty.response.content
    form = await world.staff.click(post, label="Resolve")
    done = await world.staff.submit_modal(form, {"esc:note": "Talked with Jordan and mom."})
    assert "Resolved escalation #1" in done.response.content
    listed = reply_of(await world.staff.slash(world.general, "staff escalations", which="all"))
    assert "#1" in listed.content and "Resolved" in listed.content
    open_now = reply_of(await world.staff.slash(world.general, "staff escalations"))
    assert "No escalations" in open_now.content


async def test_unclaimed_repings_then_the_next_tier_across_a_restart(
    world: World, database_url: str
) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "right_now")
    await world.env.advance_time(9 * 60)
    assert len(posts(world)) == 1, [m.content for m in posts(world)]
    await restart(world, database_url)  # between the post and the re-ping
    assert "escalation-sla:1:1" in world.bot.scheduler.job_ids()
    await world.env.advance_time(90)
    reping = posts(world)[-1]
    assert "has not been claimed" in reping.content
    assert reping.raw_role_mentions == [world.staff_role.id]
    await restart(world, database_url)
    assert "escalation-sla:1:2" in world.bot.scheduler.job_ids()
    await world.env.advance_time(10 * 60)
    tier2 = posts(world)[-1]
    assert "still unclaimed" in tier2.content and "Escalating" in tier2.content
    await restart(world, database_url)  # nothing is sent twice after a restart
    await world.env.advance_time(60 * 60)
    assert len(posts(world)) == 3


async def test_without_the_staff_channel_staff_are_dmed(world: World) -> None:
    mentee, _ = await matched(world)
    async with world.bot.sessions.begin() as session:
        await session.execute(update(GuildSettings).values(escalation_channel_id=123))
    await ask_for_help(world, mentee, "today")
    assert posts(world) == [], [m.content for m in posts(world)]
    dm = dms(world.staff)[-1].content  # world.staff confirmed the mentor's training
    assert "escalation channel is missing" in dm and "/staff escalation claim 1" in dm


async def record_signals(world: World, user_id: int, *rows: dict[str, Any]) -> None:
    """Signal rows about a member, committed as a producer commits them; then the wake-up
    its commit gives the signal worker, heard twice (awaited here: a task the test starts
    is not bot-owned work simcord waits for)."""
    async with world.bot.sessions.begin() as session:
        row = await members.get(session, world.guild.id, user_id)
        assert row is not None
        for values in rows:
            session.add(
                Signal(
                    guild_id=world.guild.id,
                    member_id=row.id,
                    created_at=world.env.now(),
                    **values,
                )
            )
    cog: Any = world.bot.cogs["EscalationCog"]
    for _ in range(2):
        cog.worker.wake()
    await cog.worker.idle()
    await world.bot.delivery.idle()


async def test_a_reach_out_signal_opens_one_escalation_and_adds_the_next(world: World) -> None:
    mentee, _ = await matched(world)
    await record_signals(world, mentee.id, {"kind": "reach_out"}, {"kind": "reach_out"})
    assert len(posts(world)) == 1
    (embed,) = posts(world)[-1].embeds
    assert "reach out" in (embed.description or "")
    shown = " ".join(f"{f.name} {f.value}" for f in embed.fields)
    assert "2 so far" in shown


async def test_help_lists_help_me_for_students_and_the_escalation_commands_for_staff(
    world: World,
) -> None:
    await matched(world)

    def listed(result: Any) -> str:
        return " ".join(f.value for f in reply_of(result).embeds[0].fields)

    student = listed(await world.student.slash(world.general, "help"))
    assert "/help-me" in student and "/staff escalations" not in student
    staff = listed(await world.staff.slash(world.general, "help"))
    assert "/staff escalations" in staff and "/staff escalation view" in staff


async def test_two_no_shows_reach_staff_through_the_signal_event(world: World) -> None:
    mentee, mentor = await matched(world)
    await mentee.slash(world.general, "session schedule", when="sunday 4pm", weeks=2)
    await mentor.user.click(dms(mentor)[-1], label="Accept")
    await world.env.advance_time((SECOND_SESSION_OVER - world.env.now()).total_seconds())
    questions = [m for m in dms(mentee) if "Did it happen?" in m.content]
    assert len(questions) == 2
    for question in questions:
        await mentee.user.click(question, label="No-show")
    await world.env.advance_time(1)
    post = posts(world)[-1]
    assert "New escalation #1 (Today)" in post.content
    assert "Two no-shows in a row" in (post.embeds[0].description or "")


async def test_the_next_tier_pings_its_role_and_dms_on_call_staff(
    world: World, database_url: str
) -> None:
    mentee, _ = await matched(world)
    with world.env.time_context():
        counsellors = world.guild.create_role("Counsellors", mentionable=True)
    await ask_for_help(world, mentee, "today")
    fresh = build_bot(database_url, world.bot.sessions, [world.env])
    fresh.settings = replace(
        fresh.settings,
        escalations=replace(
            fresh.settings.escalations,
            tier2_role_id=counsellors.id,
            on_call_user_ids=(world.admin.id,),
        ),
    )
    world.bot.scheduler.shutdown()
    await world.env.restart_bot(fresh)
    world.bot = fresh
    await world.env.advance_time(121 * 60)
    reping, tier2 = posts(world)[-2:]
    assert reping.raw_role_mentions == [world.staff_role.id]
    assert tier2.raw_role_mentions == [counsellors.id]
    assert "Nobody has claimed this yet" in dms(world.admin)[-1].content


async def test_notes_and_reassigning_to_staff_only(world: World) -> None:
    mentee, mentor = await matched(world)
    await ask_for_help(world, mentee, "today")
    post = posts(world)[-1]
    form = await world.staff.click(post, label="Add note")
    noted = await world.staff.submit_modal(form, {"esc:note": "Left a voicemail for mom."})
    assert "Note added" in noted.response.content
    form = await world.staff.click(post, label="Reassign")
    refused = await world.staff.submit_modal(form, {"esc:to": [mentor]})
    assert "is not staff" in refused.response.content
    form = await world.staff.click(post, label="Reassign")
    moved = await world.staff.submit_modal(form, {"esc:to": [world.admin]})
    assert "now with" in moved.response.content
    assert "picked up your request" in dms(mentee)[-1].content
    assert "gave you escalation #1" in dms(world.admin)[-1].content
    mine = reply_of(await world.admin.slash(world.general, "staff escalations", which="mine"))
    assert "#1" in mine.content
    timeline = reply_of(await world.admin.slash(world.general, "staff escalation view", id=1))
    text = timeline.embeds[0].fields[-1].value
    assert "note: Left a voicemail" in text and "reassigned: to" in text


async def test_when_no_staff_can_be_reached_the_student_is_told_to_find_an_adult(
    world: World,
) -> None:
    await run_setup(world)
    async with world.bot.sessions.begin() as session:
        await session.execute(update(GuildSettings).values(escalation_channel_id=123))
    answered = await ask_for_help(world, world.student, "today")  # not in the program yet
    assert "Staff have received your request" in answered.response.content
    (followup,) = answered.followups
    assert "could not reach a staff member" in followup.content and "988" in followup.content


async def test_a_mentor_raises_it_about_their_mentee_and_both_hear_of_the_claim(
    world: World,
) -> None:
    mentee, mentor = await matched(world)
    answered = await ask_for_help(world, mentor, "today", mentee=mentee)
    assert f"your concern about <@{mentee.id}>" in answered.response.content
    refused = await ask_for_help(world, mentee, "today", mentee=mentor)
    assert "your own mentee" in refused.response.content
    await world.staff.click(posts(world)[-1], label="Claim")
    assert "would like to check in with you" in dms(mentee)[-1].content
    assert f"your concern about <@{mentee.id}>" in dms(mentor)[-1].content


async def test_concerning_check_in_words_post_an_urgent_escalation(world: World) -> None:
    mentee, _ = await matched(world)
    quiet = await checkin_with(world, mentee.id, 1, hard="this homework is killing me")
    await record_signals(world, mentee.id, {"kind": "concerning_language", "checkin_id": quiet})
    assert posts(world) == []  # an idiom: nothing for staff
    urgent = await checkin_with(world, mentee.id, 2, hard="I want to die", went_well="nothing")
    await record_signals(world, mentee.id, {"kind": "concerning_language", "checkin_id": urgent})
    (post,) = posts(world)
    assert "(Right now)" in post.content and post.raw_role_mentions == [world.staff_role.id]
    shown = post.embeds[0].description or ""
    assert "Concerning language in a check-in" in shown and LABELS["wish_to_be_dead"] in shown


async def checkin_with(world: World, user_id: int, week: int, **words: str) -> int:
    """An answered check-in of the member, in week ``week`` of 2026, with these words."""
    async with world.bot.sessions.begin() as session:
        member = await members.get(session, world.guild.id, user_id)
        assert member is not None
        now = world.env.now()
        row = Checkin(
            guild_id=world.guild.id,
            member_id=member.id,
            week=date(2025, 12, 29) + timedelta(weeks=week),
            due_at=now,
            closes_at=now + timedelta(days=2),
            status=CheckinStatus.DONE,
            mood=3,
            created_at=now,
            answered_at=now,
            **words,
        )
        session.add(row)
        await session.flush()
        return row.id


async def test_a_claimed_untouched_escalation_is_followed_up_once_each_across_restarts(
    world: World, database_url: str
) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "today")  # follow-up after 24 hours
    await world.staff.click(posts(world)[-1], label="Claim")
    listed = reply_of(await world.staff.slash(world.general, "staff escalations"))
    assert "follow-up due" in listed.content

    def reminders() -> list[str]:
        return [m.content for m in dms(world.staff) if "no note or resolution" in m.content]

    await advance(world, 23 * 3600)
    assert reminders() == []
    await restart(world, database_url)
    assert "escalation-follow-up:1:1" in world.bot.scheduler.job_ids()
    await advance(world, 3600 + 60)
    (reminder,) = reminders()
    assert "you claimed escalation #1" in reminder and "/staff escalation view 1" in reminder
    listed = reply_of(await world.staff.slash(world.general, "staff escalations"))
    assert "follow-up overdue" in listed.content
    await restart(world, database_url)
    await advance(world, 24 * 3600)
    ping = posts(world)[-1]
    assert "Follow-up overdue" in ping.content and f"<@{world.staff.id}>" in ping.content
    assert ping.raw_role_mentions == [world.staff_role.id]
    await restart(world, database_url)  # nothing is sent twice after a restart
    await advance(world, 72 * 3600)
    assert len(reminders()) == 1
    assert sum("Follow-up overdue" in p.content for p in posts(world)) == 1


async def test_follow_ups_beyond_the_horizon_are_planned_as_it_reaches_them(
    world: World, database_url: str
) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "can_wait")  # follow-ups 72 h and 144 h after the claim
    await world.staff.click(posts(world)[-1], label="Claim")
    follow_ups = [f"escalation-follow-up:1:{stage}" for stage in (1, 2)]
    assert not set(follow_ups) & set(world.bot.scheduler.job_ids())  # both beyond 48 h
    await restart(world, database_url)
    assert not set(follow_ups) & set(world.bot.scheduler.job_ids())
    await advance(world, 30 * 3600)  # the planner ran: the first is within 48 h now
    assert follow_ups[0] in world.bot.scheduler.job_ids()
    assert follow_ups[1] not in world.bot.scheduler.job_ids()
    await advance(world, 42 * 3600 + 60)
    assert sum("no note or resolution" in m.content for m in dms(world.staff)) == 1
    assert follow_ups[1] not in world.bot.scheduler.job_ids()  # 144 h: not yet within 48 h


async def test_a_note_after_the_claim_is_the_follow_up(world: World) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "right_now")  # follow-up after 2 hours
    post = posts(world)[-1]
    await world.staff.click(post, label="Claim")
    form = await world.staff.click(post, label="Add note")
    await world.staff.submit_modal(form, {"esc:note": "Called the student's mom."})
    await advance(world, 6 * 3600)
    assert not any("no note or resolution" in m.content for m in dms(world.staff))
    assert not any("Follow-up overdue" in p.content for p in posts(world))
    listed = reply_of(await world.staff.slash(world.general, "staff escalations"))
    assert "follow-up" not in listed.content


async def test_staff_pick_an_escalation_by_number_open_and_urgent_first(world: World) -> None:
    mentee, mentor = await matched(world)
    await ask_for_help(world, mentee, "can_wait")  # #1
    await ask_for_help(world, mentor, "right_now")  # #2
    await world.admin.slash(world.general, "staff escalation claim", id=1)
    choices = await world.staff.autocomplete(world.general, "staff escalation view", "id", "")
    assert [(c["name"], c["value"]) for c in choices] == [
        (f"#2 · Right now · {mentor.name}", 2),
        (f"#1 · Can wait · {mentee.name}", 1),
    ]
    typed = await world.staff.autocomplete(world.general, "staff escalation claim", "id", "#1")
    assert [c["value"] for c in typed] == [1]
    open_staff_menu(world, world.guild.default_role)  # shown to all; staff's choices are not
    assert await mentee.autocomplete(world.general, "staff escalation view", "id", "") == []
