"""Staff contacts and the program report through simcord."""

from __future__ import annotations

from tests.e2e.conftest import World
from tests.e2e.test_foundation import reply_of, text_of
from tests.e2e.test_matching import ready_school


async def test_staff_record_a_contact_with_a_pair(world: World) -> None:
    student, mentor = await ready_school(world)
    missing = await world.staff.slash(world.general, "staff contact", member=student, note="hi")
    assert "not in an active match" in reply_of(missing).content
    await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=student)

    done = reply_of(
        await world.staff.slash(
            world.general, "staff contact", member=mentor, note="Both happy, meeting weekly"
        )
    )

    assert "Recorded your contact" in done.content and "next one is due" in done.content
    assert student.mention in done.content and mentor.mention in done.content


async def test_staff_report_shows_figures_objectives_charts_and_csvs(world: World) -> None:
    student, mentor = await ready_school(world)
    await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=student)
    await world.env.advance_time(15 * 86_400)  # the pair is now overdue for a staff contact

    reply = reply_of(await world.staff.slash(world.general, "staff report", period="month"))

    text = text_of(reply)
    assert "Active matches at the end of the period: 1" in text
    assert "Sessions held per week: 0" in text
    assert "Sessions that happened, of those answered: no data" in text
    assert "contacts_overdue <= 0: NOT met (1)" in text
    assert f"{mentor.mention} with {student.mention}: due" in text
    assert "attendance_rate >= 90%: no data yet" in text
    names = {attachment.filename for attachment in reply.attachments}
    assert {"sessions_per_week.png", "sessions_per_week.csv", "objectives.csv"} <= names
    assert len(names) <= 10
    refused = await student.slash(world.general, "staff report")
    assert "Only staff" in reply_of(refused).content
