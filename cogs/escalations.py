"""/help-me and the "Get help from staff" message command, the signal worker that applies
the escalation rules, the staff post with its buttons, SLA re-pings and follow-ups.

Every message is written under a unique key in the transaction of the change that implies
it (the post ``escalation-post:{id}``, each re-ping ``escalation-sla:{id}:{stage}``, each DM
its own; the ``compose`` methods below build them), so a double fire or a restart never
sends one twice and a crash loses none. Posts and re-pings go to the staff channel by its
id (never through the gateway's cache) and have no deadline. The delivery engine's outcome
hook (``_posted``) links a post to its escalation when it is sent, whenever that is; only
a post that really failed (the channel is missing or refuses it) is DMed to on-call staff
and staff known to the program instead, and logged as an error.

``reconcile()`` rebuilds SLA jobs ``escalation-sla:{id}:{stage}`` and follow-up jobs
``escalation-follow-up:{id}:{stage}`` (a claimed escalation with no note: the claimer
reminded, then the staff role pinged; each message keyed by the claim) from rows, those due
within the horizon (``bot/jobs.py``; a stage due while the bot was down runs at once, the
planner adds the later ones as they come within it), links or writes the posts of escalations left
without one, and starts the signal worker, which applies every signal a crash left.

What the asker reads (the form, the reply, the crisis resources in their language, and
outside ``[escalations] staff_hours`` when staff are back) is rendered in their language.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import BridgesBot
from bot.delivery import Message, Priority, Prompt
from bot.errors import UserError
from bot.i18n import Text
from bot.jobs import ESCALATION_FOLLOW_UP, ESCALATION_SLA, HORIZON, Window
from bot.paging.outlets import page_prompts
from bot.paging.page import compose_page
from bot.services.access import Audience, is_staff
from bot.services.escalations import (
    CATEGORIES,
    FOLLOW_UP_POST,
    MAX_DETAILS,
    NEXT_TIER,
    POST,
    RE_PING_POST,
    REMIND_CLAIMER,
    Claimed,
    Context,
    EscalationService,
    EscalationView,
    FollowUp,
    Opened,
    Quote,
    Stage,
    Unreachable,
)
from bot.services.programs import ProgramService
from bot.services.signal_worker import SignalWorker
from bot.services.support_hours import Away
from cogs import escalation_texts as texts
from cogs.context import guild_id_of, localized, reader_language
from cogs.errors import ReportingItem, ReportingModal
from cogs.outbox import dm, transactions
from cogs.permissions import require_staff
from cogs.views import persistent_view
from storage.models import DeliveryStatus, EscalationStatus, Urgency
from storage.repositories.deliveries import Outcome

log = logging.getLogger(__name__)
SLA_JOB = "escalation-sla"
FOLLOW_UP_JOB = "escalation-follow-up"
#: How long /help-me waits for its post's outcome, to tell the student if nobody was reached.
POST_WAIT_SECONDS = 30.0
#: How long the signal worker waits for a new escalation's post before the next signal, so
#: a signal added to it finds the post to update (short: in an outage it moves on).
WORKER_POST_WAIT_SECONDS = 5.0


class HelpModal(ReportingModal, title="Ask staff for help"):
    """/help-me's form, in the asker's language; ``quote`` prefills the details (the
    message command's quote)."""

    saves = "your request for help"

    def __init__(
        self,
        cog: EscalationCog,
        guild_id: int,
        about_user_id: int | None,
        language: str,
        quote: Quote | None = None,
    ) -> None:
        super().__init__(title=texts.FORM_TITLE.render(language))
        self.cog, self.guild_id, self.about_user_id = cog, guild_id, about_user_id
        self.quote = quote
        self.details: discord.ui.TextInput[HelpModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph,
            max_length=MAX_DETAILS,
            custom_id="help:details",
            default=texts.quoted(quote.text, MAX_DETAILS) if quote is not None else None,
        )
        self.urgency: discord.ui.Select[HelpModal] = discord.ui.Select(
            custom_id="help:urgency",
            options=[
                discord.SelectOption(label=texts.URGENCY[u].render(language), value=u.value)
                for u in (Urgency.CAN_WAIT, Urgency.TODAY, Urgency.RIGHT_NOW)
            ],
        )
        self.category: discord.ui.Select[HelpModal] = discord.ui.Select(
            custom_id="help:category",
            options=[
                discord.SelectOption(label=texts.CATEGORY[c].render(language), value=c)
                for c in CATEGORIES
            ],
        )
        for label, component in (
            (texts.FORM_DETAILS, self.details),
            (texts.FORM_URGENCY, self.urgency),
            (texts.FORM_CATEGORY, self.category),
        ):
            self.add_item(discord.ui.Label(text=label.render(language), component=component))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild_id = self.guild_id
        opened, changes = await self.cog.service.raise_manual(
            guild_id,
            interaction.user.id,
            self.details.value,
            Urgency(self.urgency.values[0]),
            self.category.values[0],
            self.cog.alert,
            about_user_id=self.about_user_id,
            quote=self.quote,
        )
        self.cog.plan(opened.escalation)
        language = reader_language(interaction)
        crisis_text = self.cog.settings.crisis(language)
        away = await self.cog.staff_away(guild_id)
        reply = texts.confirmation(opened.escalation, crisis_text, away)
        await interaction.response.send_message(reply.render(language), ephemeral=True)
        if not await self.cog.reached(opened, changes.waits):
            unreached = texts.unreached(crisis_text).render(language)
            await interaction.followup.send(unreached, ephemeral=True)


class NoteModal(ReportingModal, title="Escalation"):
    saves = Text("the note")

    def __init__(self, cog: EscalationCog, escalation_id: int, *, resolve: bool) -> None:
        title = (
            Text("Resolve escalation #{id}", id=escalation_id)
            if resolve
            else Text("Note on escalation #{id}", id=escalation_id)
        )
        super().__init__(title=title)
        self.cog, self.escalation_id, self.resolving = cog, escalation_id, resolve
        self.note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            style=discord.TextStyle.paragraph, max_length=1000, custom_id="esc:note"
        )
        label = Text("Resolution: what was done? (required)") if resolve else Text("Note")
        self.add_item(discord.ui.Label(text=label, component=self.note))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        service, user_id = self.cog.service, interaction.user.id
        if self.resolving:
            view = await service.resolve(self.escalation_id, user_id, self.note.value)
            self.cog.unplan(view.id)
        else:
            view = await service.add_note(self.escalation_id, user_id, self.note.value)
        self.cog.unfollow(view.id)  # a note or the resolution is the follow-up
        done = (
            Text("Resolved escalation #{id}.", id=view.id)
            if self.resolving
            else Text("Note added to escalation #{id}.", id=view.id)
        )
        await interaction.response.send_message(
            done.render(reader_language(interaction)), ephemeral=True
        )
        await self.cog.refresh(view)


class ReassignModal(ReportingModal, title="Reassign escalation"):
    saves = Text("the reassignment")

    def __init__(self, cog: EscalationCog, escalation_id: int) -> None:
        super().__init__(title=Text("Reassign escalation"))
        self.cog, self.escalation_id = cog, escalation_id
        self.to: discord.ui.UserSelect[ReassignModal] = discord.ui.UserSelect(custom_id="esc:to")
        self.add_item(discord.ui.Label(text=Text("Give it to (a staff member)"), component=self.to))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        target = self.to.values[0]
        program = await self.cog.programs.get(interaction.guild_id or 0)
        to_is_staff = isinstance(target, discord.Member) and is_staff(
            {role.id for role in target.roles},
            program.staff_role_id,
            is_admin=target.guild_permissions.manage_guild,
        )
        claimed = await self.cog.service.reassign(
            self.escalation_id,
            interaction.user.id,
            target.id,
            self.cog.claim_notices,
            to_is_staff=to_is_staff,
        )
        self.cog.unplan(claimed.escalation.id)
        self.cog.follow(claimed.escalation)
        moved = Text(
            "Escalation #{id} is now with {staff}.", id=claimed.escalation.id, staff=target.mention
        )
        await interaction.response.send_message(
            moved.render(reader_language(interaction)), ephemeral=True
        )
        await self.cog.refresh(claimed.escalation)


class EscalationButton(
    ReportingItem[discord.ui.Button[Any]],
    template=r"escalation:(?P<id>[0-9]+):(?P<action>claim|note|resolve|reassign)",
):
    """Claim / Add note / Resolve / Reassign on the staff post; staff only, after restarts."""

    saves = Text("your claim")
    cog: ClassVar[EscalationCog | None] = None
    LABELS: ClassVar[dict[str, tuple[Text, discord.ButtonStyle]]] = {
        "claim": (Text("Claim"), discord.ButtonStyle.primary),
        "note": (Text("Add note"), discord.ButtonStyle.secondary),
        "resolve": (Text("Resolve"), discord.ButtonStyle.success),
        "reassign": (Text("Reassign"), discord.ButtonStyle.secondary),
    }

    def __init__(self, escalation_id: int, action: str, language: str | None = None) -> None:
        label, style = self.LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label if language is None else label.render(language),
                style=style,
                custom_id=f"escalation:{escalation_id}:{action}",
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
            raise UserError(Text("Escalation #{id} is already resolved.", id=view.id))
        language = reader_language(interaction)
        if self.action == "reassign":
            await interaction.response.send_modal(
                localized(ReassignModal(cog, self.escalation_id), language)
            )
        else:
            modal = NoteModal(cog, self.escalation_id, resolve=self.action == "resolve")
            await interaction.response.send_modal(localized(modal, language))


def buttons(view: EscalationView, language: str | None = None) -> discord.ui.View | None:
    """The staff post's buttons; their labels ``Text``s for the outbox to write, or written
    in ``language`` (an edit of the post)."""
    if view.status is EscalationStatus.RESOLVED:
        return None
    return persistent_view(
        *(
            EscalationButton(view.id, action, language)
            for action in EscalationButton.LABELS
            if action != "claim" or view.status is EscalationStatus.OPEN
        )
    )


def staff_post(
    view: EscalationView,
    context: Context,
    role_id: int | None,
    channel_id: int,
    *,
    redacted: bool = False,
) -> Prompt:
    """The escalation's post in the staff channel: only the staff role mentioned, the embed,
    the staff-only buttons; urgent, so it never waits behind a bulk fan-out. ``redacted``
    (the channel is readable by others): only its number and urgency, no embed."""
    shown = buttons(view)
    return Prompt(
        key=f"{POST}:{view.id}",
        kind=POST,
        user_id=view.student_user_id,
        message=Message(
            content=(texts.redacted_post if redacted else texts.post_content)(view, role_id),
            embeds=() if redacted else (texts.embed(view, context),),
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
        self.transactions = transactions(bot)
        self.service = EscalationService(
            bot.sessions,
            bot.clock,
            self.programs,
            self.settings,
            transactions=self.transactions,
        )
        self.worker = SignalWorker(bot.sessions, self.apply_signal)
        bot.delivery.on_recorded(self._posted)
        EscalationButton.cog = self
        self.menu = app_commands.ContextMenu(
            name="Get help from staff",
            callback=self.help_from_message,
            type=discord.AppCommandType.message,
            allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
            extras={"audience": Audience.EVERYONE},
        )

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        await self.worker.stop()

    # ------------------------------------------------------------- jobs from rows

    async def reconcile(self) -> int:
        """Posts left unlinked or unwritten, the SLA jobs of every unclaimed escalation,
        and the signal worker (which first applies every signal left unprocessed)."""
        unposted = await self.service.unposted(self.alert)
        if unposted:
            log.info("%d escalation(s) had no linked post at start", unposted)
        count = await self.plan_from_rows()
        self.worker.start()
        return count

    async def plan_from_rows(self) -> int:
        """The SLA and follow-up jobs of every open escalation due within the horizon (a
        stage missed while the bot was down runs at once)."""
        return await self.extend(self._window())

    async def extend(self, window: Window) -> int:
        """Plan the SLA and follow-up stages whose moment is in ``window`` (each job from
        its row, replacing one of the same id). Returns how many were planned."""
        count = 0
        with self.bot.scheduler.batch():
            for view in await self.service.unclaimed():
                count += self.plan(view, window)
            for view in await self.service.claimed():
                count += self._follow(view, window)
        return count

    def _window(self) -> Window:
        """What a staff action or the start plans at once: everything up to the horizon."""
        return Window(None, self.bot.clock.now() + HORIZON)

    def plan(self, view: EscalationView, window: Window | None = None) -> int:
        """The SLA jobs of an unclaimed escalation whose moment is in the window."""
        window = window or self._window()
        planned = 0
        for stage, at in self.service.sla_plan(view):
            job = ESCALATION_SLA.id(view.id, stage)
            if window.holds(at):
                self.bot.scheduler.run_at(job, at, self.sla, view.id, stage)
                planned += 1
        return planned

    def unplan(self, escalation_id: int) -> None:
        self.bot.scheduler.cancel_matching(ESCALATION_SLA.prefix(escalation_id))

    def follow(self, view: EscalationView) -> int:
        """The follow-up jobs of a claimed escalation with no note since its claim, within
        the horizon (those of an earlier claim are dropped)."""
        self.unfollow(view.id)
        return self._follow(view, self._window())

    def _follow(self, view: EscalationView, window: Window) -> int:
        planned = 0
        for stage, at in self.service.follow_up_plan(view):
            job = ESCALATION_FOLLOW_UP.id(view.id, stage)
            if window.holds(at):
                self.bot.scheduler.run_at(job, at, self.follow_up, view.id, stage)
                planned += 1
        return planned

    def unfollow(self, escalation_id: int) -> None:
        self.bot.scheduler.cancel_matching(ESCALATION_FOLLOW_UP.prefix(escalation_id))

    # ------------------------------------------------------------- signals

    @commands.Cog.listener()
    async def on_signals_recorded(self) -> None:
        """Signals were committed: the worker applies them (see ``reconcile``)."""
        self.worker.wake()

    async def apply_signal(self, signal_id: int) -> None:
        """The worker's step: the rules, the escalation and its post in one transaction;
        then its SLA jobs, or the added signal shown on the post."""
        applied = await self.service.apply_signal(signal_id, self.alert)
        if applied is None:
            return
        opened, changes = applied
        if not opened.new:
            await self.refresh(await self.service.view(opened.escalation.id))
            return
        self.plan(opened.escalation)
        post = changes.waits.get(f"{POST}:{opened.escalation.id}")
        if post is not None:  # a later signal for it then finds the post to update
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(post), WORKER_POST_WAIT_SECONDS)

    # ------------------------------------------------------------- what each change sends

    def alert(self, opened: Opened) -> list[Prompt]:
        """A new escalation's post in the staff channel; with no channel set, a DM to each
        staff member known to the program."""
        view, staff = opened.escalation, opened.staff
        pages = self.pages(view, staff.channel_id)
        if staff.channel_id is not None:
            post = staff_post(
                view, opened.context, staff.role_id, staff.channel_id, redacted=staff.exposed
            )
            return [post, *pages]
        log.error("server %s has no staff channel; escalation %s is DMed", view.guild_id, view.id)
        why = texts.NO_CHANNEL
        return [
            _staff_dm(
                f"escalation-fallback:{view.id}:{user_id}", user_id, texts.staff_dm(view, why)
            )
            for user_id in staff.known
        ] + pages

    def stage_pings(self, reached: Stage) -> list[Prompt]:
        """An SLA stage: the re-ping in the staff channel with the role; DMs as listed."""
        view, stage = reached.escalation, reached.stage
        prompts = []
        if reached.channel_id is not None:
            role = reached.role_id
            prompts.append(
                Prompt(
                    key=f"{SLA_JOB}:{view.id}:{stage}",
                    kind=RE_PING_POST,
                    user_id=view.student_user_id,
                    message=Message(
                        content=texts.re_ping(view, role, stage),
                        mention_role_ids=(role,) if role else (),
                    ),
                    priority=Priority.URGENT,
                    channel_id=reached.channel_id,
                    guild_id=view.guild_id,
                )
            )
        why = texts.UNCLAIMED
        prompts += [
            _staff_dm(f"{SLA_JOB}:{view.id}:{stage}:{u}", u, texts.staff_dm(view, why))
            for u in reached.dm_to
        ]
        if stage == NEXT_TIER:
            prompts += self.pages(view, reached.channel_id, unclaimed=True)
        return prompts

    def follow_up_pings(self, due: FollowUp) -> list[Prompt]:
        """A follow-up stage: the claimer's reminder DM; at the second, the staff role in
        the staff channel (the claimer DMed again when there is no channel). Keyed by the
        claim, so a new claim is followed up afresh and none is sent twice."""
        view = due.escalation
        key = f"{FOLLOW_UP_JOB}:{view.id}:{due.claim}:{due.stage}"
        if due.stage == REMIND_CLAIMER or due.channel_id is None:
            text = texts.follow_up_reminder(view, due.stage)
            return [_staff_dm(key, due.claimer, text)]
        role = due.role_id
        return [
            Prompt(
                key=key,
                kind=FOLLOW_UP_POST,
                user_id=view.student_user_id,
                message=Message(
                    content=texts.follow_up_ping(view, role, due.claimer),
                    mention_role_ids=(role,) if role else (),
                ),
                priority=Priority.URGENT,
                channel_id=due.channel_id,
                guild_id=view.guild_id,
            )
        ]

    def pages(
        self, view: EscalationView, channel_id: int | None, *, unclaimed: bool = False
    ) -> list[Prompt]:
        """The off-Discord pages (``[paging]``: email, the signed webhook) of an urgent
        escalation as it opens, or of any escalation still unclaimed at the next tier;
        none while paging is off. The student is named as the server's cache knows them,
        else by the name stored from their interactions, else by their user id."""
        paging = self.bot.settings.paging
        if not paging.enabled or (not unclaimed and view.urgency is not Urgency.RIGHT_NOW):
            return []
        guild = self.bot.get_guild(view.guild_id)
        member = guild.get_member(view.student_user_id) if guild is not None else None
        page = compose_page(
            escalation_id=view.id,
            student_name=(
                member.display_name
                if member is not None
                else view.student_name or str(view.student_user_id)
            ),
            urgency=view.urgency.value,
            category=texts.concerns(view) or view.category,  # the concern found, named
            guild_id=view.guild_id,
            channel_id=channel_id,
            message_id=view.message_id if channel_id == view.channel_id else None,
            who_to_call=paging.who_to_call,
            details=view.details,
            include_details=paging.include_details,
            unclaimed=unclaimed,
        )
        return page_prompts(
            paging, page, student_user_id=view.student_user_id, guild_id=view.guild_id
        )

    def unreachable(self, failed: Unreachable) -> list[Prompt]:
        """A post (or a re-ping) that failed: each staff member known gets it as a DM."""
        view = failed.escalation
        log.error(
            "escalation %s could not be posted in the staff channel of server %s; DMing staff",
            view.id,
            view.guild_id,
        )
        if not failed.dm_to:
            log.error("escalation %s reached no staff member at all", view.id)
        if failed.key.startswith(f"{POST}:"):
            why = texts.NO_CHANNEL
            return [
                _staff_dm(f"escalation-fallback:{view.id}:{u}", u, texts.staff_dm(view, why))
                for u in failed.dm_to
            ]
        why = texts.UNCLAIMED_NO_CHANNEL
        return [_staff_dm(f"{failed.key}:{u}", u, texts.staff_dm(view, why)) for u in failed.dm_to]

    def claim_notices(self, claimed: Claimed) -> list[Prompt]:
        """The student (and whoever raised it for them) learn that staff picked it up; a
        reassignment tells the new assignee too."""
        view, staff = claimed.escalation, claimed.staff_user_id
        show = self.settings.show_claimer_name
        prompts = []
        if claimed.assigned_by is not None:
            moment = int(self.bot.clock.now().timestamp())
            prompts.append(
                dm(
                    f"escalation-assigned:{view.id}:{staff}:{moment}",
                    staff,
                    texts.assigned(view, claimed.assigned_by),
                )
            )
        prompts += [
            dm(
                f"escalation-claimed:{view.id}:{staff}:{u}",
                u,
                texts.claimed(view, staff, show, u),
            )
            for u in claimed.told
        ]
        return prompts

    async def reached(
        self, opened: Opened, waits: dict[str, asyncio.Future[DeliveryStatus]]
    ) -> bool:
        """Whether some staff member is being reached: the post went out (waiting at most
        ``POST_WAIT_SECONDS``), or staff are DMed instead. A post still pending is not a
        failure."""
        if opened.staff.known:
            return True
        post = waits.get(f"{POST}:{opened.escalation.id}")
        if post is None:
            return opened.staff.channel_id is not None  # written before (never here)
        try:
            status = await asyncio.wait_for(asyncio.shield(post), POST_WAIT_SECONDS)
        except (TimeoutError, asyncio.CancelledError):
            return True
        return status is not DeliveryStatus.FAILED

    async def _posted(self, session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
        """The engine's outcome hook, in the transaction that records the outcomes."""
        if any(o.kind in (POST, RE_PING_POST) for o in outcomes):
            await self.service.post_outcomes(
                self.transactions.join(session), outcomes, self.unreachable
            )

    # ------------------------------------------------------------- posting

    async def refresh(self, view: EscalationView) -> None:
        """Show the new state on the staff post (an edit, not a new message; by ids, so it
        needs nothing from the gateway's cache)."""
        if view.message_id is None or view.channel_id is None:
            return
        if view.student_user_id < 0:  # the student was forgotten: the post reads "[erased]"
            return
        context = await self.service.context(view)
        message = self.bot.get_partial_messageable(view.channel_id).get_partial_message(
            view.message_id
        )
        try:
            program = await self.programs.get(view.guild_id)
            language = program.language
            shown = buttons(view, language)
            if program.staff_channel_exposed:
                await message.edit(
                    content=texts.redacted_post(view, None).render(language),
                    embeds=[],
                    view=shown,
                )
                return
            await message.edit(
                embed=texts.rendered_embed(texts.embed(view, context), language), view=shown
            )
        except discord.HTTPException as error:
            log.warning("could not update the post of escalation %s: %s", view.id, error.status)

    async def follow_up(self, escalation_id: int, stage: int) -> None:
        """Claimed, and no note yet at a follow-up limit: remind the claimer, then the role."""
        await self.service.follow_up_step(escalation_id, stage, self.follow_up_pings)

    async def sla(self, escalation_id: int, stage: int) -> None:
        """Unclaimed at a limit: re-ping the staff role; at the second, the next tier too,
        and DM on-call staff."""
        await self.service.sla_step(escalation_id, stage, self.stage_pings)

    # ------------------------------------------------------------- staff actions

    async def claim(self, interaction: discord.Interaction, escalation_id: int) -> None:
        claimed = await self.service.claim(escalation_id, interaction.user.id, self.claim_notices)
        view = claimed.escalation
        self.unplan(view.id)
        self.follow(view)
        done = Text(
            "You claimed escalation #{id}. The student has been told someone is on it.", id=view.id
        )
        await interaction.response.send_message(
            done.render(reader_language(interaction)), ephemeral=True
        )
        await self.refresh(view)

    async def staff_away(self, guild_id: int) -> Away | None:
        """Whether the program's staff are outside their support hours now."""
        return await self.programs.staff_away(
            guild_id, self.settings.staff_hours, self.bot.settings.sessions.holidays
        )

    # ------------------------------------------------------------- command

    @app_commands.command(name="help-me", extras={"audience": Audience.EVERYONE})
    @app_commands.guild_only()
    @app_commands.describe(mentee="Mentors: the mentee you are worried about (default: yourself)")
    async def help_me(
        self, interaction: discord.Interaction, mentee: discord.Member | None = None
    ) -> None:
        """Ask a staff member for help, for yourself or (mentors) your mentee."""
        about = mentee.id if mentee is not None else None
        language = reader_language(interaction)
        await interaction.response.send_modal(
            HelpModal(self, guild_id_of(interaction), about, language)
        )

    async def help_from_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        """The "Get help from staff" message command: /help-me's form with the message
        quoted; the request is about its author, who is not told who asked."""
        me = self.bot.user
        author = None if me is not None and message.author.id == me.id else message.author.id
        in_guild = interaction.guild_id is not None
        quote = Quote(
            message.content,
            author,
            message.channel.id if in_guild else None,
            message.jump_url,
        )
        guild_id = interaction.guild_id or await self.service.home_guild(interaction.user.id)
        await self.service.may_quote(guild_id, interaction.user.id, quote)
        language = reader_language(interaction)
        await interaction.response.send_modal(HelpModal(self, guild_id, None, language, quote))


def _staff_dm(key: str, user_id: int, text: str) -> Prompt:
    """An urgent DM to staff; with DMs closed it is not posted anywhere else (a pair's
    channel would show the mentor what only the student and staff may see)."""
    return dm(key, user_id, text, priority=Priority.URGENT)


async def setup(bot: BridgesBot) -> None:
    bot.add_dynamic_items(EscalationButton)
    await bot.add_cog(EscalationCog(bot))
