"""Every persistent button, pressed twice and pressed stale, always gets an answer.

The buttons are found in the bot itself: every ``add_dynamic_items`` registration (each
literal alternative in its template, like ``accept|decline``, is one button) and every item
of a persistent view. The table below must hold each of them, so a new button fails here
until it is given its row. Each row says how the button is reached, and what its answers
say: pressed once (its form filled in when it opens one), pressed again on the message as it
was first shown (a double press, or a second device), and pressed once its row is gone (an
erasure, a clean-up). A press that opens a form is answered when the form is sent (its
form may rightly open again: a second note). Every answer is a sentence, ephemeral after
the first press, never an apology, and nothing reaches the error log.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any

import discord
import pytest
from simcord.results import InteractionResult
from sqlalchemy import delete, select, update

from bot.jobs import unix
from cogs.errors import EXPIRED_BUTTONS, EXPIRED_FORM, ReportingItem
from storage.models import (
    Base,
    Checkin,
    Escalation,
    Goal,
    Invitation,
    Match,
    Member,
    MentoringSession,
)
from tests.e2e.conftest import World
from tests.e2e.test_checkins import GOAL, advance, checkin_dms, until_monday
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_foundation import reply_of, run_setup
from tests.e2e.test_matching import MENTEE, MENTOR, add_student, join, member_row, open_join
from tests.e2e.test_sessions import dms, matched, propose, restart, seconds_until

Key = tuple[str, ...]


@dataclass
class Shown:
    """One button on a message, as its presser sees it, and the row it stands for."""

    presser: Any  # a user (in DMs) or a member (in a server channel)
    message: discord.Message
    custom_id: str
    row: tuple[type[Base], int]
    components: list[dict[str, Any]]  # the message's buttons as first shown


Form = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Answers:
    """What each press is answered with (a phrase of it); ``form`` fills a form it opens."""

    first: str
    again: str
    gone: str
    form: Form | None = None


def filled(values: dict[str, Any]) -> Form:
    return lambda _world: values


def button(
    world: World,
    presser: Any,
    message: discord.Message,
    prefix: str,
    model: type[Base],
    action: str | None = None,
) -> Shown:
    """The button of ``message`` whose custom_id is ``prefix{id}:...`` (its last part
    ``action`` when given); it stands for the ``model`` row with that id."""
    custom_id = next(
        child.custom_id
        for row in message.components
        if isinstance(row, discord.ActionRow)
        for child in row.children
        if isinstance(child, discord.Button) and (child.custom_id or "").startswith(prefix)
    )
    assert custom_id is not None
    if action is not None:
        custom_id = f"{custom_id.rsplit(':', 1)[0]}:{action}"
    row_id = int(custom_id.removeprefix(prefix).split(":")[0])
    stored = world.env.backend.get_message(message.channel.id, message.id)
    return Shown(presser, message, custom_id, (model, row_id), deepcopy(stored.components))


# ------------------------------------------------------------------ where each button is


async def invitations(world: World) -> dict[Key, Shown]:
    mentee, mentor = await matched(world)
    found = {}
    for action, when in zip(
        ("accept", "decline", "propose"), ("sunday 4pm", "monday 4pm", "tuesday 4pm"), strict=True
    ):
        await propose(world, mentee, when=when)
        found["InviteButton", action] = button(
            world, mentor.user, dms(mentor)[-1], "session-invite:", MentoringSession, action
        )
    return found


async def attendance(world: World) -> dict[Key, Shown]:
    mentee, mentor = await matched(world)
    for when in ("sunday 4pm", "sunday 5pm", "sunday 6pm"):
        await propose(world, mentee, when=when)
        await mentor.user.click(dms(mentor)[-1], label="Accept")
    await advance(world, await seconds_until(world, datetime(2026, 1, 5, 1, 0, tzinfo=UTC)))
    questions = [m for m in dms(mentee) if "Did it happen?" in m.content]
    assert len(questions) == 3
    found = {}
    for answer, question in zip(("happened", "rescheduled", "no-show"), questions, strict=True):
        found["AttendButton", answer] = button(
            world, mentee.user, question, "attend:", MentoringSession, answer
        )
    return found


async def checkins(world: World) -> dict[Key, Shown]:
    mentee, mentor = await matched(world)
    await until_monday(world)
    (prompt,) = checkin_dms(mentee)
    asked = next(m for m in dms(mentor) if "Mentor check-in" in m.content)
    return {
        ("StartButton",): button(world, mentee.user, prompt, "checkin-start:", Checkin),
        ("MentorButton",): button(world, mentor.user, asked, "mentor-checkin:", Member),
    }


async def goal_proposals(world: World) -> dict[Key, Shown]:
    mentee, mentor = await matched(world)
    found = {}
    for action, what in (("accept", "Join a club"), ("decline", "Read a book a month")):
        form = await mentor.slash(world.general, "goal propose", mentee=mentee)
        await mentor.submit_modal(form, {**GOAL, "goal:what": what})
        found["ProposalButton", action] = button(
            world, mentee.user, dms(mentee)[-1], "goal-proposal:", Goal, action
        )
    return found


async def escalations(world: World) -> dict[Key, Shown]:
    mentee, _ = await matched(world)
    found = {}
    for action in ("claim", "note", "resolve", "reassign"):
        await ask_for_help(world, mentee, "today")
        found["EscalationButton", action] = button(
            world, world.staff, posts(world)[-1], "escalation:", Escalation, action
        )
    return found


async def surveys(world: World) -> dict[Key, Shown]:
    mentee, mentor = await matched(world)
    second = add_student(world, "riley")
    await join(world, second, "mentee", MENTEE)
    await world.staff.slash(world.general, "staff match create", mentor=mentor, mentee=second)
    await world.staff.slash(
        world.general, "staff match end", mentor=mentor, mentee=second, reason="moved school"
    )
    weeks = timedelta(weeks=world.bot.settings.surveys.midpoint_weeks)
    async with world.bot.sessions() as session:  # as if made that many weeks ago
        match_id = await session.scalar(select(Match.id).order_by(Match.id))
        made = world.bot.clock.now() - weeks - timedelta(hours=1)
        await session.execute(update(Match).where(Match.id == match_id).values(created_at=made))
        await session.commit()
    # The mid-point job itself, run last: what the scheduler runs weeks into the match.
    cog: Any = world.bot.cogs["SurveyCog"]
    await cog.send(0, unix(world.bot.clock.now()))
    await world.bot.delivery.idle()  # its DMs leave through the engine, after the commit
    return {
        ("SurveyButton", "midpoint"): button(
            world, mentee.user, dms(mentee)[-1], "midpoint:", Match
        ),
        ("SurveyButton", "closure-survey"): button(
            world, second.user, dms(second)[-1], "closure-survey:", Match
        ),
    }


async def recruiting(world: World) -> dict[Key, Shown]:
    await run_setup(world)
    found, mentee = {}, add_student(world, "riley")
    for role, presser in (("mentor", world.student), ("mentee", mentee)):
        await world.staff.slash(world.general, "staff recruit post", channel=world.general)
        post = world.general.last_message  # one invitation each: each is erased on its own
        assert post is not None
        found["JoinButton", role] = button(world, presser, post, "recruit:", Invitation, role)
    return found


SURVEY = {"q0": "5", "q1": "3", "q2": "4"}
#: Each scene reaches some buttons; together they reach every one the bot registers.
SCENES: dict[str, Callable[[World], Awaitable[dict[Key, Shown]]]] = {
    "invitations": invitations,
    "attendance": attendance,
    "checkins": checkins,
    "goal proposals": goal_proposals,
    "escalations": escalations,
    "surveys": surveys,
    "recruiting": recruiting,
}
TABLE: dict[Key, Answers] = {
    ("InviteButton", "accept"): Answers("Accepted", "already answered", "no longer exists"),
    ("InviteButton", "decline"): Answers("Declined", "already answered", "no longer exists"),
    ("InviteButton", "propose"): Answers(
        "Invitation sent",
        "already answered",
        "no longer exists",
        filled({"session:when": "friday 4pm"}),
    ),
    ("AttendButton", "happened"): Answers(
        "noted", "already answered", "no longer exists", filled({"attend:covered": "math"})
    ),
    ("AttendButton", "rescheduled"): Answers("noted", "already answered", "no longer exists"),
    ("AttendButton", "no-show"): Answers("noted", "already answered", "no longer exists"),
    ("StartButton",): Answers(
        "Thanks",
        "already sent",
        "no longer exists",
        filled({"checkin:mood": ["4"], "checkin:reach": ["no"]}),
    ),
    ("MentorButton",): Answers(
        "Thanks",
        "already answered",
        "no longer in the program",
        filled({"mentor:met": ["yes"], "mentor:going": ["4"], "mentor:support": ["no"]}),
    ),
    ("ProposalButton", "accept"): Answers("Accepted", "already answered", "no longer exists"),
    ("ProposalButton", "decline"): Answers("Declined", "already answered", "no longer exists"),
    ("EscalationButton", "claim"): Answers("You claimed", "already claimed", "no escalation"),
    ("EscalationButton", "note"): Answers(
        "Note added", "Note added", "no escalation", filled({"esc:note": "Left a voicemail."})
    ),
    ("EscalationButton", "resolve"): Answers(
        "Resolved", "already resolved", "no escalation", filled({"esc:note": "Talked with mom."})
    ),
    ("EscalationButton", "reassign"): Answers(
        "is now with", "is now with", "no escalation", lambda world: {"esc:to": [world.admin]}
    ),
    ("SurveyButton", "midpoint"): Answers(
        "Thank you",
        "already answered",
        "no longer in the program",
        filled({f"midpoint:{k}": v for k, v in SURVEY.items()}),
    ),
    ("SurveyButton", "closure-survey"): Answers(
        "Thank you",
        "already answered",
        "no longer in the program",
        filled({"closure:rating": "4", **{f"closure:{k}": v for k, v in SURVEY.items()}}),
    ),
    # Pressing it opens the /join form; nothing is saved until the privacy notice is
    # accepted, so a second press rightly opens the form again.
    ("JoinButton", "mentor"): Answers(
        "your privacy", "your privacy", "no longer exists", filled(MENTOR)
    ),
    ("JoinButton", "mentee"): Answers(
        "your privacy", "your privacy", "no longer exists", filled(MENTEE)
    ),
}

#: Which buttons each scene reaches (checked against what it returns when it runs).
SCENE_KEYS: dict[str, set[Key]] = {
    "invitations": {k for k in TABLE if k[0] == "InviteButton"},
    "attendance": {k for k in TABLE if k[0] == "AttendButton"},
    "checkins": {("StartButton",), ("MentorButton",)},
    "goal proposals": {k for k in TABLE if k[0] == "ProposalButton"},
    "escalations": {k for k in TABLE if k[0] == "EscalationButton"},
    "surveys": {k for k in TABLE if k[0] == "SurveyButton"},
    "recruiting": {k for k in TABLE if k[0] == "JoinButton"},
}


# ------------------------------------------------------------------ the buttons the bot has


def _alternatives(template: re.Pattern[str]) -> list[tuple[str, ...]]:
    """Each combination of the template's literal alternatives (``(?P<a>x|y)``)."""
    groups = re.findall(r"\(\?P<\w+>([a-z|-]+)\)", template.pattern)
    return list(product(*(group.split("|") for group in groups)))


def registered(bot: discord.Client) -> set[Key]:
    # discord.py keeps the registrations in its view store, with no public accessor.
    store = bot._connection._view_store  # type: ignore[attr-defined]
    keys: set[Key] = set()
    for template, cls in store._dynamic_items.items():
        assert issubclass(cls, ReportingItem), f"{cls.__name__} is not a ReportingItem"
        keys |= {(cls.__name__, *variant) for variant in _alternatives(template)}
    for view in bot.persistent_views:
        keys |= {(type(item).__name__, getattr(item, "custom_id", "")) for item in view.children}
    return keys


async def test_the_table_holds_every_persistent_button(world: World) -> None:
    assert registered(world.bot) == set(TABLE)
    assert {key for scene in SCENES for key in SCENE_KEYS[scene]} == set(TABLE)


# ------------------------------------------------------------------ pressing


async def press(world: World, item: Shown, answers: Answers, where: str) -> InteractionResult:
    """Press it on the message as it was first shown (the bot may have edited it since),
    and send the form it opens."""
    stored = world.env.backend.get_message(item.message.channel.id, item.message.id)
    stored.components = deepcopy(item.components)
    result: InteractionResult = await item.presser.click(item.message, custom_id=item.custom_id)
    if result.modal is None:
        return result
    assert answers.form is not None, f"{where}: an unexpected form ({result!r})"
    sent: InteractionResult = await item.presser.submit_modal(result, answers.form(world))
    return sent


def told(result: InteractionResult, phrase: str, where: str) -> None:
    message = result.response
    assert message is not None, f"{where}: no answer at all ({result!r})"
    assert message.ephemeral, f"{where}: the answer is not ephemeral: {message.content!r}"
    assert phrase in message.content, f"{where}: {message.content!r}"
    assert "error id" not in message.content, f"{where}: an apology: {message.content!r}"


def answered(result: InteractionResult, phrase: str, where: str) -> None:
    """The first answer: a sentence (ephemeral, or the DM edited in place)."""
    message = result.response
    assert result.acknowledged and message is not None, f"{where}: no answer ({result!r})"
    assert phrase in message.content, f"{where}: {message.content!r}"
    assert "error id" not in message.content, f"{where}: an apology: {message.content!r}"


@pytest.mark.parametrize("scene", list(SCENES))
async def test_each_button_answers_pressed_twice_and_stale(
    world: World, scene: str, caplog: pytest.LogCaptureFixture
) -> None:
    found = await SCENES[scene](world)
    assert set(found) == SCENE_KEYS[scene]
    for key, item in found.items():
        answers, where = TABLE[key], " ".join(key)
        answered(await press(world, item, answers, where), answers.first, where)
        told(await press(world, item, answers, where), answers.again, f"{where}, pressed again")
        model, row_id = item.row
        async with world.bot.sessions.begin() as session:
            await session.execute(delete(model).where(model.id == row_id))  # type: ignore[attr-defined]
        told(await press(world, item, answers, where), answers.gone, f"{where}, its row gone")
    bugs = [r for r in caplog.records if r.name == "cogs.errors" and r.levelno >= logging.ERROR]
    assert bugs == [], [r.getMessage() for r in bugs]


async def test_buttons_whose_row_someone_else_changed_say_what_happened(world: World) -> None:
    """Stale by another's hand: the invitation cancelled by its sender, the escalation a
    colleague resolved."""
    found = await invitations(world)
    invite = found["InviteButton", "accept"]
    session_id = invite.row[1]
    proposer = world.student  # the mentee, in every scene
    cancelled = reply_of(await proposer.slash(world.general, "session cancel", session=session_id))
    assert "Cancelled" in cancelled.content
    told(
        await press(world, invite, TABLE["InviteButton", "accept"], "cancelled invitation"),
        "was cancelled",
        "cancelled invitation",
    )
    await ask_for_help(world, world.student, "today")
    message = posts(world)[-1]
    shown_to_staff = {
        action: button(world, world.staff, message, "escalation:", Escalation, action)
        for action in ("claim", "resolve", "reassign")
    }
    form = await world.admin.click(message, label="Resolve")
    await world.admin.submit_modal(form, {"esc:note": "Spoke with the family."})
    for action, post in shown_to_staff.items():
        label = action.capitalize()
        told(
            await press(world, post, TABLE["EscalationButton", action], label),
            "already resolved",
            f"{label} after a colleague resolved it",
        )


async def test_buttons_a_restart_or_a_timeout_left_behind_say_they_expired(
    world: World, database_url: str
) -> None:
    """Views that are not persistent stop at a restart or after their minutes: pressing one
    is answered (nothing is changed), not left to Discord's "This interaction failed"."""
    await run_setup(world)
    notice = await open_join(world, world.student, "mentee", MENTEE)
    await restart(world, database_url)
    pressed = await world.student.click(notice.response, label="Accept")
    assert pressed.response is not None and pressed.response.ephemeral
    assert pressed.response.content == EXPIRED_BUTTONS
    row = await member_row(world, world.student)
    assert row is None or not row.active  # nothing was changed, as it says

    await join(world, world.student, "mentee", MENTEE)
    asked = reply_of(await world.student.slash(world.general, "leave"))
    await world.env.advance_time(301)  # the question lasts five minutes
    stayed = await world.student.click(asked, label="Stay")
    assert stayed.response is not None and stayed.response.content == EXPIRED_BUTTONS


async def test_a_form_opened_before_a_restart_says_it_expired(
    world: World, database_url: str
) -> None:
    mentee, _ = await matched(world)
    form = await mentee.slash(world.general, "help-me")
    await restart(world, database_url)  # while the student was still typing
    sent = await mentee.submit_modal(
        form,
        {
            "help:details": "Someone keeps waiting for me after school.",
            "help:urgency": ["today"],
            "help:category": ["safety"],
        },
    )
    assert sent.response is not None and sent.response.ephemeral
    assert sent.response.content == EXPIRED_FORM  # "not saved": the student knows to redo it
    assert posts(world) == []
