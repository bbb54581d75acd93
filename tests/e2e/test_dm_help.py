""" "Get help from staff" on a message in a student's DM with Bridges, through simcord: the
form quotes it, the quote goes through the detector (a cry for help raises "can wait" to
right now and shows the crisis resources) and the request reaches the program's staff
channel; a DM with nothing to quote, or from someone in no program, is refused with what to
do instead; a Spanish reader gets the Spanish form."""

from __future__ import annotations

from bot.services.concern import LABELS
from tests.e2e.conftest import World
from tests.e2e.dm_menu import dm_message_command
from tests.e2e.test_escalations import posts
from tests.e2e.test_sessions import matched
from tests.e2e.test_spanish import speaks

MENU = "Get help from staff"


async def test_a_dm_quoted_to_staff_goes_through_the_detector(world: World) -> None:
    mentee, _ = await matched(world)
    message = await mentee.user.send_dm("i want to kms tonight")
    shown = await dm_message_command(mentee.user, MENU, message)
    assert shown.modal is not None
    assert "> i want to kms tonight" in str(shown.modal["components"])
    answered = await mentee.user.submit_modal(
        shown,
        {
            "help:details": "I wrote this last night.",
            "help:urgency": ["can_wait"],
            "help:category": ["wellbeing"],
        },
    )
    reply = answered.response.content
    assert answered.response.ephemeral and "988" in reply
    post = posts(world)[-1]
    assert post.channel.id == world.escalations.id and post.guild is not None
    assert post.guild.id == world.guild.id
    assert "(Right now)" in post.content
    (embed,) = post.embeds
    assert next(f.value for f in embed.fields if f.name == "Student") == f"<@{mentee.id}>"
    assert any(str(LABELS[c]) in post.content for c in ("intent_or_plan", "active_ideation"))


async def test_a_dm_with_nothing_to_quote_is_refused(world: World) -> None:
    mentee, _ = await matched(world)
    channel = mentee.user.dm_channel
    files = world.env.backend.store_attachments(channel.id, [("drawing.png", b"\x89PNG")])
    picture = await mentee.user.send_dm(attachments=files)
    refused = await dm_message_command(mentee.user, MENU, picture)
    assert refused.modal is None and refused.response.ephemeral
    assert "no text to quote" in refused.response.content
    assert "help-me" in refused.response.content  # what to do instead
    assert posts(world) == []


async def test_someone_in_no_program_is_told_where_to_ask(world: World) -> None:
    await matched(world)
    stranger = world.guild.add_member(world.env.create_user("stranger"))
    message = await stranger.user.send_dm("can someone help me")
    refused = await dm_message_command(stranger.user, MENU, message)
    assert refused.modal is None and refused.response.ephemeral
    assert "can't tell which school's program" in refused.response.content
    assert posts(world) == []


async def test_a_spanish_reader_gets_the_spanish_form(world: World) -> None:
    mentee, _ = await matched(world)
    speaks(world, mentee, "es-419")
    message = await mentee.user.send_dm("ya no quiero vivir")
    shown = await dm_message_command(mentee.user, MENU, message)
    assert shown.modal is not None and shown.modal["title"] == "Pedir ayuda al personal"
    assert "> ya no quiero vivir" in str(shown.modal["components"])
