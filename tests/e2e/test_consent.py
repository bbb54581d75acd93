"""Guardian consent on file through simcord, with ``[privacy] require_guardian_consent =
true``: /join says so (in the student's language) and that Discord is for 13 and older,
matching is refused until staff record consent with /staff consent, the roster shows who
is waiting, and students cannot record it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.config import Settings
from tests.e2e.conftest import World, build_bot, open_staff_menu
from tests.e2e.test_foundation import reply_of, run_setup, text_of
from tests.e2e.test_matching import MENTEE, MENTOR, add_student, join, open_join, train
from tests.e2e.test_spanish import speaks

AGE = "Discord requires everyone who uses it to be at least 13 years old"
CONSENT = "your school needs a consent form from your parent or guardian"


@pytest.fixture
def adjust_settings() -> Callable[[Settings], Settings]:
    def consent_required(settings: Settings) -> Settings:
        return replace(settings, privacy=replace(settings.privacy, require_guardian_consent=True))

    return consent_required


async def test_join_says_consent_is_needed_and_that_discord_is_for_13_and_older(
    world: World,
) -> None:
    await run_setup(world)
    notice = (await open_join(world, world.student, "mentee", MENTEE)).response.content
    assert "your privacy" in notice and AGE in notice and CONSENT in notice

    spanish = add_student(world, "lucia")
    speaks(world, spanish, "es-419")
    notice = (await open_join(world, spanish, "mentee", MENTEE)).response.content
    assert "Discord exige que todas las personas que lo usan tengan al menos 13 años" in notice
    assert "formulario de consentimiento de tu madre, padre o tutor" in notice
    assert AGE not in notice and CONSENT not in notice

    # Consent recorded before they join: /join no longer asks for it.
    early = add_student(world, "early_bird")
    recorded = reply_of(
        await world.staff.slash(world.general, "staff consent", member=early, on_file="yes")
    )
    assert "They can be matched now" in recorded.content
    notice = (await open_join(world, early, "mentee", MENTEE)).response.content
    assert AGE in notice and CONSENT not in notice


async def test_matching_is_refused_without_consent_and_allowed_after_it(world: World) -> None:
    await run_setup(world)
    mentor = add_student(world, "sam_mentor")
    await join(world, world.student, "mentee", MENTEE)
    await join(world, mentor, "mentor", MENTOR)
    await train(world, mentor)

    refused = reply_of(
        await world.staff.slash(
            world.general, "staff match create", mentor=mentor, mentee=world.student
        )
    ).content
    assert f"{world.student.mention} can't be matched yet" in refused
    assert "/staff consent" in refused
    suggested = reply_of(
        await world.staff.slash(world.general, "staff match suggest", mentee=world.student)
    ).content
    assert "no guardian's consent on file" in suggested
    cohort = reply_of(await world.staff.slash(world.general, "staff match cohort")).content
    assert "waiting for a guardian's consent on file" in cohort
    roster = reply_of(await world.staff.slash(world.general, "staff roster"))
    page = roster.embeds[0].description or ""
    assert f"{world.student.mention} (waiting on guardian consent) is waiting for a mentor" in page
    assert f"{mentor.mention} (waiting on guardian consent):" in page

    open_staff_menu(world, world.guild.default_role)  # shown to all; still refused
    denied = reply_of(
        await world.student.slash(
            world.general, "staff consent", member=world.student, on_file="yes"
        )
    )
    assert "Only staff" in denied.content

    for student in (world.student, mentor):
        done = reply_of(
            await world.staff.slash(
                world.general,
                "staff consent",
                member=student,
                on_file="yes",
                note="Form received at enrolment",
            )
        )
        assert f"the school holds a guardian's consent for {student.mention}" in done.content
        if student is world.student:  # the mentor's is not on file yet
            suggested = reply_of(
                await world.staff.slash(world.general, "staff match suggest", mentee=student)
            )
            assert "Mentors without a guardian's consent on file are left out" in text_of(suggested)
    suggested = reply_of(
        await world.staff.slash(world.general, "staff match suggest", mentee=world.student)
    )
    assert mentor.mention in text_of(suggested)
    matched = reply_of(
        await world.staff.slash(
            world.general, "staff match create", mentor=mentor, mentee=world.student
        )
    )
    assert "Matched" in matched.content
    roster = reply_of(await world.staff.slash(world.general, "staff roster"))
    assert "waiting on guardian consent" not in (roster.embeds[0].description or "")

    withdrawn = reply_of(
        await world.staff.slash(world.general, "staff consent", member=mentor, on_file="no")
    )
    assert "won't be matched until it's on file" in withdrawn.content


async def test_without_the_setting_join_still_gives_the_age_but_not_the_consent(
    world: World, database_url: str
) -> None:
    fresh = build_bot(database_url, world.bot.sessions, [world.env])  # the defaults
    world.bot.scheduler.shutdown()
    await world.env.restart_bot(fresh)
    world.bot = fresh
    await run_setup(world)
    notice = (await open_join(world, world.student, "mentor", MENTOR)).response.content
    assert AGE in notice and CONSENT not in notice
    recorded = reply_of(
        await world.staff.slash(world.general, "staff consent", member=world.student, on_file="no")
    )
    assert "Matching doesn't wait for consent in this server" in recorded.content
