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
from bot.i18n import (
    DEFAULT_LANGUAGE,
    Clock,
    Date,
    Duration,
    OptionName,
    Plural,
    Slash,
    Text,
    Weekday,
    lookup,
)
from bot.scheduler import Scheduler
from cogs.translator import locales_of
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

    def form(self, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
        """The /join form as the student fills it in, in ``language``."""
        spanish = language == "es"
        return {
            "profile:grade": str(self.grade),
            "profile:interests": _spanish_words(self.interests) if spanish else self.interests,
            "profile:focus": list(self.focus),
            "profile:subjects": _spanish_words(self.subjects) if spanish else self.subjects,
            "profile:availability": FREE_IN_SPANISH[self.name] if spanish else self.free,
        }


#: What the students of a Spanish-speaking school type for their interests and subjects.
SPANISH_WORDS = {
    "soccer": "fútbol",
    "video games": "videojuegos",
    "drawing": "dibujo",
    "music": "música",
    "robotics": "robótica",
    "basketball": "básquetbol",
    "cooking": "cocina",
    "art": "arte",
    "writing": "escritura",
    "anime": "anime",
    "cars": "autos",
    "horses": "caballos",
    "lego": "lego",
    "dance": "baile",
    "math": "matemáticas",
    "physics": "física",
    "english": "inglés",
    "history": "historia",
    "biology": "biología",
}
#: Their weekly free time, as they write it (24-hour clock, Spanish day names).
FREE_IN_SPANISH = {
    "sam": "lun-vie 15-18",
    "priya": "lun-jue 15:30-18, sáb 10-13",
    "leo": "mar-vie 16-19",
    "amara": "lun-vie 15-17, dom 14-17",
    "jordan": "lun-jue 15:30-17, sáb 10-12",
    "maya": "lun-mié 16-18",
    "deshawn": "mar-vie 16-18",
    "kim": "lun-vie 15-17",
    "luis": "mié-vie 15-18",
    "ava": "lun-jue 15-17",
    "noah": "lun-vie 16-18",
    "zoe": "mar-jue 15:30-18",
}


def _spanish_words(listed: str) -> str:
    return ", ".join(SPANISH_WORDS[word.strip()] for word in listed.split(",") if word.strip())


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
    #: The language its members' Discord is in (and its staff posts'): what the story is told in.
    language: str = DEFAULT_LANGUAGE
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

    def word(self, message: str) -> str:
        """A button's label or a form's title as the members' Discord shows it."""
        return lookup(self.language, message)

    def tell(self, text: Text) -> None:
        """Narrate one line in the school's language."""
        self.say(text.render(self.language))

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
                return _relative(instant - now, self.language)
            return _moment(instant, self.language)

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
            self.say(f"  {BOT_NAME} → {who}: {lines[0]}")
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
            when = _weekday_time(sent, self.language)
            self._show(
                Text("{name} (DM, {when})", name=actor.name, when=when).render(self.language),
                message,
            )
        if others:
            self.tell(
                Plural(
                    "  (… and {count} more DM to other members, not shown)",
                    "  (… and {count} more DMs to other members, not shown)",
                    others,
                )
            )

    def report_post(self, channel: ChannelHandle) -> discord.Message:
        """Show the bot's latest message in ``channel`` and return it."""
        history = channel.history()
        if not history:
            raise LookupError(f"nothing was posted in #{channel.name}")
        self._show(f"#{channel.name}", history[-1])
        return history[-1]

    # --- acting as a person -----------------------------------------------------------------

    async def slash(self, actor: MemberActor, command: str, **options: object) -> Any:
        shown = " ".join(
            f"{OptionName(key).render(self.language)}:{_describe(value)}"
            for key, value in options.items()
        )
        name = Slash(command).render(self.language)
        self.say(f"{actor.name} › {name} {shown}".rstrip())
        result = await actor.slash(self.general, command, **options)
        self._result(actor, result)
        return result

    async def click(self, actor: MemberActor, message: Message, label: str) -> Any:
        self.tell(Text("{name} clicks [{label}]", name=actor.name, label=label))
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
        title = shown.modal["title"]
        self.tell(Text("{name} fills in “{form}” and submits it", name=actor.name, form=title))
        submitter = actor.user if in_dm else actor
        result = await submitter.submit_modal(shown, values)
        self._result(actor, result)
        return result

    def _result(self, actor: MemberActor, result: Any) -> None:
        if result.modal is not None:
            title = result.modal["title"]
            opens = Text("opens a form “{form}”", form=title).render(self.language)
            self.say(f"  {BOT_NAME} → {actor.name}: {opens}")
        messages = [*([result.response] if result.response is not None else []), *result.followups]
        for message in messages:
            who = (
                Text("{name} (only you)", name=actor.name).render(self.language)
                if message.ephemeral
                else actor.name
            )
            self._show(who, message)
        self.report_dms()

    async def select(
        self, actor: MemberActor, shown: Any, custom_id: str, value: str, label: str
    ) -> None:
        """Choose ``value`` (shown as ``label``) in the select ``custom_id`` of the message
        ``shown`` answered with."""
        self.tell(Text("{name} picks “{label}”", name=actor.name, label=label))
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

    def last_dm(self, actor: MemberActor, button: str) -> discord.Message:
        """The latest DM to ``actor`` with the button labelled ``button`` (in their language)."""
        label = self.word(button)
        for message in reversed(self.dms(actor)):
            if label in _button_labels(message.components):
                return message
        raise LookupError(f"{actor.name} has no message with a [{label}] button")


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


def _moment(instant: datetime, language: str) -> str:
    """A Discord full timestamp as a reader of ``language`` sees it: "Sat Jan 3, 10:00 AM CST"."""
    if language == DEFAULT_LANGUAGE:
        return f"{instant:%a %b %-d, %-I:%M %p} {instant.tzname()}"
    day = Date(instant.date(), "MMMEd").render(language)
    return f"{day}, {Clock(instant).render(language)} {instant.tzname()}"


def _weekday_time(instant: datetime, language: str) -> str:
    """When a DM arrived: "Mon 3:30 PM"."""
    if language == DEFAULT_LANGUAGE:
        return f"{instant:%a %-I:%M %p}"
    day = Weekday(instant.weekday(), "abbreviated").render(language)
    return f"{day} {Clock(instant).render(language)}"


def _relative(delta: timedelta, language: str = DEFAULT_LANGUAGE) -> str:
    """A Discord relative timestamp: "in 15 minutes", "55 minutes ago", "now"."""
    seconds = int(delta.total_seconds())
    size = abs(seconds)
    for length in (86400, 3600, 60):
        if size >= length:
            span = Duration(timedelta(seconds=length * (size // length)))
            moment = Text("in {span}", span=span) if seconds > 0 else Text("{span} ago", span=span)
            return moment.render(language)
    return Text("now").render(language)


def _speaking(env: simcord.Env, language: str) -> None:
    """Every member's Discord is in ``language`` (simcord sends "en-US" in every interaction;
    Discord sends the client's locale, here the language's first Discord locale)."""
    if language == DEFAULT_LANGUAGE:
        return
    locale = sorted(locale.value for locale in locales_of(language))[0]

    def set_locale(event: str, payload: Any) -> None:
        if event == "INTERACTION_CREATE":
            payload["locale"] = locale

    env.backend.subscribers.insert(0, set_locale)  # before the bot's gateway feed


async def open_school(
    settings: Settings, data_dir: Path, language: str = DEFAULT_LANGUAGE
) -> School:
    """Start the real bot in simcord on a fresh SQLite file in ``data_dir``; build the server
    whose members' Discord is in ``language``."""
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
    _speaking(env, language)
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
    return School(
        env,
        bot,
        guild,
        general,
        alerts,
        mentoring,
        staff_role,
        staff,
        mentors,
        mentees,
        language=language,
    )


async def close_school(school: School) -> None:
    """Stop the scheduler, then the simulated Discord (which closes the bot and its database)."""
    school.bot.scheduler.shutdown()
    await school.env.shutdown()
