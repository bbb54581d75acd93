"""Check-ins feed the escalation rules through simcord: concerning words in a check-in reach
staff at once and show the student the crisis resources; a reach-out request and a low mood
two weeks in a row open escalations; nothing is posted twice. A mentor's concern and request
for support reach staff too, and staff can read the mentor's check-ins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from simcord.actors import MemberActor

from bot.services.concern import LABELS
from tests.e2e.conftest import World
from tests.e2e.test_checkins import GOAL, add_goal, advance, answer, checkin_dms, until_monday
from tests.e2e.test_escalations import posts
from tests.e2e.test_foundation import reply_of
from tests.e2e.test_sessions import dms, matched, seconds_until

WEEK = timedelta(weeks=1).total_seconds()


def escalation_posts(world: World) -> list[discord.Message]:
    """The staff channel's escalation posts (not their re-pings)."""
    return [post for post in posts(world) if post.embeds]


def low_mood(world: World) -> list[discord.Message]:
    """Posts for the low-mood rule (the pair also meets the 14-day no-session rule)."""
    return [post for post in escalation_posts(world) if shown(post).startswith("Mood 2")]


def shown(post: discord.Message) -> str:
    (embed,) = post.embeds
    return " ".join([embed.description or "", *(f"{f.name} {f.value}" for f in embed.fields)])


async def test_concerning_words_in_a_checkin_reach_staff_and_show_crisis_resources(
    world: World,
) -> None:
    mentee, _ = await matched(world)
    await add_goal(world, mentee)
    await until_monday(world)
    (prompt,) = checkin_dms(mentee)
    done = await answer(
        mentee,
        prompt,
        ["3"],
        **{"checkin:well": "Nothing really", "checkin:hard": "Some days I want to kill myself"},
    )
    assert "Thanks for checking in" in done.response.content
    await world.env.advance_time(1)
    (resources,) = [f.content for f in done.followups]
    assert "988" in resources and "not a counsellor" in resources
    (post,) = escalation_posts(world)
    assert post.raw_role_mentions == [world.staff_role.id]
    assert post.embeds[0].title == "Escalation #1: Right now"
    assert f"<@{mentee.id}>" in shown(post) and LABELS["active_ideation"] in shown(post)
    assert "Open goals: Hand in every math homework" in shown(post)


async def test_an_indirect_wish_to_die_in_a_checkin_is_urgent_and_named(world: World) -> None:
    mentee, _ = await matched(world)
    await add_goal(world, mentee)
    await until_monday(world)
    (prompt,) = checkin_dms(mentee)
    done = await answer(
        mentee, prompt, ["3"], **{"checkin:hard": "i wish i could sleep and never wake up"}
    )
    await world.env.advance_time(1)
    (resources,) = [f.content for f in done.followups]
    assert "988" in resources and "741741" in resources
    (post,) = escalation_posts(world)
    assert "(Right now)" in post.content and LABELS["passive_ideation"] in post.content
    assert LABELS["passive_ideation"] in shown(post)


async def test_harmless_words_and_a_reach_out_request(world: World) -> None:
    mentee, _ = await matched(world)
    await add_goal(world, mentee)
    await until_monday(world)
    (prompt,) = checkin_dms(mentee)
    done = await answer(
        mentee,
        prompt,
        ["3"],
        **{"checkin:hard": "This homework is killing me", "checkin:reach": ["yes"]},
    )
    await world.env.advance_time(1)
    assert done.followups == []  # no crisis resources for an idiom
    (post,) = escalation_posts(world)
    assert "reach out" in shown(post).lower() and "mood 4/5" in shown(post)


async def test_a_low_mood_two_weeks_in_a_row_escalates_once(world: World) -> None:
    mentee, _ = await matched(world)
    await add_goal(world, mentee, **{"goal:what": GOAL["goal:what"]})
    await until_monday(world)
    for week in range(3):
        prompt = checkin_dms(mentee)[-1]
        await answer(mentee, prompt, ["2"], **{"checkin:mood": ["2"]})
        await world.env.advance_time(1)
        assert len(low_mood(world)) == (1 if week else 0), f"week {week + 1}"
        await advance(world, WEEK)
    (post,) = low_mood(world)  # the third low week is added to the open escalation
    assert "2 so far" in shown(post) and "mood 2/5, mood 2/5" in shown(post)


async def test_a_mentors_concern_and_request_for_support_reach_staff(world: World) -> None:
    mentee, mentor = await matched(world)
    await until_monday(world)
    asked = next(m for m in dms(mentor) if "Mentor check-in" in m.content)
    form = await mentor.user.click(asked, label="Answer")
    concern = "He told me he wants to kill himself"
    answered = await mentor.user.submit_modal(
        form,
        {
            "mentor:met": ["yes"],
            "mentor:going": ["2"],
            "mentor:support": ["yes"],
            "mentor:concern": concern,
        },
    )
    assert "one will reach out" in answered.response.content
    await world.env.advance_time(1)
    (resources,) = [f.content for f in answered.followups]
    assert "988" in resources  # the mentor is shown what to do if someone is in danger now

    by_title = {post.embeds[0].title: shown(post) for post in escalation_posts(world)}
    urgent = next(text for title, text in by_title.items() if title.endswith("Right now"))
    assert f"<@{mentee.id}>" in urgent and concern in urgent and LABELS["active_ideation"] in urgent
    support = next(text for title, text in by_title.items() if title.endswith("Today"))
    assert f"<@{mentor.id}>" in support and "asked for support" in support
    assert all(post.raw_role_mentions == [world.staff_role.id] for post in escalation_posts(world))

    staff_view = reply_of(await world.staff.slash(world.general, "checkin history", member=mentor))
    assert "asked for support from staff" in staff_view.content and concern in staff_view.content
    own = reply_of(await mentor.slash(world.general, "checkin history"))
    assert "going 2/5" in own.content
    refused = reply_of(await mentee.slash(world.general, "checkin history", member=mentor))
    assert "only by them and by staff" in refused.content


async def test_concerning_words_in_a_goal_reach_staff_and_show_the_writer_resources(
    world: World,
) -> None:
    mentee, _ = await matched(world)
    form = await mentee.slash(world.general, "goal add")
    why = "Some days I want to kill myself, I need a reason to keep going"
    added = await mentee.submit_modal(form, {**GOAL, "goal:why": why})
    assert "Goal added" in added.response.content
    await world.env.advance_time(1)
    (resources,) = [f.content for f in added.followups]
    assert "988" in resources and "not a counsellor" in resources
    (post,) = escalation_posts(world)
    assert "(Right now)" in post.content and LABELS["active_ideation"] in post.content
    assert why in shown(post)


async def test_concerning_words_in_a_session_topic_and_note_reach_staff(world: World) -> None:
    mentee, mentor = await matched(world)
    proposed = await mentee.slash(
        world.general, "session schedule", when="saturday 11am", topic="i wrote a goodbye note"
    )
    await world.env.advance_time(1)
    assert any("988" in f.content for f in proposed.followups)
    (post,) = escalation_posts(world)
    assert LABELS["preparatory_acts"] in post.content and f"<@{mentee.id}>" in shown(post)
    await mentor.user.click(dms(mentor)[-1], label="Accept")
    await advance(world, await seconds_until(world, datetime(2026, 1, 3, 18, 0, tzinfo=UTC)))
    done = await note_after_session(mentee, "I have been cutting myself again")
    await world.env.advance_time(1)
    assert "noted" in done.response.content and "988" in done.followups[-1].content
    (post,) = escalation_posts(world)  # the mentee's own note: added to their escalation
    assert student_of(post) == mentee.id and "reported by" not in shown(post)
    timeline = reply_of(await world.staff.slash(world.general, "staff escalation view", id=1))
    assert LABELS["self_harm"] in str(timeline.embeds[0].to_dict())


def student_of(post: discord.Message) -> int:
    """The user id the staff post names as its student."""
    return int(post.embeds[0].fields[0].value.strip("<@>"))


async def note_after_session(actor: MemberActor, note: str) -> Any:
    """``actor`` answers "Did it happen?" with Yes and ``note``."""
    question = next(m for m in reversed(dms(actor)) if "Did it happen?" in m.content)
    form = await actor.user.click(question, label="Yes")
    return await actor.user.submit_modal(form, {"attend:covered": "goals", "attend:note": note})


async def mentor_notes_after_a_session(
    world: World, note: str
) -> tuple[MemberActor, MemberActor, Any]:
    """A matched pair's session happens and the mentor answers "Did it happen?" with
    ``note``; returns the mentee, the mentor and the answer."""
    mentee, mentor = await matched(world)
    await mentee.slash(world.general, "session schedule", when="saturday 11am", topic="algebra")
    await mentor.user.click(dms(mentor)[-1], label="Accept")
    await advance(world, await seconds_until(world, datetime(2026, 1, 3, 18, 0, tzinfo=UTC)))
    done = await note_after_session(mentor, note)
    await world.env.advance_time(1)
    return mentee, mentor, done


async def test_a_mentors_attendance_note_about_their_mentee_escalates_about_the_mentee(
    world: World,
) -> None:
    mentee, mentor, done = await mentor_notes_after_a_session(world, "he told me he wants to die")
    assert "noted" in done.response.content and "988" in done.followups[-1].content
    (post,) = escalation_posts(world)
    assert student_of(post) == mentee.id
    assert f"reported by <@{mentor.id}>" in shown(post)
    assert LABELS["wish_to_be_dead"] in post.content
    timeline = reply_of(await world.staff.slash(world.general, "staff escalation view", id=1))
    assert "in their mentor's session topic or attendance note" in str(timeline.embeds[0].to_dict())


async def test_a_mentors_first_person_note_escalates_about_the_mentor(world: World) -> None:
    _, mentor, done = await mentor_notes_after_a_session(
        world, "honestly i want to die, i'm so tired"
    )
    assert "noted" in done.response.content and "988" in done.followups[-1].content
    (post,) = escalation_posts(world)
    assert student_of(post) == mentor.id and "reported by" not in shown(post)
    assert LABELS["wish_to_be_dead"] in post.content


async def test_a_session_topic_a_mentor_writes_about_their_mentee_is_about_the_mentee(
    world: World,
) -> None:
    mentee, mentor = await matched(world)
    await mentor.slash(
        world.general, "session schedule", when="saturday 11am", topic="he wants to kill himself"
    )
    await world.env.advance_time(1)
    (post,) = escalation_posts(world)
    assert student_of(post) == mentee.id and f"reported by <@{mentor.id}>" in shown(post)
