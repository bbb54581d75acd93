"""Staff contacts and the program report through simcord."""

from __future__ import annotations

from tests.e2e.conftest import World
from tests.e2e.test_foundation import reply_of
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
