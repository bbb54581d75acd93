"""Service hours through simcord: a mentor's training, sessions that happened and mentor
check-in add up in /hours by month; a session the mentee says did not happen waits for
staff; /staff hours export attaches a CSV and a certificate per mentor whose text names
the school, the mentor, the hours and the period; students can't export or see the
disputed sessions.

simcord's clock starts on Thursday 2026-01-01 00:00 UTC: Wednesday Dec 31, 18:00 in
Chicago (the program's and the members' zone), so the training confirmed then is
December's and the sessions after it January's.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import discord
from pypdf import PdfReader
from simcord.actors import MemberActor

from tests.e2e.conftest import World, open_staff_menu
from tests.e2e.test_checkins import advance
from tests.e2e.test_foundation import reply_of
from tests.e2e.test_sessions import accept, dms, matched, propose, seconds_until
from tests.e2e.test_spanish import speaks

MENTOR_CHECKIN = {
    "mentor:met": ["yes"],
    "mentor:going": ["4"],
    "mentor:support": ["no"],
    "mentor:concern": "",
}


async def meet(world: World, mentee: MemberActor, mentor: MemberActor, when: str) -> None:
    """The mentee proposes, the mentor accepts."""
    reply = await propose(world, mentee, when=when)
    assert "Invitation sent" in reply.content, reply.content
    await accept(world, mentor)


async def answer(actor: MemberActor, label: str) -> None:
    """The member answers the latest "Did it happen?" in their DMs."""
    question = next(m for m in reversed(dms(actor)) if "Did it happen?" in m.content)
    clicked = await actor.user.click(question, label=label)
    if label == "Yes":
        clicked = await actor.user.submit_modal(
            clicked, {"attend:covered": "algebra", "attend:note": ""}
        )
    assert "noted" in clicked.response.content.lower()


async def hours_of(world: World, mentor: MemberActor) -> discord.Embed:
    (embed,) = reply_of(await mentor.slash(world.general, "hours")).embeds
    return embed


def field(embed: discord.Embed, name: str) -> str:
    return next(f.value for f in embed.fields if f.name == name) or ""


async def a_month_of_mentoring(world: World) -> tuple[MemberActor, MemberActor]:
    """Training (Dec 31 in Chicago), a session both say happened (Sun Jan 4, 45 min), the
    mentor check-in (Mon Jan 5) and a session the mentee calls a no-show (Thu Jan 8)."""
    mentee, mentor = await matched(world)
    await meet(world, mentee, mentor, "sunday 4pm")
    await world.env.advance_time(
        await seconds_until(world, datetime(2026, 1, 4, 23, 0, tzinfo=UTC))
    )
    await answer(mentor, "Yes")
    await answer(mentee, "Yes")
    await meet(world, mentee, mentor, "thursday 4pm")
    await advance(world, await seconds_until(world, datetime(2026, 1, 5, 21, 31, tzinfo=UTC)))
    asked = next(m for m in dms(mentor) if "Mentor check-in" in m.content)
    form = await mentor.user.click(asked, label="Answer")
    assert "Thanks" in (await mentor.user.submit_modal(form, MENTOR_CHECKIN)).response.content
    await advance(world, await seconds_until(world, datetime(2026, 1, 8, 23, 0, tzinfo=UTC)))
    await answer(mentor, "Yes")
    await answer(mentee, "No-show")
    return mentee, mentor


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


async def test_hours_by_month_a_disputed_session_and_the_export(world: World) -> None:
    mentee, mentor = await a_month_of_mentoring(world)

    shown = await hours_of(world, mentor)
    assert shown.title == "Your service hours"
    assert shown.description is not None and shown.description.startswith("2 hours 55 minutes")
    assert field(shown, "January 2026") == "55 minutes · 1 session · 1 mentor check-in"
    assert field(shown, "December 2025") == "2 hours · 1 training module"
    assert "1 entry is not counted yet" in field(shown, "Waiting for staff")
    assert [f.name for f in shown.fields][:2] == ["January 2026", "December 2025"]
    refused = reply_of(await mentee.slash(world.general, "hours")).content
    assert "Service hours are for mentors" in refused

    # Staff export: a summary, and a CSV and a certificate for the one mentor.
    exported = reply_of(await world.staff.slash(world.general, "staff hours export"))
    (summary,) = exported.embeds
    assert summary.title == "Service hours, Aug 1, 2025 to Jan 8, 2026"
    assert "sam_mentor: 2.92 hours (1 entry waiting for staff)" in (summary.description or "")
    disputed = field(summary, "Disputed sessions")
    assert "sam_mentor says it happened, jordan says it was a no-show" in disputed
    assert "/staff hours confirm" in disputed
    files = {attachment.filename: attachment for attachment in exported.attachments}
    assert set(files) == {"hours-sam-mentor.csv", "certificate-sam-mentor.pdf"}
    rows = list(
        csv.reader(io.StringIO((await files["hours-sam-mentor.csv"].read()).decode("utf-8-sig")))
    )
    assert rows[0] == ["date", "what", "minutes", "confirmed"]
    assert rows[1] == ["2025-12-31", "Mentor training: Being a good listener", "120", "yes"]
    assert rows[2] == ["2026-01-04", "Mentoring session", "45", "yes"]
    assert rows[3] == ["2026-01-05", "Mentor check-in", "10", "yes"]
    assert rows[4][:3] == ["2026-01-08", "Mentoring session", "45"]
    assert rows[4][3] == "no: the mentee answered it did not happen; waiting for staff"
    text = pdf_text(await files["certificate-sam-mentor.pdf"].read())
    for expected in (
        "Eastside Alternative School",
        "sam_mentor",
        "2.92 hours",
        "from August 1, 2025 to January 8, 2026",
        "ms_rivera, program staff",
    ):
        assert expected in text, (expected, text)

    # Staff review the disputed session from the autocomplete: then it counts.
    choices = await world.staff.autocomplete(world.general, "staff hours confirm", "session", "")
    assert [choice["name"] for choice in choices] == [
        f"#{choices[0]['value']}, Jan 8, 2026, 45 min, {mentor.name} with {mentee.name}"
    ]
    confirmed = reply_of(
        await world.staff.slash(
            world.general, "staff hours confirm", session=choices[0]["value"], happened="yes"
        )
    ).content
    assert f"now counts 45 minutes of service for {mentor.mention}" in confirmed
    shown = await hours_of(world, mentor)
    assert field(shown, "January 2026") == "1 hour 40 minutes · 2 sessions · 1 mentor check-in"
    assert all(f.name != "Waiting for staff" for f in shown.fields)
    assert await world.staff.autocomplete(world.general, "staff hours confirm", "session", "") == []


async def test_a_spanish_staff_member_gets_the_certificate_in_spanish(world: World) -> None:
    await a_month_of_mentoring(world)
    speaks(world, world.staff, "es-419")
    exported = reply_of(
        await world.staff.slash(world.general, "staff hours export", period="2026-01")
    )
    assert exported.embeds[0].title == "Horas de servicio, 1 ene 2026 al 8 ene 2026"  # to today
    files = {attachment.filename: attachment for attachment in exported.attachments}
    rows = list(
        csv.reader(io.StringIO((await files["hours-sam-mentor.csv"].read()).decode("utf-8-sig")))
    )
    assert rows[0] == ["fecha", "actividad", "minutos", "confirmada"]
    assert len(rows) == 4  # January only: the session, the check-in, the disputed session
    text = pdf_text(await files["certificate-sam-mentor.pdf"].read())
    for expected in (
        "Certificado de horas de servicio",
        "sam_mentor",
        "0,92 horas",  # 45 + 10 minutes; the disputed session waits
        "del 1 de enero de 2026 al 8 de enero de 2026",
        "ms_rivera, personal del programa",
    ):
        assert expected in text, (expected, text)


async def test_students_cannot_export_or_see_disputed_sessions(world: World) -> None:
    mentee, mentor = await a_month_of_mentoring(world)
    open_staff_menu(world, world.guild.default_role)  # shown to all; still refused
    for student in (mentee, mentor):
        refused = reply_of(await student.slash(world.general, "staff hours export"))
        assert "Only staff" in refused.content
        for option, command in (
            ("session", "staff hours confirm"),
            ("period", "staff hours export"),
        ):
            assert await student.autocomplete(world.general, command, option, "") == []
    periods = await world.staff.autocomplete(world.general, "staff hours export", "period", "")
    assert [choice["value"] for choice in periods][:3] == [
        "2025-08-01..2026-07-31",
        "2024-08-01..2025-07-31",
        "2026-01-01..2026-01-31",
    ]
    bad = reply_of(await world.staff.slash(world.general, "staff hours export", period="spring"))
    assert 'I couldn\'t read the period "spring"' in bad.content


async def test_a_period_without_hours_says_so(world: World) -> None:
    _, mentor = await matched(world)
    shown = await hours_of(world, mentor)
    assert shown.description is not None and shown.description.startswith("2 hours in all")
    exported = reply_of(
        await world.staff.slash(world.general, "staff hours export", period="2025-09")
    )
    assert exported.content == "No mentor has service hours in September 2025."
    assert not exported.attachments
