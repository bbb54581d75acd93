"""Closed DMs through simcord: the prompt lands in the pair's channel mentioning the student
(or, with no pair yet, in /setup's program channel), who is marked DMs-closed (roster,
/staff status) and not DMed again until `/dms on`."""

from __future__ import annotations

from datetime import timedelta

import discord
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle

from bot.delivery import Message, Priority, Prompt
from storage.repositories import deliveries
from tests.e2e.conftest import World, open_staff_menu
from tests.e2e.test_checkins import until_monday
from tests.e2e.test_foundation import reply_of, run_setup
from tests.e2e.test_matching import MENTEE, join
from tests.e2e.test_sessions import dms, matched, propose, restart


def close_dms(world: World, actor: MemberActor, *, times: int | None = 1) -> None:
    """Discord refuses the bot's next DM(s) to ``actor``: 403, code 50007."""
    world.env.inject_error(
        "POST",
        f"/channels/{actor.user.dm_channel.id}/messages",
        status=403,
        code=50007,
        message="Cannot send messages to this user",
        times=times,
    )


def pair_channel(world: World) -> ChannelHandle:
    return next(c for c in world.guild.channels.values() if c.name.startswith("pair-"))


def last_post(world: World, viewer: MemberActor) -> discord.Message:
    return pair_channel(world).history(viewer=viewer)[-1]


async def test_a_closed_dm_goes_to_the_pair_channel_and_is_not_tried_again(
    world: World,
) -> None:
    mentee, mentor = await matched(world)
    close_dms(world, mentee, times=1)  # one refusal: any later DM attempt would succeed

    await propose(world, mentor, when="sunday 4pm", topic="algebra")
    post = last_post(world, mentee)
    assert post.content.startswith(f"<@{mentee.user.id}>")
    assert "would like to meet" in post.content and "/dms on" in post.content
    accepted = await mentee.click(post, label="Accept")  # the buttons came along
    assert "Accepted" in accepted.response.content
    assert "accepted" in dms(mentor)[-1].content

    before = len(dms(mentee))
    await propose(world, mentor, when="monday 4pm", topic="essay")
    assert len(dms(mentee)) == before  # marked closed: no DM was even tried
    assert "essay" in last_post(world, mentee).content

    roster = reply_of(await world.staff.slash(world.general, "staff roster"))
    assert f"<@{mentee.user.id}> (DMs closed)" in (roster.embeds[0].description or "")
    status = reply_of(await world.staff.slash(world.general, "staff status")).embeds[0]
    closed = next(f for f in status.fields if f.name.startswith("DMs closed"))
    assert closed.name == "DMs closed (1)" and f"<@{mentee.user.id}>" in closed.value
    last = next(f for f in status.fields if f.name == "Last fan-out")
    assert "3 people" in last.value  # the new pair: its welcome post and both DMs


async def test_dms_on_rechecks_and_dms_resume(world: World) -> None:
    mentee, mentor = await matched(world)
    close_dms(world, mentee, times=2)
    await propose(world, mentor, when="sunday 4pm")  # refused once: marked closed

    still = reply_of(await mentee.slash(world.general, "dms on"))
    assert "still won't let me message you" in still.content and "Privacy Settings" in still.content

    reopened = reply_of(await mentee.slash(world.general, "dms on"))
    assert "Done" in reopened.content
    assert "DMs are open" in dms(mentee)[-1].content
    await propose(world, mentor, when="monday 4pm", topic="essay")
    assert "essay" in dms(mentee)[-1].content


async def test_staff_status_is_for_staff_only(world: World) -> None:
    await run_setup(world)
    open_staff_menu(world, world.guild.default_role)  # shown to all; still refused
    refused = reply_of(await world.student.slash(world.general, "staff status"))
    assert "Only staff" in refused.content
    shown = reply_of(await world.staff.slash(world.general, "staff status")).embeds[0]
    assert shown.title == "Deliveries"
    assert any(f.name == "DMs closed (0)" for f in shown.fields)


async def test_an_unmatched_mentee_with_dms_closed_gets_the_checkin_in_the_program_channel(
    world: World,
) -> None:
    """No pair channel to fall back on: the check-in goes to /setup's program channel,
    mentioning the student, and its Start button works there."""
    await run_setup(world, program_channel=world.general)
    await join(world, world.student, "mentee", MENTEE)
    close_dms(world, world.student, times=None)  # every DM refused
    await until_monday(world)
    post = world.general.history(viewer=world.student)[-1]
    assert post.content.startswith(f"<@{world.student.user.id}>")
    assert "weekly check-in" in post.content and "/dms on" in post.content
    started = await world.student.click(post, label="Start")
    assert started.modal is not None  # no goals yet: the form opens at once


async def test_staff_status_counts_what_expired_and_what_may_have_arrived_before_a_crash(
    world: World, database_url: str
) -> None:
    """Rows a run left behind: a reminder past its deadline, and a check-in whose send may
    have happened an hour before the restart (longer than Discord remembers a nonce)."""
    await run_setup(world)
    now, student = world.bot.clock.now(), world.student.user.id
    late = Prompt(
        key="reminder:1:15m",
        kind="reminder",
        user_id=student,
        message=Message(content="Your session starts in 15 minutes."),
        priority=Priority.BULK,
        guild_id=world.guild.id,
        expires_at=now - timedelta(minutes=1),
    )
    unsure = Prompt(
        key=f"checkin:1:{student}",
        kind="checkin",
        user_id=student,
        message=Message(content="How is your goal going?"),
        priority=Priority.BULK,
        guild_id=world.guild.id,
    )
    async with world.bot.sessions.begin() as session:
        await world.bot.delivery.outbox(session).add([late, unsure])
        await deliveries.mark_attempting(session, [unsure.key], now - timedelta(hours=1))
    before = len(dms(world.student))
    await restart(world, database_url)
    assert len(dms(world.student)) == before  # neither was sent

    status = reply_of(await world.staff.slash(world.general, "staff status")).embeds[0]
    fields = {f.name: f.value or "" for f in status.fields}
    assert "1 expired" in fields["Now"] and "1 uncertain" in fields["Now"]
    day = fields["This server, last 24 hours"]
    assert "1 expired" in day and "1 uncertain" in day and "not sent again" in day
    assert "paused" not in fields["Now"]
