"""/session schedule|list|cancel|reschedule|calendar, invitations, reminders and attendance.

Reminder, attendance and first-session jobs are derived from rows (``reconcile()`` on start,
``extend()`` as the horizon moves, see ``bot/jobs.py``); reminders and attendance questions
are one job per instant (``reminder:{unix}:{offset}``) that reads which sessions are due.
Each change is written with its messages in one transaction (the ``compose`` methods below
turn the service's result into prompts), so a double fire or a restart never sends one
twice and a crash loses none.

Deadlines: an invitation, its answer, a cancellation and each reminder are worth sending
until the session starts; "Did it happen?" until ``ATTENDANCE_DEADLINE`` after it ends.
Whatever the downtime, ``reconcile()`` asks every attendance question still within its
deadline, and never sends a reminder for a session that has started.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Literal
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Priority, Prompt
from bot.errors import UserError
from bot.i18n import ChoiceName, Date, Text
from bot.jobs import (
    ATTENDANCE,
    ATTENDANCE_MISSED,
    FIRST_SESSION_DEADLINE,
    FIRST_SESSION_NUDGE,
    HORIZON,
    QUIET_CHECK,
    QUIET_CHECK_MISSED,
    REMINDER,
    Window,
    unix,
)
from bot.services.access import Audience
from bot.services.programs import ProgramService
from bot.services.session_rules import ATTENDANCE_DEADLINE, CalendarEvent, calendar_file
from bot.services.sessions import (
    FIRST_SESSION_NUDGE_AFTER,
    FIRST_SESSION_SIGNAL_AFTER,
    MAX_SERIES_WEEKS,
    Answered,
    Cancelled,
    FirstSessionCheck,
    PairPlace,
    ReminderDue,
    Scheduled,
    SessionService,
    SessionView,
    Timed,
)
from cogs import crisis
from cogs import session_texts as texts
from cogs.context import guild_id_of, localized, reader_language
from cogs.errors import ReportingItem, ReportingModal
from cogs.outbox import dm, transactions
from cogs.permissions import require_staff
from cogs.views import persistent_view
from storage.db import housekeeping
from storage.models import AttendanceAnswer, Place, SessionStatus

log = logging.getLogger(__name__)
#: The checks of a new match without a session, and how long after it was made.
_FIRST_SESSION_CHECKS = (
    (FIRST_SESSION_NUDGE, FIRST_SESSION_NUDGE_AFTER),
    (FIRST_SESSION_DEADLINE, FIRST_SESSION_SIGNAL_AFTER),
)
MAX_CHOICES = 25
PLACES = {"voice": Place.VOICE, "video": Place.VIDEO, "in-person": Place.IN_PERSON}


class WhenModal(ReportingModal, title=Text("Propose another time")):
    saves = Text("the new time you proposed")
    when: discord.ui.TextInput[WhenModal] = discord.ui.TextInput(
        label=Text("When?"),
        placeholder=Text("thursday 4pm"),
        max_length=100,
        custom_id="session:when",
    )

    def __init__(self, cog: SessionCog, session_id: int) -> None:
        super().__init__()
        self.cog, self.session_id = cog, session_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        scheduled = await self.cog.service.propose_instead(
            self.session_id, interaction.user.id, self.when.value, self.cog.invitation
        )
        reply = texts.proposed_reply(scheduled.first, 1, ())
        await interaction.response.send_message(
            reply.render(reader_language(interaction)), ephemeral=True
        )


class AttendModal(ReportingModal, title=Text("What did you cover?")):
    saves = Text("your answer")
    covered: discord.ui.TextInput[AttendModal] = discord.ui.TextInput(
        label=Text("Topics (commas)"),
        placeholder=Text("math homework, college plans"),
        max_length=300,
        required=False,
        custom_id="attend:covered",
    )
    note: discord.ui.TextInput[AttendModal] = discord.ui.TextInput(
        label=Text("Anything to add? (optional)"),
        style=discord.TextStyle.paragraph,
        max_length=500,
        required=False,
        custom_id="attend:note",
    )

    def __init__(self, cog: SessionCog, session_id: int) -> None:
        super().__init__()
        self.cog, self.session_id = cog, session_id

    async def on_submit(self, interaction: discord.Interaction) -> None:
        recorded = await self.cog.service.record_attendance(
            self.session_id,
            interaction.user.id,
            AttendanceAnswer.HAPPENED,
            self.covered.value,
            self.note.value,
        )
        await interaction.response.send_message(
            Text("Thanks, noted!").render(reader_language(interaction)), ephemeral=True
        )
        if recorded.concerning:  # staff hear of it through its signal
            reply = await crisis.concern_reply(
                self.cog.bot, self.cog.programs, interaction, recorded.view.guild_id
            )
            await interaction.followup.send(reply, ephemeral=True)


class InviteButton(
    ReportingItem[discord.ui.Button[Any]],
    template=r"session-invite:(?P<id>[0-9]+):(?P<action>accept|decline|propose)",
):
    """Accept / Decline / Propose another time; works after restarts, only for the invitee."""

    saves = Text("your answer to the invitation")
    cog: ClassVar[SessionCog | None] = None
    LABELS: ClassVar[dict[str, tuple[Text, discord.ButtonStyle]]] = {
        "accept": (Text("Accept"), discord.ButtonStyle.success),
        "decline": (Text("Decline"), discord.ButtonStyle.secondary),
        "propose": (Text("Propose another time"), discord.ButtonStyle.primary),
    }

    def __init__(self, session_id: int, action: str) -> None:
        label, style = self.LABELS[action]
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"session-invite:{session_id}:{action}"
            )
        )
        self.session_id, self.action = session_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> InviteButton:
        return cls(int(match["id"]), match["action"])

    async def run(self, interaction: discord.Interaction) -> None:
        cog = _loaded(self.cog)
        if self.action == "propose":
            await cog.service.respond_check(self.session_id, interaction.user.id)
            await interaction.response.send_modal(
                localized(WhenModal(cog, self.session_id), reader_language(interaction))
            )
            return
        answered = await cog.answer_invitation(
            self.session_id, interaction.user.id, accept=self.action == "accept"
        )
        content = (
            Text("Accepted: {summary}", summary=texts.summary(answered.view))
            if answered.accepted
            else Text("Declined.")
        )
        await interaction.response.edit_message(
            content=content.render(reader_language(interaction)), view=None
        )


class AttendButton(
    ReportingItem[discord.ui.Button[Any]],
    template=r"attend:(?P<id>[0-9]+):(?P<answer>happened|rescheduled|no-show)",
):
    saves = Text("your answer")
    cog: ClassVar[SessionCog | None] = None
    LABELS: ClassVar[dict[str, Text]] = {
        "happened": Text("Yes"),
        "rescheduled": Text("Rescheduled"),
        "no-show": Text("No-show"),
    }

    def __init__(self, session_id: int, answer: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=self.LABELS[answer],
                custom_id=f"attend:{session_id}:{answer}",
                style=discord.ButtonStyle.secondary,
            )
        )
        self.session_id, self.answer = session_id, AttendanceAnswer(answer)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AttendButton:
        return cls(int(match["id"]), match["answer"])

    async def run(self, interaction: discord.Interaction) -> None:
        cog = _loaded(self.cog)
        if self.answer is AttendanceAnswer.HAPPENED:
            await interaction.response.send_modal(
                localized(AttendModal(cog, self.session_id), reader_language(interaction))
            )
            return
        await cog.service.record_attendance(self.session_id, interaction.user.id, self.answer)
        await interaction.response.send_message(
            Text("Thanks, noted.").render(reader_language(interaction)), ephemeral=True
        )


def _loaded(cog: SessionCog | None) -> SessionCog:
    if cog is None:
        raise RuntimeError("the sessions cog is not loaded")
    return cog


class SessionCog(commands.Cog):
    session = app_commands.Group(
        name="session",
        description="Plan and manage your mentoring sessions",
        guild_only=True,
        extras={"audience": Audience.MENTEE},
    )

    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.service = SessionService(
            bot.sessions,
            bot.clock,
            self.programs,
            bot.settings.sessions,
            quiet_days=bot.settings.escalations.no_session_days,
            transactions=transactions(bot),
            link_hosts=bot.settings.privacy.allowed_link_hosts,
        )
        # One grouped job writes at a time (after a restart, many are due at once).
        self._reminding = asyncio.Lock()
        self._asking = asyncio.Lock()
        InviteButton.cog = self
        AttendButton.cog = self

    # ------------------------------------------------------------- jobs from rows

    async def reconcile(self) -> int:
        """Plan every job due within the horizon from rows. Work missed while the bot was
        down is derived here, whatever the downtime: reminders of sessions still ahead are
        due now (none for a session that started), and every attendance question within its
        deadline is asked (``attendance-missed``, one job for all)."""
        return await self.plan_from_rows()

    async def plan_from_rows(self) -> int:
        return await self.extend(self._window())

    async def extend(self, window: Window) -> int:
        """Plan the jobs whose moment is in ``window`` (on start, also those missed); a
        job already planned is left as it is. Returns how many were added."""
        times = await self.service.times_for_jobs(window.until)
        await asyncio.sleep(0)
        creations = await self.service.new_match_creations()
        await asyncio.sleep(0)
        quiet = await self.service.quiet_matches(window.until)
        now = self.bot.clock.now()
        delay = self.service.attendance_delay
        missed = False
        count = 0
        with self.bot.scheduler.batch():
            for item in times:
                if window.since is None and item.ends_at + delay <= now:
                    missed = True
                    continue
                count += self.plan_jobs(item, window)
            if missed:  # asked from rows, every session ended within its deadline
                since, before = now - ATTENDANCE_DEADLINE, now - delay + timedelta(seconds=1)
                self.bot.scheduler.run_at(
                    ATTENDANCE_MISSED.id(), now, self.ask_missed, unix(since), unix(before)
                )
                count += 1
            count += self.plan_first_session_checks(creations, window)
            count += self.plan_quiet_checks([at for _, at in quiet], window)
        return count

    def _window(self) -> Window:
        """What a command or a job plans at once: everything up to the horizon."""
        return Window(None, self.bot.clock.now() + HORIZON)

    async def ask_missed(self, since: int, before: int) -> None:
        """The attendance questions whose moment passed while the bot was down: of the
        sessions ending in [since, before) (unix)."""
        await self.service.ask_attendance_ending(
            datetime.fromtimestamp(since, UTC),
            datetime.fromtimestamp(before, UTC),
            self.attendance_questions,
        )

    def plan_quiet_checks(self, marks: Sequence[datetime], window: Window | None = None) -> int:
        """Look at the pairs for a long gap with no session (NO_SESSION_14_DAYS) at their
        marks in the window: one job per span holding a mark (its handler reads the pairs
        from rows, so a session that moves a mark needs no job removed), and on start one
        at once for every mark passed while the bot was down. Returns how many were added."""
        return self.bot.scheduler.run_spans(
            QUIET_CHECK, QUIET_CHECK_MISSED, marks, window or self._window(), self.quiet_check
        )

    async def quiet_check(self, after: int, by: int) -> None:
        """The job: NO_SESSION_14_DAYS for the pairs whose mark lies in (after, by] (unix;
        ``after`` 0: every mark by ``by``)."""
        await self.service.quiet_check_between(
            datetime.fromtimestamp(after, UTC) if after else None,
            datetime.fromtimestamp(by, UTC),
        )

    def plan_jobs(self, view: Timed, window: Window | None = None) -> int:
        """The reminder and attendance jobs of a confirmed session whose moment is in the
        window, one job per instant shared by every session due then (its handler reads
        them from rows, so a cancelled or moved session needs no job removed). A job
        already planned is left as it is; returns how many were added."""
        window = window or self._window()
        scheduler = self.bot.scheduler
        added = 0
        for label, moment, when in self.service.reminder_moments(view):
            job = REMINDER.id(unix(moment), label)
            if window.holds(moment) and not scheduler.has(job):
                scheduler.run_at(job, when, self.remind, unix(moment), label)
                added += 1
        asked = view.ends_at + self.service.attendance_delay
        job = ATTENDANCE.id(unix(asked))
        if window.holds(asked) and not scheduler.has(job):
            now = self.bot.clock.now()
            scheduler.run_at(job, max(asked, now), self.ask_attendance, unix(asked))
            added += 1
        return added

    def plan_first_session_checks(
        self, creations: Sequence[datetime], window: Window | None = None
    ) -> int:
        """The nudge (48 h) and deadline (7 days) jobs of the matches made at these
        instants whose moment is in the window: one job per second shared by every match
        made then (its handler reads them from rows). Returns how many were planned."""
        window = window or self._window()
        now = self.bot.clock.now()
        planned = 0
        for kind, after in _FIRST_SESSION_CHECKS:
            moments = {
                unix(created + after) for created in creations if window.holds(created + after)
            }
            for moment in sorted(moments):
                at = datetime.fromtimestamp(moment, UTC)
                self.bot.scheduler.run_at(
                    kind.id(moment), max(at, now), self.first_session_check, moment, kind.name
                )
                planned += 1
        return planned

    @commands.Cog.listener()
    async def on_match_created(self, match_id: int) -> None:
        """A new match: nudge the pair at 48 h, and flag it at 7 days, if they don't meet;
        flag it whenever it goes ``no_session_days`` without a session."""
        created = await self.service.created_at(match_id)
        if created is None:
            return
        self.plan_first_session_checks([created])
        self.plan_quiet_checks([created + self.service.quiet_after])

    async def remind(self, moment: int, label: str) -> None:
        """The job: the ``label`` reminders of every session due at ``moment`` (unix), in
        one read and one transaction; a second run sends none twice (their keys)."""
        async with self._reminding:
            await self.service.remind_at(datetime.fromtimestamp(moment, UTC), label, self.reminders)

    async def ask_attendance(self, moment: int) -> None:
        """The job: "Did it happen?" for every session whose question is due at ``moment``."""
        async with self._asking:
            await self.service.ask_attendance_at(
                datetime.fromtimestamp(moment, UTC), self.attendance_questions
            )

    async def first_session_check(self, moment: int, kind: str) -> None:
        """The job: the ``kind`` check of every match made ``moment`` (unix) minus its
        delay, to the second, that has no session yet."""
        after = dict((k.name, a) for k, a in _FIRST_SESSION_CHECKS)[kind]
        since = datetime.fromtimestamp(moment, UTC) - after
        await self.service.first_session_checks(
            since,
            since + timedelta(seconds=1),
            deadline=kind == FIRST_SESSION_DEADLINE.name,
            compose=self.nudges,
        )

    async def answer_invitation(self, session_id: int, user_id: int, *, accept: bool) -> Answered:
        """The invitee's answer, with the proposer's notice; reminders of what it confirmed."""
        answered = await self.service.respond(
            session_id, user_id, accept=accept, compose=self.answer_notice
        )
        for item in answered.sessions if accept else ():
            self.plan_jobs(item)
        return answered

    # ------------------------------------------------------------- what each change sends

    def invitation(self, scheduled: Scheduled) -> list[Prompt]:
        """The invitee's invitation, with Accept / Decline / Propose; until it starts."""
        first = scheduled.first
        buttons = persistent_view(
            *(InviteButton(first.id, action) for action in InviteButton.LABELS)
        )
        text = texts.invitation(first, len(scheduled.sessions), scheduled.skipped)
        return [_dm(f"invite:{first.id}", first.invitee_user_id, text, first, buttons)]

    def answer_notice(self, answered: Answered) -> list[Prompt]:
        view = answered.view
        if answered.accepted:
            text = texts.accepted(view, len(answered.sessions))
            return [_dm(f"accepted:{view.id}", view.proposer_user_id, text, view)]
        return [_dm(f"declined:{view.id}", view.proposer_user_id, texts.declined(view), view)]

    def cancel_notice(self, cancelled: Cancelled) -> list[Prompt]:
        view = cancelled.view
        text = texts.cancelled(view, cancelled.by_user_id)
        return [_dm(f"cancelled:{view.id}", cancelled.other_user_id, text, view)]

    def reminders(self, due: Sequence[ReminderDue]) -> list[Prompt]:
        return [
            _dm(
                f"reminder:{item.view.id}:{item.label}:{user_id}",
                user_id,
                texts.reminder(item.view, user_id),
                item.view,
                priority=Priority.BULK,
            )
            for item in due
            for user_id in item.view.members
        ]

    def attendance_questions(self, views: Sequence[SessionView]) -> list[Prompt]:
        return [
            _dm(
                f"attendance:{view.id}:{user_id}",
                user_id,
                texts.attendance_question(view),
                view,
                persistent_view(*(AttendButton(view.id, a) for a in AttendButton.LABELS)),
                priority=Priority.BULK,
                expires_at=self.service.attendance_deadline(view),
            )
            for view in views
            for user_id in view.members
        ]

    def nudges(self, checked: FirstSessionCheck) -> list[Prompt]:
        if checked.deadline:
            return []  # the deadline is for staff (a signal), not the pair
        return [
            dm(
                f"first-session-nudge:{checked.match_id}:{user_id}",
                user_id,
                texts.FIRST_SESSION_NUDGE,
                fallback_channel_id=checked.pair_channel_id,
                guild_id=checked.guild_id,
            )
            for user_id in checked.pair
        ]

    # ------------------------------------------------------------- channels

    async def _voice_channel(self, guild: discord.Guild, place: PairPlace) -> None:
        """The pair's voice channel, created on first use, private to the pair and staff;
        made before the session is saved, so a refusal leaves nothing behind."""
        if place.voice_channel_id is not None and guild.get_channel(place.voice_channel_id):
            return
        text_channel = guild.get_channel(place.pair_channel_id or 0)
        if not isinstance(text_channel, discord.TextChannel):
            raise UserError(Text("Your pair channel is missing; ask staff to check the match."))
        try:
            voice = await guild.create_voice_channel(
                f"{text_channel.name}-voice",
                category=text_channel.category,
                overwrites=text_channel.overwrites,
                reason="Bridges: pair voice channel",
            )
        except discord.Forbidden:
            raise UserError(
                Text(
                    "I can't create your voice channel (staff: give me Manage Channels in the "
                    "mentoring category). Pick `{video}` or `{in_person}` for now.",
                    video=ChoiceName("video"),
                    in_person=ChoiceName("in-person"),
                )
            ) from None
        with housekeeping():
            await self.service.set_voice_channel(place.match_id, voice.id)

    # ------------------------------------------------------------- commands

    async def own_sessions(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        zone = ZoneInfo(await self.service.zone_of(interaction.guild_id, interaction.user.id))
        language = reader_language(interaction)
        now = self.bot.clock.now()
        choices = []
        for view in await self.service.listing(interaction.guild_id, interaction.user.id):
            if view.status not in (SessionStatus.PROPOSED, SessionStatus.CONFIRMED):
                continue
            if view.starts_at <= now:
                continue
            local = view.starts_at.astimezone(zone)
            day = Date(local.date(), "MMMEd").render(language)
            label = f"{day} {local:%H:%M} {view.topic or ''}".strip()
            if current.lower() in label.lower():
                choices.append(app_commands.Choice(name=label[:100], value=view.id))
        return choices[:MAX_CHOICES]

    @session.command(name="schedule", extras={"audience": Audience.MENTEE})
    @app_commands.describe(
        when='When, in your time zone: "thursday 4pm", "tomorrow at 3:30", "dec 3 10am"',
        minutes="How long, in minutes (default 45)",
        topic="What you'd like to talk about (optional)",
        where="Where to meet: your pair's voice channel, a video call or in person",
        details="The video link (https://...) or the place to meet in person",
        with_member="Mentors with more than one mentee: who this session is with",
        weeks="Repeat weekly for this many weeks (holidays are skipped)",
        until_match_ends="Repeat weekly until your match ends (up to 26 weeks)",
    )
    @app_commands.rename(with_member="with")
    async def schedule(
        self,
        interaction: discord.Interaction,
        when: app_commands.Range[str, 1, 100],
        minutes: app_commands.Range[int, 15, 180] | None = None,
        topic: app_commands.Range[str, 1, 200] | None = None,
        where: Literal["voice", "video", "in-person"] = "voice",
        details: app_commands.Range[str, 1, 300] | None = None,
        with_member: discord.Member | None = None,
        weeks: app_commands.Range[int, 1, 26] | None = None,
        until_match_ends: bool = False,
    ) -> None:
        """Propose a session to your mentor or mentee; it's confirmed when they accept."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        if guild is None:
            raise UserError(Text("Use this inside your school's server."))
        partner = with_member.id if with_member else None
        if PLACES[where] is Place.VOICE:  # the pair's channels first: nothing saved if missing
            await self._voice_channel(
                guild, await self.service.pair_place(guild.id, interaction.user.id, partner)
            )
        scheduled = await self.service.schedule(
            guild.id,
            interaction.user.id,
            when,
            partner_user_id=partner,
            minutes=minutes,
            topic=topic,
            place=PLACES[where],
            detail=details,
            weeks=MAX_SERIES_WEEKS if until_match_ends else weeks,
            compose=self.invitation,
        )
        reply = texts.proposed_reply(scheduled.first, len(scheduled.sessions), scheduled.skipped)
        await interaction.followup.send(reply.render(reader_language(interaction)), ephemeral=True)
        if scheduled.concerning:  # staff hear of it through its signal
            shown = await crisis.concern_reply(self.bot, self.programs, interaction, guild.id)
            await interaction.followup.send(shown, ephemeral=True)

    @session.command(name="list", extras={"audience": Audience.MENTEE})
    @app_commands.describe(member="Staff: whose sessions to see (default: yours)")
    async def list_sessions(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        """Your upcoming sessions and those of the last two weeks."""
        guild_id = guild_id_of(interaction)
        target = interaction.user.id
        if member is not None and member.id != interaction.user.id:
            await require_staff(interaction, self.programs)
            target = member.id
        views = await self.service.listing(guild_id, target)
        language = reader_language(interaction)
        lines = [texts.listing_line(v).render(language) for v in views]
        await interaction.response.send_message(
            "\n".join(lines)[:1900] or texts.NO_SESSIONS.render(language), ephemeral=True
        )

    @session.command(name="cancel", extras={"audience": Audience.MENTEE})
    @app_commands.describe(session="The session to cancel")
    @app_commands.autocomplete(session=own_sessions)
    async def cancel(self, interaction: discord.Interaction, session: int) -> None:
        """Cancel one of your upcoming sessions; the other member is told."""
        cancelled = await self.service.cancel(interaction.user.id, session, self.cancel_notice)
        await interaction.response.send_message(
            texts.cancelled_reply(cancelled.view).render(reader_language(interaction)),
            ephemeral=True,
        )

    @session.command(name="reschedule", extras={"audience": Audience.MENTEE})
    @app_commands.describe(session="The session to move", when='The new time, e.g. "friday 5pm"')
    @app_commands.autocomplete(session=own_sessions)
    async def reschedule(
        self,
        interaction: discord.Interaction,
        session: int,
        when: app_commands.Range[str, 1, 100],
    ) -> None:
        """Move a session to a new time; the other member accepts the new time."""
        scheduled = await self.service.reschedule(
            interaction.user.id, session, when, self.invitation
        )
        await interaction.response.send_message(
            texts.proposed_reply(scheduled.first, 1, ()).render(reader_language(interaction)),
            ephemeral=True,
        )

    @session.command(name="calendar", extras={"audience": Audience.MENTEE})
    async def calendar(self, interaction: discord.Interaction) -> None:
        """Get your upcoming confirmed sessions as a calendar file (.ics)."""
        guild_id = guild_id_of(interaction)
        views = await self.service.upcoming_confirmed(guild_id, interaction.user.id)
        zone = ZoneInfo(await self.service.zone_of(guild_id, interaction.user.id))
        language = reader_language(interaction)
        events = [
            CalendarEvent(
                uid=f"session-{v.id}@bridges",
                start=v.starts_at,
                end=v.ends_at,
                summary=texts.calendar_summary(v.topic).render(language),
                location=texts.where(v).render(language),
                description=texts.CALENDAR_DESCRIPTION.render(language),
            )
            for v in views
        ]
        data = calendar_file(events, zone, now=self.bot.clock.now())
        await interaction.response.send_message(
            texts.upcoming_count(len(events)).render(language),
            file=discord.File(io.BytesIO(data), filename="sessions.ics"),
            ephemeral=True,
        )


def _dm(
    key: str,
    user_id: int,
    text: str,
    view: SessionView,
    buttons: discord.ui.View | None = None,
    *,
    priority: Priority = Priority.NORMAL,
    expires_at: datetime | None = None,
) -> Prompt:
    """A DM about a session: worth sending until the session starts (unless ``expires_at``
    says otherwise); with DMs closed it goes to the pair's channel."""
    return dm(
        key,
        user_id,
        text,
        view=buttons,
        priority=priority,
        fallback_channel_id=view.pair_channel_id,
        guild_id=view.guild_id,
        expires_at=expires_at or view.starts_at,
    )


async def setup(bot: BridgesBot) -> None:
    bot.add_dynamic_items(InviteButton, AttendButton)
    await bot.add_cog(SessionCog(bot))
