"""A cry for help in a program with support hours, through simcord: /help-me in Spanish
reads the Spanish crisis resources; outside staff hours the student reads when staff are
back and what to do now; "Get help from staff" on a pair channel's message raises it about
the message's author, who is told nothing; bad input is answered with what to do.

simcord's clock starts on Thursday 2026-01-01 00:00 UTC: Wednesday 18:00 in Chicago (the
program's zone after /setup), after the hours below; staff are back Thursday 08:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from discord import app_commands
from simcord.backend.errors import SetupError

from bot.config import DEFAULT_CRISIS_TEXT_ES, Settings
from bot.errors import UserError
from bot.services.concern import LABELS
from bot.services.support_hours import parse_support_hours
from cogs.translator import CatalogTranslator
from storage.models import Urgency
from tests.e2e.conftest import World
from tests.e2e.test_delivery import pair_channel
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_sessions import dms, matched
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


async def test_get_help_from_staff_on_a_pair_channel_message_is_about_its_author(
    world: World,
) -> None:
    mentee, mentor = await matched(world)
    channel = pair_channel(world)
    message = await mentor.send(channel, "honestly I want to kill myself")
    before = len(dms(mentor))
    shown = await mentee.context_menu(channel, "Get help from staff", message)
    assert shown.modal is not None
    assert "> honestly I want to kill myself" in str(shown.modal["components"])
    answered = await mentee.submit_modal(
        shown,
        {
            "help:details": "My mentor wrote this and I'm worried.",
            "help:urgency": ["can_wait"],
            "help:category": ["wellbeing"],
        },
    )
    assert "Staff have received your concern about" in answered.response.content
    assert "988" in answered.response.content
    post = posts(world)[-1]
    assert "(Right now)" in post.content and LABELS["active_ideation"] in post.content
    (embed,) = post.embeds
    student = next(f.value for f in embed.fields if f.name == "Student")
    assert student == f"<@{mentor.id}>"
    await world.env.advance_time(60)
    assert len(dms(mentor)) == before  # the author is told nothing


async def test_get_help_from_staff_refuses_a_message_it_cannot_quote(world: World) -> None:
    mentee, mentor = await matched(world)
    channel = pair_channel(world)
    picture = await mentor.send(channel, attachments=[("drawing.png", b"\x89PNG")])
    refused = await mentee.context_menu(channel, "Get help from staff", picture)
    assert refused.response.ephemeral and "no text to quote" in refused.response.content
    elsewhere = await mentor.send(world.general, "see you all tomorrow")
    refused = await mentee.context_menu(world.general, "Get help from staff", elsewhere)
    assert refused.response.ephemeral and "pair's channel" in refused.response.content
    assert posts(world) == []


async def test_help_me_refuses_empty_and_too_long_details(world: World) -> None:
    mentee, _ = await matched(world)
    empty = await ask_for_help(world, mentee, "today", "   ")
    assert "write a few words" in empty.response.content and empty.response.ephemeral
    with pytest.raises(SetupError, match="max_length=1000"):  # the form itself stops it
        await ask_for_help(world, mentee, "today", "a" * 1001)
    cog: Any = world.bot.cogs["EscalationCog"]
    with pytest.raises(UserError, match="under 1000 characters"):  # and so does the service
        await cog.service.raise_manual(
            world.guild.id, mentee.id, "a" * 1001, Urgency.TODAY, "other", cog.alert
        )
    assert posts(world) == []


async def test_the_message_command_is_named_in_each_language(world: World) -> None:
    tree = world.bot.tree
    menu = tree.get_command("Get help from staff", type=discord.AppCommandType.message)
    assert isinstance(menu, app_commands.ContextMenu)
    payload = await menu.get_translated_payload(tree, CatalogTranslator())
    localized = payload["name_localizations"]
    assert localized["es-419"] == localized["es-ES"] == "Pedir ayuda al personal"
    assert payload["contexts"] == [0, 1]  # in servers and in DMs with Bridges
