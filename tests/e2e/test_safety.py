"""A cry for help in a program with support hours, through simcord: /help-me in Spanish
reads the Spanish crisis resources; outside staff hours the student reads when staff are
back and what to do now.

simcord's clock starts on Thursday 2026-01-01 00:00 UTC: Wednesday 18:00 in Chicago (the
program's zone after /setup), after the hours below; staff are back Thursday 08:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.config import DEFAULT_CRISIS_TEXT_ES, Settings
from bot.services.concern import LABELS
from bot.services.support_hours import parse_support_hours
from tests.e2e.conftest import World
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_sessions import matched
from tests.e2e.test_spanish import english_in, speaks

BACK = datetime(2026, 1, 1, 14, 0, tzinfo=UTC)  # Thursday 08:00 in Chicago


@pytest.fixture
def adjust_settings() -> object:
    def adjust(settings: Settings) -> Settings:
        hours = parse_support_hours("Mon-Fri 08:00-16:00")
        escalations = replace(settings.escalations, staff_hours=hours)
        return replace(settings, escalations=escalations)

    return adjust


async def test_outside_staff_hours_the_student_reads_when_staff_are_back(world: World) -> None:
    mentee, _ = await matched(world)
    answered = await ask_for_help(world, mentee, "today", "My grades are slipping.")
    reply = answered.response.content
    assert "Staff are away right now" in reply and f"<t:{int(BACK.timestamp())}:F>" in reply
    assert "988" in reply  # what to do now
    assert "get back to you today" not in reply
    assert "(Today)" in posts(world)[-1].content  # staff still hear of it


async def test_a_spanish_cry_for_help_reads_the_spanish_crisis_resources(world: World) -> None:
    mentee, _ = await matched(world)
    speaks(world, mentee, "es-419")
    shown = await mentee.slash(world.general, "help-me")
    assert shown.modal is not None and shown.modal["title"] == "Pedir ayuda al personal"
    answered = await mentee.submit_modal(
        shown,
        {
            "help:details": "ya no aguanto, quiero quitarme la vida",
            "help:urgency": ["can_wait"],
            "help:category": ["wellbeing"],
        },
    )
    reply = answered.response.content
    assert DEFAULT_CRISIS_TEXT_ES in reply and "El personal no está disponible" in reply
    assert english_in(reply) == [], english_in(reply)
    post = posts(world)[-1]
    assert "(Right now)" in post.content and LABELS["active_ideation"] in post.content
