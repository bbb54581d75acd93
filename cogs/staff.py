"""/staff ...: training modules, matching and the roster. Staff only, checked by the bot."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import datetime
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import instance
from bot.app import BridgesBot
from bot.delivery import Message, Prompt
from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, ChoiceName, Date, Joined, Plural, Slash, Text
from bot.i18n import render as rendered
from bot.report_files import render
from bot.services.access import Audience
from bot.services.consent import ConsentService
from bot.services.contacts import ContactService
from bot.services.deliveries import DeliveryService
from bot.services.hours import HoursService
from bot.services.matches import CohortProposal, MatchService, Roster
from bot.services.privacy import PrivacyService, SentMessage
from bot.services.programs import ProgramService
from bot.services.recruiting import RecruitingService
from bot.services.reports import ReportService
from bot.services.sessions import SessionService
from bot.services.training import TrainingService
from bot.spreadsheets import SpreadsheetWriter
from cogs import (
    consent_texts,
    delivery_texts,
    escalation_texts,
    privacy_texts,
    recruiting_texts,
    report_texts,
)
from cogs import hours as hours_area
from cogs.context import guild_id_of, localized, reader_language
from cogs.errors import ReportingView
from cogs.escalation_choices import escalation_choices as choose_escalation
from cogs.escalations import EscalationCog
from cogs.names import name_of
from cogs.outbox import transactions
from cogs.pairs import PairChannels, prepare_pair
from cogs.permissions import require_staff
from cogs.recruiting_staff import RecruitGroup
from cogs.training import training_module_choices

PAGE_SIZE = 10
MAX_ATTACHMENTS = 10  # Discord's limit per message


def report_attachments(files: list[tuple[str, bytes]]) -> list[discord.File]:
    """Every file, or the charts and one zip of the CSVs when there are too many."""
    if len(files) > MAX_ATTACHMENTS:
        bundle = io.BytesIO()
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, body in files:
                if name.endswith(".csv"):
                    archive.writestr(name, body)
        files = [(n, b) for n, b in files if not n.endswith(".csv")]
        files.append(("report-tables.zip", bundle.getvalue()))
    return [discord.File(io.BytesIO(body), filename=name) for name, body in files]


INSIDE_SERVER = Text("Use this inside your school's server.")
#: After a member's mention in the roster: Bridges cannot DM them.
DMS_CLOSED_MARK = Text("(DMs closed)")


def _mention(user_id: int) -> str:
    return f"<@{user_id}>"


def _full_markup(instant: datetime) -> str:
    return f"<t:{int(instant.timestamp())}:F>"


def _day_markup(instant: datetime) -> str:
    """A date as Discord markup: each reader's client writes it in their language."""
    return f"<t:{int(instant.timestamp())}:d>"


def roster_pages(roster: Roster, language: str = DEFAULT_LANGUAGE) -> list[discord.Embed]:
    def closed(user_id: int) -> str:
        marks = " " + DMS_CLOSED_MARK.render(language) if user_id in roster.dms_closed else ""
        if user_id in roster.waiting_consent:
            marks += " " + consent_texts.WAITING_MARK.render(language)
        return marks

    def who(user_id: int) -> str:
        return f"<@{user_id}>{closed(user_id)}"

    lines: list[Text] = [
        Text(
            "{mentor} mentors {mentee} since {since}",
            mentor=who(mentor),
            mentee=who(mentee),
            since=_day_markup(since),
        )
        for mentor, mentee, since in roster.pairs
    ]
    lines += [
        Text("{mentee} is waiting for a mentor", mentee=who(mentee))
        for mentee in roster.unmatched_mentees
    ]
    lines += [
        (
            Text(
                "{mentor}: {load}/{capacity} mentees, training {minutes} min",
                mentor=who(m.user_id),
                load=m.load,
                capacity=m.capacity,
                minutes=m.confirmed_minutes,
            )
            if m.trained
            else Text(
                "{mentor}: {load}/{capacity} mentees, training {minutes} min (not yet trained)",
                mentor=who(m.user_id),
                load=m.load,
                capacity=m.capacity,
                minutes=m.confirmed_minutes,
            )
        )
        for m in roster.mentors
    ]
    chunks = [lines[i : i + PAGE_SIZE] for i in range(0, len(lines), PAGE_SIZE)] or [[]]
    title = Text(
        "Roster ({matches} matches, {waiting} waiting, {mentors} mentors)",
        matches=len(roster.pairs),
        waiting=len(roster.unmatched_mentees),
        mentors=len(roster.mentors),
    ).render(language)
    return [
        discord.Embed(
            title=title,
            description=Joined(chunk, "\n").render(language)
            or Text("Nobody has joined yet.").render(language),
            colour=discord.Colour.blurple(),
        ).set_footer(
            text=Text("Page {number} of {count}", number=number, count=len(chunks)).render(language)
        )
        for number, chunk in enumerate(chunks, start=1)
    ]


def roster_csv(roster: Roster, names: dict[int, str]) -> discord.File:
    out = io.StringIO()
    writer = SpreadsheetWriter(out)
    writer.writerow(
        [
            "kind",
            "mentor",
            "mentee",
            "since",
            "load",
            "capacity",
            "training_minutes",
            "trained",
            "waiting_on_consent",
        ]
    )
    waiting = roster.waiting_consent
    for mentor, mentee, since in roster.pairs:
        writer.writerow(
            [
                "match",
                names.get(mentor, mentor),
                names.get(mentee, mentee),
                since.isoformat(),
                "",
                "",
                "",
                "",
                mentor in waiting or mentee in waiting,
            ]
        )
    for mentee in roster.unmatched_mentees:
        writer.writerow(
            ["unmatched", "", names.get(mentee, mentee), "", "", "", "", "", mentee in waiting]
        )
    for m in roster.mentors:
        writer.writerow(
            [
                "mentor",
                names.get(m.user_id, m.user_id),
                "",
                "",
                m.load,
                m.capacity,
                m.confirmed_minutes,
                m.trained,
                m.user_id in waiting,
            ]
        )
    return discord.File(io.BytesIO(out.getvalue().encode()), filename="roster.csv")


def instance_line(standing: instance.Standing | None) -> Text:
    """Which process answers: the active instance since when, on which host."""
    if standing is None:
        return Text("Not holding the instance lock (a demo or a test run).")
    return Text(
        "Active since {since} on host `{host}`, pid {pid}; any other instance waits as a standby.",
        since=_full_markup(standing.since),
        host=standing.host,
        pid=standing.pid,
    )


class Pager(ReportingView):
    def __init__(self, owner: int, pages: list[discord.Embed]) -> None:
        super().__init__(timeout=600)
        self.owner, self.pages, self.index = owner, pages, 0
        self._sync()

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index >= len(self.pages) - 1

    async def allowed(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    @discord.ui.button(label=Text("Previous"), style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(label=Text("Next"), style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        await self._show(interaction, 1)


class CohortView(ReportingView):
    """Confirm applies the proposal; only the staff member who asked may answer."""

    saves = Text("the matches made before it stopped")

    def __init__(self, cog: StaffCog, owner: int, proposal: CohortProposal) -> None:
        super().__init__(timeout=900)
        self.cog, self.owner, self.proposal = cog, owner, proposal

    async def allowed(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner:
            raise UserError(
                Text("Only the staff member who asked for this proposal can confirm it.")
            )
        return True

    @discord.ui.button(label=Text("Confirm"), style=discord.ButtonStyle.success)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        language = reader_language(interaction)
        await interaction.response.edit_message(
            content=Text("Creating the matches...").render(language), view=None
        )
        guild = interaction.guild
        if guild is None:
            return
        program = await self.cog.programs.get(guild.id)
        created, problems = 0, list[Text]()
        for mentee, mentor, score in self.proposal.pairs:
            try:
                place = await prepare_pair(guild, program, mentor, mentee)
                pair = await self.cog.matches.create(
                    guild.id, self.owner, mentor, mentee, score=score
                )
                await self.cog.pairs.open_new(place, pair)
                self.cog.bot.dispatch("match_created", pair.match_id)
                created += 1
            except UserError as error:
                problems.append(
                    Text(
                        "{mentor} with {mentee}: {problem}",
                        mentor=_mention(mentor),
                        mentee=_mention(mentee),
                        problem=rendered(error.message, language).splitlines()[0],
                    )
                )
        summary: list[Text | Joined] = [
            Plural("Created {count} match.", "Created {count} matches.", created)
        ]
        if problems:
            summary += [Text("Not done:"), Joined(problems, "\n", "- ")]
        await interaction.followup.send(Joined(summary, "\n").render(language), ephemeral=True)

    @discord.ui.button(label=Text("Cancel"), style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        cancelled = Text("Cancelled; nothing was changed.")
        await interaction.response.edit_message(
            content=cancelled.render(reader_language(interaction)), view=None
        )


class ForgetView(ReportingView):
    """Erase on Confirm; only the staff member who asked may answer."""

    saves = Text("the erasure")

    def __init__(self, cog: StaffCog, owner: int, member: discord.Member) -> None:
        super().__init__(timeout=300)
        self.cog, self.owner, self.member = cog, owner, member

    async def allowed(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner:
            raise UserError(privacy_texts.ONLY_ASKER)
        return True

    @discord.ui.button(label=Text("Erase"), style=discord.ButtonStyle.danger)
    async def confirm(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.defer()
        guild = interaction.guild
        if guild is None:
            raise UserError(INSIDE_SERVER)
        forgotten = await self.cog.privacy.forget(guild.id, self.owner, self.member.id, blank)
        await interaction.edit_original_response(
            content=privacy_texts.forgotten_reply(
                self.member.mention, len(forgotten.ended), forgotten.emptied, forgotten.blanked
            ).render(reader_language(interaction)),
            view=None,
        )
        for pair in forgotten.ended:  # closed with the erasure: their notices follow
            await self.cog.pairs.finish(pair.match_id)

    @discord.ui.button(label=Text("Cancel"), style=discord.ButtonStyle.secondary)
    async def cancel(self, interaction: discord.Interaction, _: discord.ui.Button[Any]) -> None:
        self.stop()
        await interaction.response.edit_message(
            content=privacy_texts.CANCELLED.render(reader_language(interaction)), view=None
        )


def blank(message: SentMessage) -> list[Prompt]:
    """The edit that leaves a sent message reading "[erased]", with no embed or button."""
    prompt = Prompt(
        key=f"erase:{message.delivery_id}",
        kind="erase",
        user_id=message.recipient_user_id,
        message=Message(content=privacy_texts.ERASED),
        channel_id=message.channel_id,
        edit_message_id=message.message_id,
    )
    return [prompt]


class StaffCog(commands.Cog):
    staff = app_commands.Group(
        name="staff",
        description="Staff tools for running the program",
        guild_only=True,
        # Hidden from students' menus; /setup explains how to allow the staff role.
        default_permissions=discord.Permissions(manage_guild=True),
        extras={"audience": Audience.STAFF},
    )
    training = app_commands.Group(
        name="training", description="Mentor training modules", parent=staff
    )
    holiday = app_commands.Group(
        name="holiday", description="Program days off (no sessions)", parent=staff
    )
    match = app_commands.Group(name="match", description="Match mentors with mentees", parent=staff)
    escalation = app_commands.Group(
        name="escalation", description="One escalation: its timeline, claim it, rules", parent=staff
    )
    recruit = RecruitGroup(parent=staff)
    hours_group = app_commands.Group(
        name="hours",
        description="Mentors' service hours: certificates, disputed sessions",
        parent=staff,
    )

    def __init__(self, bot: BridgesBot) -> None:
        self.bot = bot
        self.programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.training_service = TrainingService(
            bot.sessions, bot.clock, self.programs, bot.settings.matching
        )
        self.matches = MatchService(
            bot.sessions,
            bot.clock,
            bot.settings.matching,
            require_consent=bot.settings.privacy.require_guardian_consent,
            transactions=transactions(bot),
        )
        self.pairs = PairChannels(bot, self.matches)
        self.session_service = SessionService(
            bot.sessions, bot.clock, self.programs, bot.settings.sessions
        )
        self.privacy = PrivacyService(
            bot.sessions,
            bot.clock,
            bot.settings.privacy,
            self.matches,
            transactions=transactions(bot),
        )
        self.contacts = ContactService(bot.sessions, bot.clock)
        self.reports = ReportService(bot.sessions, bot.clock, bot.settings.report)
        self.deliveries = DeliveryService(bot.sessions, bot.clock, bot.delivery)
        self.recruiting = RecruitingService(
            bot.sessions,
            bot.clock,
            self.programs,
            bot.settings.recruiting,
            bot.settings.matching,
            bot.delivery,
        )
        self.hours_service = HoursService(
            bot.sessions, bot.clock, self.programs, bot.settings.hours
        )
        self.consent = ConsentService(bot.sessions, bot.clock, self.programs, bot.settings.privacy)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        await require_staff(interaction, self.programs)
        return True

    async def module_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await training_module_choices(self.training_service, interaction, current)

    @training.command(name="add")
    @app_commands.describe(
        title="Module title", content="A link, or the text to read", minutes="How long it takes"
    )
    async def training_add(
        self,
        interaction: discord.Interaction,
        title: app_commands.Range[str, 1, 100],
        content: app_commands.Range[str, 1, 1000],
        minutes: app_commands.Range[int, 1, 600],
    ) -> None:
        """Add a mentor training module."""
        module = await self.training_service.add_module(
            guild_id_of(interaction), title, content, minutes
        )
        added = Text('Added "{title}" ({minutes} min).', title=module.title, minutes=module.minutes)
        await interaction.response.send_message(
            added.render(reader_language(interaction)), ephemeral=True
        )

    @training.command(name="list")
    async def training_list(self, interaction: discord.Interaction) -> None:
        """List the mentor training modules."""
        modules = await self.training_service.modules(guild_id_of(interaction))
        listed = Joined(
            [
                Text(
                    "- **{title}** ({minutes} min): {content}",
                    title=m.title,
                    minutes=m.minutes,
                    content=m.content[:200],
                )
                for m in modules
            ],
            "\n",
        )
        none = Text("No modules yet. Add one with {command}.", command=Slash("staff training add"))
        await interaction.response.send_message(
            (listed if modules else none).render(reader_language(interaction)), ephemeral=True
        )

    @training.command(name="remove")
    @app_commands.describe(module="The module to take off the list (records are kept)")
    @app_commands.autocomplete(module=module_choices)
    async def training_remove(self, interaction: discord.Interaction, module: int) -> None:
        """Remove a training module (mentors' records of it are kept)."""
        removed = await self.training_service.remove_module(guild_id_of(interaction), module)
        done = Text('Removed "{title}".', title=removed.title)
        await interaction.response.send_message(
            done.render(reader_language(interaction)), ephemeral=True
        )

    @training.command(name="confirm")
    @app_commands.describe(mentor="The mentor", module="The module they marked done")
    @app_commands.autocomplete(module=module_choices)
    async def training_confirm(
        self, interaction: discord.Interaction, mentor: discord.Member, module: int
    ) -> None:
        """Confirm a mentor completed a training module."""
        confirmed, status = await self.training_service.confirm(
            guild_id_of(interaction), interaction.user.id, mentor.id, module
        )
        fields: dict[str, object] = {
            "title": confirmed.title,
            "mentor": mentor.mention,
            "done": status.confirmed_minutes,
            "required": status.required_minutes,
        }
        done = (
            Text(
                'Confirmed "{title}" for {mentor}: {done} of {required} minutes. They can now '
                "be matched.",
                **fields,
            )
            if status.trained
            else Text('Confirmed "{title}" for {mentor}: {done} of {required} minutes.', **fields)
        )
        await interaction.response.send_message(
            done.render(reader_language(interaction)), ephemeral=True
        )

    @match.command(name="suggest")
    @app_commands.describe(mentee="The mentee to find a mentor for")
    async def match_suggest(self, interaction: discord.Interaction, mentee: discord.Member) -> None:
        """Show the five best mentors for a mentee, with the reasons."""
        found = await self.matches.suggest(guild_id_of(interaction), mentee.id)
        language = reader_language(interaction)
        title = Text("Best mentors for {mentee}", mentee=mentee.display_name)
        embed = discord.Embed(title=title.render(language), colour=discord.Colour.blurple())
        for rank, suggestion in enumerate(found, start=1):
            score = Text("{rank}. score {score}", rank=rank, score=round(suggestion.score.total))
            embed.add_field(
                name=score.render(language),
                value=f"<@{suggestion.mentor_user_id}>\n"
                + Joined(suggestion.score.reasons, "\n").render(language)[:1000],
                inline=False,
            )
        if not found:
            embed.description = Text(
                "No mentor can take this mentee now (trained, with a free place, old enough)."
            ).render(language)
            if self.consent.required:
                left_out = consent_texts.MENTORS_LEFT_OUT.render(language)
                embed.description += f"\n{left_out}"
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @match.command(name="cohort")
    async def match_cohort(self, interaction: discord.Interaction) -> None:
        """Propose the best matches for every waiting mentee; apply them on Confirm."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        proposal = await self.matches.propose_cohort(guild_id_of(interaction))
        language = reader_language(interaction)
        lines = [
            Text(
                "{mentor} with {mentee} (score {score})",
                mentor=_mention(mentor),
                mentee=_mention(mentee),
                score=round(score),
            ).render(language)
            for mentee, mentor, score in proposal.pairs
        ]
        lines += [
            Text("{mentee}: no mentor available", mentee=_mention(mentee)).render(language)
            for mentee in proposal.unassigned
        ]
        lines += [
            consent_texts.cohort_waiting_line(f"<@{user}>").render(language)
            for user in proposal.waiting_consent
        ]
        text = "\n".join(lines[:40]) + ("\n..." if len(lines) > 40 else "")
        title = Text(
            "Proposal: {matches} matches, total score {score}",
            matches=len(proposal.pairs),
            score=round(proposal.total),
        )
        embed = discord.Embed(
            title=title.render(language),
            description=text or Text("Nothing to propose.").render(language),
            colour=discord.Colour.gold(),
        )
        view = localized(CohortView(self, interaction.user.id, proposal), language)
        await interaction.followup.send(embed=embed, view=view, ephemeral=True)

    @match.command(name="create")
    @app_commands.describe(
        mentor="The mentor",
        mentee="The mentee",
        override_reason="Only to break a rule (training, capacity, grade gap, re-pairing): why",
    )
    async def match_create(
        self,
        interaction: discord.Interaction,
        mentor: discord.Member,
        mentee: discord.Member,
        override_reason: str | None = None,
    ) -> None:
        """Match a mentor with a mentee and open their private channel."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        if guild is None:
            raise UserError(INSIDE_SERVER)
        place = await prepare_pair(guild, await self.programs.get(guild.id), mentor.id, mentee.id)
        pair = await self.matches.create(
            guild.id, interaction.user.id, mentor.id, mentee.id, override_reason
        )
        channel_id = await self.pairs.open_new(place, pair)
        self.bot.dispatch("match_created", pair.match_id)
        channel = f"<#{channel_id}>"
        done = Text(
            "Matched {mentor} with {mentee}: {channel}",
            mentor=mentor.mention,
            mentee=mentee.mention,
            channel=channel,
        )
        await interaction.followup.send(done.render(reader_language(interaction)), ephemeral=True)

    @match.command(name="end")
    @app_commands.describe(mentor="The mentor", mentee="The mentee", reason="Why the match ends")
    async def match_end(
        self,
        interaction: discord.Interaction,
        mentor: discord.Member,
        mentee: discord.Member,
        reason: app_commands.Range[str, 1, 300],
    ) -> None:
        """End a match: both are told, the channel is archived, each gets a short survey."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild = interaction.guild
        if guild is None:
            raise UserError(INSIDE_SERVER)
        closed = await self.matches.end(
            guild.id, interaction.user.id, mentor.id, mentee.id, reason, self.pairs.closing_notices
        )
        await self.pairs.finish(closed.pair.match_id)
        done = Text(
            "Ended the match of {mentor} and {mentee}.",
            mentor=mentor.mention,
            mentee=mentee.mention,
        )
        await interaction.followup.send(done.render(reader_language(interaction)), ephemeral=True)

    @holiday.command(name="add")
    @app_commands.describe(day="The date, like 2026-12-24", label="What it is, e.g. Winter break")
    async def holiday_add(
        self,
        interaction: discord.Interaction,
        day: app_commands.Range[str, 1, 20],
        label: app_commands.Range[str, 1, 100],
    ) -> None:
        """Add a program holiday: no session can be scheduled on it."""
        added = await self.session_service.add_holiday(guild_id_of(interaction), day, label)
        done = Text("{day} is now a holiday ({label}).", day=Date(added), label=label)
        await interaction.response.send_message(
            done.render(reader_language(interaction)), ephemeral=True
        )

    @holiday.command(name="list")
    async def holiday_list(self, interaction: discord.Interaction) -> None:
        """List the program holidays."""
        days = await self.session_service.holidays(guild_id_of(interaction))
        listed = Joined(
            [Text("{day}: {label}", day=Date(d, "yMMMEd"), label=label) for d, label in days],
            "\n",
            "- ",
        )
        text = listed if days else Text("No holidays set.")
        await interaction.response.send_message(
            text.render(reader_language(interaction)), ephemeral=True
        )

    @holiday.command(name="remove")
    @app_commands.describe(day="The date to remove, like 2026-12-24")
    async def holiday_remove(
        self, interaction: discord.Interaction, day: app_commands.Range[str, 1, 20]
    ) -> None:
        """Remove a program holiday you added."""
        removed = await self.session_service.remove_holiday(guild_id_of(interaction), day)
        done = Text("{day} is no longer a holiday.", day=Date(removed))
        await interaction.response.send_message(
            done.render(reader_language(interaction)), ephemeral=True
        )

    @staff.command(name="escalations")
    @app_commands.describe(
        which="open: not resolved yet; mine: assigned to you; all: including resolved"
    )
    async def escalations(
        self, interaction: discord.Interaction, which: Literal["open", "mine", "all"] = "open"
    ) -> None:
        """List escalations: open ones, yours, or all (newest first)."""
        found = await self._escalations().service.listing(
            guild_id_of(interaction), which, interaction.user.id
        )
        language = reader_language(interaction)
        lines = [escalation_texts.listing_line(view).render(language) for view in found]
        none = Text("No escalations ({which}).", which=ChoiceName(which))
        await interaction.response.send_message(
            "\n".join(lines)[:1900] or none.render(language), ephemeral=True
        )

    async def escalation_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await choose_escalation(
            interaction, self._escalations().service, self.programs, self.bot.names, current
        )

    @escalation.command(name="view")
    @app_commands.describe(escalation_id="The escalation's number, e.g. 12")
    @app_commands.rename(escalation_id="id")
    @app_commands.autocomplete(escalation_id=escalation_choices)
    async def escalation_view(self, interaction: discord.Interaction, escalation_id: int) -> None:
        """An escalation's full timeline: who did what, and when."""
        view, events = await self._escalations().service.timeline(
            guild_id_of(interaction), escalation_id
        )
        await interaction.response.send_message(
            embed=escalation_texts.timeline(view, events, reader_language(interaction)),
            ephemeral=True,
        )

    @escalation.command(name="claim")
    @app_commands.describe(escalation_id="The escalation's number, e.g. 12")
    @app_commands.rename(escalation_id="id")
    @app_commands.autocomplete(escalation_id=escalation_choices)
    async def escalation_claim(self, interaction: discord.Interaction, escalation_id: int) -> None:
        """Claim an escalation (as the Claim button does): the student is told."""
        cog = self._escalations()
        view, _ = await cog.service.timeline(guild_id_of(interaction), escalation_id)
        await cog.claim(interaction, view.id)

    @escalation.command(name="rule")
    @app_commands.describe(
        kind="The signal the rule is about",
        urgency="How urgent the escalation it opens is, or off",
    )
    async def escalation_rule(
        self,
        interaction: discord.Interaction,
        kind: Literal[
            "two_no_shows",
            "no_session_7_days",
            "no_session_14_days",
            "low_mood_twice",
            "two_missed_checkins",
            "reach_out",
            "mentor_support",
            "mentor_concern",
        ],
        urgency: Literal["right_now", "today", "can_wait", "off"],
    ) -> None:
        """Set this server's urgency for an automatic rule (or turn it off)."""
        service = self._escalations().service
        guild_id = guild_id_of(interaction)
        await service.set_rule(guild_id, interaction.user.id, kind, urgency)
        rules = await service.rules(guild_id)
        listed = Joined([f"{kind}: {urgency}" for kind, urgency in rules.items()], "\n", "- ")
        now = Text("Rules now:\n{rules}", rules=listed)
        await interaction.response.send_message(
            now.render(reader_language(interaction)), ephemeral=True
        )

    def _escalations(self) -> EscalationCog:
        cog = self.bot.get_cog("EscalationCog")
        if not isinstance(cog, EscalationCog):
            raise RuntimeError("the escalations cog is not loaded")
        return cog

    @staff.command(name="status")
    async def status(self, interaction: discord.Interaction) -> None:
        """Deliveries: the queue, the last fan-out, failures, and members with DMs closed."""
        lag = self.bot.loop_lag
        overview = await self.deliveries.overview(
            guild_id_of(interaction), lag.percentile(0.5), lag.percentile(0.99)
        )
        language = reader_language(interaction)
        embed = delivery_texts.status_embed(overview, language)
        embed.add_field(
            name=Text("This instance").render(language),
            value=instance_line(instance.current()).render(language),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @staff.command(name="roster")
    async def roster(self, interaction: discord.Interaction) -> None:
        """Matches, waiting mentees and mentors with load and training, with a CSV."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        roster = await self.matches.roster(guild_id_of(interaction))
        recruiting = await self.recruiting.roster(guild_id_of(interaction))
        names = {}
        if interaction.guild is not None:
            stored = await self.bot.names.names(interaction.guild.id)
            for user_id in {
                *(u for p in roster.pairs for u in p[:2]),
                *roster.unmatched_mentees,
                *(m.user_id for m in roster.mentors),
            }:
                names[user_id] = name_of(interaction.guild, user_id, stored)
        pages = roster_pages(roster, reader_language(interaction)) + recruiting_texts.roster_pages(
            recruiting, self.bot.clock.now(), reader_language(interaction)
        )
        await interaction.followup.send(
            embed=pages[0],
            view=localized(Pager(interaction.user.id, pages), reader_language(interaction)),
            file=roster_csv(roster, names),
            ephemeral=True,
        )

    @staff.command(name="export")
    @app_commands.describe(member="The member whose data to export")
    async def export(self, interaction: discord.Interaction, member: discord.Member) -> None:
        """Everything Bridges stores about one member, as a JSON file (recorded)."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await self.privacy.export(guild_id_of(interaction), interaction.user.id, member.id)
        body = json.dumps(data, indent=2, ensure_ascii=False).encode()
        await interaction.followup.send(
            privacy_texts.export_reply(member.mention).render(reader_language(interaction)),
            file=discord.File(io.BytesIO(body), filename=f"bridges-member-{member.id}.json"),
            ephemeral=True,
        )

    @staff.command(name="forget")
    @app_commands.describe(member="The member whose personal data to erase")
    async def forget(self, interaction: discord.Interaction, member: discord.Member) -> None:
        """Erase a member's personal data and free text everywhere, after a confirmation."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        counts = await self.privacy.forget_preview(guild_id_of(interaction), member.id)
        language = reader_language(interaction)
        await interaction.followup.send(
            privacy_texts.forget_question(member.mention, counts).render(language),
            view=localized(ForgetView(self, interaction.user.id, member), language),
            ephemeral=True,
        )

    @staff.command(name="contact")
    @app_commands.describe(
        member="A member of the pair (for a mentor with several mentees, the mentee)",
        note="What you talked about, briefly (staff see it; it is part of a data export)",
    )
    async def contact(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        note: app_commands.Range[str, 1, 500],
    ) -> None:
        """Record a staff check-in with a mentoring pair (twice in month one, then monthly)."""
        state = await self.contacts.record(
            guild_id_of(interaction), interaction.user.id, member.id, note
        )
        await interaction.response.send_message(
            report_texts.contact_recorded(state).render(reader_language(interaction)),
            ephemeral=True,
        )

    @staff.command(name="report")
    @app_commands.describe(period="How far back to look (default: the last 30 days)")
    @app_commands.choices(
        period=[
            app_commands.Choice(name="last 7 days", value="week"),
            app_commands.Choice(name="last 30 days", value="month"),
            app_commands.Choice(name="last 90 days (a term)", value="term"),
            app_commands.Choice(name="last 365 days", value="year"),
        ]
    )
    async def report(self, interaction: discord.Interaction, period: str = "month") -> None:
        """Program figures, objectives met or not, charts and CSVs for a period."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = guild_id_of(interaction)
        await self.bot.names.names(guild_id)  # stores the names seen before members' rows
        built = await self.reports.build(self.reports.scope_for_period(guild_id, period))
        language = reader_language(interaction)
        files = await asyncio.to_thread(render, built, language)
        await interaction.followup.send(
            embed=report_texts.report_embed(built, language),
            files=report_attachments(files),
            ephemeral=True,
        )

    async def period_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await hours_area.period_choices(
            interaction, self.hours_service, self.programs, current
        )

    async def disputed_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[int]]:
        return await hours_area.disputed_choices(
            interaction, self.hours_service, self.programs, self.bot.names, current
        )

    @hours_group.command(name="export")
    @app_commands.describe(
        period="Default: this school year. Pick one, or type 2026-03, 2026 or "
        "2025-09-01..2026-06-30"
    )
    @app_commands.autocomplete(period=period_choices)
    async def hours_export(
        self, interaction: discord.Interaction, period: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        """A CSV and a certificate to sign per mentor, with their service hours in a period."""
        await hours_area.send_export(interaction, self.hours_service, period, self.bot.names)

    @hours_group.command(name="confirm")
    @app_commands.describe(
        session="A session the mentor says happened and the mentee says did not",
        happened="yes: it happened and its minutes count; no: it does not count",
    )
    @app_commands.autocomplete(session=disputed_choices)
    async def hours_confirm(
        self,
        interaction: discord.Interaction,
        session: int,
        happened: Literal["yes", "no"] = "yes",
    ) -> None:
        """Review a disputed session: whether it counts for the mentor's service hours."""
        await hours_area.send_review(interaction, self.hours_service, session, happened == "yes")

    @staff.command(name="consent")
    @app_commands.describe(
        member="The student",
        on_file="Does the school hold a consent form from their parent or guardian?",
        note="Optional, e.g. form received 2026-09-03 (staff see it; part of a data export)",
    )
    async def consent_command(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        on_file: Literal["yes", "no"],
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        """Record whether the school holds a guardian's consent for a student."""
        if member.bot:
            raise UserError(Text("Bots don't need a guardian's consent. Pick a student."))
        record = await self.consent.record(
            guild_id_of(interaction),
            interaction.user.id,
            member.id,
            on_file=on_file == "yes",
            note=note,
        )
        await interaction.response.send_message(
            consent_texts.consent_reply(
                member.mention, record.on_file, self.consent.required
            ).render(reader_language(interaction)),
            ephemeral=True,
        )


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(StaffCog(bot))
