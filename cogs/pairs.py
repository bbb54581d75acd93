"""The Discord side of a match: the pair's private channel, welcome, DMs and closure."""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import discord

from bot.delivery import DeliveryEngine, Message, Priority, Prompt
from bot.errors import UserError
from bot.services.matches import MatchService, Pair
from bot.services.programs import Program
from bot.services.surveys import Survey
from cogs import pair_texts, survey_texts
from cogs.views import persistent_view
from cogs.views.surveys import SurveyButton

log = logging.getLogger(__name__)


async def fetch_member(guild: discord.Guild, user_id: int) -> discord.Member:
    """The member as Discord has them now; a member who left the server is a UserError."""
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        raise UserError(f"<@{user_id}> is no longer in this server.") from None


def _channel_name(mentor: discord.Member, mentee: discord.Member) -> str:
    raw = f"pair-{mentor.display_name}-{mentee.display_name}".lower()
    return re.sub(r"[^a-z0-9-]+", "-", raw).strip("-")[:90] or "pair"


@dataclass(frozen=True)
class PairPlace:
    """Everything a new pair's channel needs, checked before the match is stored."""

    guild: discord.Guild
    category: discord.CategoryChannel
    staff_role: discord.Role
    mentor: discord.Member
    mentee: discord.Member


async def prepare_pair(
    guild: discord.Guild, program: Program, mentor_id: int, mentee_id: int
) -> PairPlace:
    category = guild.get_channel(program.mentoring_category_id or 0)
    staff_role = guild.get_role(program.staff_role_id or 0)
    if not isinstance(category, discord.CategoryChannel) or staff_role is None:
        raise UserError("Run /setup first: the mentoring category or staff role is missing.")
    granted = category.permissions_for(guild.me)
    if not (granted.manage_channels and granted.manage_roles and granted.view_channel):
        raise UserError(
            f"I can't create the pair's private channel: give me View Channel, Manage Channels "
            f"and Manage Permissions in the category **{category.name}**. Nothing was saved."
        )
    return PairPlace(
        guild,
        category,
        staff_role,
        await fetch_member(guild, mentor_id),
        await fetch_member(guild, mentee_id),
    )


async def open_pair(
    place: PairPlace, pair: Pair, matches: MatchService, delivery: DeliveryEngine
) -> discord.TextChannel:
    """Create the pair's private channel, welcome them there and DM both.

    If Discord refuses the channel after all, the new match is discarded: nothing half-done.
    """
    talk = discord.PermissionOverwrite(
        view_channel=True, send_messages=True, read_message_history=True
    )
    guild = place.guild
    overwrites: dict[
        discord.Role | discord.Member | discord.Object, discord.PermissionOverwrite
    ] = {
        guild.default_role: discord.PermissionOverwrite(view_channel=False),
        place.staff_role: talk,
        place.mentor: talk,
        place.mentee: talk,
        guild.me: discord.PermissionOverwrite(
            view_channel=True, send_messages=True, manage_channels=True, manage_roles=True
        ),
    }
    try:
        channel = await place.category.create_text_channel(
            _channel_name(place.mentor, place.mentee),
            overwrites=overwrites,
            reason="Bridges: new match",
        )
    except discord.Forbidden:
        await matches.discard(pair.match_id)
        raise UserError(
            f"Discord refused to create the pair's channel: give me Manage Channels and Manage "
            f"Permissions in the category **{place.category.name}**. Nothing was saved."
        ) from None
    await matches.set_channel(pair.match_id, channel.id)
    mentor, mentee = place.mentor, place.mentee
    await channel.send(
        pair_texts.welcome(mentor.mention, mentee.mention, pair.mentee_focus_areas),
        allowed_mentions=discord.AllowedMentions(users=[mentor, mentee]),
    )
    await delivery.deliver(
        [
            _dm(
                f"matched:{pair.match_id}:{member.id}",
                member.id,
                pair_texts.matched_dm(other.mention, channel.mention, mentor=member is mentor),
                guild.id,
                channel.id,
            )
            for member, other in ((mentor, mentee), (mentee, mentor))
        ]
    )
    return channel


async def close_pair(
    guild: discord.Guild,
    pair: Pair,
    reason: str,
    delivery: DeliveryEngine,
    *,
    survey_to: Collection[int] | None = None,
) -> None:
    """Tell both, make the channel read-only (kept for staff), and send the survey to each
    (or only to the user ids in ``survey_to``)."""
    channel = guild.get_channel(pair.channel_id or 0)
    present = []
    for user_id in (pair.mentor_user_id, pair.mentee_user_id):
        try:
            present.append(await guild.fetch_member(user_id))
        except discord.NotFound:
            continue  # left the server: nothing to archive or ask
    if isinstance(channel, discord.TextChannel):
        await channel.send(pair_texts.closed_notice(reason))
        for member in present:
            await channel.set_permissions(
                member, view_channel=True, send_messages=False, reason="Bridges: match closed"
            )
    view = persistent_view(SurveyButton(Survey.CLOSURE, pair.match_id))
    await delivery.deliver(
        [
            _dm(
                f"survey:{pair.match_id}:{member.id}",
                member.id,
                survey_texts.CLOSURE_DM,
                guild.id,
                pair.channel_id,
                tuple(view.to_components()),
            )
            for member in present
            if survey_to is None or member.id in survey_to
        ]
    )


def _dm(
    key: str,
    user_id: int,
    text: str,
    guild_id: int,
    channel_id: int | None,
    components: tuple[dict[str, Any], ...] = (),
) -> Prompt:
    """A DM about the match; with DMs closed it goes to the pair's channel."""
    return Prompt(
        key=key,
        kind=key.split(":", 1)[0],
        user_id=user_id,
        message=Message(content=text, components=components),
        priority=Priority.NORMAL,
        fallback_channel_id=channel_id,
        guild_id=guild_id,
    )
