"""/hours for mentors, and what /staff hours export|confirm do (the /staff group's commands
live in cogs/staff.py and call these).

The export answers with a summary, then a CSV and a PDF certificate per mentor (one zip
when that is more than Discord's 10 attachments), rendered in a worker thread in the
exporting staff member's language.
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import date, datetime, timedelta

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import BridgesBot
from bot.errors import UserError
from bot.hours_pdf import Certificate, certificate_pdf
from bot.hours_texts import PeriodName, file_stem, hours_csv, hours_phrase
from bot.i18n import Date, Duration, Joined, Plural, Slash, Text
from bot.services.access import Audience
from bot.services.hours import (
    Disputed,
    HoursExport,
    HoursService,
    MentorHours,
    parse_period,
)
from bot.services.names import NameService
from bot.services.programs import ProgramService
from cogs.context import guild_id_of, reader_language
from cogs.names import display_names, name_of
from cogs.permissions import asked_by_staff
from storage.models import AttendanceAnswer

MAX_ATTACHMENTS = 10  # Discord's limit per message
MAX_UPLOAD = 8 * 1024 * 1024  # under the smallest upload limit Discord gives a server
MAX_CHOICES = 25
MAX_MONTHS = 12  # months shown by /hours
MAX_SUMMARY_LINES = 30


def month_line(minutes: int, sessions: int, trainings: int, checkins: int) -> Joined:
    parts: list[object] = [Duration(timedelta(minutes=minutes))]
    if sessions:
        parts.append(Plural("{count} session", "{count} sessions", sessions))
    if trainings:
        parts.append(Plural("{count} training module", "{count} training modules", trainings))
    if checkins:
        parts.append(Plural("{count} mentor check-in", "{count} mentor check-ins", checkins))
    return Joined(parts, " · ")


def hours_embed(hours: MentorHours, language: str) -> discord.Embed:
    """A mentor's hours, month by month (newest first), and what waits for staff."""
    months = hours.by_month()
    if months:
        about = Text(
            "{total} in all: sessions that happened, training staff confirmed and mentor "
            "check-ins you answered.",
            total=Duration(timedelta(minutes=hours.minutes)),
        )
    else:
        about = Text(
            "No service hours yet. Sessions that happened, training staff confirmed and mentor "
            "check-ins you answer count here."
        )
    embed = discord.Embed(
        title=Text("Your service hours").render(language),
        description=about.render(language),
        colour=discord.Colour.green(),
    )
    for month in months[:MAX_MONTHS]:
        embed.add_field(
            name=Date(month.month, "yMMMM").render(language),
            value=month_line(month.minutes, month.sessions, month.trainings, month.checkins).render(
                language
            ),
            inline=False,
        )
    waiting = len(hours.waiting)
    if waiting:
        embed.add_field(
            name=Text("Waiting for staff").render(language),
            value=Plural(
                "{count} entry is not counted yet: a session your mentee answered differently, "
                "or training staff haven't confirmed. It counts once staff confirm it.",
                "{count} entries are not counted yet: sessions your mentee answered differently, "
                "or training staff haven't confirmed. Each counts once staff confirm it.",
                waiting,
            ).render(language),
            inline=False,
        )
    embed.set_footer(
        text=Text("Staff can give you a certificate of your hours for your school.").render(
            language
        )
    )
    return embed


def disputed_line(item: Disputed, names: dict[int, str]) -> Text:
    values = {
        "number": f"#{item.session_id}",
        "day": Date(item.day, "yMMMd"),
        "mentor": names.get(item.mentor_user_id, str(item.mentor_user_id)),
        "mentee": names.get(item.mentee_user_id, str(item.mentee_user_id)),
        "minutes": item.minutes,
    }
    if item.mentee_answer is AttendanceAnswer.RESCHEDULED:
        return Text(
            "{number}, {day}, {minutes} min: {mentor} says it happened, {mentee} says it was "
            "rescheduled.",
            **values,
        )
    return Text(
        "{number}, {day}, {minutes} min: {mentor} says it happened, {mentee} says it was a "
        "no-show.",
        **values,
    )


def summary_embed(
    built: HoursExport, names: dict[int, str], zipped: bool, language: str
) -> discord.Embed:
    lines: list[Text] = []
    for hours in built.mentors[:MAX_SUMMARY_LINES]:
        name, phrase = names[hours.user_id], hours_phrase(hours.minutes)
        waiting = len(hours.waiting)
        lines.append(
            Plural(
                "{name}: {hours} ({count} entry waiting for staff)",
                "{name}: {hours} ({count} entries waiting for staff)",
                waiting,
                name=name,
                hours=phrase,
            )
            if waiting
            else Text("{name}: {hours}", name=name, hours=phrase)
        )
    more = len(built.mentors) - MAX_SUMMARY_LINES
    if more > 0:
        lines.append(
            Plural(
                "...and {count} more mentor (in the files).",
                "...and {count} more mentors (in the files).",
                more,
            )
        )
    embed = discord.Embed(
        title=Text("Service hours, {period}", period=PeriodName(built.period)).render(language),
        description=Joined(lines, "\n").render(language)[:4000],
        colour=discord.Colour.green(),
    )
    if built.disputed:
        shown = [disputed_line(item, names) for item in built.disputed[:10]]
        shown.append(
            Text(
                "Not counted until staff review them with {command}.",
                command=Slash("staff hours confirm"),
            )
        )
        embed.add_field(
            name=Text("Disputed sessions").render(language),
            value=Joined(shown, "\n").render(language)[:1024],
            inline=False,
        )
    footer = [Text("Each mentor has a CSV of every entry and a PDF certificate to sign.")]
    if zipped:
        footer.append(Text("The files are in zips: Discord allows 10 attachments."))
    embed.set_footer(text=Joined(footer, " ").render(language))
    return embed


def export_files(
    built: HoursExport,
    names: dict[int, str],
    *,
    school: str,
    staff: str,
    language: str,
    issued_on: date,
    issued_at: datetime,
) -> list[tuple[str, bytes]]:
    """(file name, content): a CSV and a certificate per mentor. CPU work: run in a thread."""
    files: list[tuple[str, bytes]] = []
    used: set[str] = set()
    for hours in built.mentors:
        name = names[hours.user_id]
        stem = file_stem(name, hours.user_id)
        if stem in used:
            stem = f"{stem}-{hours.user_id}"
        used.add(stem)
        certificate = Certificate(
            school=school,
            mentor=name,
            mentor_user_id=hours.user_id,
            staff=staff,
            period=built.period,
            hours=hours,
            issued_on=issued_on,
            issued_at=issued_at,
        )
        files.append((f"hours-{stem}.csv", hours_csv(hours, language)))
        files.append((f"certificate-{stem}.pdf", certificate_pdf(certificate, language)))
    return files


def bundled(files: list[tuple[str, bytes]], period: str) -> list[list[discord.File]]:
    """The attachments of each message: the files themselves, or past Discord's 10 per
    message, zips of at most ``MAX_UPLOAD`` bytes of files each (one message per zip)."""
    if len(files) <= MAX_ATTACHMENTS:
        return [[discord.File(io.BytesIO(body), filename=name) for name, body in files]]
    parts: list[list[tuple[str, bytes]]] = [[]]
    for name, body in files:
        if parts[-1] and sum(len(b) for _, b in parts[-1]) + len(body) > MAX_UPLOAD:
            parts.append([])
        parts[-1].append((name, body))
    messages = []
    for number, part in enumerate(parts, start=1):
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for name, body in part:
                zipped.writestr(name, body)
        suffix = f"-{number}" if len(parts) > 1 else ""
        archive.seek(0)
        messages.append([discord.File(archive, filename=f"service-hours-{period}{suffix}.zip")])
    return messages


async def send_export(
    interaction: discord.Interaction,
    service: HoursService,
    period_text: str | None,
    stored_names: NameService,
) -> None:
    """/staff hours export: the summary, then the files."""
    language = reader_language(interaction)
    guild = interaction.guild
    if guild is None:
        raise UserError(Text("Use this inside your school's server."))
    period = parse_period(period_text) if period_text else None
    await interaction.response.defer(ephemeral=True, thinking=True)
    built = await service.export(guild.id, period)
    if not built.mentors:
        await interaction.followup.send(
            Text(
                "No mentor has service hours in {period}.", period=PeriodName(built.period)
            ).render(language),
            ephemeral=True,
        )
        return
    staff = interaction.user.display_name
    people = [hours.user_id for hours in built.mentors]
    people += [
        user for item in built.disputed for user in (item.mentor_user_id, item.mentee_user_id)
    ]
    known = {**await stored_names.names(guild.id), interaction.user.id: staff}
    names = await display_names(guild, people, known)
    files = await asyncio.to_thread(
        export_files,
        built,
        names,
        school=guild.name,
        staff=staff,
        language=language,
        issued_on=built.today,
        issued_at=built.made_at,
    )
    first, *more = bundled(files, built.period.value.replace("..", "_"))
    await interaction.followup.send(
        embed=summary_embed(built, names, len(files) > MAX_ATTACHMENTS, language),
        files=first,
        ephemeral=True,
    )
    for attachments in more:
        await interaction.followup.send(files=attachments, ephemeral=True)


async def send_review(
    interaction: discord.Interaction, service: HoursService, session_id: int, happened: bool
) -> None:
    """/staff hours confirm: staff's word on a disputed session."""
    language = reader_language(interaction)
    reviewed = await service.review(
        guild_id_of(interaction), interaction.user.id, session_id, happened=happened
    )
    values = {
        "number": f"#{reviewed.session_id}",
        "day": Date(reviewed.day, "yMMMd"),
        "mentor": f"<@{reviewed.mentor_user_id}>",
        "minutes": reviewed.minutes,
    }
    reply = (
        Text(
            "Session {number} on {day} now counts {minutes} minutes of service for {mentor}.",
            **values,
        )
        if happened
        else Text(
            "Session {number} on {day} does not count for {mentor}'s service hours.", **values
        )
    )
    await interaction.response.send_message(reply.render(language), ephemeral=True)


async def period_choices(
    interaction: discord.Interaction, service: HoursService, programs: ProgramService, current: str
) -> list[app_commands.Choice[str]]:
    """This and last school year, month and calendar year; what was typed, if it reads."""
    if interaction.guild_id is None or not await asked_by_staff(interaction, programs):
        return []
    language = reader_language(interaction)
    periods = service.suggested_periods(await service.program_today(interaction.guild_id))
    typed = current.strip()
    if typed:
        try:
            periods.insert(0, parse_period(typed))
        except UserError:
            periods = [
                p for p in periods if typed.lower() in PeriodName(p).render(language).lower()
            ]
    return [
        app_commands.Choice(name=PeriodName(period).render(language)[:100], value=period.value)
        for period in dict.fromkeys(periods)
    ][:MAX_CHOICES]


async def disputed_choices(
    interaction: discord.Interaction,
    service: HoursService,
    programs: ProgramService,
    stored_names: NameService,
    current: str,
) -> list[app_commands.Choice[int]]:
    """Disputed sessions waiting for staff, newest first (names without a request)."""
    guild = interaction.guild
    if guild is None or not await asked_by_staff(interaction, programs):
        return []
    language = reader_language(interaction)
    stored = await stored_names.names(guild.id)
    found = []
    for item in await service.waiting_review(guild.id):
        names = {
            user: name_of(guild, user, stored)
            for user in (item.mentor_user_id, item.mentee_user_id)
        }
        number = f"#{item.session_id}"
        label = Text(
            "{number}, {day}, {minutes} min, {mentor} with {mentee}",
            number=number,
            day=Date(item.day, "yMMMd"),
            minutes=item.minutes,
            mentor=names[item.mentor_user_id],
            mentee=names[item.mentee_user_id],
        ).render(language)
        if current.strip().lower() in label.lower():
            found.append(app_commands.Choice(name=label[:100], value=item.session_id))
    return found[:MAX_CHOICES]


class HoursCog(commands.Cog):
    def __init__(self, bot: BridgesBot) -> None:
        programs = ProgramService(bot.sessions, bot.clock, bot.settings.program)
        self.service = HoursService(bot.sessions, bot.clock, programs, bot.settings.hours)

    @app_commands.command(name="hours", extras={"audience": Audience.MENTOR})
    @app_commands.guild_only()
    async def hours(self, interaction: discord.Interaction) -> None:
        """Your service hours as a mentor, month by month."""
        found = await self.service.mine(guild_id_of(interaction), interaction.user.id)
        await interaction.response.send_message(
            embed=hours_embed(found, reader_language(interaction)), ephemeral=True
        )


async def setup(bot: BridgesBot) -> None:
    await bot.add_cog(HoursCog(bot))
