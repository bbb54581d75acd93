"""A demo school: the real bot in simcord, its members, and what each of them sees.

Everything goes through the bot's own slash commands, buttons and modals, exactly as people
use them; nothing here writes to the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import discord
import simcord
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle, GuildHandle, RoleHandle
from simcord.results import ResponseMessage

from bot.app import BridgesBot
from bot.clock import FollowingClock
from bot.config import Settings
from bot.scheduler import Scheduler
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade

PROGRAM_ZONE = "America/Chicago"
SCHOOL = "Eastside Alternative School"
STAFF_NAME = "ms_rivera"
BOT_NAME = "Bridges"

#: What the bot sent: a message in a channel, or its answer to an interaction.
Message = discord.Message | ResponseMessage


@dataclass(frozen=True)
class Student:
    name: str
    grade: int
    interests: str
    focus: tuple[str, ...]
    subjects: str
    free: str

    def form(self) -> dict[str, Any]:
        """The /join form as the student fills it in."""
        return {
            "profile:grade": str(self.grade),
            "profile:interests": self.interests,
            "profile:focus": list(self.focus),
            "profile:subjects": self.subjects,
            "profile:availability": self.free,
        }


MENTORS = (
    Student(
        "sam", 11, "soccer, video games, drawing", ("academics", "career"), "math", "Mon-Fri 3-6pm"
    ),
    Student(
        "priya",
        12,
        "music, robotics",
        ("academics", "social-emotional"),
        "physics, math",
        "Mon-Thu 3:30-6pm, Sat 10-1",
    ),
    Student("leo", 11, "basketball, cooking", ("social-emotional", "career"), "", "Tue-Fri 4-7pm"),
    Student(
        "amara",
        12,
        "art, writing, anime",
        ("academics", "social-emotional"),
        "english, history",
        "Mon-Fri 3-5pm, Sun 2-5pm",
    ),
)
MENTEES = (
    Student(
        "jordan",
        8,
        "art, soccer, video games",
        ("academics", "social-emotional"),
        "math",
        "Mon-Thu 3:30-5pm, Sat 10-12",
    ),
    Student("maya", 9, "music, robotics", ("academics",), "physics", "Mon-Wed 4-6pm"),
    Student("deshawn", 8, "basketball, cooking", ("social-emotional",), "", "Tue-Fri 4-6pm"),
    Student(
        "kim", 7, "drawing, anime", ("academics", "social-emotional"), "english", "Mon-Fri 3-5pm"
    ),
    Student("luis", 9, "soccer, cars", ("career",), "", "Wed-Fri 3-6pm"),
    Student("ava", 8, "writing, horses", ("academics",), "english, history", "Mon-Thu 3-5pm"),
    Student("noah", 7, "video games, lego", ("social-emotional",), "", "Mon-Fri 4-6pm"),
    Student(
        "zoe", 9, "dance, art", ("academics", "social-emotional"), "biology", "Tue-Thu 3:30-6pm"
    ),
)


def _describe(value: object) -> str:
    """A command option as the person gave it: #channel, @member, @role or the text."""
    if isinstance(value, ChannelHandle):
        return f"#{value.name}"
    if isinstance(value, MemberActor | RoleHandle):
        return f"@{value.name}"
    return repr(value) if isinstance(value, str) else str(value)


@dataclass
class School:
    """The simulated server and the bot running in it, with a written record of what happened."""

    env: simcord.Env
    bot: BridgesBot
    guild: GuildHandle
    general: ChannelHandle
    staff_alerts: ChannelHandle
    mentoring: ChannelHandle
    staff_role: RoleHandle
    staff: MemberActor
    mentors: dict[str, MemberActor]
    mentees: dict[str, MemberActor]
    transcript: list[str] = field(default_factory=list)
    echo: Callable[[str], None] | None = None
    muted: bool = False
    _seen_dms: dict[int, int] = field(default_factory=dict)

    # --- who is who -------------------------------------------------------------------------

    @property
    def members(self) -> list[MemberActor]:
        return [self.staff, *self.mentors.values(), *self.mentees.values()]

    def roles(self) -> list[tuple[MemberActor, str]]:
        return [
            (self.staff, "staff"),
            *((actor, "mentor") for actor in self.mentors.values()),
            *((actor, "mentee") for actor in self.mentees.values()),
        ]

    def member(self, name: str) -> MemberActor:
        for actor in self.members:
            if actor.name == name:
                return actor
        raise KeyError(name)

    def _names(self) -> dict[int, str]:
        return {actor.id: actor.name for actor in self.members}

    # --- the record -------------------------------------------------------------------------

    def say(self, line: str) -> None:
        if self.muted:
            return
        self.transcript.append(line)
        if self.echo is not None:
            self.echo(line)

    def readable(self, text: str, at: datetime | None = None) -> str:
        """Mentions and Discord time markup as a reader in the program's zone sees them
        (relative times as of ``at``, default now)."""
        names = self._names()
        zone = ZoneInfo(PROGRAM_ZONE)
        now = at or self.env.now()

        def mention(match: re.Match[str]) -> str:
            return "@" + names.get(int(match[1]), "someone")

        def stamp(match: re.Match[str]) -> str:
            instant = datetime.fromtimestamp(int(match[1]), zone)
            if match[2] == "R":
                return _relative(instant - now)
            return f"{instant:%a %b %-d, %-I:%M %p} {instant.tzname()}"

        guild = self.bot.get_guild(self.guild.id)

        def role(match: re.Match[str]) -> str:
            found = guild.get_role(int(match[1])) if guild is not None else None
            return "@" + (found.name if found is not None else "role")

        def channel(match: re.Match[str]) -> str:
            found = guild.get_channel(int(match[1])) if guild is not None else None
            return "#" + (found.name if found is not None else "channel")

        text = re.sub(r"<@&(\d+)>", role, text)
        text = re.sub(r"<@!?(\d+)>", mention, text)
        text = re.sub(r"<#(\d+)>", channel, text)
        return re.sub(r"<t:(-?\d+):([a-zA-Z])>", stamp, text)

    def text_of(self, message: Message | None) -> str:
        if message is None:
            return ""
        sent = (
            message.message.created_at
            if isinstance(message, ResponseMessage)
            else message.created_at
        )
        parts = [message.content or ""]
        for embed in message.embeds:
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{item.name}: {item.value}" for item in embed.fields]
        buttons = _button_labels(message.components)
        if buttons:
            parts.append(" ".join(f"[{label}]" for label in buttons))
        if message.attachments:
            parts.append(" ".join(f"(file: {item.filename})" for item in message.attachments))
        return self.readable("\n".join(part for part in parts if part), at=sent)

    def _show(self, who: str, message: Message | None) -> None:
        text = self.text_of(message)
        if text:
            lines = text.splitlines()
            self.say(f"  Bridges → {who}: {lines[0]}")
            for line in lines[1:]:
                self.say(f"      {line}")

    def new_dms(self) -> list[tuple[MemberActor, discord.Message]]:
        """Direct messages the bot sent since the last look, in order, per member."""
        found = []
        for actor in self.members:
            channel = actor.user.dm_channel
            history = channel.history() if channel is not None else []
            seen = self._seen_dms.get(actor.id, 0)
            found += [(actor, message) for message in history[seen:]]
            self._seen_dms[actor.id] = len(history)
        return sorted(found, key=lambda item: (item[1].created_at, item[1].id))

    def report_dms(self, only: Collection[str] | None = None) -> None:
        """Show the new DMs; with ``only``, just those to these members, and a count of
        the others (a fan-out to every mentee would drown the story)."""
        zone = ZoneInfo(PROGRAM_ZONE)
        others = 0
        for actor, message in self.new_dms():
            if only is not None and actor.name not in only:
                others += 1
                continue
            sent = message.created_at.astimezone(zone)
            self._show(f"{actor.name} (DM, {sent:%a %-I:%M %p})", message)
        if others:
            self.say(f"  (… and {others} more DM(s) to other members, not shown)")

    def report_post(self, channel: ChannelHandle) -> discord.Message:
        """Show the bot's latest message in ``channel`` and return it."""
        history = channel.history()
        if not history:
            raise LookupError(f"nothing was posted in #{channel.name}")
        self._show(f"#{channel.name}", history[-1])
        return history[-1]

    # --- acting as a person -----------------------------------------------------------------

    async def slash(self, actor: MemberActor, command: str, **options: object) -> Any:
        shown = " ".join(f"{key}:{_describe(value)}" for key, value in options.items())
        self.say(f"{actor.name} › /{command} {shown}".rstrip())
        result = await actor.slash(self.general, command, **options)
        self._result(actor, result)
        return result

    async def click(self, actor: MemberActor, message: Message, label: str) -> Any:
        self.say(f"{actor.name} clicks [{label}]")
        dm = actor.user.dm_channel
        channel_id = (
            message.channel_id if isinstance(message, ResponseMessage) else message.channel.id
        )
        clicker = actor.user if dm is not None and channel_id == dm.id else actor
        result = await clicker.click(message, label=label)
        self._result(actor, result)
        return result

    async def submit(
        self, actor: MemberActor, shown: Any, values: dict[str, Any], *, in_dm: bool = False
    ) -> Any:
        """Fill in and submit the form ``shown`` opened (from a DM button when ``in_dm``)."""
        self.say(f"{actor.name} fills in “{shown.modal['title']}” and submits it")
        submitter = actor.user if in_dm else actor
        result = await submitter.submit_modal(shown, values)
        self._result(actor, result)
        return result

    def _result(self, actor: MemberActor, result: Any) -> None:
        if result.modal is not None:
            self.say(f"  Bridges → {actor.name}: opens a form “{result.modal['title']}”")
        messages = [*([result.response] if result.response is not None else []), *result.followups]
        for message in messages:
            self._show(f"{actor.name}{' (only you)' if message.ephemeral else ''}", message)
        self.report_dms()

    async def select(
        self, actor: MemberActor, shown: Any, custom_id: str, value: str, label: str
    ) -> None:
        """Choose ``value`` (shown as ``label``) in the select ``custom_id`` of the message
        ``shown`` answered with."""
        self.say(f"{actor.name} picks “{label}”")
        await actor.user.select(shown.response, [value], custom_id=custom_id)

    async def advance(self, delta: timedelta, only: Collection[str] | None = None) -> None:
        """Move the clock in steps of at most six hours, reporting the DMs sent meanwhile
        (with ``only``, those to these members; the others are counted)."""
        if delta < timedelta(0):
            raise ValueError(f"the clock only moves forward (asked for {delta})")
        target = self.env.now() + delta
        self.say(f"⏩ {self.readable(_stamp(self.env.now()))} → {self.readable(_stamp(target))}")
        while (left := (target - self.env.now()).total_seconds()) > 0:
            await self.env.advance_time(min(left, 6 * 3600))
            self.report_dms(only)

    async def advance_to(self, instant: datetime, only: Collection[str] | None = None) -> None:
        await self.advance(instant - self.env.now(), only)

    def dms(self, actor: MemberActor) -> list[discord.Message]:
        channel = actor.user.dm_channel
        return channel.history() if channel is not None else []

    def last_dm(self, actor: MemberActor, containing: str) -> discord.Message:
        for message in reversed(self.dms(actor)):
            if containing in (message.content or ""):
                return message
        raise LookupError(f"{actor.name} has no message containing {containing!r}")


def _button_labels(components: Sequence[object]) -> list[str]:
    """Button labels of a message's rows, whether discord.py objects or raw payloads."""
    labels: list[str] = []
    for row in components:
        if isinstance(row, discord.ActionRow):
            labels += [c.label for c in row.children if isinstance(c, discord.Button) and c.label]
        elif isinstance(row, dict):
            labels += [c["label"] for c in row.get("components", []) if c.get("label")]
    return labels


def _stamp(instant: datetime) -> str:
    return f"<t:{int(instant.timestamp())}:F>"


def _relative(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    size = abs(seconds)
    for unit, length in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if size >= length:
            count = size // length
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return "now"


async def open_school(settings: Settings, data_dir: Path) -> School:
    """Start the real bot in simcord on a fresh SQLite file in ``data_dir``; build the server."""
    database = data_dir / "bridges-demo.db"
    database.unlink(missing_ok=True)
    # Simulated Discord enforces no rate limits, and its virtual clock cannot wait out the
    # pacer's short sleeps: deliveries go unpaced, and the loop-lag sampler stays off.
    unpaced = replace(settings.delivery, burst=100_000, channel_burst=100_000)
    settings = replace(
        settings,
        database_url=f"sqlite+aiosqlite:///{database}",
        token=None,
        dev_guild_id=None,
        delivery=unpaced,
    )
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    cell: list[simcord.Env] = []
    clock = FollowingClock(lambda: cell[0].now())
    bot = BridgesBot(
        settings=settings,
        sessions=create_sessions(engine),
        scheduler=Scheduler(clock, misfire_grace_seconds=settings.misfire_grace_seconds),
        clock=clock,
        on_close=engine.dispose,
        watch_loop=False,
        always_sync=True,  # the simulated Discord starts without commands
    )
    env = simcord.Env(bot, settle_timeout=30.0)
    env.backend.bot_user.name = BOT_NAME
    cell.append(env)
    await env.start()
    with env.time_context():
        guild = env.create_guild(SCHOOL)
        staff_role = guild.create_role("Staff", mentionable=True)
        hidden = discord.PermissionOverwrite(view_channel=False)
        me = guild.me
        if me is None:
            raise RuntimeError("the simulated bot did not join the demo server")
        general = guild.create_text_channel("general")
        alerts = guild.create_text_channel(
            "staff-alerts",
            overwrites={
                guild.default_role: hidden,
                staff_role: discord.PermissionOverwrite(view_channel=True),
                me: discord.PermissionOverwrite(view_channel=True),
            },
        )
        mentoring = guild.create_category("Mentoring")
        admin = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True))
        staff = guild.add_member(env.create_user(STAFF_NAME), roles=[admin, staff_role])
        mentors = {s.name: guild.add_member(env.create_user(s.name)) for s in MENTORS}
        mentees = {s.name: guild.add_member(env.create_user(s.name)) for s in MENTEES}
    return School(env, bot, guild, general, alerts, mentoring, staff_role, staff, mentors, mentees)


async def close_school(school: School) -> None:
    """Stop the scheduler, then the simulated Discord (which closes the bot and its database)."""
    school.bot.scheduler.shutdown()
    await school.env.shutdown()
