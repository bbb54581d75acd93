"""Service hours for mentors: what counts, by month, and what a school's export holds.

A mentor is credited with

- each confirmed session that happened: the mentor answered "happened" (or did not answer
  while the mentee did), its length from the session row (``ends_at - starts_at``);
- each training module they marked done that staff confirmed: the module's ``minutes``;
- each mentor check-in they answered: ``[hours] mentor_checkin_minutes``.

A session the mentor says happened and the mentee says did not ("no-show" or
"rescheduled") is *disputed*: listed, never counted, until staff review it
(``review``); a module not yet confirmed by staff is listed the same way. An entry belongs
to the day it starts in the mentor's time zone (theirs, else the program's), so a session
from 23:30 to 00:30 counts its whole hour on the day it began, and a month is the mentor's
local month.
"""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import HoursSettings
from bot.errors import NotFound, UserError
from bot.i18n import Slash, Text
from bot.services.programs import ProgramService
from storage.db import Sessions
from storage.models import AttendanceAnswer, AttendanceReview, Member, ProgramRole
from storage.repositories import hours as rows
from storage.repositories import members

log = logging.getLogger(__name__)

Row = TypeVar("Row", "rows.SessionRow", "rows.TrainingRow", "rows.CheckinRow")

#: The longest period an export may cover.
MAX_PERIOD = timedelta(days=3 * 366)


class Activity(enum.StrEnum):
    SESSION = "session"
    TRAINING = "training"
    MENTOR_CHECKIN = "mentor-checkin"


class Standing(enum.StrEnum):
    COUNTED = "counted"
    CONFIRMED_BY_STAFF = "confirmed-by-staff"  # disputed, then staff said it happened
    DISPUTED = "disputed"  # waiting for staff: not counted
    NOT_HAPPENED = "not-happened"  # disputed, then staff said it did not happen
    UNCONFIRMED = "unconfirmed"  # a training module staff have not confirmed yet


COUNTS = frozenset({Standing.COUNTED, Standing.CONFIRMED_BY_STAFF})
WAITING = frozenset({Standing.DISPUTED, Standing.UNCONFIRMED})
DISPUTING = frozenset({AttendanceAnswer.NO_SHOW, AttendanceAnswer.RESCHEDULED})


@dataclass(frozen=True)
class Entry:
    activity: Activity
    day: date  # in the mentor's time zone
    minutes: int
    standing: Standing
    title: str | None = None  # a training module's title
    session_id: int | None = None

    @property
    def counts(self) -> bool:
        return self.standing in COUNTS


@dataclass(frozen=True)
class MonthHours:
    month: date  # the first day of the month
    minutes: int
    sessions: int
    trainings: int
    checkins: int


@dataclass(frozen=True)
class MentorHours:
    user_id: int
    time_zone: str
    entries: tuple[Entry, ...]  # in date order

    @property
    def minutes(self) -> int:
        """Minutes that count."""
        return sum(entry.minutes for entry in self.entries if entry.counts)

    def minutes_of(self, activity: Activity) -> int:
        return sum(e.minutes for e in self.entries if e.counts and e.activity is activity)

    @property
    def waiting(self) -> tuple[Entry, ...]:
        """Entries waiting for staff (disputed sessions, unconfirmed modules)."""
        return tuple(entry for entry in self.entries if entry.standing in WAITING)

    def by_month(self) -> list[MonthHours]:
        """What counts, month by month, newest first."""
        months: dict[date, list[Entry]] = {}
        for entry in self.entries:
            if entry.counts:
                months.setdefault(entry.day.replace(day=1), []).append(entry)
        return [
            MonthHours(
                month=month,
                minutes=sum(entry.minutes for entry in found),
                sessions=sum(entry.activity is Activity.SESSION for entry in found),
                trainings=sum(entry.activity is Activity.TRAINING for entry in found),
                checkins=sum(entry.activity is Activity.MENTOR_CHECKIN for entry in found),
            )
            for month, found in sorted(months.items(), reverse=True)
        ]


@dataclass(frozen=True)
class Period:
    """Calendar days from ``start`` to ``end``, both included."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def value(self) -> str:
        """The period as ``parse_period`` reads it back."""
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self.end == _month_end(self.start)

    @property
    def is_year(self) -> bool:
        return (self.start.month, self.start.day, self.end.month, self.end.day) == (
            1,
            1,
            12,
            31,
        ) and (self.start.year == self.end.year)


@dataclass(frozen=True)
class Disputed:
    """A session the pair answered differently, as staff review it."""

    session_id: int
    mentor_user_id: int
    mentee_user_id: int
    starts_at: datetime
    day: date  # in the mentor's time zone
    minutes: int
    mentee_answer: AttendanceAnswer
    happened: bool | None  # staff's review, None while waiting


@dataclass(frozen=True)
class HoursExport:
    period: Period
    mentors: tuple[MentorHours, ...]  # those with anything in the period
    disputed: tuple[Disputed, ...]  # in the period, waiting for staff
    made_at: datetime
    today: date  # in the program's time zone


def _month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


PERIOD_HELP = Text(
    "Pick a period from the list, or type a month (2026-03), a year (2026) or two dates "
    "(2025-09-01..2026-06-30)."
)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR = re.compile(r"\d{4}")
_RANGE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|–|—|/)\s*(\d{4}-\d{1,2}-\d{1,2})")


def parse_period(text: str) -> Period:
    """A period typed by staff: "2026-03", "2026" or "2025-09-01..2026-06-30"."""
    typed = text.strip()
    try:
        if found := _RANGE.fullmatch(typed):
            start, end = (date.fromisoformat(_padded(part)) for part in found.groups())
        elif found := _MONTH.fullmatch(typed):
            start = date(int(found[1]), int(found[2]), 1)
            end = _month_end(start)
        elif _YEAR.fullmatch(typed):
            start, end = date(int(typed), 1, 1), date(int(typed), 12, 31)
        else:
            raise ValueError(typed)
    except ValueError:
        quoted = f'"{typed[:40]}"'
        raise UserError(
            Text("I couldn't read the period {typed}. {help}", typed=quoted, help=PERIOD_HELP)
        ) from None
    if end < start:
        raise UserError(Text("The period ends before it starts. {help}", help=PERIOD_HELP))
    if end - start > MAX_PERIOD:
        raise UserError(Text("Pick a period of at most three years. {help}", help=PERIOD_HELP))
    return Period(start, end)


def _padded(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def school_year(day: date, start_month: int) -> Period:
    """The school year (starting on the 1st of ``start_month``) that ``day`` falls in."""
    year = day.year if day.month >= start_month else day.year - 1
    start = date(year, start_month, 1)
    following = date(year + 1, start_month, 1) if start_month > 1 else date(year + 1, 1, 1)
    return Period(start, following - timedelta(days=1))


def suggested_periods(today: date, start_month: int) -> list[Period]:
    """Periods staff are offered: this and last school year, month and calendar year."""
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    this_year = school_year(today, start_month)
    last_year = school_year(this_year.start - timedelta(days=1), start_month)
    return [
        this_year,
        last_year,
        Period(this_month, _month_end(this_month)),
        Period(last_month, _month_end(last_month)),
        Period(date(today.year, 1, 1), date(today.year, 12, 31)),
        Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    ]


def session_standing(row: rows.SessionRow) -> Standing | None:
    """Whether a session counts for its mentor; None when the mentor said it did not happen."""
    if row.mentor_answer is AttendanceAnswer.HAPPENED:
        if row.mentee_answer not in DISPUTING:
            return Standing.COUNTED
        if row.reviewed_happened is None:
            return Standing.DISPUTED
        return Standing.CONFIRMED_BY_STAFF if row.reviewed_happened else Standing.NOT_HAPPENED
    if row.mentor_answer is None and row.mentee_answer is AttendanceAnswer.HAPPENED:
        return Standing.COUNTED
    return None


def _minutes(starts_at: datetime, ends_at: datetime) -> int:
    return max(0, int((ends_at - starts_at).total_seconds() // 60))


@dataclass(frozen=True)
class _Loaded:
    """The rows of a window, by the mentor's member id."""

    sessions: dict[int, list[rows.SessionRow]]
    training: dict[int, list[rows.TrainingRow]]
    checkins: dict[int, list[rows.CheckinRow]]


def _by_member(found: Iterable[Row]) -> dict[int, list[Row]]:
    grouped: dict[int, list[Row]] = {}
    for row in found:
        key = row.mentor_id if isinstance(row, rows.SessionRow) else row.member_id
        grouped.setdefault(key, []).append(row)
    return grouped


class HoursService:
    def __init__(
        self, sessions: Sessions, clock: Clock, programs: ProgramService, settings: HoursSettings
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._programs = programs
        self._settings = settings

    async def mine(self, guild_id: int, user_id: int) -> MentorHours:
        """A mentor's own hours, all time (a mentor who left still sees theirs)."""
        program = await self._programs.get(guild_id)
        async with self._sessions() as session:
            member = await members.get(session, guild_id, user_id)
            if member is None or member.role is not ProgramRole.MENTOR:
                raise UserError(
                    Text(
                        "Service hours are for mentors. Join as a mentor with {command} to "
                        "earn them.",
                        command=Slash("join"),
                    )
                )
            loaded = await self._load(session, guild_id, mentor_id=member.id)
        return self._hours(member, program.time_zone, loaded, None)

    async def export(self, guild_id: int, period: Period | None = None) -> HoursExport:
        """Every mentor with something in ``period`` (default: this school year; cut at
        today), and the disputed sessions in it that wait for staff."""
        program = await self._programs.get(guild_id)
        now = self._clock.now()
        today = now.astimezone(ZoneInfo(program.time_zone)).date()
        period = period or self.default_period(today)
        if period.start > today:
            raise UserError(Text("That period hasn't started yet. {help}", help=PERIOD_HELP))
        period = Period(period.start, min(period.end, today))
        # Widened by a day each side: every time zone's local day is inside it.
        since = datetime.combine(period.start - timedelta(days=1), time(), UTC)
        until = datetime.combine(period.end + timedelta(days=2), time(), UTC)
        async with self._sessions() as session:
            mentors = await rows.mentors(session, guild_id)
            loaded = await self._load(session, guild_id, since=since, until=until)
            found = [self._hours(m, program.time_zone, loaded, period) for m in mentors]
            waiting = {
                entry.session_id
                for hours in found
                for entry in hours.entries
                if entry.standing is Standing.DISPUTED
            }
            people = await rows.people(session, guild_id)
        disputed = [
            _disputed(row, people, program.time_zone)
            for mentor_rows in loaded.sessions.values()
            for row in mentor_rows
            if row.session_id in waiting
        ]
        disputed.sort(key=lambda item: (item.starts_at, item.session_id))
        log.info("hours export: %d mentors, %d disputed sessions", len(found), len(disputed))
        return HoursExport(
            period, tuple(hours for hours in found if hours.entries), tuple(disputed), now, today
        )

    async def waiting_review(self, guild_id: int) -> list[Disputed]:
        """Disputed sessions waiting for staff, newest first."""
        program = await self._programs.get(guild_id)
        async with self._sessions() as session:
            found = await rows.attended_sessions(session, guild_id)
            waiting = [row for row in found if session_standing(row) is Standing.DISPUTED]
            people = await rows.people(session, guild_id)
        return [_disputed(row, people, program.time_zone) for row in reversed(waiting)]

    async def review(
        self, guild_id: int, staff_user_id: int, session_id: int, *, happened: bool
    ) -> Disputed:
        """Staff's word on a disputed session: it happened (its minutes count) or not. A
        review can be changed by reviewing again."""
        program = await self._programs.get(guild_id)
        async with self._sessions.begin() as session:
            found = await rows.attended_sessions(session, guild_id, session_id=session_id)
            if not found or session_standing(found[0]) in (None, Standing.COUNTED):
                number = f"#{session_id}"
                raise NotFound(
                    Text(
                        "Session {number} is not waiting for staff: only a session the mentor "
                        "says happened and the mentee says did not is reviewed. Pick one from "
                        "the list.",
                        number=number,
                    )
                )
            row = await rows.review(session, session_id)
            if row is None:
                row = AttendanceReview(guild_id=guild_id, session_id=session_id)
                session.add(row)
            row.happened, row.reviewed_by, row.reviewed_at = (
                happened,
                staff_user_id,
                self._clock.now(),
            )
            reviewed = _disputed(found[0], await rows.people(session, guild_id), program.time_zone)
        log.info("attendance review of session %d: happened %s", session_id, happened)
        return replace(reviewed, happened=happened)

    async def program_today(self, guild_id: int) -> date:
        program = await self._programs.get(guild_id)
        return self._clock.now().astimezone(ZoneInfo(program.time_zone)).date()

    def default_period(self, today: date) -> Period:
        return school_year(today, self._settings.school_year_start_month)

    def suggested_periods(self, today: date) -> list[Period]:
        return suggested_periods(today, self._settings.school_year_start_month)

    async def _load(
        self,
        session: AsyncSession,
        guild_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        mentor_id: int | None = None,
    ) -> _Loaded:
        checkins = []
        if self._settings.mentor_checkin_minutes:
            checkins = await rows.mentor_checkins(
                session, guild_id, since, until, mentor_id=mentor_id
            )
        return _Loaded(
            sessions=_by_member(
                await rows.attended_sessions(session, guild_id, since, until, mentor_id=mentor_id)
            ),
            training=_by_member(
                await rows.training_done(session, guild_id, since, until, mentor_id=mentor_id)
            ),
            checkins=_by_member(checkins),
        )

    def _hours(
        self, mentor: Member, program_zone: str, loaded: _Loaded, period: Period | None
    ) -> MentorHours:
        zone = mentor.time_zone or program_zone
        entries: list[Entry] = []
        for row in loaded.sessions.get(mentor.id, []):
            standing = session_standing(row)
            if standing is not None:
                day = _local_day(row.starts_at, zone)
                minutes = _minutes(row.starts_at, row.ends_at)
                entries.append(
                    Entry(Activity.SESSION, day, minutes, standing, session_id=row.session_id)
                )
        for done in loaded.training.get(mentor.id, []):
            standing = Standing.COUNTED if done.confirmed else Standing.UNCONFIRMED
            day = _local_day(done.completed_at, zone)
            entries.append(Entry(Activity.TRAINING, day, done.minutes, standing, done.title))
        minutes = self._settings.mentor_checkin_minutes
        for answered in loaded.checkins.get(mentor.id, []):
            day = _local_day(answered.answered_at, zone)
            entries.append(Entry(Activity.MENTOR_CHECKIN, day, minutes, Standing.COUNTED))
        kept = [entry for entry in entries if period is None or entry.day in period]
        return MentorHours(mentor.user_id, zone, tuple(sorted(kept, key=_order)))


def _disputed(row: rows.SessionRow, people: dict[int, rows.Person], program_zone: str) -> Disputed:
    mentor, mentee = people[row.mentor_id], people[row.mentee_id]
    return Disputed(
        session_id=row.session_id,
        mentor_user_id=mentor.user_id,
        mentee_user_id=mentee.user_id,
        starts_at=row.starts_at,
        day=_local_day(row.starts_at, mentor.time_zone or program_zone),
        minutes=_minutes(row.starts_at, row.ends_at),
        mentee_answer=row.mentee_answer or AttendanceAnswer.NO_SHOW,
        happened=row.reviewed_happened,
    )


def _local_day(instant: datetime, zone: str) -> date:
    return instant.astimezone(ZoneInfo(zone)).date()


def _order(entry: Entry) -> tuple[date, int, int]:
    return entry.day, list(Activity).index(entry.activity), entry.session_id or 0
