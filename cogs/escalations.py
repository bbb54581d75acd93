"""/help-me, the escalation rules' listener, the staff post with its buttons, and SLA
re-pings.

Every message goes out through ``_deliver`` (one place, under a unique key: the post
``escalation-post:{id}``, each re-ping ``escalation-sla:{id}:{stage}``, each DM its own),
so a double fire or a restart never sends one twice. SLA jobs
``escalation-sla:{id}:{stage}`` and posts that never went out are rebuilt from rows by
``reconcile()`` on every start. If the staff channel is missing or refuses the post, the
escalation is DMed to on-call staff and staff known to the program, and logged as an error.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Message, Priority, Prompt
from bot.errors import UserError
from bot.scheduler import job_id
from bot.services.access import Audience, is_staff
from bot.services.checkins import CheckinText, MentorAnswered
from bot.services.escalations import (
    CATEGORIES,
    NEXT_TIER,
    Context,
    EscalationService,
    EscalationView,
    Opened,
)
from bot.services.programs import ProgramService
from cogs import escalation_texts as texts
from cogs.errors import ReportingItem, ReportingModal
from cogs.permissions import require_staff
from cogs.views import persistent_view
from storage.models import DeliveryStatus, EscalationStatus, Urgency

log = logging.getLogger(__name__)
SLA_JOB = "escalation-sla"
POST_JOB = "escalation-post"


class HelpModal(ReportingModal, title="Ask staff for help"):
    saves = "your request for help"
    details: discord.ui.TextInput[HelpModal] = discord.ui.TextInput(
        label="What is going on?",
        style=discord.TextStyle.paragraph,
        max_length=1000,
        custom_id="help:details",
    )

    def __init__(self, cog: EscalationCog, about_user_id: int | None) -> None:
        super().__init__()
        self.cog, self.about_user_id = cog, about_user_id
        self.urgency: discord.ui.Select[HelpModal] = discord.ui.Select(
            custom_id="help:urgency",
            options=[
                discord.SelectOption(label=texts.URGENCY[u], value=u.value)
                for u in (Urgency.CAN_WAIT, Urgency.TODAY, Urgency.RIGHT_NOW)
            ],
        )
        self.category: discord.ui.Select[HelpModal] = discord.ui.Select(
            custom_id="help:category",
            options=[discord.SelectOption(label=texts.CATEGORY[c], value=c) for c in CATEGORIES],
        )
        self.add_item(discord.ui.Label(text="How urgent is it?", component=self.urgency))
        self.add_item(discord.ui.Label(text="What is it about?", component=self.category))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            return
        view = await self.cog.service.raise_manual(
            interaction.guild_id,
            interaction.user.id,
            self.details.value,
            Urgency(self.urgency.values[0]),
            self.category.values[0],
            about_user_id=self.about_user_id,
        )
        crisis_text = self.cog.settings.crisis_text
        await interaction.response.send_message(
            texts.confirmation(view, crisis_text), ephemeral=True
        )
        if not await self.cog.post(view):
            await interaction.followup.send(texts.unreached(crisis_text), ephemeral=True)


class NoteModal(ReportingModal, title="Escalation"):
    saves = "the note"

    def __init__(self, cog: EscalationCog, escalation_id: int, *, resolve: bool) -> None:
        super().__init__(title=f"{'Resolve' if resolve else 'Note on'} escalation #{escalation_id}")
        self.cog, self.escalation_id, self.resolving = cog, escalation_id, resolve
        self.note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, max_length=1000, custom_id="esc:note"
        )
        label = "Resolution: what was done? (required)" if resolve else "Note"
        self.add_item(discord.ui.Label(text=label, component=self.note))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        service, user_id = self.cog.service, interaction.user.id
        if self.resolving:
            view = await service.resolve(self.escalation_id, user_id, self.note.value)
            self.cog.unplan(view.id)
        else:
            view = await service.add_note(self.escalation_id, user_id, self.note.value)
        await interaction.response.send_message(
            f"{'Resolved' if self.resolving else 'Note added to'} escalation #{view.id}.",
            ephemeral=True,
        )
        await self.cog.refresh(view)


class ReassignModal(ReportingModal, title="Reassign escalation"):
    saves = "the reassignment"

    def __init__(self, cog: EscalationCog, escalation_id: int) -> None:
        super().__init__()
        self.cog, self.escalation_id = cog, escalation_id
        self.to: discord.ui.UserSelect[ReassignModal] = discord.ui.UserSelect(custom_id="esc:to")
        self.add_item(discord.ui.Label(text="Give it to (a staff member)", component=self.to))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        target = self.to.values[0]
        program = await self.cog.programs.get(interaction.guild_id or 0)
        to_is_staff = isinstance(target, discord.Member) and is_staff(
            {role.id for role in target.roles},
            program.staff_role_id,
            is_admin=target.guild_permissions.manage_guild,
        )
        view = await self.cog.service.reassign(
            self.escalation_id, interaction.user.id, target.id, to_is_staff=to_is_staff
        )
        self.cog.unplan(view.id)
        await interaction.response.send_message(
            f"Escalation #{view.id} is now with {target.mention}.", ephemeral=True
        )
        await self.cog.refresh(view)
        await self.cog.tell_assigned(view, interaction.user.id, target.id)


class EscalationButton(
    ReportingItem[discord.ui.Button[Any]],
    template=r"escalation:(?P<id>[0-9]+):(?P<action>claim|note|resolve|reassign)",
):
    """Claim / Add note / Resolve / Reassign on the staff post; staff only, after restarts."""

    saves = "your claim"
    cog: ClassVar[EscalationCog | None] = None
    LABELS: ClassVar[dict[str, tuple[str, discord.ButtonStyle]]] = {
        "claim": ("Claim", discord.ButtonStyle.primary),
        "note": ("Add note", discord.ButtonStyle.secondary),
        "resolve": ("Resolve", discord.ButtonStyle.success),
        "reassign": ("Reassign", discord.ButtonStyle.secondary),
    }

    def __init__(self, escalation_id: int, action: str) -> None:
        label, style = self.LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"escalation:{escalation_id}:{action}"
            )
        )
        self.escalation_id, self.action = escalation_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> EscalationButton:
        return cls(int(match["id"]), match["action"])

    async def run(self, interaction: discord.Interaction) -> None:
        cog = self.cog
        if cog is None:
            raise RuntimeError("the escalations cog is not loaded")
        await require_staff(interaction, cog.programs)
        if self.action == "claim":
            await cog.claim(interaction, self.escalation_id)
            return
        view = await cog.service.view(self.escalation_id)  # refuse a gone one before a form
        if view.status is EscalationStatus.RESOLVED and self.action != "note":
            raise UserError(f"Escalation #{view.id} is already resolved.")
        if self.action == "reassign":
            await interaction.response.send_modal(ReassignModal(cog, self.escalation_id))
        else:
            modal = NoteModal(cog, self.escalation_id, resolve=self.action == "resolve")
            await interaction.response.send_modal(modal)


def buttons(view: EscalationView) -> discord.ui.View | None:
    if view.status is EscalationStatus.RESOLVED:
        return None
    return persistent_view(
        *(
            EscalationButton(view.id, action)
            for action in EscalationButton.LABELS
            if action != "claim" or view.status is EscalationStatus.OPEN
        )
    )


def staff_post(
    view: EscalationView, context: Context, role_id: int | None, channel_id: int
) -> Prompt:
    """The escalation's post in the staff channel: only the staff role mentioned, the embed,
    the staff-only buttons; urgent, so it never waits behind a bulk fan-out."""
    shown = buttons(view)
    return Prompt(
        key=f"{POST_JOB}:{view.id}",
        kind=POST_JOB,
        user_id=view.student_user_id,
        message=Message(
            content=texts.post_content(view, role_id),
            embeds=(dict(texts.embed(view, context).to_dict()),),
            components=tuple(shown.to_components()) if shown else (),
            mention_role_ids=(role_id,) if role_id else (),
        ),
        priority=Priority.URGENT,
        channel_id=channel_id,
        guild_id=view.guild_id,
    )


class EscalationCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.settings = bot.settings.escalations
        self.programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.service = EscalationService(bot.sessions, bot.clock, self.programs, self.settings)
        # A rule's escalation is posted before the next signal is applied, so an added
        # signal always finds the post to update.
        self._applying = asyncio.Lock()
        EscalationButton.cog = self

    # ------------------------------------------------------------- jobs from rows

    async def reconcile(self) -> int:
        now = self.bot.clock.now()
        count = 0
        unposted = await self.service.unposted()
        unclaimed = await self.service.unclaimed()
        with self.bot.scheduler.batch():
            for view in unposted:
                self.bot.scheduler.run_at(job_id(POST_JOB, view.id), now, self.post_by_id, view.id)
                count += 1
            for view in unclaimed:
                count += self.plan(view)
        return count

    def plan(self, view: EscalationView) -> int:
        plan = self.service.sla_plan(view)
        for stage, at in plan:
            self.bot.scheduler.run_at(job_id(SLA_JOB, view.id, stage), at, self.sla, view.id, stage)
        return len(plan)

    def unplan(self, escalation_id: int) -> None:
        self.bot.scheduler.cancel_matching(f"{SLA_JOB}:{escalation_id}:")

    # ------------------------------------------------------------- events

    @commands.Cog.listener()
    async def on_signal_recorded(self, signal_id: int) -> None:
        """A producer recorded a signal: apply the rules (thresholds in config and per server)."""
        async with self._applying:
            opened = await self.service.on_signal(signal_id)
            if opened is not None:
                await self._show(opened)

    @commands.Cog.listener()
    async def on_checkin_submitted(
        self, answers: CheckinText, interaction: discord.Interaction
    ) -> None:
        """A mentee's check-in words go through the concern check; when it fires, the
        student sees the crisis resources at once."""
        words = [t for t in (answers.went_well, answers.hard, answers.staff_note) if t]
        if await self.check_free_text(answers.guild_id, answers.user_id, words, "checkin"):
            await interaction.followup.send(self.concern_reply(), ephemeral=True)

    @commands.Cog.listener()
    async def on_mentor_concern(
        self, answered: MentorAnswered, interaction: discord.Interaction
    ) -> None:
        """A concern from a mentor's check-in goes to staff with their words; concerning
        language makes it urgent and shows the mentor the crisis resources."""
        async with self._applying:
            opened, concerning = await self.service.mentor_concern(
                answered.guild_id, answered.mentor_user_id, answered.concern or ""
            )
            if opened is not None:
                await self._show(opened)
        if concerning:
            await interaction.followup.send(self.concern_reply(), ephemeral=True)

    async def check_free_text(
        self, guild_id: int, member_user_id: int, answers: Sequence[str], source: str
    ) -> bool:
        """Concerning language in a student's free text opens (or adds to) an urgent
        escalation. True when it did: the caller then shows the student ``concern_reply``."""
        async with self._applying:
            opened = await self.service.check_free_text(guild_id, member_user_id, answers, source)
            if opened is not None:
                await self._show(opened)
        return opened is not None

    async def _show(self, opened: Opened) -> None:
        """Post a new escalation, or show the added signal on its post."""
        if opened.new:
            await self.post(opened.escalation)
        else:
            await self.refresh(await self.service.view(opened.escalation.id))

    def concern_reply(self) -> str:
        return texts.concern_shown(self.settings.crisis_text)

    # ------------------------------------------------------------- posting

    async def post_by_id(self, escalation_id: int) -> None:
        await self.post(await self.service.view(escalation_id))

    async def post(self, view: EscalationView) -> bool:
        """Post to the staff channel with the role mentioned, ahead of any bulk prompt; if
        that fails, DM staff. False when nobody at all could be reached."""
        if view.message_id is not None:
            return True
        program = await self.programs.get(view.guild_id)
        channel = self.bot.get_channel(program.escalation_channel_id or 0)
        if isinstance(channel, discord.TextChannel):
            post = staff_post(
                view, await self.service.context(view), program.staff_role_id, channel.id
            )
            key = post.key
            if (await self._deliver([post]))[key] is DeliveryStatus.SENT:
                message_id = await self.bot.delivery.message_id(key)
                if message_id is not None:
                    await self.service.mark_posted(view.id, channel.id, message_id)
                self.plan(view)
                return True
        log.error(
            "escalation %s could not be posted in the staff channel of server %s; DMing staff",
            view.id,
            view.guild_id,
        )
        staff = await self.service.known_staff(view.guild_id)
        why = "The escalation channel is missing or I can't post there, so you get this DM."
        outcomes = await self._deliver(
            [
                self._dm(
                    f"escalation-fallback:{view.id}:{user_id}",
                    user_id,
                    texts.staff_dm(view, why),
                    Priority.URGENT,
                )
                for user_id in staff
            ]
        )
        await self.service.mark_fallback(view.id, staff)
        self.plan(view)
        reached = sum(status is DeliveryStatus.SENT for status in outcomes.values())
        if not reached:
            log.error("escalation %s reached no staff member at all", view.id)
        return reached > 0

    async def refresh(self, view: EscalationView) -> None:
        """Show the new state on the staff post (an edit, not a new message)."""
        channel = self.bot.get_channel(view.channel_id or 0)
        if view.message_id is None or not isinstance(channel, discord.TextChannel):
            return
        context = await self.service.context(view)
        try:
            await channel.get_partial_message(view.message_id).edit(
                embed=texts.embed(view, context), view=buttons(view)
            )
        except discord.HTTPException as error:
            log.warning("could not update the post of escalation %s: %s", view.id, error.status)

    async def sla(self, escalation_id: int, stage: int) -> None:
        """Unclaimed at a limit: re-ping the staff role; at the second, the next tier too,
        and DM on-call staff."""
        view = await self.service.sla_step(escalation_id, stage)
        if view is None:
            return
        program = await self.programs.get(view.guild_id)
        role = program.staff_role_id
        if stage == NEXT_TIER:
            role = self.settings.tier2_role_id or role
        channel = self.bot.get_channel(view.channel_id or program.escalation_channel_id or 0)
        prompts = []
        if isinstance(channel, discord.TextChannel):
            prompts.append(
                Prompt(
                    key=f"{SLA_JOB}:{view.id}:{stage}",
                    kind=SLA_JOB,
                    user_id=view.student_user_id,
                    message=Message(
                        content=texts.re_ping(view, role, stage),
                        mention_role_ids=(role,) if role else (),
                    ),
                    priority=Priority.URGENT,
                    channel_id=channel.id,
                    guild_id=view.guild_id,
                )
            )
        if stage == NEXT_TIER or not isinstance(channel, discord.TextChannel):
            on_call = (
                self.settings.on_call_user_ids
                if isinstance(channel, discord.TextChannel)
                else tuple(await self.service.known_staff(view.guild_id))
            )
            why = "Nobody has claimed this yet."
            prompts += [
                self._dm(
                    f"{SLA_JOB}:{view.id}:{stage}:{u}",
                    u,
                    texts.staff_dm(view, why),
                    Priority.URGENT,
                )
                for u in on_call
            ]
        await self._deliver(prompts)

    # ------------------------------------------------------------- staff actions

    async def claim(self, interaction: discord.Interaction, escalation_id: int) -> None:
        view = await self.service.claim(escalation_id, interaction.user.id)
        self.unplan(view.id)
        await interaction.response.send_message(
            f"You claimed escalation #{view.id}. The student has been told someone is on it.",
            ephemeral=True,
        )
        await self.refresh(view)
        await self.tell_claimed(view, interaction.user.id)

    async def tell_assigned(self, view: EscalationView, by_user_id: int, to_user_id: int) -> None:
        """The new assignee hears about it; the student learns who picked it up."""
        moment = int(self.bot.clock.now().timestamp())
        await self._deliver(
            [
                self._dm(
                    f"escalation-assigned:{view.id}:{to_user_id}:{moment}",
                    to_user_id,
                    texts.assigned(view, by_user_id),
                )
            ]
        )
        await self.tell_claimed(view, to_user_id)

    async def tell_claimed(self, view: EscalationView, staff_user_id: int) -> None:
        """The student (and whoever raised it for them) learn that staff picked it up."""
        show = self.settings.show_claimer_name
        told = {view.student_user_id}
        if view.manual and view.raised_by is not None:
            told.add(view.raised_by)
        await self._deliver(
            [
                self._dm(
                    f"escalation-claimed:{view.id}:{staff_user_id}:{u}",
                    u,
                    texts.claimed(view, staff_user_id, show, u),
                )
                for u in sorted(told)
            ]
        )

    # ------------------------------------------------------------- delivery

    def _dm(
        self, key: str, user_id: int, text: str, priority: Priority = Priority.NORMAL
    ) -> Prompt:
        """A DM; with DMs closed it is not posted anywhere else (a pair's channel would show
        the mentor what only the student and staff may see)."""
        return Prompt(
            key=key,
            kind=key.split(":", 1)[0],
            user_id=user_id,
            message=Message(content=text),
            priority=priority,
        )

    async def _deliver(self, prompts: Sequence[Prompt]) -> dict[str, DeliveryStatus]:
        """The one way out for every escalation message: the delivery engine, which sends
        each key once and takes urgent prompts before any bulk fan-out."""
        return await self.bot.delivery.deliver(prompts)

    # ------------------------------------------------------------- command

    @app_commands.command(name="help-me", extras={"audience": Audience.EVERYONE})
    @app_commands.guild_only()
    @app_commands.describe(mentee="Mentors: the mentee you are worried about (default: yourself)")
    async def help_me(
        self, interaction: discord.Interaction, mentee: discord.Member | None = None
    ) -> None:
        """Ask a staff member for help, for yourself or (mentors) your mentee."""
        await interaction.response.send_modal(
            HelpModal(self, mentee.id if mentee is not None else None)
        )


def _roles(role_id: int | None) -> discord.AllowedMentions:
    """Mention only this role, nobody else."""
    if role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(role_id)], replied_user=False
    )


async def setup(bot: BridgesBot) -> None:
    bot.add_dynamic_items(EscalationButton)
    await bot.add_cog(EscalationCog(bot))
