"""Staff contacts and the program report through simcord."""

from __future__ import annotations

import io
import zipfile

from tests.e2e.conftest import World, open_staff_menu
from tests.e2e.test_checkins import advance, answer, checkin_dms, until_monday
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_foundation import reply_of, text_of
from tests.e2e.test_matching import ready_school
from tests.e2e.test_sessions import matched


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
    await advance(world, 15 * 86_400)  # the pair is now overdue for a staff contact

    reply = reply_of(await world.staff.slash(world.general, "staff report", period="month"))

    text = text_of(reply)
    assert "Active matches at the end of the period: 1" in text
    assert "Sessions held per week: 0" in text
    assert "Sessions that happened, of those answered: no data" in text
    assert "contacts_overdue <= 0: NOT met (1)" in text
    assert f"{mentor.mention} with {student.mention}: due" in text
    assert "attendance_rate >= 90%: no data yet" in text
    names = {attachment.filename for attachment in reply.attachments}
    assert {"sessions_per_week.png", "checkin_completion_per_week.png"} <= names
    assert "report-tables.zip" in names and len(names) <= 10  # too many CSVs for one message
    open_staff_menu(world, world.guild.default_role)  # shown to all; still refused
    refused = await student.slash(world.general, "staff report")
    assert "Only staff" in reply_of(refused).content


async def test_the_report_counts_check_ins_and_escalations(world: World) -> None:
    mentee, _ = await matched(world)
    await until_monday(world)
    (prompt,) = checkin_dms(mentee)
    await answer(mentee, prompt, [], **{"checkin:mood": ["4"]})
    await ask_for_help(world, mentee, "can_wait")
    await world.env.advance_time(120)
    await world.staff.click(posts(world)[-1], label="Claim")
    await world.env.advance_time(60)  # the period ends now: what happened before it counts

    reply = reply_of(await world.staff.slash(world.general, "staff report", period="week"))

    text = text_of(reply)
    assert "Check-ins answered, of those due: 100%" in text
    assert "Check-in mood, 1 to 5: 4" in text
    assert "Escalations opened: 1" in text and "Escalations still open at the end: 1" in text
    assert "checkin_completion >= 80%: met (100%)" in text
    assert "Week of 2026-01-05: 1 answered, 0 missed (100.0%), mood 4.0" in text
    assert "Someone keeps waiting" not in text  # the student's words stay out of the report
    files = {attachment.filename: attachment for attachment in reply.attachments}
    assert {"checkin_completion_per_week.png", "mood_distribution.png"} <= set(files)
    bundle = zipfile.ZipFile(io.BytesIO(await files["report-tables.zip"].read()))
    by_urgency = bundle.read("escalations_by_urgency.csv").decode().splitlines()
    assert by_urgency[1] == "can_wait,1,0,1,2.0"  # claimed two minutes after it was opened
    assert bundle.read("mood_distribution.csv").decode().splitlines()[4] == "4,1"
