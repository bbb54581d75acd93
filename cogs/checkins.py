"""/goal and /checkin: goals, the weekly check-in, the mentor's digest and check-in, history.

Jobs are derived from rows by ``reconcile()``: ``checkin-due:{unix}`` for each distinct
instant within the horizon someone is due, ``checkin-remind:{unix}`` and
``checkin-close:{unix}`` for the open check-ins due then, and ``checkin-plan``, which
re-derives the due jobs every hour (new members, changed days) and changes only the
difference. ``/checkin settings`` and ``/checkin pause`` plan only that member's instant.
Every DM is written under a unique key in the transaction of the change that implies it
(the ``compose`` methods below build them), so a crash loses none and a repeat sends none
twice. A check-in that should have opened while the bot was down
opens at start if its window is still open, and not otherwise.

The check-in flow: the DM's **Start** button shows (only to its addressee) one select per
active goal for progress, then **Next** opens a modal with mood, what went well, what is
hard, a note for staff only and the reach-out question. With no goals it opens the modal
directly. A modal holds five components, hence the two steps.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import typing
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.delivery import Priority, Prompt
from bot.heap import let_go, without_full_collections
from bot.i18n import Text
from bot.jobs import CHECKIN_CLOSE, CHECKIN_DUE, CHECKIN_PLAN, CHECKIN_REMIND, HORIZON
from bot.services.access import Audience, is_staff
from bot.services.checkins import (
    Answers,
    CheckinPrompt,
    CheckinService,
    MentorHistory,
    Opened,
    Submitted,
)
from bot.services.goals import GoalService, Proposal
from bot.services.programs import ProgramService
from cogs import checkin_chart, crisis
from cogs import checkin_texts as texts
from cogs.context import guild_id_of, localized, reader_language
from cogs.errors import ReportingItem, ReportingModal, ReportingView
from cogs.outbox import InTheirLanguage, dm, transactions
from cogs.profiles import FOCUS_LABELS
from cogs.views import persistent_view, stamped_button
from storage.models import GoalStatus

log = logging.getLogger(__name__)
PLAN_EVERY = timedelta(hours=1)
MAX_CHOICES = 25
WEEKDAY_NAMES = Literal[
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
]
WEEKDAY_INDEX = {name: i for i, name in enumerate(typing.get_args(WEEKDAY_NAMES))}
PICK_ONE = Text("Pick one")


def _rating(custom_id: str, placeholder: str, labels: dict[int, Text]) -> discord.ui.Select[Any]:
    return discord.ui.Select(
        custom_id=custom_id,
        placeholder=placeholder[:150],
        options=[
            discord.SelectOption(label=texts.rating(value, labels), value=str(value))
            for value in labels
        ],
    )


def _yes_no(custom_id: str) -> discord.ui.Select[Any]:
    return discord.ui.Select(
        custom_id=custom_id,
        options=[
            discord.SelectOption(label=Text("No"), value="no", default=True),
            discord.SelectOption(label=Text("Yes"), value="yes"),
        ],
    )


def _chosen(select: discord.ui.Select[Any], default: str = "") -> str:
    return select.values[0] if select.values else default


class CheckinModal(ReportingModal, title=Text("Your weekly check-in")):
    saves = Text("your check-in")

    def __init__(self, cog: CheckinCog, checkin_id: int, progress: dict[int, int]) -> None:
        super().__init__(timeout=1800)
        self.cog, self.checkin_id, self.progress = cog, checkin_id, progress
        self.mood = _rating("checkin:mood", PICK_ONE, texts.MOODS)
        self.went_well: discord.ui.TextInput[CheckinModal] = discord.ui.TextInput(
            label=Text("What went well this week?"),
            custom_id="checkin:well",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
        )
        self.hard: discord.ui.TextInput[CheckinModal] = discord.ui.TextInput(
            label=Text("What is hard right now?"),
            custom_id="checkin:hard",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
        )
        self.note: discord.ui.TextInput[CheckinModal] = discord.ui.TextInput(
            label=Text("A note only staff will read (optional)"),
            custom_id="checkin:note",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
        )
        self.reach = _yes_no("checkin:reach")
        self.add_item(discord.ui.Label(text=Text("How was your week?"), component=self.mood))
        self.add_item(self.went_well)
        self.add_item(self.hard)
        self.add_item(self.note)
        self.add_item(
            discord.ui.Label(
                text=Text("I'd like an adult from staff to reach out"), component=self.reach
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        answers = Answers(
            mood=int(_chosen(self.mood, "0")),
            progress=self.progress,
            went_well=self.went_well.value,
            hard=self.hard.value,
            staff_note=self.note.value,
            reach_out=_chosen(self.reach, "no") == "yes",
        )
        await self.cog.submitted(interaction, self.checkin_id, answers)


class ProgressSelect(discord.ui.Select["ProgressView"]):
    def __init__(self, goal_id: int, what: str) -> None:
        rating = _rating(f"checkin-progress:{goal_id}", what, texts.PROGRESS)
        super().__init__(custom_id=rating.custom_id, placeholder=what[:150], options=rating.options)
        self.goal_id = goal_id

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.view is not None:
            self.view.progress[self.goal_id] = int(self.values[0])
        await interaction.response.defer()


class ProgressView(ReportingView):
    """The first step, shown only to the mentee: progress on each active goal."""

    def __init__(self, cog: CheckinCog, prompt: CheckinPrompt) -> None:
        super().__init__(timeout=1800)
        self.cog, self.checkin_id = cog, prompt.checkin_id
        self.progress: dict[int, int] = {}
        for goal in prompt.goals:
            self.add_item(ProgressSelect(goal.id, goal.what))

    @discord.ui.button(
        label=Text("Next"), style=discord.ButtonStyle.primary, custom_id="checkin:next"
    )
    async def next_step(
        self, interaction: discord.Interaction, _: discord.ui.Button[ProgressView]
    ) -> None:
        await self.cog.checkins.start(self.checkin_id, interaction.user.id)
        form = CheckinModal(self.cog, self.checkin_id, dict(self.progress))
        await interaction.response.send_modal(localized(form, reader_language(interaction)))


class StartButton(ReportingItem[discord.ui.Button[Any]], template=r"checkin-start:(?P<id>[0-9]+)"):
    cog: ClassVar[CheckinCog | None] = None

    def __init__(self, checkin_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=Text("Start"),
                style=discord.ButtonStyle.success,
                custom_id=self.custom_id_of(checkin_id),
            )
        )
        self.checkin_id = checkin_id

    @staticmethod
    def custom_id_of(checkin_id: int) -> str:
        return f"checkin-start:{checkin_id}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> StartButton:
        return cls(int(match["id"]))

    async def run(self, interaction: discord.Interaction) -> None:
        cog = _loaded(self.cog)
        prompt = await cog.checkins.start(self.checkin_id, interaction.user.id)
        language = reader_language(interaction)
        if not prompt.goals:
            form = CheckinModal(cog, self.checkin_id, {})
            await interaction.response.send_modal(localized(form, language))
            return
        await interaction.response.send_message(
            texts.PROGRESS_STEP.render(language),
            view=localized(ProgressView(cog, prompt), language),
            ephemeral=True,
        )


class MentorModal(ReportingModal, title=Text("Mentor check-in")):
    saves = Text("your check-in")

    def __init__(self, cog: CheckinCog, member_id: int, week: date) -> None:
        super().__init__(timeout=1800)
        self.cog, self.member_id, self.week = cog, member_id, week
        self.met = _yes_no("mentor:met")
        self.going = _rating("mentor:going", PICK_ONE, texts.MOODS)
        self.support = _yes_no("mentor:support")
        self.concern: discord.ui.TextInput[MentorModal] = discord.ui.TextInput(
            label=Text("Any concern about your mentee? (optional)"),
            custom_id="mentor:concern",
            style=discord.TextStyle.paragraph,
            max_length=1000,
            required=False,
        )
        self.add_item(discord.ui.Label(text=Text("Did you meet your mentee?"), component=self.met))
        self.add_item(discord.ui.Label(text=Text("How is it going?"), component=self.going))
        self.add_item(self.concern)
        self.add_item(
            discord.ui.Label(
                text=Text("Would you like support from staff?"), component=self.support
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        needs_support = _chosen(self.support, "no") == "yes"
        answered = await self.cog.checkins.mentor_answer(
            self.member_id,
            self.week,
            interaction.user.id,
            met=_chosen(self.met, "no") == "yes",
            going=int(_chosen(self.going, "0")),
            concern=self.concern.value,
            needs_support=needs_support,
        )
        # Staff hear of a request for support and of a concern through their signals; the
        # mentor sees the crisis resources at once when the words are concerning.
        thanks = texts.mentor_thanks(needs_support, answered.concern is not None)
        await interaction.response.send_message(
            thanks.render(reader_language(interaction)), ephemeral=True
        )
        if answered.concerning:
            reply = await self.cog.concern_reply(interaction, answered.guild_id)
            await interaction.followup.send(reply, ephemeral=True)


class MentorButton(
    ReportingItem[discord.ui.Button[Any]],
    template=r"mentor-checkin:(?P<member>[0-9]+):(?P<week>[0-9]{4}-[0-9]{2}-[0-9]{2})",
):
    cog: ClassVar[CheckinCog | None] = None

    def __init__(self, member_id: int, week: date) -> None:
        super().__init__(
            discord.ui.Button(
                label=Text("Answer"),
                style=discord.ButtonStyle.primary,
                custom_id=self.custom_id_of(member_id, week),
            )
        )
        self.member_id, self.week = member_id, week

    @staticmethod
    def custom_id_of(member_id: int, week: date) -> str:
        return f"mentor-checkin:{member_id}:{week.isoformat()}"

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> MentorButton:
        return cls(int(match["member"]), date.fromisoformat(match["week"]))

    async def run(self, interaction: discord.Interaction) -> None:
        cog = _loaded(self.cog)
        await cog.checkins.mentor_check(self.member_id, self.week, interaction.user.id)
        form = MentorModal(cog, self.member_id, self.week)
        await interaction.response.send_modal(localized(form, reader_language(interaction)))


class GoalModal(ReportingModal):
    """A SMART goal: what, why it matters, how we will know, by when, and a focus area."""

    saves = Text("the goal")

    def __init__(self, cog: CheckinCog, mentee_user_id: int | None = None) -> None:
        title = Text("Propose a goal") if mentee_user_id else Text("A new goal")
        super().__init__(title=title, timeout=1800)
        self.cog, self.mentee_user_id = cog, mentee_user_id
        self.what: discord.ui.TextInput[GoalModal] = discord.ui.TextInput(
            label=Text("What do you want to achieve?"),
            custom_id="goal:what",
            placeholder=Text("Hand in every math homework"),
            max_length=100,
        )
        self.why: discord.ui.TextInput[GoalModal] = discord.ui.TextInput(
            label=Text("Why does it matter to you?"),
            custom_id="goal:why",
            style=discord.TextStyle.paragraph,
            max_length=300,
        )
        self.measure: discord.ui.TextInput[GoalModal] = discord.ui.TextInput(
            label=Text("How will we know you got there?"),
            custom_id="goal:measure",
            placeholder=Text("No missing homework on the report"),
            max_length=300,
        )
        self.by_when: discord.ui.TextInput[GoalModal] = discord.ui.TextInput(
            label=Text("By when? (YYYY-MM-DD)"),
            custom_id="goal:by",
            placeholder="2026-03-01",
            max_length=10,
        )
        self.focus: discord.ui.Select[GoalModal] = discord.ui.Select(
            custom_id="goal:focus",
            options=[
                discord.SelectOption(label=label, value=area.value)
                for area, label in FOCUS_LABELS.items()
            ],
        )
        for item in (self.what, self.why, self.measure, self.by_when):
            self.add_item(item)
        self.add_item(discord.ui.Label(text=Text("Focus area"), component=self.focus))

    async def on_submit(self, interaction: discord.Interaction) -> None:
        guild_id = guild_id_of(interaction)
        goals = self.cog.goals
        draft = await goals.draft(
            guild_id,
            self.mentee_user_id or interaction.user.id,
            self.what.value,
            self.why.value,
            self.measure.value,
            self.by_when.value,
            _chosen(self.focus),
        )
        if self.mentee_user_id is None:
            goal = await goals.add(guild_id, interaction.user.id, draft)
            added = Text(
                "Goal added: **{what}**. It shows in your weekly check-in.", what=goal.what
            )
            await interaction.response.send_message(
                added.render(reader_language(interaction)), ephemeral=True
            )
        else:
            proposal = await goals.propose(
                guild_id, interaction.user.id, self.mentee_user_id, draft, proposal_dm
            )
            goal = proposal.goal
            mentee = f"<@{self.mentee_user_id}>"
            proposed = Text("Proposed to {mentee}; it counts once they accept.", mentee=mentee)
            await interaction.response.send_message(
                proposed.render(reader_language(interaction)), ephemeral=True
            )
        if goal.concerning:  # staff hear of it through its signal
            reply = await self.cog.concern_reply(interaction, guild_id)
            await interaction.followup.send(reply, ephemeral=True)


class ProposalButton(
    ReportingItem[discord.ui.Button[Any]],
    template=r"goal-proposal:(?P<id>[0-9]+):(?P<action>accept|decline)",
):
    saves = Text("your answer to the goal")
    cog: ClassVar[CheckinCog | None] = None

    def __init__(self, goal_id: int, action: str) -> None:
        style = discord.ButtonStyle.success if action == "accept" else discord.ButtonStyle.secondary
        super().__init__(
            discord.ui.Button(
                label=Text("Accept") if action == "accept" else Text("Decline"),
                style=style,
                custom_id=f"goal-proposal:{goal_id}:{action}",
            )
        )
        self.goal_id, self.action = goal_id, action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ProposalButton:
        return cls(int(match["id"]), match["action"])

    async def run(self, interaction: discord.Interaction) -> None:
        cog = _loaded(self.cog)
        accept = self.action == "accept"
        proposal = await cog.goals.answer(
            self.goal_id,
            interaction.user.id,
            accept=accept,
            compose=lambda answered: answer_dm(answered, accept),
        )
        what = proposal.goal.what
        answer = (
            Text("Accepted: **{what}**", what=what)
            if accept
            else Text("Declined: **{what}**", what=what)
        )
        await interaction.response.edit_message(
            content=answer.render(reader_language(interaction)), view=None
        )


def _loaded(cog: CheckinCog | None) -> CheckinCog:
    if cog is None:
        raise RuntimeError("the check-ins cog is not loaded")
    return cog


def _unix(instant: datetime) -> int:
    return int(instant.timestamp())


# ----------------------------------------------------------------- what each change sends


def fanout(opened: Opened) -> list[Prompt]:
    """The week's check-in prompts and the mentors' check-ins (each kind's button built
    once for all of them, and rendered once per language)."""
    shown = InTheirLanguage()
    prompts = reminders(opened.checkins, reminder=False, shown=shown)
    answer = stamped_button(MentorButton(0, date.min))
    prompts += [
        dm(
            f"mentor-checkin:{item.member_id}:{item.week.isoformat()}",
            item.user_id,
            shown.text(texts.MENTOR_PROMPT, item.language),
            components=shown.button(answer, item.language)(
                MentorButton.custom_id_of(item.member_id, item.week)
            ),
            priority=Priority.BULK,
            fallback_channel_id=item.channel_id,
            expires_at=item.week_ends_at,
            language=item.language,
        )
        for item in opened.mentors
    ]
    return prompts


def reminders(
    found: Sequence[CheckinPrompt],
    *,
    reminder: bool = True,
    shown: InTheirLanguage | None = None,
) -> list[Prompt]:
    """A prompt (or its reminder) per check-in: worth sending until the check-in closes.
    Those whose reader's language is known are rendered in it here (``shown``)."""
    start = stamped_button(StartButton(0))
    shown = shown or InTheirLanguage()
    occurrence = "reminder" if reminder else "prompt"
    return [
        dm(
            f"checkin:{item.checkin_id}:{occurrence}",
            item.user_id,
            shown.text(texts.prompt(item, reminder=reminder), item.language),
            components=shown.button(start, item.language)(
                StartButton.custom_id_of(item.checkin_id)
            ),
            priority=Priority.BULK,
            fallback_channel_id=item.channel_id,
            guild_id=item.guild_id,
            expires_at=item.closes_at,
            language=item.language,
        )
        for item in found
    ]


def answer_messages(result: Submitted) -> list[Prompt]:
    """After an answer: the streak's milestone to the mentee, the digest to the mentor."""
    messages = []
    if result.milestone is not None:
        messages.append(
            dm(
                f"checkin-milestone:{result.checkin_id}",
                result.user_id,
                texts.milestone(result.milestone),
                fallback_channel_id=result.channel_id,
            )
        )
    if result.digest is not None:
        messages.append(
            dm(
                f"checkin-digest:{result.checkin_id}",
                result.digest.mentor_user_id,
                texts.digest(result.digest),
                fallback_channel_id=result.digest.channel_id,
            )
        )
    return messages


def proposal_dm(proposal: Proposal) -> list[Prompt]:
    goal_id = proposal.goal.id
    buttons = persistent_view(ProposalButton(goal_id, "accept"), ProposalButton(goal_id, "decline"))
    return [
        dm(
            f"goal-proposal:{goal_id}",
            proposal.mentee_user_id,
            texts.proposal(proposal),
            view=buttons,
            fallback_channel_id=proposal.channel_id,
            guild_id=proposal.guild_id,
        )
    ]


def answer_dm(proposal: Proposal, accept: bool) -> list[Prompt]:
    return [
        dm(
            f"goal-answer:{proposal.goal.id}",
            proposal.mentor_user_id,
            texts.proposal_answered(proposal, accept),
            fallback_channel_id=proposal.channel_id,
            guild_id=proposal.guild_id,
        )
    ]


class CheckinCog(commands.Cog):
    goal = app_commands.Group(
        name="goal",
        description="Your goals: add, list, finish or drop them",
        guild_only=True,
        extras={"audience": Audience.MENTEE},
    )
    checkin = app_commands.Group(
        name="checkin",
        description="Your weekly check-in: when it comes, a pause, your history",
        guild_only=True,
        extras={"audience": Audience.MENTEE},
    )

    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        settings = bot.settings
        self.programs = ProgramService(bot.sessions, bot.clock, settings.program)
        written = transactions(bot)
        self.checkins = CheckinService(
            bot.sessions,
            bot.clock,
            self.programs,
            settings.checkins,
            settings.sessions.holidays,
            transactions=written,
        )
        self.goals = GoalService(
            bot.sessions,
            bot.clock,
            self.programs,
            settings.checkins.max_active_goals,
            transactions=written,
            link_hosts=settings.privacy.allowed_link_hosts,
        )
        # Due instants whose job is running: the hourly re-plan must not queue them again
        # (APScheduler would skip the second run and warn).
        self._sending: set[int] = set()
        StartButton.cog = MentorButton.cog = ProposalButton.cog = self

    async def concern_reply(self, interaction: discord.Interaction, guild_id: int) -> str:
        """What a student (or mentor) whose words are concerning is shown at once."""
        return await crisis.concern_reply(self.bot, self.programs, interaction, guild_id)

    # ------------------------------------------------------------- jobs from rows

    async def reconcile(self) -> int:
        return await self.plan_from_rows()

    async def plan_from_rows(self) -> int:
        """Every job from rows: the due instants and the open check-ins' reminders and
        closings."""
        instants = await self.checkins.open_instants()
        with self.bot.scheduler.batch():
            count = await self.plan()
            for due_at in instants:
                count += self.plan_open(due_at)
        return count

    async def plan(self) -> int:
        """(Re)derive a ``checkin-due`` job for each instant within the horizon someone is
        next due, changing only the difference with what is planned, and the hourly re-plan
        itself. Returns how many jobs were added."""
        now = self.bot.clock.now()
        scheduler = self.bot.scheduler
        scheduler.run_at(CHECKIN_PLAN.id(), now + PLAN_EVERY, self.replan)
        instants = await self.checkins.plan()
        wanted = {
            CHECKIN_DUE.id(_unix(at)): at
            for at in instants
            if at <= now + HORIZON and _unix(at) not in self._sending
        }  # one running now is not queued again (it re-plans when it is done)
        planned = scheduler.planned(CHECKIN_DUE)
        with scheduler.batch():
            for job in planned.keys() - wanted.keys():
                scheduler.cancel(job)
            for job in wanted.keys() - planned.keys():
                at = wanted[job]
                scheduler.run_at(job, max(at, now), self.due, _unix(at))
        return len(wanted.keys() - planned.keys()) + 1

    def plan_one(self, at: datetime | None) -> None:
        """One member's next instant changed: its ``checkin-due`` job, if missing (the job
        reads from rows who is due then; nobody else is re-derived)."""
        now = self.bot.clock.now()
        if at is None or at > now + HORIZON or _unix(at) in self._sending:
            return  # the hourly re-plan reaches it
        job = CHECKIN_DUE.id(_unix(at))
        if not self.bot.scheduler.has(job):
            self.bot.scheduler.run_at(job, max(at, now), self.due, _unix(at))

    def plan_open(self, due_at: datetime) -> int:
        """The reminder and the closing of the check-ins due at ``due_at``."""
        now = self.bot.clock.now()
        unix = _unix(due_at)
        remind_at = due_at + self.checkins.reminder_after
        close_at = due_at + self.checkins.window
        planned = 1
        if remind_at > now or close_at > now:
            self.bot.scheduler.run_at(
                CHECKIN_REMIND.id(unix), max(remind_at, now), self.remind, unix
            )
            planned += 1
        self.bot.scheduler.run_at(CHECKIN_CLOSE.id(unix), max(close_at, now), self.close, unix)
        return planned

    async def replan(self) -> None:
        """The hourly job: new members and changed days get their due jobs."""
        await self.plan()

    async def due(self, unix: int) -> None:
        """The job: open and send what is due now, then plan the reminder, the closing and
        the next due instants."""
        instant = datetime.fromtimestamp(unix, UTC)
        self._sending.add(unix)
        try:
            await self.send_due(instant)
            self.plan_open(instant)
            await self.plan()
        finally:
            self._sending.discard(unix)

    async def send_due(self, instant: datetime) -> int:
        """Open the check-ins due at ``instant`` with their prompts and the mentors'
        check-ins; a second call writes and sends nothing again. Returns how many prompts
        were written. The heap is left to the young collections meanwhile, and the result
        let go before they resume (``bot.heap``)."""
        with without_full_collections():
            opened = await self.checkins.open_due(instant, fanout)
            mentees, mentors = len(opened.checkins), len(opened.mentors)
            await let_go(opened.checkins, opened.mentors)
        log.info(
            "check-ins due at %s: %d prompt(s), %d mentor check-in(s)",
            instant.isoformat(),
            mentees,
            mentors,
        )
        return mentees + mentors

    async def remind(self, unix: int) -> None:
        with without_full_collections():
            sent = await self.checkins.reminders(datetime.fromtimestamp(unix, UTC), reminders)
            await let_go(sent)

    async def close(self, unix: int) -> None:
        await self.checkins.close(datetime.fromtimestamp(unix, UTC))

    # ------------------------------------------------------------- answers

    async def submitted(
        self, interaction: discord.Interaction, checkin_id: int, answers: Answers
    ) -> None:
        result = await self.checkins.submit(
            checkin_id, interaction.user.id, answers, answer_messages
        )
        await interaction.response.send_message(
            texts.thanks(result.streak).render(reader_language(interaction)), ephemeral=True
        )
        # Concerning words reach staff through their signal; the student sees the crisis
        # resources now, in this interaction.
        if result.concerning:
            reply = await self.concern_reply(interaction, result.guild_id)
            await interaction.followup.send(reply, ephemeral=True)

    # ------------------------------------------------------------- helpers

    async def _is_staff(self, interaction: discord.Interaction) -> bool:
        user = interaction.user
        if interaction.guild_id is None or not isinstance(user, discord.Member):
            return False
        program = await self.programs.get(interaction.guild_id)
        return is_staff(
            {role.id for role in user.roles},
            program.staff_role_id,
            is_admin=interaction.permissions.manage_guild,
        )

    async def own_active_goals(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        goals = await self.goals.listing(interaction.guild_id, interaction.user.id)
        return [
            app_commands.Choice(name=goal.what[:100], value=goal.id)
            for goal in goals
            if goal.status is GoalStatus.ACTIVE and current.lower() in goal.what.lower()
        ][:MAX_CHOICES]

    # ------------------------------------------------------------- /goal

    @goal.command(name="add", extras={"audience": Audience.MENTEE})
    async def goal_add(self, interaction: discord.Interaction) -> None:
        """Add a goal: what, why it matters, how you'll know, by when, and a focus area."""
        await interaction.response.send_modal(
            localized(GoalModal(self), reader_language(interaction))
        )

    @goal.command(name="list", extras={"audience": Audience.EVERYONE})
    @app_commands.describe(member="Mentors and staff: whose goals to see (default: yours)")
    async def goal_list(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        """Your goals (mentors: your mentee's)."""
        target = member.id if member is not None else interaction.user.id
        goals = await self.goals.listing(
            guild_id_of(interaction),
            target,
            interaction.user.id,
            staff=target != interaction.user.id and await self._is_staff(interaction),
        )
        listed = texts.goal_list(goals, own=target == interaction.user.id)
        await interaction.response.send_message(
            listed.render(reader_language(interaction))[:1990], ephemeral=True
        )

    @goal.command(name="done", extras={"audience": Audience.MENTEE})
    @app_commands.describe(goal="The goal you reached")
    @app_commands.autocomplete(goal=own_active_goals)
    async def goal_done(self, interaction: discord.Interaction, goal: int) -> None:
        """Mark one of your goals as reached."""
        closed = await self.goals.close(
            guild_id_of(interaction), interaction.user.id, goal, done=True
        )
        done = Text("🎉 Well done: **{what}** is reached!", what=closed.what)
        await interaction.response.send_message(
            done.render(reader_language(interaction)), ephemeral=True
        )

    @goal.command(name="drop", extras={"audience": Audience.MENTEE})
    @app_commands.describe(goal="The goal to let go of")
    @app_commands.autocomplete(goal=own_active_goals)
    async def goal_drop(self, interaction: discord.Interaction, goal: int) -> None:
        """Let go of a goal that no longer fits (it stays in your history)."""
        closed = await self.goals.close(
            guild_id_of(interaction), interaction.user.id, goal, done=False
        )
        dropped = Text("Dropped **{what}**. Goals change, and that's fine.", what=closed.what)
        await interaction.response.send_message(
            dropped.render(reader_language(interaction)), ephemeral=True
        )

    @goal.command(name="propose", extras={"audience": Audience.MENTOR})
    @app_commands.describe(mentee="Your mentee, who accepts or declines the goal")
    async def goal_propose(self, interaction: discord.Interaction, mentee: discord.Member) -> None:
        """Propose a goal to your mentee; it counts once they accept it."""
        await self.goals.may_propose(guild_id_of(interaction), interaction.user.id, mentee.id)
        await interaction.response.send_modal(
            localized(GoalModal(self, mentee.id), reader_language(interaction))
        )

    # ------------------------------------------------------------- /checkin

    @checkin.command(name="settings", extras={"audience": Audience.MENTEE})
    @app_commands.describe(
        day="The day your check-in comes", time="The time, 24-hour HH:MM in your time zone"
    )
    async def checkin_settings(
        self,
        interaction: discord.Interaction,
        day: WEEKDAY_NAMES,
        time: app_commands.Range[str, 1, 10],
    ) -> None:
        """Choose the day and time of your weekly check-in (inside the program's hours)."""
        weekday = WEEKDAY_INDEX[day]
        next_at = await self.checkins.set_rhythm(
            guild_id_of(interaction), interaction.user.id, weekday, time
        )
        reply = texts.rhythm_set(weekday, time.strip(), next_at)
        await interaction.response.send_message(
            reply.render(reader_language(interaction)), ephemeral=True
        )
        self.plan_one(next_at)

    @checkin.command(name="pause", extras={"audience": Audience.MENTEE})
    @app_commands.describe(until="The last day without check-ins, like 2026-12-31")
    async def checkin_pause(
        self, interaction: discord.Interaction, until: app_commands.Range[str, 1, 20]
    ) -> None:
        """Pause your check-ins for a vacation, up to and including a date."""
        paused = await self.checkins.pause(guild_id_of(interaction), interaction.user.id, until)
        await interaction.response.send_message(
            texts.paused(paused).render(reader_language(interaction)), ephemeral=True
        )
        self.plan_one(await self.checkins.next_for(guild_id_of(interaction), interaction.user.id))

    @checkin.command(name="history", extras={"audience": Audience.EVERYONE})
    @app_commands.describe(
        member="Mentors: your mentee; staff: any mentee or mentor (default: your own)"
    )
    async def checkin_history(
        self, interaction: discord.Interaction, member: discord.Member | None = None
    ) -> None:
        """Recent check-ins: a mentee's with a chart of mood and goals; a mentor's answers."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = member.id if member is not None else interaction.user.id
        staff = target != interaction.user.id and await self._is_staff(interaction)
        found = await self.checkins.history(
            guild_id_of(interaction), interaction.user.id, target, staff=staff
        )
        language = reader_language(interaction)
        if isinstance(found, MentorHistory):
            shown = texts.mentor_history(found).render(language)[:1990]
            await interaction.followup.send(shown, ephemeral=True)
            return
        if not found.entries:
            await interaction.followup.send(texts.history(found).render(language), ephemeral=True)
            return
        png = await asyncio.to_thread(checkin_chart.render, found, language)
        await interaction.followup.send(
            texts.history(found).render(language)[:1990],
            file=discord.File(io.BytesIO(png), filename="checkins.png"),
            ephemeral=True,
        )


async def setup(bot: BridgesBot) -> None:
    bot.add_dynamic_items(StartButton, MentorButton, ProposalButton)
    await bot.add_cog(CheckinCog(bot))
