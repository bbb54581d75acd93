"""Profiles, consent, training and matching through simcord, as students and staff do it."""

from __future__ import annotations

import csv
import io
from typing import Any

import discord
from simcord.actors import MemberActor

from storage.models import MatchStatus
from storage.repositories import matches, members, surveys
from tests.e2e.conftest import World, open_staff_menu
from tests.e2e.test_foundation import reply_of, run_setup, text_of

MENTEE = {
    "profile:grade": "8",
    "profile:interests": "Art, soccer , art, Video  Games",
    "profile:focus": ["academics", "social-emotional"],
    "profile:subjects": "math",
    "profile:availability": "Mon-Thu 3:30-5pm, Sat 10-12",
}
MENTOR = {
    "profile:grade": "11",
    "profile:interests": "soccer, video games, drawing",
    "profile:focus": ["academics", "career"],
    "profile:subjects": "math, chemistry",
    "profile:availability": "Mon-Fri 3-6pm",
}


async def open_join(world: World, actor: MemberActor, role: str, profile: dict[str, Any]) -> Any:
    shown = await actor.slash(world.general, "join", role=role)
    assert shown.modal is not None, shown.response and shown.response.content
    return await actor.submit_modal(shown, profile)


async def join(
    world: World, actor: MemberActor, role: str, profile: dict[str, Any], *, spanish: bool = False
) -> Any:
    """/join, the form, then the privacy notice's Accept (``spanish``: in a Spanish Discord)."""
    notice = await open_join(world, actor, role, profile)
    heading, accept = ("tu privacidad", "Aceptar") if spanish else ("your privacy", "Accept")
    assert notice.response is not None and heading in notice.response.content
    return await actor.click(notice.response, label=accept)


async def member_row(world: World, actor: MemberActor) -> Any:
    async with world.bot.sessions() as session:
        return await members.get(session, world.guild.id, actor.id)


async def train(world: World, mentor: MemberActor, *, spanish: bool = False) -> str:
    """Staff add a 120-minute module; the mentor does it (``spanish``: from a Spanish
    Discord); staff confirm. Returns what the mentor read."""
    await world.staff.slash(
        world.general,
        "staff training add",
        title="Being a good listener",
        content="https://example.org/listening",
        minutes=120,
    )
    module = (await world.bot.cogs["TrainingCog"].service.modules(world.guild.id))[0]  # type: ignore[attr-defined]
    done = await mentor.slash(
        world.general, "training done", module=module.id, reflection="Ask open questions and wait."
    )
    marked = reply_of(done).content
    assert marked.startswith("Marcaste" if spanish else "Marked"), marked
    confirmed = await world.staff.slash(
        world.general, "staff training confirm", mentor=mentor, module=module.id
    )
    assert "They can now be matched" in reply_of(confirmed).content
    return marked


def add_student(world: World, name: str) -> MemberActor:
    return world.guild.add_member(world.env.create_user(name))


async def ready_school(world: World) -> tuple[MemberActor, MemberActor]:
    """After /setup: the student is a mentee, a trained mentor has joined."""
    await run_setup(world)
    mentor = add_student(world, "sam_mentor")
    await join(world, world.student, "mentee", MENTEE)
    await join(world, mentor, "mentor", MENTOR)
    await train(world, mentor)
    return world.student, mentor


async def test_a_mentee_joins_after_accepting_the_notice(world: World) -> None:
    await run_setup(world)
    accepted = await join(world, world.student, "mentee", MENTEE)
    assert "Welcome to the program" in text_of(accepted.response)
    row = await member_row(world, world.student)
    assert row.active and row.consented_at is not None and row.grade == 8
    assert row.interests == ["art", "soccer", "video games"]
    shown = text_of(reply_of(await world.student.slash(world.general, "profile show")))
    assert "Mon–Thu 15:30–17:00" in shown and "Sat 10:00–12:00" in shown


async def test_declining_the_notice_stores_nothing(world: World) -> None:
    await run_setup(world)
    notice = await open_join(world, world.student, "mentee", MENTEE)
    declined = await world.student.click(notice.response, label="Decline")
    assert "Nothing was stored" in declined.response.content
    assert await member_row(world, world.student) is None


async def test_bad_profile_input_is_named_and_nothing_is_stored(world: World) -> None:
    await run_setup(world)
    bad = {**MENTEE, "profile:grade": "15", "profile:availability": "Mon 3-5pm, whenever"}
    answer = await open_join(world, world.student, "mentee", bad)
    text = answer.response.content
    assert "Grade" in text and "6 to 12" in text and '"whenever"' in text
    assert "your privacy" not in text
    assert await member_row(world, world.student) is None


async def test_an_unknown_time_zone_on_join_is_named(world: World) -> None:
    await run_setup(world)
    shown = await world.student.slash(
        world.general, "join", role="mentee", time_zone="Mars/Olympus"
    )
    answer = await world.student.submit_modal(shown, MENTEE)
    assert "Mars/Olympus" in answer.response.content
    assert await member_row(world, world.student) is None


async def test_joining_twice_is_refused(world: World) -> None:
    await run_setup(world)
    await join(world, world.student, "mentee", MENTEE)
    again = await world.student.slash(world.general, "join", role="mentor")
    assert again.modal is None
    assert "already in the program as a mentee" in reply_of(again).content


async def test_students_cannot_run_staff_commands(world: World) -> None:
    await run_setup(world)
    open_staff_menu(world, world.guild.default_role)  # shown to all; still refused
    refused = await world.student.slash(world.general, "staff roster")
    assert "Only staff" in reply_of(refused).content


async def test_untrained_mentors_need_an_override_with_a_reason(world: World) -> None:
    await run_setup(world)
    mentor = add_student(world, "new_mentor")
    await join(world, world.student, "mentee", MENTEE)
    await join(world, mentor, "mentor", MENTOR)
    refused = await world.staff.slash(
        world.general, "staff match create", mentor=mentor, mentee=world.student
    )
    assert "training" in reply_of(refused).content.lower()
    assert "`override_reason`" in reply_of(refused).content
    done = await world.staff.slash(
        world.general,
        "staff match create",
        mentor=mentor,
        mentee=world.student,
        override_reason="Trained last year",
    )
    assert "Matched" in reply_of(done).content
    async with world.bot.sessions() as session:
        (match,) = await matches.active(session, world.guild.id)
    assert match.override_reason == "Trained last year"


async def test_rules_that_refuse_a_match(world: World) -> None:
    student, mentor = await ready_school(world)
    same_grade = add_student(world, "classmate")
    await join(world, same_grade, "mentor", {**MENTOR, "profile:grade": "8"})
    await train(world, same_grade)
    refused = await world.staff.slash(
        world.general, "staff match create", mentor=same_grade, mentee=student
    )
    assert "grade" in reply_of(refused).content.lower()
    self_match = await world.staff.slash(
        world.general, "staff match create", mentor=mentor, mentee=mentor
    )
    assert "themselves" in reply_of(self_match).content


async def test_suggest_create_private_channel_roster_and_closure(world: World) -> None:
    student, mentor = await ready_school(world)
    bystander = add_student(world, "bystander")

    suggested = text_of(
        reply_of(await world.staff.slash(world.general, "staff match suggest", mentee=student))
    )
    assert mentor.mention in suggested and "shared interest" in suggested

    created = reply_of(
        await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=student)
    )
    assert "Matched" in created.content
    async with world.bot.sessions() as session:
        (match,) = await matches.active(session, world.guild.id)
    channel = next(c for c in world.guild.channels.values() if c.id == match.channel_id)
    welcome = channel.history(viewer=student)[0]
    assert "First steps" in welcome.content and "Conversation starters" in welcome.content
    assert channel.history(viewer=mentor) and channel.history(viewer=world.staff)
    try:
        channel.history(viewer=bystander)
        raise AssertionError("a student outside the pair can read the pair's channel")
    except Exception as error:  # simcord refuses a viewer who cannot see the channel
        assert "cannot read" in str(error)
    assert "new mentor" in student.user.dm_channel.last_message.content
    assert "new mentee" in mentor.user.dm_channel.last_message.content

    roster = await world.staff.slash(world.general, "staff roster")
    page = reply_of(roster)
    assert "1 matches" in page.embeds[0].title
    (csv_file,) = page.attachments
    assert csv_file.filename == "roster.csv"

    ended = await world.staff.slash(
        world.general, "staff match end", mentor=mentor, mentee=student, reason="school year over"
    )
    assert "Ended" in reply_of(ended).content
    assert "has ended" in channel.history(viewer=world.staff)[-1].content
    assert channel.history(viewer=student)  # still readable, kept for staff and the pair
    archived = world.bot.get_channel(channel.id)
    assert isinstance(archived, discord.TextChannel)
    for actor in (student, mentor):
        assert archived.overwrites_for(discord.Object(actor.id)).send_messages is False
    survey_dm = student.user.dm_channel.last_message
    assert "a few short questions" in survey_dm.content
    shown = await student.user.click(survey_dm, label="Answer the survey")
    scales = {f"closure:q{n}": "4" for n in range(len(world.bot.settings.surveys.likert_questions))}
    thanked = await student.user.submit_modal(
        shown, {"closure:rating": "5", **scales, "closure:comment": "Someone to talk to"}
    )
    assert "Thank you" in thanked.response.content
    async with world.bot.sessions() as session:
        row = await matches.by_id(session, match.id)
        assert row is not None and row.status is MatchStatus.CLOSED
        student_row = await member_row(world, student)
        assert await surveys.answered(session, "closure", match.id, student_row.id)


async def test_cohort_is_applied_only_on_confirm(world: World) -> None:
    await ready_school(world)
    second = add_student(world, "riley")
    await join(world, second, "mentee", {**MENTEE, "profile:grade": "7"})
    proposal = await world.staff.slash(world.general, "staff match cohort")
    shown = reply_of(proposal)
    assert "2 matches" in shown.embeds[0].title
    async with world.bot.sessions() as session:
        assert await matches.active(session, world.guild.id) == []
    confirmed = await world.staff.click(shown, label="Confirm")
    assert "Created 2 matches" in confirmed.followups[0].content
    async with world.bot.sessions() as session:
        assert len(await matches.active(session, world.guild.id)) == 2


async def test_a_member_who_left_the_server_is_not_matched(world: World) -> None:
    student, _ = await ready_school(world)
    second = add_student(world, "riley")
    await join(world, second, "mentee", {**MENTEE, "profile:grade": "7"})
    world.guild.remove_member(student)
    shown = reply_of(await world.staff.slash(world.general, "staff match cohort"))
    confirmed = await world.staff.click(shown, label="Confirm")
    report = confirmed.followups[0].content
    assert "Created 1 match." in report and "no longer in this server" in report
    async with world.bot.sessions() as session:
        (match,) = await matches.active(session, world.guild.id)
    assert match.mentee_id == (await member_row(world, second)).id


async def test_a_channel_that_cannot_be_created_tells_staff_the_permission(world: World) -> None:
    student, mentor = await ready_school(world)
    category = world.bot.get_channel(world.mentoring.id)
    assert isinstance(category, discord.CategoryChannel)
    await category.set_permissions(category.guild.me, manage_channels=False)
    refused = await world.staff.slash(
        world.general, "staff match create", mentor=mentor, mentee=student
    )
    text = reply_of(refused).content
    assert "Manage Channels" in text and "Mentoring" in text and "Nothing was saved" in text
    async with world.bot.sessions() as session:
        assert await matches.active(session, world.guild.id) == []


async def test_leaving_deactivates_and_closes_the_match(world: World) -> None:
    student, mentor = await ready_school(world)
    await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=student)
    asked = await student.slash(world.general, "leave")
    left = await student.click(reply_of(asked), label="Leave the program")
    assert "You have left the program" in left.response.content
    row = await member_row(world, student)
    assert not row.active and row.left_at is not None
    async with world.bot.sessions() as session:
        assert await matches.active(session, world.guild.id) == []


async def test_the_roster_csv_names_people_and_keeps_a_formula_name_as_text(world: World) -> None:
    await run_setup(world)
    sneaky = world.guild.add_member(
        world.env.create_user("sneaky", global_name='=HYPERLINK("http://x")')
    )
    await join(world, world.student, "mentee", MENTEE)
    await join(world, sneaky, "mentor", MENTOR)
    await train(world, sneaky)
    await world.staff.slash(
        world.general, "staff match create", mentor=sneaky, mentee=world.student
    )
    page = reply_of(await world.staff.slash(world.general, "staff roster"))
    (csv_file,) = page.attachments
    rows = list(csv.reader(io.StringIO((await csv_file.read()).decode())))
    match = next(row for row in rows if row[0] == "match")
    assert match[1:3] == ['\'=HYPERLINK("http://x")', "jordan"]
    assert str(world.student.id) not in "".join(map(",".join, rows))


def typed_values(modal: dict[str, Any]) -> dict[str, Any]:
    """custom_id -> what a form's text inputs show (``value``) and its selects' defaults."""
    found: dict[str, Any] = {}

    def walk(component: dict[str, Any]) -> None:
        if "custom_id" in component and "value" in component:
            found[component["custom_id"]] = component["value"]
        if "custom_id" in component and "options" in component:
            found[component["custom_id"]] = [
                option["value"] for option in component["options"] if option.get("default")
            ]
        children = [*component.get("components", [])]
        if isinstance(component.get("component"), dict):
            children.append(component["component"])
        for child in children:
            walk(child)

    walk(modal)
    return found


async def test_a_refused_form_reopens_with_what_was_typed(world: World) -> None:
    await run_setup(world)
    typed = {**MENTEE, "profile:interests": "soccer, " + "a" * 31}
    refused = await open_join(world, world.student, "mentee", typed)
    assert refused.response is not None and "30" in refused.response.content
    assert await member_row(world, world.student) is None  # nothing saved
    reopened = await world.student.click(refused.response, label="Edit and resend")
    assert reopened.modal is not None
    shown = typed_values(reopened.modal)
    assert shown["profile:interests"] == typed["profile:interests"]
    assert shown["profile:availability"] == MENTEE["profile:availability"]
    assert shown["profile:focus"] == MENTEE["profile:focus"]
    fixed = await world.student.submit_modal(reopened, {**shown, "profile:interests": "soccer"})
    assert fixed.response is not None and "your privacy" in fixed.response.content
