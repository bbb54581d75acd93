"""The Discord side of a match: the pair's private channel, welcome, DMs and closure, and
the repair at start of a match a crash left half-done.

Opening a match: ``prepare_pair`` checks everything first (the category, the staff role,
the bot's permissions, both members still in the server); the match is saved; the channel
is created with ``channel_marker`` in its topic; ``MatchService.opened`` records it with the
welcome post and both DMs in one transaction. Closing: the service closes the match with
its notices; ``PairChannels.finish`` makes the channel read-only for the pair.

``PairsCog.reconcile`` runs at start: an active match without its channel gets it (the
channel of an earlier attempt is found by its marker, never made twice), and a closed match
whose channel was not archived is finished. Both work by ids over Discord's HTTP API, so
they need nothing from the gateway's cache.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import discord
from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Message, Prompt
from bot.errors import UserError
from bot.faults import fault
from bot.i18n import Slash, Text
from bot.services.matches import Closed, MatchService, Pair, channel_marker
from bot.services.programs import Program
from bot.services.surveys import Survey
from cogs import pair_texts, survey_texts
from cogs.outbox import dm, transactions
from cogs.views import persistent_view
from cogs.views.surveys import SurveyButton

log = logging.getLogger(__name__)

TALK = discord.PermissionOverwrite(view_channel=True, send_messages=True, read_message_history=True)
HIDDEN = discord.PermissionOverwrite(view_channel=False)
MANAGE = discord.PermissionOverwrite(
    view_channel=True, send_messages=True, manage_channels=True, manage_roles=True
)
READ_ONLY = discord.PermissionOverwrite(view_channel=True, send_messages=False)
# Discord's overwrite types
ROLE: Literal[0] = 0
MEMBER: Literal[1] = 1


async def fetch_member(guild: discord.Guild, user_id: int) -> discord.Member:
    """The member as Discord has them now; a member who left the server is a UserError."""
    try:
        return await guild.fetch_member(user_id)
    except discord.NotFound:
        mention = f"<@{user_id}>"
        raise UserError(Text("{member} is no longer in this server.", member=mention)) from None


def channel_name(mentor: str, mentee: str) -> str:
    raw = f"pair-{mentor}-{mentee}".lower()
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
        raise UserError(
            Text(
                "Run {command} first: the mentoring category or staff role is missing.",
                command=Slash("setup"),
            )
        )
    granted = category.permissions_for(guild.me)
    if not (granted.manage_channels and granted.manage_roles and granted.view_channel):
        raise UserError(
            Text(
                "I can't create the pair's private channel: give me View Channel, Manage "
                "Channels and Manage Permissions in the category **{category}**. Nothing was "
                "saved.",
                category=category.name,
            )
        )
    return PairPlace(
        guild,
        category,
        staff_role,
        await fetch_member(guild, mentor_id),
        await fetch_member(guild, mentee_id),
    )


def _overwrite(target: int, kind: int, rule: discord.PermissionOverwrite) -> dict[str, Any]:
    allow, deny = rule.pair()
    return {"id": str(target), "type": kind, "allow": str(allow.value), "deny": str(deny.value)}


def _display_name(member: Mapping[str, Any]) -> str:
    user = member.get("user") or {}
    return str(member.get("nick") or user.get("global_name") or user.get("username") or "member")


class PairChannels:
    """Opens and archives pairs' channels, by ids, and composes what a match sends."""

    def __init__(self, bot: BridgesBot, matches: MatchService) -> None:
        self.bot, self.matches = bot, matches

    async def open_new(self, place: PairPlace, pair: Pair) -> int:
        """The new match's channel, welcome and DMs. If Discord refuses the channel after
        all, the match is discarded: nothing half-done."""
        try:
            return await self.open(
                pair,
                place.category.id,
                place.staff_role.id,
                (place.mentor.display_name, place.mentee.display_name),
            )
        except discord.Forbidden:
            await self.matches.discard(pair.match_id)
            raise UserError(
                Text(
                    "Discord refused to create the pair's channel: give me Manage Channels and "
                    "Manage Permissions in the category **{category}**. Nothing was saved.",
                    category=place.category.name,
                )
            ) from None

    async def open(
        self,
        pair: Pair,
        category_id: int | None,
        staff_role_id: int | None,
        names: tuple[str, str] | None = None,
        *,
        find_first: bool = False,
    ) -> int:
        """Create the pair's private channel (or, with ``find_first``, find the one an
        earlier attempt created) and record it with the welcome and both DMs."""
        found = await self._marked_channel(pair) if find_first else None
        if found is None:
            found = await self._create_channel(pair, category_id, staff_role_id, names)
        fault("match-create:after-channel")
        await self.matches.opened(pair.match_id, found, self.welcome)
        return found

    async def finish(self, match_id: int) -> None:
        """A closed match: its notices (written once), then the channel made read-only."""
        closed = await self.matches.closing(match_id, self.closing_notices)
        if closed is None:
            return
        channel_id = closed.pair.channel_id
        if channel_id is not None:
            for user_id in closed.survey_to:
                await self._read_only(channel_id, user_id)
        await self.matches.archived(match_id)

    # ------------------------------------------------------------- what a match sends

    def welcome(self, pair: Pair) -> list[Prompt]:
        """The welcome post in the new channel, and a DM to each member pointing to it."""
        channel_id, guild_id = pair.channel_id, pair.guild_id
        mentor, mentee = pair.mentor_user_id, pair.mentee_user_id
        post = Prompt(
            key=f"welcome:{pair.match_id}",
            kind="welcome",
            user_id=mentee,
            message=Message(
                content=pair_texts.welcome(f"<@{mentor}>", f"<@{mentee}>", pair.mentee_focus_areas),
                mention_user_ids=(mentor, mentee),
            ),
            channel_id=channel_id,
            guild_id=guild_id,
        )
        dms = [
            dm(
                f"matched:{pair.match_id}:{user_id}",
                user_id,
                pair_texts.matched_dm(f"<@{other}>", f"<#{channel_id}>", mentor=user_id == mentor),
                fallback_channel_id=channel_id,
                guild_id=guild_id,
            )
            for user_id, other in ((mentor, mentee), (mentee, mentor))
        ]
        return [post, *dms]

    def closing_notices(self, closed: Closed) -> list[Prompt]:
        """The notice in the pair's channel, and the closure survey to each member."""
        pair = closed.pair
        notices = []
        if pair.channel_id is not None:
            notices.append(
                Prompt(
                    key=f"match-closed:{pair.match_id}",
                    kind="match-closed",
                    user_id=pair.mentee_user_id,
                    message=Message(content=pair_texts.closed_notice(closed.reason)),
                    channel_id=pair.channel_id,
                    guild_id=pair.guild_id,
                )
            )
        view = persistent_view(SurveyButton(Survey.CLOSURE, pair.match_id))
        notices += [
            dm(
                f"survey:{pair.match_id}:{user_id}",
                user_id,
                survey_texts.CLOSURE_DM,
                view=view,
                fallback_channel_id=pair.channel_id,
                guild_id=pair.guild_id,
            )
            for user_id in closed.survey_to
        ]
        return notices

    # ------------------------------------------------------------- Discord, by ids

    async def _marked_channel(self, pair: Pair) -> int | None:
        marker = channel_marker(pair.match_id)
        for channel in await self.bot.http.get_all_guild_channels(pair.guild_id):
            if marker in str(channel.get("topic") or ""):
                return int(channel["id"])
        return None

    async def _create_channel(
        self,
        pair: Pair,
        category_id: int | None,
        staff_role_id: int | None,
        names: tuple[str, str] | None,
    ) -> int:
        if category_id is None or staff_role_id is None or self.bot.user is None:
            raise UserError(
                Text(
                    "Run {command} first: the mentoring category or staff role is missing.",
                    command=Slash("setup"),
                )
            )
        guild_id = pair.guild_id
        if names is None:
            names = (
                _display_name(await self.bot.http.get_member(guild_id, pair.mentor_user_id)),
                _display_name(await self.bot.http.get_member(guild_id, pair.mentee_user_id)),
            )
        overwrites = [
            _overwrite(guild_id, ROLE, HIDDEN),  # @everyone's role has the server's id
            _overwrite(staff_role_id, ROLE, TALK),
            _overwrite(pair.mentor_user_id, MEMBER, TALK),
            _overwrite(pair.mentee_user_id, MEMBER, TALK),
            _overwrite(self.bot.user.id, MEMBER, MANAGE),
        ]
        created = await self.bot.http.create_channel(
            guild_id,
            discord.ChannelType.text.value,
            name=channel_name(*names),
            parent_id=category_id,
            topic=f"{pair_texts.CHANNEL_TOPIC} ({channel_marker(pair.match_id)})",
            permission_overwrites=overwrites,
            reason="Bridges: new match",
        )
        return int(created["id"])

    async def _read_only(self, channel_id: int, user_id: int) -> None:
        allow, deny = READ_ONLY.pair()
        try:
            await self.bot.http.edit_channel_permissions(
                channel_id,
                user_id,
                str(allow.value),
                str(deny.value),
                MEMBER,
                reason="Bridges: match closed",
            )
        except discord.HTTPException as error:  # the channel or the member is gone
            log.warning(
                "could not make channel %s read-only for a member: HTTP %s",
                channel_id,
                error.status,
            )


class PairsCog(commands.Cog):
    """Finishes, at start, the matches a crash left half-done (see the module docstring)."""

    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.matches = MatchService(
            bot.sessions, bot.clock, bot.settings.matching, transactions=transactions(bot)
        )
        self.channels = PairChannels(bot, self.matches)

    async def reconcile(self) -> int:
        """Repair half-done matches; returns how many were repaired (no jobs)."""
        repaired = 0
        for unopened in await self.matches.unopened():
            try:
                await self.channels.open(
                    unopened.pair, unopened.category_id, unopened.staff_role_id, find_first=True
                )
                repaired += 1
            except (discord.HTTPException, UserError) as error:
                log.error(
                    "match %s still has no channel (%s); tried again at the next start",
                    unopened.pair.match_id,
                    type(error).__name__,
                )
        for closed in await self.matches.unarchived():
            await self.channels.finish(closed.pair.match_id)
            repaired += 1
        if repaired:
            log.info("repaired %d half-done match(es)", repaired)
        return repaired


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(PairsCog(bot))
