"""Data rights through simcord: /privacy, /staff export, /staff forget, the retention job."""

from __future__ import annotations

import json
from datetime import timedelta

import discord
import pytest
from simcord import SetupError
from sqlalchemy import select

from bot.jobs import RETENTION
from storage.models import AuditAction, AuditEvent, Base
from storage.repositories import matches
from tests.e2e.conftest import World, build_bot, open_staff_menu
from tests.e2e.test_foundation import reply_of, run_setup, text_of
from tests.e2e.test_matching import MENTEE, join, member_row, ready_school


async def stored_values(world: World) -> list[object]:
    found: list[object] = []
    async with world.bot.sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                found += list(row)
    return found


async def test_privacy_shows_a_member_what_is_stored_in_plain_words(world: World) -> None:
    await run_setup(world)
    before = reply_of(await world.student.slash(world.general, "privacy"))
    assert "stores nothing about you" in before.content

    await join(world, world.student, "mentee", MENTEE)
    shown = text_of(reply_of(await world.student.slash(world.general, "privacy")))

    assert "What Bridges stores about you" in shown
    assert "Role: mentee" in shown and "Grade: 8" in shown and "soccer" in shown
    assert "365 days after a match ends" in shown and "ask a staff member" in shown
    listed = text_of(reply_of(await world.student.slash(world.general, "help")))
    assert "/privacy" in listed and "/staff forget" not in listed
    staff = text_of(reply_of(await world.staff.slash(world.general, "help")))
    assert all(f"/staff {name}" in staff for name in ("export", "forget", "contact", "report"))


async def test_staff_export_a_member_as_a_json_file_and_it_is_recorded(world: World) -> None:
    student, mentor = await ready_school(world)
    await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=student)

    reply = reply_of(await world.staff.slash(world.general, "staff export", member=student))

    (attachment,) = reply.attachments
    assert attachment.filename == f"bridges-member-{student.id}.json"
    data = json.loads(await attachment.read())
    assert data["user_id"] == student.id
    assert [row["user_id"] for row in data["tables"]["members"]] == [student.id]
    assert len(data["tables"]["matches"]) == 1
    async with world.bot.sessions() as session:
        (audit,) = (await session.scalars(select(AuditEvent))).all()
    assert (audit.action, audit.actor_user_id, audit.subject_user_id) == (
        AuditAction.EXPORT,
        world.staff.id,
        student.id,
    )


async def test_forget_needs_the_askers_confirmation_and_cancel_changes_nothing(
    world: World,
) -> None:
    student, mentor = await ready_school(world)
    await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=student)
    open_staff_menu(world, world.guild.default_role)  # shown to all; still refused
    refused = await student.slash(world.general, "staff forget", member=student)
    assert "Only staff" in reply_of(refused).content

    question = reply_of(await world.staff.slash(world.general, "staff forget", member=student))
    assert "cannot be undone" in question.content and "mentoring matches" in question.content
    with pytest.raises(SetupError, match="not visible"):  # ephemeral: only the asker sees it
        await world.admin.click(question, label="Erase")
    cancelled = await world.staff.click(question, label="Cancel")
    assert "nothing was changed" in cancelled.response.content
    row = await member_row(world, student)
    assert row is not None and row.active and row.grade == 8
    assert student.id in await stored_values(world)


async def test_forget_erases_the_member_everywhere_and_closes_their_match(world: World) -> None:
    student, mentor = await ready_school(world)
    await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=student)
    async with world.bot.sessions() as session:
        (match,) = await matches.active(session, world.guild.id)
    mentor_dms = len(mentor.user.dm_channel.history())
    student_dms = len(student.user.dm_channel.history())

    question = reply_of(await world.staff.slash(world.general, "staff forget", member=student))
    await world.staff.click(question, label="Erase")

    values = await stored_values(world)
    assert student.id not in values
    assert not any(str(student.id) in str(value) for value in values)
    assert await member_row(world, student) is None  # nothing is stored under their id
    async with world.bot.sessions() as session:
        assert await matches.active(session, world.guild.id) == []
        audit = (await session.scalars(select(AuditEvent))).all()
    assert [(a.action, a.subject_user_id < 0) for a in audit] == [(AuditAction.FORGET, True)]
    # The mentor is told and asked for the survey; the erased student is not asked.
    assert "a few short questions" in mentor.user.dm_channel.history()[-1].content
    assert len(mentor.user.dm_channel.history()) > mentor_dms
    assert len(student.user.dm_channel.history()) == student_dms
    channel = world.bot.get_channel(match.channel_id or 0)
    assert isinstance(channel, discord.TextChannel)
    assert channel.overwrites_for(discord.Object(mentor.id)).send_messages is False
    again = reply_of(await world.staff.slash(world.general, "staff forget", member=student))
    assert "no record in the program" in again.content


async def test_the_retention_job_runs_daily_and_is_rebuilt_on_restart(
    world: World, database_url: str
) -> None:
    job = RETENTION.id()
    first = world.bot.scheduler.next_run(job)
    assert first is not None and (first.hour, first.minute) == (3, 0)
    await world.env.advance_time((first - world.bot.clock.now()).total_seconds() + 60)
    assert world.bot.scheduler.next_run(job) == first + timedelta(days=1)

    fresh = build_bot(database_url, world.bot.sessions, [world.env])
    world.bot.scheduler.shutdown()
    await world.env.restart_bot(fresh)
    world.bot = fresh
    assert fresh.scheduler.next_run(job) == first + timedelta(days=1)
