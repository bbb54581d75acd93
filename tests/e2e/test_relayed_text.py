"""What a student writes and the bot relays to someone else: links shown as plain text (only
https links to the school's allowed hosts stay clickable); text that shows nothing refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.config import Settings
from storage.models import GoalStatus
from storage.repositories import checkins, members
from tests.e2e.conftest import World
from tests.e2e.test_checkins import add_goal
from tests.e2e.test_escalations import posts
from tests.e2e.test_sessions import dms, matched, propose

ZERO_WIDTH = "\u200b\u200c\u2060"


@pytest.fixture
def adjust_settings() -> Callable[[Settings], Settings]:
    def school_video(settings: Settings) -> Settings:
        hosts = frozenset({"meet.school.org"})
        return replace(settings, privacy=replace(settings.privacy, allowed_link_hosts=hosts))

    return school_video


async def test_a_masked_link_in_a_topic_arrives_as_text(world: World) -> None:
    mentee, mentor = await matched(world)
    await propose(
        world,
        mentee,
        when="sunday 4pm",
        topic="[verify your account](https://evil.example/login) first",
        where="video",
        details="https://meet.school.org/abc",
    )
    invitation = dms(mentor)[-1].content
    assert "would like to meet" in invitation
    assert "verify your account (`https://evil.example/login`) first" in invitation
    assert "](" not in invitation
    assert "https://meet.school.org/abc" in invitation.replace("`https://meet", "")


async def test_a_video_link_to_another_host_is_shown_but_not_clickable(world: World) -> None:
    mentee, mentor = await matched(world)
    await propose(
        world, mentee, when="sunday 4pm", where="video", details="https://zoom.example/j/1"
    )
    assert "`https://zoom.example/j/1`" in dms(mentor)[-1].content


async def test_a_goal_of_zero_width_characters_is_refused(world: World) -> None:
    mentee, _ = await matched(world)
    refused = await add_goal(world, mentee, **{"goal:what": ZERO_WIDTH})
    assert refused.ephemeral and "only invisible characters" in refused.content
    async with world.bot.sessions() as session:
        row = await members.get(session, world.guild.id, mentee.id)
        assert row is not None and await checkins.goals_of(session, row.id, list(GoalStatus)) == []


async def test_an_option_of_zero_width_characters_is_refused(world: World) -> None:
    mentee, mentor = await matched(world)
    reply = await propose(world, mentee, when="sunday 4pm", topic=ZERO_WIDTH)
    assert "only invisible characters" in reply.content
    assert not any("would like to meet" in m.content for m in dms(mentor))


async def test_a_link_in_a_request_for_help_reaches_staff_as_text(world: World) -> None:
    mentee, _ = await matched(world)
    shown = await mentee.slash(world.general, "help-me")
    await mentee.submit_modal(
        shown,
        {
            "help:details": "He sent me [a game](https://evil.example/x) and keeps asking",
            "help:urgency": ["today"],
            "help:category": ["safety"],
        },
    )
    (embed,) = posts(world)[-1].embeds
    shown_text = " ".join([embed.description or "", *(f.value or "" for f in embed.fields)])
    assert "a game (`https://evil.example/x`)" in shown_text
    assert "](" not in shown_text
