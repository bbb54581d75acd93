"""Half-done operations are finished at start, and nothing is saved for a refused request.

A crash can stop a match between its rows and its channel on Discord: saved with no
channel, or with the channel created but not recorded. At start the channel is made, or
found by the marker in its topic (never twice), and recorded with the welcome and both DMs.
A match closed without its channel archived gets its notices and the read-only channel.
``/session schedule`` checks the pair's channels before saving, so a retry is not refused
as overlapping the session of a refused attempt.
"""

from __future__ import annotations

from typing import Any

import discord
from sqlalchemy import update

from bot.services.matches import channel_marker
from storage.models import Match, MatchStatus
from storage.repositories import matches
from tests.e2e.conftest import World
from tests.e2e.test_foundation import reply_of
from tests.e2e.test_matching import ready_school
from tests.e2e.test_sessions import dms, matched, propose, restart


def pair_channels(world: World) -> list[Any]:
    return [c for c in world.guild.channels.values() if c.name.startswith("pair-")]


async def saved_match(world: World, mentor: Any, mentee: Any) -> int:
    """The match as ``/staff match create`` saves it, before its channel exists."""
    cog: Any = world.bot.cogs["PairsCog"]
    pair = await cog.matches.create(world.guild.id, world.staff.id, mentor.id, mentee.id)
    return int(pair.match_id)


async def test_a_match_saved_without_its_channel_gets_it_at_start(
    world: World, database_url: str
) -> None:
    mentee, mentor = await ready_school(world)
    match_id = await saved_match(world, mentor, mentee)
    assert pair_channels(world) == []
    await restart(world, database_url)
    await world.env.advance_time(1)
    (channel,) = pair_channels(world)
    cached = world.bot.get_channel(channel.id)
    assert isinstance(cached, discord.TextChannel)
    assert channel_marker(match_id) in (cached.topic or "")
    (welcome,) = channel.history(viewer=mentee)
    assert "First steps" in welcome.content
    assert "new mentor" in dms(mentee)[-1].content and "new mentee" in dms(mentor)[-1].content
    async with world.bot.sessions() as session:
        row = await matches.by_id(session, match_id)
    assert row is not None and row.channel_id == channel.id
    await restart(world, database_url)  # repaired once: nothing more
    await world.env.advance_time(1)
    assert len(pair_channels(world)) == 1 and len(channel.history(viewer=mentee)) == 1


async def test_a_channel_created_but_not_recorded_is_found_not_made_twice(
    world: World, database_url: str
) -> None:
    mentee, mentor = await ready_school(world)
    match_id = await saved_match(world, mentor, mentee)
    created = await world.bot.http.create_channel(  # the crash came right after this
        world.guild.id,
        discord.ChannelType.text.value,
        name="pair-sam-mentor-jordan",
        parent_id=world.mentoring.id,
        topic=f"Private channel ({channel_marker(match_id)})",
    )
    await restart(world, database_url)
    await world.env.advance_time(1)
    (channel,) = pair_channels(world)
    assert channel.id == int(created["id"])
    assert "First steps" in channel.history(viewer=world.staff)[0].content
    assert sum("new mentor" in m.content for m in dms(mentee)) == 1


async def test_a_closed_match_is_archived_with_its_notices_at_start(
    world: World, database_url: str
) -> None:
    mentee, mentor = await matched(world)
    async with world.bot.sessions.begin() as session:  # closed; the bot stopped right after
        await session.execute(
            update(Match).values(
                status=MatchStatus.CLOSED, end_reason="moved school", ended_at=world.env.now()
            )
        )
    await restart(world, database_url)
    await world.env.advance_time(1)
    (channel,) = pair_channels(world)
    assert "has ended (moved school)" in channel.history(viewer=world.staff)[-1].content
    archived = world.bot.get_channel(channel.id)
    assert isinstance(archived, discord.TextChannel)
    for actor in (mentee, mentor):
        assert archived.overwrites_for(discord.Object(actor.id)).send_messages is False
        assert "a few short questions" in dms(actor)[-1].content
    await restart(world, database_url)
    await world.env.advance_time(1)
    assert sum("has ended" in m.content for m in channel.history(viewer=world.staff)) == 1


async def test_schedule_checks_the_pair_channel_before_saving(world: World) -> None:
    mentee, mentor = await matched(world)
    (channel,) = pair_channels(world)
    pair_channel = world.bot.get_channel(channel.id)
    assert isinstance(pair_channel, discord.TextChannel)
    await pair_channel.delete()
    refused = await propose(world, mentee, when="sunday 4pm")
    assert "pair channel is missing" in refused.content
    listed = reply_of(await mentee.slash(world.general, "session list")).content
    assert "No sessions yet" in listed  # nothing was saved
    again = await propose(world, mentee, when="sunday 4pm", where="in-person", details="library")
    assert "Invitation sent" in again.content  # not refused as overlapping the first try
    assert "would like to meet" in dms(mentor)[-1].content
