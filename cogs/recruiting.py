"""Recruiting: /invite for student leaders, the invitation buttons, and keeping posts current.

Staff post invitations with ``/staff recruit`` (``cogs/recruiting_staff.py``, a group under
``/staff``), which calls this cog. Every post and DM goes through the delivery engine; the
post is then edited in place (``refresh``) when someone joins through it, to show its
count, and when it closes. An edit that fails is logged and never undoes the join.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Message
from bot.errors import InvalidInput, NotFound, UserError
from bot.i18n import Text
from bot.services.access import Audience
from bot.services.programs import ProgramService
from bot.services.recruiting import (
    InvitationView,
    Invited,
    MessageBuilder,
    PostView,
    RecruitingService,
)
from cogs import recruiting_texts as texts
from cogs.context import guild_id_of, reader_language
from cogs.recruiting_views import JoinButton, invitation_buttons
from storage.models import InvitationAudience, InvitationKind, ProgramRole

if TYPE_CHECKING:
    from cogs.profiles import ProfilesCog

log = logging.getLogger(__name__)

#: What the bot needs in a channel to post an invitation there.
POST_NEEDS = ("view_channel", "send_messages", "embed_links")
MAX_CHOICES = 25


class RecruitingCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.service = RecruitingService(
            bot.sessions,
            bot.clock,
            self.programs,
            bot.settings.recruiting,
            bot.settings.matching,
            bot.delivery,
        )
        # One edit of an invitation's posts at a time; joins meanwhile ask for one more.
        self._refreshing: set[int] = set()
        self._again: set[int] = set()

    # ------------------------------------------------------------- the card

    def card(self, view: InvitationView, post: PostView, language: str) -> discord.Embed:
        return texts.invitation_embed(
            view,
            post,
            training_minutes=self.bot.settings.matching.training_minutes,
            session_minutes=self.bot.settings.sessions.default_minutes,
            language=language,
        )

    async def server_language(self, guild_id: int) -> str:
        """The language invitations are written in: the server's (``/setup``)."""
        return (await self.programs.get(guild_id)).language

    def builder(self, language: str, intro: Text | None = None) -> MessageBuilder:
        """Builds the message of a post (or, with ``intro``, of a DM) once its ids exist,
        in ``language``."""

        def build(view: InvitationView, post: PostView) -> Message:
            buttons = invitation_buttons(view, language)
            return Message(
                content=intro.render(language) if intro is not None else "",
                embeds=(dict(self.card(view, post, language).to_dict()),),
                components=tuple(buttons.to_components()),
                language=language,
            )

        return build

    @staticmethod
    def check_can_post(channel: discord.TextChannel) -> None:
        """Refuse a channel the bot cannot post an invitation in, naming what is missing."""
        granted = channel.permissions_for(channel.guild.me)
        missing = [texts.PERMISSIONS[name] for name in POST_NEEDS if not getattr(granted, name)]
        if missing:
            raise UserError(texts.bot_cannot_post(channel.mention, missing))

    # ------------------------------------------------------------- staff (/staff recruit)

    async def post_invitation(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel,
        audience: InvitationAudience,
        message: str | None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        self.service.check_message(message)
        self.check_can_post(channel)
        await interaction.response.defer(ephemeral=True, thinking=True)
        shared = await self.service.post_staff_invitation(
            guild_id,
            interaction.user.id,
            channel.id,
            audience,
            message,
            self.builder(await self.server_language(guild_id)),
        )
        await interaction.followup.send(
            texts.staff_posted(shared, channel.mention).render(reader_language(interaction)),
            ephemeral=True,
        )

    async def close_invitation(self, interaction: discord.Interaction, invitation_id: int) -> None:
        view = await self.service.close(
            guild_id_of(interaction), interaction.user.id, invitation_id
        )
        await interaction.response.send_message(
            texts.closed_reply(view).render(reader_language(interaction)), ephemeral=True
        )
        await self.refresh(view.id)

    async def list_invitations(self, interaction: discord.Interaction) -> None:
        roster = await self.service.roster(guild_id_of(interaction))
        language = reader_language(interaction)
        title = Text("Invitations and sign-ups through them")
        pages = texts.pages(title, texts.signup_lines(roster), language)
        shown = texts.fitting(pages)
        more = None
        if len(shown) < len(pages):
            more = texts.more_in_roster(len(pages) - len(shown)).render(language)
        await interaction.response.send_message(more, embeds=shown, ephemeral=True)

    async def open_invitation_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        language = reader_language(interaction)
        found = await self.service.listing(interaction.guild_id, open_only=True)
        choices = []
        for view in reversed(found):  # newest first
            if view.kind is InvitationKind.STAFF:
                name = texts.staff_choice(view)
            else:
                member = (
                    interaction.guild.get_member(view.created_by) if interaction.guild else None
                )
                leader = member.display_name if member else str(view.created_by)
                name = texts.leader_choice(view, leader)
            rendered = name.render(language)[:100]
            if current.strip().lower() in rendered.lower():
                choices.append(app_commands.Choice(name=rendered, value=view.id))
        return choices[:MAX_CHOICES]

    # ------------------------------------------------------------- student leaders

    @app_commands.command(name="invite", extras={"audience": Audience.MENTOR})
    @app_commands.guild_only()
    @app_commands.describe(
        channel="A channel to post your invitation in (one where you can post)",
        classmate="A classmate to send your invitation to by direct message",
        show_my_name="Say the invitation is from you (default: it says a student leader)",
    )
    async def invite(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        classmate: discord.Member | None = None,
        show_my_name: bool = False,
    ) -> None:
        """Student leaders: share your own invitation to the program, in a channel or by DM."""
        guild, leader = interaction.guild, interaction.user
        if guild is None or not isinstance(leader, discord.Member):
            raise UserError(Text("Use this inside your school's server."))
        role_ids = [role.id for role in leader.roles]
        await self.service.ensure_leader(guild.id, leader.id, role_ids)
        if (channel is None) == (classmate is None):
            raise InvalidInput(texts.choose_one())
        if channel is not None:
            mine = channel.permissions_for(leader)
            if not (mine.view_channel and mine.send_messages):
                raise UserError(texts.leader_cannot_post(channel.mention))
            self.check_can_post(channel)
        if classmate is not None and classmate.bot:
            raise InvalidInput(texts.NOT_A_BOT)
        await interaction.response.defer(ephemeral=True, thinking=True)
        intro = None
        if classmate is not None:
            intro = texts.dm_intro(leader.display_name if show_my_name else None, guild.name)
        shared = await self.service.share_as_leader(
            guild.id,
            leader.id,
            role_ids,
            channel_id=channel.id if channel else None,
            classmate_user_id=classmate.id if classmate else None,
            named=show_my_name,
            build=self.builder(await self.server_language(guild.id), intro),
        )
        reply = (
            texts.leader_posted(shared, channel.mention)
            if channel is not None
            else texts.leader_sent(shared, classmate.mention if classmate else "")
        )
        await interaction.followup.send(reply.render(reader_language(interaction)), ephemeral=True)

    # ------------------------------------------------------------- the buttons

    async def start_join(
        self, interaction: discord.Interaction, invitation_id: int, role: ProgramRole
    ) -> None:
        """A button was pressed: the /join flow, credited to the invitation."""
        view = await self.service.usable(invitation_id)
        if interaction.guild_id is None:
            await self._ensure_server_member(view.guild_id, interaction.user.id)
        elif interaction.guild_id != view.guild_id:
            raise NotFound(texts.NOT_IN_SERVER)
        profiles = self.bot.get_cog("ProfilesCog")
        if profiles is None:
            raise RuntimeError("the profiles cog is not loaded")
        source = Invited(view.guild_id, view.id)
        await cast("ProfilesCog", profiles).open_join(interaction, role, source=source)

    async def _ensure_server_member(self, guild_id: int, user_id: int) -> None:
        """A button pressed in a DM: the person must still be in the invitation's server
        (there is no members intent, so this asks Discord)."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            raise UserError(texts.NOT_IN_SERVER)
        try:
            await guild.fetch_member(user_id)
        except discord.NotFound:
            raise UserError(texts.NOT_IN_SERVER) from None

    # ------------------------------------------------------------- keeping posts current

    @commands.Cog.listener()
    async def on_program_joined(
        self, guild_id: int, user_id: int, invitation_id: int | None
    ) -> None:
        if invitation_id is not None:
            await self.refresh(invitation_id)

    async def refresh(self, invitation_id: int) -> None:
        """Edit the invitation's posts to show its count and state. Joins arriving during
        an edit are shown by one more edit after it, not one edit each."""
        if invitation_id in self._refreshing:
            self._again.add(invitation_id)
            return
        self._refreshing.add(invitation_id)
        try:
            while True:
                self._again.discard(invitation_id)
                await self._edit_posts(invitation_id)
                if invitation_id not in self._again:
                    return
        finally:
            self._refreshing.discard(invitation_id)

    async def _edit_posts(self, invitation_id: int) -> None:
        view = await self.service.view(invitation_id)
        if view is None or (view.kind is InvitationKind.LEADER and view.is_open):
            return  # a leader's open posts show no count: nothing on them changes
        language = await self.server_language(view.guild_id)
        buttons = invitation_buttons(view, language)
        for post in await self.service.channel_posts(invitation_id):
            message_id = await self.bot.delivery.message_id(post.key)
            channel = await self.bot.text_channel(post.channel_id)
            if message_id is None or channel is None:
                continue
            try:
                await channel.get_partial_message(message_id).edit(
                    embed=self.card(view, post, language), view=buttons
                )
            except discord.HTTPException as error:
                log.warning(
                    "could not update post %d of invitation %d: HTTP %s",
                    post.id,
                    invitation_id,
                    error.status,
                )


async def setup(bot: BridgesBot) -> None:
    bot.add_dynamic_items(JoinButton)
    await bot.add_cog(RecruitingCog(bot))
