"""What a person is told when something fails, and what typed text becomes, through simcord.

An error reply says whether what they did was saved: after the write committed (the
profile, the set-up) it says so, so nobody does it twice or thinks it lost; before, it says
nothing was changed. Text with NUL bytes and lone surrogates is stored without them.
"""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Escalation, MentoringSession
from storage.repositories import guilds
from tests.e2e.conftest import World
from tests.e2e.test_escalations import ask_for_help
from tests.e2e.test_foundation import reply_of, run_setup
from tests.e2e.test_matching import MENTEE, member_row, open_join
from tests.e2e.test_sessions import matched

CALLBACK = "/interactions/*/callback"  # the interaction's own reply


async def test_join_accept_whose_reply_fails_says_the_profile_was_saved(world: World) -> None:
    await run_setup(world)
    notice = await open_join(world, world.student, "mentee", MENTEE)
    world.env.inject_error("POST", CALLBACK)  # Discord refuses the edited notice, once
    accepted = await world.student.click(notice.response, label="Accept")
    reply = accepted.response
    assert reply is not None and reply.ephemeral
    assert reply.content.startswith("Your profile was saved, but something went wrong")
    assert "no need to do it again" in reply.content and "nothing was changed" not in reply.content
    row = await member_row(world, world.student)
    assert row is not None and row.active  # it was: the words are true
    again = reply_of(await world.student.slash(world.general, "join", role="mentee"))
    assert "already" in again.content


async def test_setup_whose_confirmation_fails_says_the_setup_was_saved(world: World) -> None:
    world.env.inject_error("POST", f"/channels/{world.escalations.id}/messages")
    reply = reply_of(await run_setup(world))
    assert reply.content.startswith("The program's set-up was saved, but something went wrong")
    async with world.bot.sessions() as session:
        program = await guilds.get(session, world.guild.id)
    assert program is not None and program.staff_role_id == world.staff_role.id


async def test_a_failure_before_anything_is_saved_says_nothing_was_changed(world: World) -> None:
    await run_setup(world)
    form = await world.student.slash(world.general, "join", role="mentee")
    world.env.inject_error("POST", CALLBACK)  # the privacy notice cannot be shown
    shown = await world.student.submit_modal(form, MENTEE)
    assert shown.response is not None and shown.response.ephemeral
    assert "nothing was changed" in shown.response.content
    row = await member_row(world, world.student)
    assert row is None or not row.active


async def test_typed_nul_and_lone_surrogates_are_left_out_of_what_is_stored(world: World) -> None:
    mentee, _ = await matched(world)
    scheduled = reply_of(
        await mentee.slash(
            world.general, "session schedule", when="sunday\x00 4pm", topic="alg\x00ebra \ud83d"
        )
    )
    assert "Invitation sent" in scheduled.content
    answered = await ask_for_help(world, mentee, "today")
    assert answered.response is not None and "error id" not in answered.response.content
    form = await mentee.slash(world.general, "help-me")
    sent = await mentee.submit_modal(
        form,
        {
            "help:details": "\x00\udfff",  # nothing left once cleaned: refused, not stored empty
            "help:urgency": ["today"],
            "help:category": ["other"],
        },
    )
    assert "write a few words" in sent.response.content
    form = await mentee.slash(world.general, "help-me")
    await mentee.submit_modal(
        form,
        {
            "help:details": "they\x00 wait for me \ud800after school",
            "help:urgency": ["today"],
            "help:category": ["safety"],
        },
    )
    async with world.bot.sessions() as session:
        topics = list(await session.scalars(select(MentoringSession.topic)))
        details = list(await session.scalars(select(Escalation.details).order_by(Escalation.id)))
    assert topics == ["algebra"]
    assert details[-1] == "they wait for me after school" and len(details) == 2
