"""Recruiting through simcord: staff's standing invitation, student leaders' own, and the
waiting list, as students and staff meet them."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from typing import Any

import discord
import pytest
from simcord.actors import MemberActor
from sqlalchemy import select

from storage.models import Signup
from tests.e2e.conftest import World, open_staff_menu
from tests.e2e.test_foundation import reply_of, run_setup, text_of
from tests.e2e.test_matching import MENTEE, MENTOR, add_student, join, member_row, train
from tests.e2e.test_sessions import dms, matched, restart
from tests.e2e.test_spanish import english_in, speaks


def card_text(message: discord.Message) -> str:
    return text_of(message)


def latest(world: World) -> discord.Message:
    message = world.general.last_message
    assert message is not None
    return message


def current(world: World, post: discord.Message) -> discord.Message:
    """The post as it is now (edits included)."""
    return next(m for m in world.general.history() if m.id == post.id)


async def post_invitation(world: World, **options: Any) -> discord.Message:
    done = reply_of(
        await world.staff.slash(
            world.general, "staff recruit post", channel=world.general, **options
        )
    )
    assert "Posted invitation #" in done.content, done.content
    return latest(world)


async def join_through(
    actor: MemberActor, message: discord.Message, label: str, profile: dict[str, Any]
) -> Any:
    """Press an invitation's button, fill in the form, accept the privacy notice."""
    shown = await actor.click(message, label=label)
    assert shown.modal is not None, shown.response and shown.response.content
    notice = await actor.submit_modal(shown, profile)
    assert notice.response is not None and "your privacy" in notice.response.content
    return await actor.click(notice.response, label="Accept")


async def dm_join_through(
    actor: MemberActor, message: discord.Message, label: str, profile: dict[str, Any]
) -> Any:
    shown = await actor.user.click(message, label=label)
    assert shown.modal is not None, shown.response and shown.response.content
    notice = await actor.user.submit_modal(shown, profile)
    assert notice.response is not None and "your privacy" in notice.response.content
    return await actor.user.click(notice.response, label="Accept")


async def roster_pages(world: World) -> list[str]:
    """Every page of /staff roster, read by pressing Next until it is greyed out."""
    shown = await world.staff.slash(world.general, "staff roster")
    page = reply_of(shown)
    texts = [text_of(page)]
    while True:
        buttons = [c for row in page.components for c in row["components"]]
        following = next(b for b in buttons if b.get("label") == "Next")
        if following.get("disabled"):
            return texts
        clicked = await world.staff.click(page, label="Next")
        assert clicked.response is not None
        page = clicked.response
        texts.append(text_of(page))


async def report_files(world: World) -> tuple[str, dict[str, str]]:
    await world.env.advance_time(60)  # the period ends now: what happened before it counts
    reply = reply_of(await world.staff.slash(world.general, "staff report", period="month"))
    files = {a.filename: a for a in reply.attachments}
    bundle = zipfile.ZipFile(io.BytesIO(await files["report-tables.zip"].read()))
    tables = {name: bundle.read(name).decode() for name in bundle.namelist()}
    assert "signups_per_week.png" in files
    return text_of(reply), tables


async def test_a_student_joins_through_the_staff_post_its_count_rises_and_survives_restarts(
    world: World, database_url: str
) -> None:
    await run_setup(world)
    post = await post_invitation(world, message="Mentoring at Eastside: a weekly chat.")
    card = card_text(post)
    assert "Mentoring at Eastside: a weekly chat." in card
    assert "Mentors commit to" in card and "Mentees commit to" in card
    assert "0 students have joined through this invitation." in card

    accepted = await join_through(world.student, post, "Become a mentor", MENTOR)

    assert "Welcome to the program" in text_of(accepted.response)
    row = await member_row(world, world.student)
    assert row.active and row.grade == 11
    assert "1 student has joined through this invitation." in card_text(current(world, post))

    await restart(world, database_url)
    second = add_student(world, "riley")
    await join_through(second, current(world, post), "Find a mentor", MENTEE)

    assert "2 students have joined through this invitation." in card_text(current(world, post))
    async with world.bot.sessions() as session:
        credited = list(await session.scalars(select(Signup.invitation_id)))
    assert len(credited) == 2 and len(set(credited)) == 1 and credited[0] is not None


async def test_a_closed_invitation_refuses_kindly_and_its_post_says_so(world: World) -> None:
    await run_setup(world)
    _, mentor = await matched(world)
    post = await post_invitation(world, role="mentors")
    assert [b.label for row in post.components for b in row.children] == ["Become a mentor"]  # type: ignore[union-attr]
    classmate = add_student(world, "casey")
    sent = reply_of(await mentor.slash(world.general, "invite", classmate=classmate))
    assert "Sent" in sent.content
    (invitation,) = [m for m in dms(classmate) if m.embeds]

    closed = reply_of(await world.staff.slash(world.general, "staff recruit close", invitation=1))
    assert "Closed invitation #1; 0 students joined through it." in closed.content
    shown = current(world, post)
    assert "This invitation closed on" in card_text(shown)
    (button,) = [b for row in shown.components for b in row.children]  # type: ignore[union-attr]
    assert button.label == "This invitation is closed" and button.disabled

    await world.staff.slash(world.general, "staff recruit close", invitation=2)
    refused = await classmate.user.click(invitation, label="Find a mentor")

    assert refused.modal is None
    assert "This invitation was closed on" in refused.response.content
    assert "ask a staff member" in refused.response.content
    assert await member_row(world, classmate) is None
    again = reply_of(await world.staff.slash(world.general, "staff recruit close", invitation=1))
    assert "already closed" in again.content


async def test_a_join_through_a_leaders_invitation_is_credited_to_them_for_staff_only(
    world: World,
) -> None:
    await run_setup(world)
    mentee, mentor = await matched(world)
    classmate = add_student(world, "casey")

    sent = reply_of(
        await mentor.slash(world.general, "invite", classmate=classmate, show_my_name=True)
    )
    assert "Sent <@" in sent.content
    (invitation,) = [m for m in dms(classmate) if m.embeds]
    assert "sam_mentor, a student leader at Eastside Alternative School" in invitation.content
    twice = reply_of(await mentor.slash(world.general, "invite", classmate=classmate))
    assert "already sent" in twice.content
    accepted = await dm_join_through(classmate, invitation, "Find a mentor", MENTEE)
    assert "Welcome to the program" in text_of(accepted.response)

    posted = reply_of(await mentor.slash(world.general, "invite", channel=world.general))
    assert "Your invitation is posted" in posted.content
    leader_post = latest(world)
    other = add_student(world, "devon")
    await join_through(other, leader_post, "Become a mentor", MENTOR)
    public = card_text(current(world, leader_post))
    assert "Shared by a student leader." in public
    assert "joined" not in public and mentor.mention not in public  # no count, no name

    pages = "\n".join(await roster_pages(world))
    assert f"student leader {mentor.mention} (open): 2 joined" in pages
    assert classmate.mention in pages and other.mention in pages
    text, tables = await report_files(world)
    assert f"Student leader {mentor.mention}" in text
    leaders = list(csv.reader(io.StringIO(tables["signups_by_leader.csv"])))
    assert leaders[1] == [mentor.name, "2", "1", "1"]  # by name in the file
    assert "Sign-ups (mentors and mentees who joined): 4" in text
    assert "Sign-ups through an invitation: 2" in text

    open_staff_menu(world, world.guild.default_role)  # shown to all; still refused
    for student in (mentee, classmate, other):
        refused = await student.slash(world.general, "staff roster")
        assert "Only staff" in reply_of(refused).content


async def test_with_no_free_mentor_a_mentee_reads_their_place_and_staff_see_the_wait(
    world: World,
) -> None:
    await run_setup(world)
    first = await join(world, world.student, "mentee", MENTEE)
    assert "You're on the waiting list" in first.response.content
    assert "You're first in line." in first.response.content
    second_student = add_student(world, "riley")
    second = await join(world, second_student, "mentee", MENTEE)
    assert "1 student is ahead of you." in second.response.content
    assert "/leave" in second.response.content

    await world.env.advance_time(2 * 86_400 + 3 * 3600)
    pages = "\n".join(await roster_pages(world))
    assert f"1. {world.student.mention} has waited 2 days 3 hours" in pages
    assert f"2. {second_student.mention} has waited 2 days 3 hours" in pages
    assert "Trained mentors have 0 free places." in pages

    mentor = add_student(world, "sam_mentor")
    await join(world, mentor, "mentor", MENTOR)
    await train(world, mentor)  # two free places now, for the two waiting
    avery, blake = add_student(world, "avery"), add_student(world, "blake")
    third = await join(world, avery, "mentee", MENTEE)
    assert "2 students are ahead of you." in third.response.content
    await world.staff.slash(
        world.general, "staff match create", mentor=mentor, mentee=world.student
    )
    fourth = await join(world, blake, "mentee", MENTEE)
    assert "2 students are ahead of you." in fourth.response.content  # one place left for 3

    pages = "\n".join(await roster_pages(world))
    assert world.student.mention not in pages.split("Waiting list")[1].split("Sign-ups")[0]
    assert f"1. {second_student.mention} has waited" in pages
    text, tables = await report_files(world)
    assert "Mentees on the waiting list now: 3" in text
    assert "Median days from joining to a match: 2.1" in text
    waiting = list(csv.reader(io.StringIO(tables["waiting_list.csv"])))
    assert [row[1] for row in waiting[1:]] == [second_student.name, avery.name, blake.name]


async def test_a_student_who_is_no_leader_is_told_who_can_invite(world: World) -> None:
    await run_setup(world)
    await join(world, world.student, "mentor", MENTOR)  # a mentor, but with no mentee yet

    refused = reply_of(await world.student.slash(world.general, "invite", channel=world.general))

    assert "Only student leaders can invite classmates" in refused.content
    assert "mentors who have a mentee" in refused.content
    assert "leader role" in refused.content


async def test_bad_input_is_refused_clearly_and_nothing_is_posted(world: World) -> None:
    await run_setup(world)
    before = len(world.general.history())
    too_long = reply_of(
        await world.staff.slash(
            world.general, "staff recruit post", channel=world.general, message="x" * 1600
        )
    )
    assert "Keep the message under 1500 characters" in too_long.content
    assert "yours has 1600" in too_long.content
    channel = world.bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.set_permissions(channel.guild.me, send_messages=False, embed_links=False)
    blocked = reply_of(
        await world.staff.slash(world.general, "staff recruit post", channel=world.general)
    )
    assert f"I can't post in <#{world.general.id}>" in blocked.content
    assert "Send Messages, Embed Links" in blocked.content
    assert len(world.general.history()) == before
    async with world.bot.sessions() as session:
        assert not list(await session.scalars(select(Signup)))
    listed = reply_of(await world.staff.slash(world.general, "staff recruit list"))
    assert "No invitations yet" in text_of(listed)
    mentee, mentor = await matched(world)
    both = reply_of(
        await mentor.slash(world.general, "invite", channel=world.general, classmate=mentee)
    )
    assert "Choose one" in both.content
    member = reply_of(await mentor.slash(world.general, "invite", classmate=mentee))
    assert "already in the program" in member.content


async def test_spanish_readers_get_their_place_refusals_and_staff_replies_in_spanish(
    world: World,
) -> None:
    await run_setup(world)
    speaks(world, world.student, "es-419")
    speaks(world, world.staff, "es-ES")

    joined = await join(world, world.student, "mentee", MENTEE, spanish=True)
    welcome = joined.response.content
    assert welcome.startswith("¡Bienvenido/a al programa! Estás en la lista de espera")
    assert "Eres el primero o la primera de la lista." in welcome and "/salir" in welcome
    refused = reply_of(await world.student.slash(world.general, "invite", channel=world.general))
    assert refused.content.startswith("Solo los líderes estudiantiles pueden invitar")
    posted = reply_of(
        await world.staff.slash(world.general, "staff recruit post", channel=world.general)
    )
    assert posted.content.startswith("Publiqué la invitación #1 en")
    for text in (welcome, refused.content, posted.content):
        assert english_in(text) == [], text
    # The post itself is in the server's language, English unless /setup chose another.
    labels = [b.label for row in latest(world).components for b in row.children]  # type: ignore[union-attr]
    assert labels == ["Become a mentor", "Find a mentor"]


async def test_a_join_is_kept_when_its_post_can_no_longer_be_updated(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await run_setup(world)
    post = await post_invitation(world)
    shown = await world.student.click(post, label="Find a mentor")
    notice = await world.student.submit_modal(shown, MENTEE)
    channel = world.bot.get_channel(world.general.id)
    assert isinstance(channel, discord.TextChannel)
    await channel.get_partial_message(post.id).delete()  # gone before they accept

    with caplog.at_level(logging.WARNING, logger="cogs.recruiting"):
        accepted = await world.student.click(notice.response, label="Accept")

    assert "Welcome to the program" in text_of(accepted.response)
    assert (await member_row(world, world.student)).active
    assert "could not update post 1 of invitation 1: HTTP 404" in caplog.text
    listed = reply_of(await world.staff.slash(world.general, "staff recruit list"))
    assert "posted by <@" in text_of(listed) and "(open): 1 joined" in text_of(listed)
