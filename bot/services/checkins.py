"""Weekly check-ins: who is due when, the answers, the mentor's digest, streaks and signals.

Jobs are derived from rows: one ``checkin-due`` job per distinct instant someone's check-in
(or a mentor's) is due, and a reminder and a closing job per distinct ``due_at`` of the
open check-ins. Deciding who is due reads every active member in one query, and a week's
check-ins are inserted ``FANOUT_CHUNK`` at a time; a (member, week) holds one check-in, so
a double fire opens nothing twice. Answers are stored only while the check-in is open and
inside its window, by one conditional update, so a double submit is stored once.

Each change commits with what it implies (``bot.services.outbox``): each check-in with its
prompt (and the mentors' check-ins with the last of them), a reminder with its rows, an
answer with its signals (a request to reach out, a low mood twice, concerning words: a
signal pointing at the check-in), the milestone and the mentor's digest. A prompt or
reminder is worth sending until its check-in closes; a mentor's check-in until the end of
its week.

The student's words (went well, hard, the note for staff) are never logged.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import CheckinSettings
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import Slash, Text
from bot.services import signals
from bot.services.checkin_rules import (
    LOOKAHEAD_WEEKS,
    Due,
    Rhythm,
    in_hours,
    local_instant,
    mentor_week,
    milestone,
    next_due,
    streak,
    week_of,
)
from bot.services.concern import find_concerns
from bot.services.outbox import Changes, Compose, Transactions
from bot.services.programs import ProgramService
from storage.db import Sessions, one_writer_at_a_time, others_writing
from storage.models import Checkin, CheckinStatus, GoalStatus, Member, MentorCheckin, ProgramRole
from storage.repositories import checkin_plans as plans
from storage.repositories import checkins as rows
from storage.repositories import matches, members

MAX_TEXT = 1000
#: Weeks from two before this one whose check-ins the planner reads: every week
#: ``next_due`` looks at (``LOOKAHEAD_WEEKS`` from last week, in any zone).
PLANNED_WEEKS = LOOKAHEAD_WEEKS + 4
#: Who joined before this long ago joined before every week ``next_due`` looks at.
JOINED_LONG_AGO = timedelta(weeks=3)
LOW_MOOD = 2
HISTORY_WEEKS = 12
MAX_PAUSE = timedelta(days=120)
#: Check-ins opened (with their prompts) per transaction of a fan-out: SQLite's write lock
#: is held for the end of one such transaction (its reads come first), and each holds the
#: event loop for a fraction of that. Between two, the loop is given back, and on SQLite,
#: while another transaction writes, a pause (until it ends, at most FANOUT_PAUSE_SECONDS)
#: lets a writer waiting for the lock in; one that only reads does not hold it up.
#: PostgreSQL locks rows: its parts are larger, which costs fewer statements per prompt. A
#: part costs 2 ms besides its prompts: at 50,000 mentees on SQLite, parts of 100 took
#: 6.8 s, of 500 5.3 s, and a concurrent write waited no longer with parts of 500
#: (bench/RESULTS.md).
FANOUT_CHUNK = 500
FANOUT_CHUNK_ROW_LOCKS = 1000
FANOUT_PAUSE_SECONDS = 0.05
FANOUT_PAUSE_STEP = 0.005
#: People whose goals and channels one read takes, ahead of the fan-out parts they are in.
READ_AHEAD = 1000
#: People judged (who is due when) between two moments given back to the event loop.
YIELD_EVERY = 1000

#: A mentee due: when, and their guild id, user id and stored language.
_Mentee = tuple[Due, int, int, str]
#: A mentor due: when, and their user id, zone and stored language.
_Mentor = tuple[Due, int, ZoneInfo, str]


class GoalLine(NamedTuple):
    id: int
    what: str


class CheckinPrompt(NamedTuple):
    """What the prompt (or its reminder) DM shows."""

    checkin_id: int
    user_id: int
    channel_id: int | None  # the pair's channel, for a student whose DMs are closed
    closes_at: datetime
    guild_id: int  # without a pair channel, closed DMs fall back to the program channel
    goals: tuple[GoalLine, ...]
    #: The mentee's stored language, when read with them (a fan-out): not read again.
    language: str | None = None


class MentorPrompt(NamedTuple):
    member_id: int
    user_id: int
    week: date
    channel_id: int | None
    week_ends_at: datetime  # the end of the mentor's local week: the prompt's deadline
    #: The language stored on the mentor's row of this program (read with who is due).
    language: str | None = None


@dataclass(frozen=True)
class Opened:
    checkins: list[CheckinPrompt]
    mentors: list[MentorPrompt]


@dataclass(frozen=True)
class _Known:
    """What a fan-out's prompts show of their people, read ahead of their parts: goals and
    pair channels by mentee, a pair channel by mentor."""

    goals: dict[int, list[GoalLine]]
    pair_channels: dict[int, int | None]
    mentor_channels: dict[int, int]


@dataclass(frozen=True)
class Answers:
    mood: int
    progress: dict[int, int]  # goal id -> 1..5
    went_well: str
    hard: str
    staff_note: str
    reach_out: bool


@dataclass(frozen=True)
class Digest:
    """What the mentor is told: never the note for staff, never the reach-out answer."""

    checkin_id: int
    mentor_user_id: int
    mentee_user_id: int
    channel_id: int | None
    week: date
    mood: int
    progress: tuple[tuple[str, int], ...]
    went_well: str | None
    hard: str | None


@dataclass(frozen=True)
class Submitted:
    checkin_id: int
    guild_id: int
    user_id: int
    signal_ids: tuple[int, ...]
    streak: int
    milestone: int | None
    digest: Digest | None
    channel_id: int | None
    #: Concerning words in the answers: staff hear of them (a signal), and the student is
    #: shown the crisis resources at once.
    concerning: bool


@dataclass(frozen=True)
class MentorAnswered:
    """A mentor's check-in as staff must hear of it: a request for support and a concern
    are signals (the concern's words stay in the mentor's check-in)."""

    guild_id: int
    mentor_user_id: int
    signal_ids: tuple[int, ...]
    concern: str | None
    concerning: bool  # concerning words in the concern: show the mentor the crisis resources


@dataclass(frozen=True)
class Entry:
    week: date
    status: CheckinStatus
    mood: int | None
    progress: tuple[tuple[str, int], ...]
    went_well: str | None
    hard: str | None
    staff_note: str | None  # None unless the reader may see it
    reach_out: bool | None  # None unless the reader may see it


@dataclass(frozen=True)
class History:
    user_id: int
    entries: tuple[Entry, ...]  # oldest first
    streak: int


@dataclass(frozen=True)
class MentorEntry:
    week: date
    met: bool
    going: int
    needs_support: bool
    concern: str | None


@dataclass(frozen=True)
class MentorHistory:
    """A mentor's own check-ins, for them and for staff."""

    user_id: int
    entries: tuple[MentorEntry, ...]  # oldest first


class CheckinService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        programs: ProgramService,
        settings: CheckinSettings,
        config_holidays: Sequence[date] = (),
        *,
        transactions: Transactions | None = None,
    ) -> None:
        self._sessions = sessions
        self._tx = transactions or Transactions(sessions, clock)
        self._clock = clock
        self._programs = programs
        self._settings = settings
        self._config_holidays = frozenset(config_holidays)
        self.window = timedelta(days=settings.window_days)
        self.reminder_after = timedelta(hours=settings.reminder_hours)

    # ----------------------------------------------------------------- who is due

    async def plan(self) -> list[datetime]:
        """Every distinct instant a check-in (mentee or mentor) is next due, earliest first;
        one in the past (the bot was down) is due at once. As ``_dues`` decides it, but
        once per group of people who share everything it reads (``rhythm_groups``)."""
        now = self._clock.now()
        first_week = week_of(now.date()) - timedelta(weeks=2)
        weeks = [first_week + timedelta(weeks=n) for n in range(PLANNED_WEEKS)]
        joined_since = now - JOINED_LONG_AGO
        async with self._sessions() as session:
            mentees = await plans.rhythm_groups(session, ProgramRole.MENTEE, weeks, joined_since)
            mentors = await plans.rhythm_groups(
                session, ProgramRole.MENTOR, (), joined_since, matched_only=True
            )
            holidays = await self._holidays(session)
        skipped = self._mentor_skipped(first_week)
        instants = set()
        for groups, window in ((mentees, self.window), (mentors, timedelta(0))):
            for group in groups:
                taken = {week for n, week in enumerate(weeks) if group.taken >> n & 1}
                due = next_due(
                    _group_rhythm(group),
                    now,
                    window,
                    holidays=holidays.get(group.guild_id, self._config_holidays),
                    taken=taken if groups is mentees else skipped,
                )
                if due is not None:
                    instants.add(due.at)
        return sorted(instants)

    async def open_due(self, instant: datetime, compose: Compose[Opened]) -> Opened:
        """Open the check-ins due at ``instant``, each committed with its prompt, and write
        the mentors' check-ins of that week. At most ``FANOUT_CHUNK`` prompts per
        transaction (a small school: one), so a big school never holds the database's
        write lock for long: a crash leaves every check-in with its prompt or neither (its
        week is due again at start). A second call opens and writes nothing again."""
        now = self._clock.now()
        async with self._sessions() as session:
            # Mentors are due strictly after "now": judge them from just before the instant.
            mentees, mentors = await self._dues(
                session, now, min(now, instant - timedelta(seconds=1)), instant
            )
        due = [person for person in mentees if person[0].at == instant]
        asked = [person for person in mentors if person[0].at == instant]
        # Parts of at most `size` prompts: the mentees' check-ins, then the mentors'.
        size = FANOUT_CHUNK if one_writer_at_a_time(self._sessions) else FANOUT_CHUNK_ROW_LOCKS
        parts = []
        for start in range(0, len(due) + len(asked), size):
            end = start + size
            parts.append((due[start:end], asked[max(0, start - len(due)) : max(0, end - len(due))]))
        checkins: list[CheckinPrompt] = []
        mentor_prompts: list[MentorPrompt] = []
        committed: list[Changes] = []
        ahead = max(1, READ_AHEAD // size)
        groups = [parts[start : start + ahead] for start in range(0, len(parts), ahead)]
        # Each group's people are read while the group before it is written (on another
        # connection: a read waits for no write lock), so neither waits for the other.
        reading: asyncio.Task[_Known] | None = None
        try:
            for number, group in enumerate(groups):
                known = await (reading or self._read_ahead(group))
                reading = self._read_ahead(groups[number + 1]) if number + 1 < len(groups) else None
                for part, (chunk, chunk_of_mentors) in enumerate(group):
                    if number or part:
                        await self._make_way()
                    opened, changes = await self._open_part(
                        now, chunk, chunk_of_mentors, known, compose
                    )
                    committed.append(changes)
                    checkins += opened.checkins
                    mentor_prompts += opened.mentors
        finally:  # sent once all are written, so the sending does not compete with them
            if reading is not None:
                reading.cancel()
                await asyncio.gather(reading, return_exceptions=True)
            await self._tx.queue(committed)
        return Opened(checkins, mentor_prompts)

    def _read_ahead(
        self,
        parts: Sequence[tuple[Sequence[_Mentee], Sequence[_Mentor]]],
    ) -> asyncio.Task[_Known]:
        """What the prompts of these parts show of their people, read once for all of them
        (a read per part cost a statement each, for a hundred people on SQLite), in a task
        of its own."""
        return asyncio.create_task(self._read_known(parts))

    async def _read_known(
        self,
        parts: Sequence[tuple[Sequence[_Mentee], Sequence[_Mentor]]],
    ) -> _Known:
        mentees = [person[0].member_id for chunk, _ in parts for person in chunk]
        mentors = [person[0].member_id for _, asked in parts for person in asked]
        async with self._sessions() as session:
            return _Known(
                await self._goal_lines(session, mentees),
                await rows.pair_channels(session, mentees),
                await rows.mentor_channels(session, mentors),
            )

    async def _make_way(self) -> None:
        """Between two parts of a fan-out: the loop given back, and on SQLite, while another
        transaction writes (it holds the one lock or waits for it), a pause until it ends, at
        most FANOUT_PAUSE_SECONDS."""
        await asyncio.sleep(0)
        waited = 0.0
        while waited < FANOUT_PAUSE_SECONDS and others_writing(self._sessions):
            await asyncio.sleep(FANOUT_PAUSE_STEP)
            waited += FANOUT_PAUSE_STEP

    async def _open_part(
        self,
        now: datetime,
        chunk: Sequence[_Mentee],
        asked: Sequence[_Mentor],
        known: _Known,
        compose: Compose[Opened],
    ) -> tuple[Opened, Changes]:
        """One transaction of a fan-out: these check-ins with their prompts, or these
        mentors' check-ins."""
        async with self._tx.begin("checkin-fanout", queue=False) as changes:
            inserted = await rows.open_many(
                changes.session,
                [
                    {
                        "guild_id": guild_id,
                        "member_id": item.member_id,
                        "week": item.week,
                        "due_at": item.at,
                        "closes_at": item.at + self.window,
                        "status": CheckinStatus.OPEN,
                        "progress": [],
                        "created_at": now,
                    }
                    for item, guild_id, _, _ in chunk
                ],
            )
            people = {
                item.member_id: (guild_id, user_id, item.at + self.window)
                for item, guild_id, user_id, _ in chunk
            }
            languages = {item.member_id: language for item, _, _, language in chunk}
            found = [
                rows.PromptRow(
                    row.id,
                    row.member_id,
                    *people[row.member_id],
                    now,
                    known.pair_channels.get(row.member_id),
                )
                for row in inserted
            ]
            mentor_prompts = [
                MentorPrompt(
                    item.member_id,
                    user_id,
                    item.week,
                    known.mentor_channels.get(item.member_id),
                    local_instant(item.week + timedelta(weeks=1), time(0), zone),
                    language,
                )
                for item, user_id, zone, language in asked
            ]
            opened = Opened(self._prompts_of(found, known.goals, languages), mentor_prompts)
            prompts = compose(opened)
            # The loop given back between composing the prompts and writing them, the two
            # longest stretches of a part: a command's handler waits for one, not both.
            await asyncio.sleep(0)
            await changes.send(prompts)
        return opened, changes

    async def reminders(
        self, due_at: datetime, compose: Compose[list[CheckinPrompt]]
    ) -> list[CheckinPrompt]:
        """Write the reminders of the open check-ins due at ``due_at`` still unanswered and
        inside their window. One opened late (the bot was down) is not reminded within half
        the reminder delay."""
        now = self._clock.now()
        async with self._tx.begin("checkin-reminder") as changes:
            found = await rows.open_due_at(changes.session, due_at)
            fresh = [
                item
                for item in found
                if item.closes_at > now and item.created_at <= now - self.reminder_after / 2
            ]
            due = await self._prompts(changes.session, fresh)
            await changes.send(compose(due))
        return due

    async def close(self, due_at: datetime) -> list[int]:
        """Mark the unanswered check-ins due at ``due_at`` missed once their window closed;
        two missed in a row record a signal. Returns the signals' ids."""
        now = self._clock.now()
        async with self._tx.begin("checkin-close") as changes:
            session = changes.session
            marked = await rows.mark_missed(session, due_at, now)
            twice = await rows.missed_before(session, [checkin_id for checkin_id, _, _ in marked])
            second = [(guild_id, member_id) for c, guild_id, member_id in marked if c in twice]
            matches = await rows.active_matches_of_mentees(session, [m for _, m in second])
            recorded = [
                changes.signal(
                    guild_id, signals.TWO_MISSED_CHECKINS, member_id, matches.get(member_id)
                )
                for guild_id, member_id in second
            ]
            await session.flush()
            return [signal.id for signal in recorded]

    async def open_instants(self) -> list[datetime]:
        """The distinct due instants of every open check-in (their reminder and closing)."""
        async with self._sessions() as session:
            return await rows.open_due_instants(session)

    # ----------------------------------------------------------------- answering

    async def start(self, checkin_id: int, user_id: int) -> CheckinPrompt:
        """Refuse, before the form is shown, anyone who may not answer this check-in now."""
        async with self._sessions() as session:
            row = await self._answerable(session, checkin_id, user_id)
            found = await rows.with_people(session, Checkin.id == row.id)
            (prompt,) = await self._prompts(session, found)
            return prompt

    async def submit(
        self, checkin_id: int, user_id: int, answers: Answers, compose: Compose[Submitted]
    ) -> Submitted:
        """Store the answers once, with the signals they raise and the messages they imply
        (the milestone, the mentor's digest) in the same transaction."""
        if not 1 <= answers.mood <= 5 or any(not 1 <= v <= 5 for v in answers.progress.values()):
            raise UserError(Text("Pick each rating from 1 to 5."))
        went_well = _text(answers.went_well, Text("What went well"))
        hard = _text(answers.hard, Text("What is hard"))
        note = _text(answers.staff_note, Text("The note for staff"))
        now = self._clock.now()
        concerning = any(find_concerns(text) for text in (went_well, hard, note) if text)
        async with self._tx.begin("checkin-answer") as changes:
            session = changes.session
            row = await self._answerable(session, checkin_id, user_id)
            goals = await rows.goals_by_ids(session, list(answers.progress))
            progress = [
                [goal_id, value]
                for goal_id, value in sorted(answers.progress.items())
                if (goal := goals.get(goal_id)) is not None
                and goal.member_id == row.member_id
                and goal.status is GoalStatus.ACTIVE
            ]
            stored = await rows.answer(
                session,
                row.id,
                now,
                mood=answers.mood,
                progress=progress,
                went_well=went_well,
                hard=hard,
                staff_note=note,
                reach_out=answers.reach_out,
            )
            if not stored:  # a double submit racing this one got there first
                raise UserError(Text("You already sent this check-in. Thank you!"))
            match = await rows.active_match_of_mentee(session, row.member_id)
            match_id = match.id if match else None
            recorded = []
            if concerning:
                recorded.append(
                    changes.signal(
                        row.guild_id,
                        signals.CONCERNING_WORDS,
                        row.member_id,
                        match_id,
                        checkin_id=row.id,
                    )
                )
            if answers.reach_out:
                recorded.append(
                    changes.signal(row.guild_id, signals.REACH_OUT, row.member_id, match_id)
                )
            before = await rows.previous(session, row.member_id, row.week)
            if (
                answers.mood <= LOW_MOOD
                and before is not None
                and before.status is CheckinStatus.DONE
                and before.mood is not None
                and before.mood <= LOW_MOOD
            ):
                recorded.append(
                    changes.signal(row.guild_id, signals.LOW_MOOD_TWICE, row.member_id, match_id)
                )
            await session.flush()
            streak_now = streak(await rows.statuses(session, row.member_id))
            digest = None
            mentee = await self._member(session, row.member_id)
            if match is not None:
                mentor = await members.by_id(session, match.mentor_id)
                digest = Digest(
                    checkin_id=row.id,
                    mentor_user_id=mentor.user_id if mentor else 0,
                    mentee_user_id=mentee.user_id,
                    channel_id=match.channel_id,
                    week=row.week,
                    mood=answers.mood,
                    progress=tuple((goals[g].what, v) for g, v in progress),
                    went_well=went_well,
                    hard=hard,
                )
            submitted = Submitted(
                row.id,
                row.guild_id,
                mentee.user_id,
                tuple(signal.id for signal in recorded),
                streak_now,
                milestone(streak_now),
                digest,
                match.channel_id if match else None,
                concerning,
            )
            await changes.send(compose(submitted))
        return submitted

    # ----------------------------------------------------------------- reading

    async def history(
        self, guild_id: int, viewer_user_id: int, target_user_id: int, *, staff: bool
    ) -> History | MentorHistory:
        """The target's recent check-ins, oldest first: a mentee's for themselves, their
        mentor (without the note for staff or the reach-out answer) or staff; a mentor's
        for themselves or staff."""
        async with self._sessions() as session:
            target = await members.get(session, guild_id, target_user_id)
            own = viewer_user_id == target_user_id
            if target is not None and target.role is ProgramRole.MENTOR:
                if not own and not staff:
                    raise NotAllowed(
                        Text("A mentor's check-ins are seen only by them and by staff.")
                    )
                mentor_rows = await rows.mentor_history(session, target.id, HISTORY_WEEKS)
                return MentorHistory(
                    target_user_id,
                    tuple(
                        MentorEntry(r.week, r.met, r.going, r.needs_support, r.concern)
                        for r in reversed(mentor_rows)
                    ),
                )
            if target is None or target.role is not ProgramRole.MENTEE:
                mention = f"<@{target_user_id}>"
                raise NotFound(
                    Text(
                        "{member} is not a mentee or mentor in the program: they can join "
                        "with {command}.",
                        member=mention,
                        command=Slash("join"),
                    )
                )
            if not own and not staff:
                viewer = await members.get(session, guild_id, viewer_user_id)
                if (
                    viewer is None
                    or await matches.active_pair(session, viewer.id, target.id) is None
                ):
                    raise NotAllowed(
                        Text("You can see your own check-ins, and mentors their mentees'.")
                    )
            private = own or staff
            found = await rows.history(session, target.id, HISTORY_WEEKS)
            goal_ids = [goal_id for row in found for goal_id, _ in row.progress]
            goals = await rows.goals_by_ids(session, goal_ids)
            entries = tuple(
                Entry(
                    week=row.week,
                    status=row.status,
                    mood=row.mood,
                    progress=tuple(
                        (goals[g].what if g in goals else "goal", v) for g, v in row.progress
                    ),
                    went_well=row.went_well,
                    hard=row.hard,
                    staff_note=row.staff_note if private else None,
                    reach_out=row.reach_out if private else None,
                )
                for row in reversed(found)
            )
            return History(target_user_id, entries, streak(await rows.statuses(session, target.id)))

    # ----------------------------------------------------------------- settings

    async def set_rhythm(
        self, guild_id: int, user_id: int, weekday: int, at_text: str
    ) -> datetime | None:
        """A mentee's own check-in day and time (in their zone, inside the allowed hours);
        returns when the next one is due."""
        at = _clock_time(at_text)
        start, end = self._settings.allowed_start, self._settings.allowed_end
        if not in_hours(at, start, end):
            # 24-hour, as the time is typed (HH:MM)
            earliest, latest = start.strftime("%H:%M"), end.strftime("%H:%M")
            raise UserError(
                Text(
                    "Pick a time between {start} and {end} (your time zone).",
                    start=earliest,
                    end=latest,
                )
            )
        async with self._sessions.begin() as session:
            me = await self._mentee(session, guild_id, user_id)
            await rows.set_preference(session, me.id, self._clock.now(), weekday=weekday, at=at)
            await session.flush()
            return await self._next_for(session, me)

    async def pause(self, guild_id: int, user_id: int, until_text: str) -> date:
        """No check-in up to and including ``until`` (a date in the mentee's zone)."""
        try:
            until = date.fromisoformat(until_text.strip())
        except ValueError:
            raise UserError(
                Text(
                    '"{typed}" is not a date; write it like 2026-12-31.',
                    typed=until_text.strip()[:20],
                )
            ) from None
        async with self._sessions.begin() as session:
            me = await self._mentee(session, guild_id, user_id)
            today = self._clock.now().astimezone(await self._zone(session, me)).date()
            if until < today:
                raise UserError(Text("That date has passed; pick today or a later day."))
            if until > today + MAX_PAUSE:
                raise UserError(
                    Text(
                        "A pause can last up to {days} days; talk to staff for longer.",
                        days=MAX_PAUSE.days,
                    )
                )
            await rows.set_preference(session, me.id, self._clock.now(), paused_until=until)
            return until

    async def next_for(self, guild_id: int, user_id: int) -> datetime | None:
        async with self._sessions() as session:
            return await self._next_for(session, await self._mentee(session, guild_id, user_id))

    # ----------------------------------------------------------------- mentors

    async def mentor_check(self, member_id: int, week: date, user_id: int) -> None:
        async with self._sessions() as session:
            await self._mentor_answerable(session, member_id, week, user_id)

    async def mentor_answer(
        self,
        member_id: int,
        week: date,
        user_id: int,
        *,
        met: bool,
        going: int,
        concern: str,
        needs_support: bool,
    ) -> MentorAnswered:
        if not 1 <= going <= 5:
            raise UserError(Text("Pick how it is going from 1 to 5."))
        text = _text(concern, Text("Your concern"))
        concerning = bool(text and find_concerns(text))
        now = self._clock.now()
        try:
            async with self._tx.begin("mentor-checkin") as changes:
                session = changes.session
                mentor = await self._mentor_answerable(session, member_id, week, user_id)
                answer = MentorCheckin(
                    guild_id=mentor.guild_id,
                    member_id=mentor.id,
                    week=week,
                    met=met,
                    going=going,
                    concern=text,
                    needs_support=needs_support,
                    answered_at=now,
                )
                session.add(answer)
                await session.flush()
                pairs = await matches.active_for_member(session, mentor.id)
                match_id = pairs[0].id if pairs else None
                recorded = []
                if needs_support:
                    recorded.append(
                        changes.signal(mentor.guild_id, signals.MENTOR_SUPPORT, mentor.id, match_id)
                    )
                if text is not None:  # the rules decide whom it is about, and how urgent
                    recorded.append(
                        changes.signal(
                            mentor.guild_id,
                            signals.MENTOR_CONCERN,
                            mentor.id,
                            match_id,
                            mentor_checkin_id=answer.id,
                        )
                    )
                await session.flush()
                answered = MentorAnswered(
                    mentor.guild_id,
                    user_id,
                    tuple(signal.id for signal in recorded),
                    text,
                    concerning,
                )
            return answered
        except IntegrityError:
            raise UserError(Text("You already answered this week's check-in. Thank you!")) from None

    # ----------------------------------------------------------------- internals

    async def _dues(
        self,
        session: AsyncSession,
        now: datetime,
        mentors_now: datetime,
        instant: datetime | None = None,
        member_id: int | None = None,
    ) -> tuple[list[_Mentee], list[_Mentor]]:
        """Each active mentee's next check-in (with their guild id, user id and language),
        and each matched mentor's next check-in in a mentor week (with their user id, zone
        and language); with
        ``member_id``, only that mentee's (no mentor's). A few queries, whatever the number
        of people; the loop is given back every ``YIELD_EVERY`` people."""
        slots = None if instant is None else await self._slots(session, instant)
        mentee_rows = await rows.rhythms(session, ProgramRole.MENTEE, slots, member_id)
        mentor_rows = (
            [] if member_id is not None else await rows.rhythms(session, ProgramRole.MENTOR, slots)
        )
        first_week = week_of(now.date()) - timedelta(weeks=2)
        taken: dict[int, set[date]] = {}
        whole = instant is None and member_id is None
        ids = None if whole else [row[0] for row in mentee_rows]
        for taker, week in await rows.weeks_taken(session, first_week, ids):
            taken.setdefault(taker, set()).add(week)
        holidays = await self._holidays(session)
        judge = _Judge(holidays, self._config_holidays)
        mentees = []
        for number, row in enumerate(mentee_rows, 1):
            theirs = taken.get(row[0])
            due, _ = judge(row, now, self.window, frozenset(theirs) if theirs else frozenset())
            if due is not None:
                mentees.append((due, row[2], row[1], row[5]))
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        if not mentor_rows:
            return mentees, []
        matched = await rows.mentors_with_mentees(session)
        skipped = frozenset(self._mentor_skipped(first_week))
        mentors = []
        for number, row in enumerate(mentor_rows, 1):
            if number % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            if row[0] not in matched:
                continue
            due, zone = judge(row, mentors_now, timedelta(0), skipped)
            if due is not None:
                mentors.append((due, row[1], zone, row[5]))
        return mentees, mentors

    async def _holidays(self, session: AsyncSession) -> dict[int, frozenset[date]]:
        """Each server's holidays, with the configured ones."""
        return {
            guild_id: self._config_holidays | days
            for guild_id, days in (await rows.all_holidays(session)).items()
        }

    def _mentor_skipped(self, first_week: date) -> set[date]:
        """The weeks from ``first_week`` on in which mentors are not asked."""
        return {
            first_week + timedelta(weeks=n)
            for n in range(20)
            if not mentor_week(first_week + timedelta(weeks=n), self._settings.mentor_every_weeks)
        }

    @staticmethod
    async def _slots(session: AsyncSession, instant: datetime) -> list[tuple[str, int, time]]:
        """The (zone, weekday, local time) a check-in due at ``instant`` can be set to, in
        every zone in use: its wall-clock time there, and an hour earlier for a time that
        falls in a spring-forward gap. Only a pre-filter: ``next_due`` decides exactly."""
        slots = []
        for name in await rows.zones_in_use(session):
            local = instant.astimezone(ZoneInfo(name))
            for wall in (local, local - timedelta(hours=1)):
                slots.append((name, wall.weekday(), wall.time().replace(tzinfo=None)))
        return slots

    async def _prompts(
        self, session: AsyncSession, found: Sequence[rows.PromptRow]
    ) -> list[CheckinPrompt]:
        goals = await self._goal_lines(session, [row.member_id for row in found])
        return self._prompts_of(found, goals)

    @staticmethod
    async def _goal_lines(
        session: AsyncSession, member_ids: Sequence[int]
    ) -> dict[int, list[GoalLine]]:
        """The active goals of these members, oldest first, by member."""
        by_member: dict[int, list[GoalLine]] = {}
        for goal in await rows.active_goal_lines(session, member_ids):
            by_member.setdefault(goal.member_id, []).append(GoalLine(goal.id, goal.what))
        return by_member

    def _prompts_of(
        self,
        found: Sequence[rows.PromptRow],
        goals: dict[int, list[GoalLine]],
        languages: dict[int, str] | None = None,
    ) -> list[CheckinPrompt]:
        most = self._settings.max_active_goals
        return [
            CheckinPrompt(
                row.id,
                row.user_id,
                row.channel_id,
                row.closes_at,
                row.guild_id,
                tuple(goals.get(row.member_id, ())[:most]),
                languages.get(row.member_id) if languages else None,
            )
            for row in found
        ]

    async def _answerable(self, session: AsyncSession, checkin_id: int, user_id: int) -> Checkin:
        row = await rows.checkin(session, checkin_id)
        if row is None:
            raise NotFound(Text("That check-in no longer exists."))
        mentee = await members.by_id(session, row.member_id)
        if mentee is None or mentee.user_id != user_id:
            raise NotAllowed(
                Text("This check-in belongs to someone else; yours comes in your DMs.")
            )
        if row.status is CheckinStatus.DONE:
            raise UserError(Text("You already sent this check-in. Thank you!"))
        if row.status is CheckinStatus.MISSED or row.closes_at <= self._clock.now():
            closed = f"<t:{int(row.closes_at.timestamp())}:R>"
            raise UserError(
                Text(
                    "This check-in closed {when}. The next one will come next week.",
                    when=closed,
                )
            )
        return row

    async def _mentor_answerable(
        self, session: AsyncSession, member_id: int, week: date, user_id: int
    ) -> Member:
        mentor = await members.by_id(session, member_id)
        if mentor is None:
            raise NotFound(
                Text("This check-in is closed: that mentor is no longer in the program.")
            )
        if mentor.user_id != user_id:
            raise NotAllowed(Text("This check-in is for another mentor."))
        if await rows.mentor_checkin(session, member_id, week) is not None:
            raise UserError(Text("You already answered this week's check-in. Thank you!"))
        if self._clock.now().date() > week + timedelta(days=13):
            raise UserError(Text("This check-in has closed; the next one will come soon."))
        return mentor

    async def _mentee(self, session: AsyncSession, guild_id: int, user_id: int) -> Member:
        me = await members.get(session, guild_id, user_id)
        if me is None or not me.active:
            raise UserError(
                Text(
                    "You're not in the mentoring program yet. Use {command} first.",
                    command=Slash("join"),
                )
            )
        if me.role is not ProgramRole.MENTEE:
            raise UserError(Text("Weekly check-ins are for mentees; mentors get their own."))
        return me

    async def _member(self, session: AsyncSession, member_id: int) -> Member:
        found = await members.by_id(session, member_id)
        if found is None:
            raise NotFound(Text("That member is no longer in the program."))
        return found

    async def _zone(self, session: AsyncSession, me: Member) -> ZoneInfo:
        program = await self._programs.ensure(session, me.guild_id)
        return ZoneInfo(me.time_zone or program.time_zone)

    async def _next_for(self, session: AsyncSession, me: Member) -> datetime | None:
        now = self._clock.now()
        mentees, _ = await self._dues(session, now, now, member_id=me.id)
        return next((person[0].at for person in mentees), None)


class _Judge:
    """``next_due`` for rows of ``rhythms``, judged once per distinct rhythm (zone, day,
    time, pause, server, weeks taken, and the join when it is recent enough to matter):
    thousands of people share a few."""

    def __init__(self, holidays: dict[int, frozenset[date]], otherwise: frozenset[date]) -> None:
        self._holidays, self._otherwise = holidays, otherwise
        self._judged: dict[tuple[Any, ...], tuple[Due | None, ZoneInfo]] = {}

    def __call__(
        self, row: tuple[Any, ...], now: datetime, window: timedelta, taken: frozenset[date]
    ) -> tuple[Due | None, ZoneInfo]:
        (
            member_id,
            _,
            guild_id,
            zone,
            joined,
            _,
            program_zone,
            weekday,
            at,
            own_day,
            own_at,
            paused,
        ) = row
        # Who joined before this long ago joined before every week next_due looks at.
        recent = joined if joined is not None and joined > now - JOINED_LONG_AGO else None
        key = (
            guild_id,
            zone or program_zone,
            own_day if own_day is not None else weekday,
            own_at if own_at is not None else at,
            paused,
            recent,
            now,
            window,
            taken,
        )
        if key not in self._judged:
            rhythm = _rhythm(row)
            due = next_due(
                rhythm,
                now,
                window,
                holidays=self._holidays.get(guild_id, self._otherwise),
                taken=taken,
            )
            self._judged[key] = (due, rhythm.zone)
        due, rhythm_zone = self._judged[key]
        return (None if due is None else Due(member_id, due.week, due.at)), rhythm_zone


def _rhythm(row: tuple[Any, ...]) -> Rhythm:
    (member_id, _, _, zone, joined, _, program_zone, weekday, at, own_day, own_at, paused) = row
    return Rhythm(
        member_id=member_id,
        zone=ZoneInfo(zone or program_zone),
        weekday=own_day if own_day is not None else weekday,
        at=own_at if own_at is not None else at,
        paused_until=paused,
        joined_at=joined or datetime.min.replace(tzinfo=UTC),
    )


def _text(value: str, what: Text) -> str | None:
    cleaned = value.strip()
    if len(cleaned) > MAX_TEXT:
        raise UserError(
            Text(
                "{field} is {length} characters; keep it to {limit} or fewer. Nothing was "
                "saved, so shorten it and send again.",
                field=what,
                length=len(cleaned),
                limit=MAX_TEXT,
            )
        )
    return cleaned or None


def _clock_time(text: str) -> time:
    try:
        parsed = time.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            Text(
                '"{typed}" is not a time; write it as 24-hour HH:MM, like 16:30.',
                typed=text.strip()[:20],
            )
        ) from None
    return parsed.replace(second=0, microsecond=0)


def _group_rhythm(group: plans.RhythmGroup) -> Rhythm:
    """The rhythm every member of the group shares (``member_id`` 0: theirs is not read)."""
    return Rhythm(
        member_id=0,
        zone=ZoneInfo(group.time_zone or group.program_zone),
        weekday=group.own_weekday if group.own_weekday is not None else group.program_weekday,
        at=group.own_at if group.own_at is not None else group.program_at,
        paused_until=group.paused_until,
        joined_at=group.joined_at or datetime.min.replace(tzinfo=UTC),
    )
