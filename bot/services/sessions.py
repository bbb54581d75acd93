"""Mentoring sessions: scheduling with consent of both, reminders, attendance and signals.

A session is proposed by one member of a match and confirmed only when the other accepts.
Times are read in the proposer's zone; the program's allowed hours and holidays apply in
the program's zone. Scheduler jobs are derived from confirmed rows (see ``reminder_plan``).

Every change and the messages it implies commit together (``bot.services.outbox``): a
proposal with its invitation, an answer with the proposer's notice, a cancellation with the
other member's, each reminder and attendance question with its delivery row. Everything is
checked before anything is saved, so a refused request leaves no row behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import SessionSettings
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import Date, OptionName, Slash, Text
from bot.services import signals
from bot.services.concern import find_concerns
from bot.services.outbox import Changes, Compose, Transactions
from bot.services.programs import ProgramService
from bot.services.session_rules import (
    ATTENDANCE_DEADLINE,
    Busy,
    SlotRules,
    check_slot,
    find_conflict,
    offset_label,
    reminder_due_now,
    reminder_times,
    weekly_series,
)
from bot.services.tags import normalise_tags
from bot.text import plain_links
from bot.timeparse import parse_when, resolve_zone
from storage.db import Sessions
from storage.models import (
    Attendance,
    AttendanceAnswer,
    Holiday,
    Match,
    MatchStatus,
    Member,
    MentoringSession,
    Place,
    SessionStatus,
)
from storage.repositories import matches, members
from storage.repositories import sessions as rows

RECENT = timedelta(days=14)
MAX_SERIES_WEEKS = 26
NO_SHOWS_IN_A_ROW = 2
STATUS = {
    SessionStatus.PROPOSED: Text("proposed"),
    SessionStatus.CONFIRMED: Text("confirmed"),
    SessionStatus.DECLINED: Text("declined"),
    SessionStatus.CANCELLED: Text("cancelled"),
}
"""A session's status in words, as an answered invitation is described."""
MAX_TOPIC, MAX_DETAIL, MAX_NOTE = 200, 300, 500
FIRST_SESSION_NUDGE_AFTER = timedelta(hours=48)
FIRST_SESSION_SIGNAL_AFTER = timedelta(days=7)
#: Sessions asked "Did it happen?", or new matches checked, per transaction (a job may
#: find thousands due at once after a restart).
PER_TRANSACTION = 500


class Timed(Protocol):
    """When a confirmed session starts, ends and was confirmed: what its jobs derive from."""

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def changed_at(self) -> datetime: ...


@dataclass(frozen=True)
class SessionTimes:
    """The confirmed sessions that start and end together: their jobs are shared, and
    ``changed_at`` is the earliest confirmation among them."""

    starts_at: datetime
    ends_at: datetime
    changed_at: datetime


@dataclass(frozen=True)
class SessionView:
    id: int
    series_id: int | None
    match_id: int
    guild_id: int
    starts_at: datetime
    ends_at: datetime
    topic: str | None
    place: Place
    place_detail: str | None
    status: SessionStatus
    proposer_user_id: int
    invitee_user_id: int
    mentor_user_id: int
    mentee_user_id: int
    pair_channel_id: int | None
    voice_channel_id: int | None
    changed_at: datetime  # for a confirmed session: when it was confirmed
    match_active: bool

    @property
    def due(self) -> bool:
        """Still happening: confirmed, and the pair's match has not ended."""
        return self.status is SessionStatus.CONFIRMED and self.match_active

    @property
    def members(self) -> tuple[int, int]:
        return (self.mentor_user_id, self.mentee_user_id)


@dataclass(frozen=True)
class Scheduled:
    sessions: tuple[SessionView, ...]
    skipped: tuple[date, ...]
    #: The topic holds concerning language: staff hear of it (a signal) and the proposer is
    #: shown the crisis resources at once.
    concerning: bool = False

    @property
    def first(self) -> SessionView:
        return self.sessions[0]


@dataclass(frozen=True)
class Answered:
    """An invitation answered: the sessions it confirmed (or declined), for the proposer."""

    view: SessionView  # the session of the invitation, as it is now
    sessions: tuple[SessionView, ...]  # every session of the series the answer changed
    accepted: bool


@dataclass(frozen=True)
class Cancelled:
    view: SessionView
    by_user_id: int

    @property
    def other_user_id(self) -> int:
        mentor, mentee = self.view.members
        return mentee if self.by_user_id == mentor else mentor


@dataclass(frozen=True)
class PairPlace:
    """Where a pair meets, read before anything is saved (a voice session needs the channel)."""

    match_id: int
    pair_channel_id: int | None
    voice_channel_id: int | None


@dataclass(frozen=True)
class ReminderDue:
    view: SessionView
    label: str  # the reminder's offset, as in its job id: "24h", "15m"


@dataclass(frozen=True)
class Recorded:
    """An attendance answer stored, with the ids of the signals it recorded."""

    view: SessionView
    signal_ids: tuple[int, ...]
    #: The topics or the note hold concerning language (a signal is among ``signal_ids``):
    #: the member is shown the crisis resources at once.
    concerning: bool = False


@dataclass(frozen=True)
class FirstSessionCheck:
    """The pair to nudge (user ids), and the signal recorded at the 7-day deadline."""

    match_id: int
    guild_id: int
    pair: tuple[int, int]
    pair_channel_id: int | None
    signal_id: int | None
    deadline: bool


@dataclass(frozen=True)
class Reminder:
    job: str  # the job id's parts after "reminder:"
    session_id: int
    label: str
    at: datetime


class SessionService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        programs: ProgramService,
        rules: SessionSettings,
        *,
        quiet_days: int = 14,
        transactions: Transactions | None = None,
        link_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self._sessions = sessions
        #: Hosts whose https links stay clickable in topics and places the other one reads.
        self._link_hosts = link_hosts
        self._tx = transactions or Transactions(sessions, clock)
        self._clock = clock
        self._programs = programs
        self._rules = rules
        self._slot = SlotRules(allowed_start=rules.allowed_start, allowed_end=rules.allowed_end)
        # A weekly series may reach beyond the 60 days a single session may be ahead.
        self._series_slot = replace(self._slot, max_ahead=timedelta(weeks=MAX_SERIES_WEEKS))
        self.offsets = tuple(timedelta(minutes=m) for m in rules.reminder_offsets_minutes)
        self.reminder_labels = tuple(offset_label(offset) for offset in self.offsets)
        self.attendance_delay = timedelta(minutes=rules.attendance_delay_minutes)
        self.quiet_after = timedelta(days=quiet_days)

    # ----------------------------------------------------------------- scheduling

    async def schedule(
        self,
        guild_id: int,
        user_id: int,
        when: str,
        *,
        partner_user_id: int | None = None,
        minutes: int | None = None,
        topic: str | None = None,
        place: Place = Place.VOICE,
        detail: str | None = None,
        weeks: int | None = None,
        compose: Compose[Scheduled],
    ) -> Scheduled:
        """Propose a session (or a weekly series) and invite the other member, together."""
        now = self._clock.now()
        topic = _clean(topic and plain_links(topic, self._link_hosts), MAX_TOPIC, "topic")
        detail = _place_detail(place, detail)
        detail = detail and _clean(plain_links(detail, self._link_hosts), MAX_DETAIL, "details")
        async with self._tx.begin("session-schedule") as changes:
            session = changes.session
            me = await self._active(session, guild_id, user_id)
            match, other = await self._match_with(session, me, partner_user_id)
            program = await self._programs.ensure(session, guild_id)
            start = parse_when(when, me.time_zone or program.time_zone, now)
            scheduled = await self._propose(
                session,
                match,
                me,
                other,
                start,
                minutes,
                topic,
                place,
                detail,
                weeks,
                ZoneInfo(me.time_zone or program.time_zone),
                resolve_zone(program.time_zone),
            )
            if topic and find_concerns(topic):
                changes.signal(
                    guild_id,
                    signals.CONCERNING_WORDS,
                    me.id,
                    match.id,
                    session_id=scheduled.first.id,
                )
                scheduled = replace(scheduled, concerning=True)
            await changes.send(compose(scheduled))
        return scheduled

    async def pair_place(
        self, guild_id: int, user_id: int, partner_user_id: int | None = None
    ) -> PairPlace:
        """The pair's channels for a session ``user_id`` would schedule (refusing, before
        anything is saved, someone with no match to schedule with)."""
        async with self._sessions() as session:
            me = await self._active(session, guild_id, user_id)
            match, _ = await self._match_with(session, me, partner_user_id)
            return PairPlace(match.id, match.channel_id, match.voice_channel_id)

    async def respond(
        self, session_id: int, user_id: int, *, accept: bool, compose: Compose[Answered]
    ) -> Answered:
        """The invitee accepts (confirms) or declines a proposal, with its whole series,
        and the proposer's notice is written with it."""
        async with self._tx.begin("session-accept" if accept else "session-decline") as changes:
            session = changes.session
            row, series = await self._proposal_for(session, session_id, user_id)
            status = SessionStatus.CONFIRMED if accept else SessionStatus.DECLINED
            for item in series:
                if item.status is SessionStatus.PROPOSED:
                    item.status = status
                    item.updated_at = self._clock.now()
            if accept:
                await self._refuse_conflicts(session, [s for s in series if s.status is status])
            views = await self._views(session, [row, *(s for s in series if s.status is status)])
            answered = Answered(views[0], tuple(views[1:]), accept)
            await changes.send(compose(answered))
        return answered

    async def respond_check(self, session_id: int, user_id: int) -> None:
        """Refuse now, before a form is shown, anyone who may not answer this invitation."""
        async with self._sessions() as session:
            await self._proposal_for(session, session_id, user_id)

    async def propose_instead(
        self, session_id: int, user_id: int, when: str, compose: Compose[Scheduled]
    ) -> Scheduled:
        """The invitee declines and proposes another time; it goes back the other way."""
        async with self._tx.begin("session-propose") as changes:
            session = changes.session
            row, series = await self._proposal_for(session, session_id, user_id)
            me = await self._member_by_id(session, row.invitee)
            other = await self._member_by_id(session, row.proposed_by)
            match = await self._match(session, row.match_id)
            for item in series:
                item.status = SessionStatus.DECLINED
                item.updated_at = self._clock.now()
            scheduled = await self._like(session, row, match, me, other, when)
            await changes.send(compose(scheduled))
        return scheduled

    async def cancel(self, user_id: int, session_id: int, compose: Compose[Cancelled]) -> Cancelled:
        """Cancel one session; the other member's notice is written with it."""
        async with self._tx.begin("session-cancel") as changes:
            row = await self._own_live(changes.session, session_id, user_id)
            row.status = SessionStatus.CANCELLED
            row.updated_at = self._clock.now()
            cancelled = Cancelled(await self._view(changes.session, row), user_id)
            await changes.send(compose(cancelled))
        return cancelled

    async def reschedule(
        self, user_id: int, session_id: int, when: str, compose: Compose[Scheduled]
    ) -> Scheduled:
        """Move one session: the old one is cancelled and the other member re-accepts."""
        async with self._tx.begin("session-reschedule") as changes:
            session = changes.session
            row = await self._own_live(session, session_id, user_id)
            match = await self._match(session, row.match_id)
            me = await self._active(session, row.guild_id, user_id)
            other_id = match.mentee_id if me.id == match.mentor_id else match.mentor_id
            other = await self._member_by_id(session, other_id)
            row.status = SessionStatus.CANCELLED
            row.updated_at = self._clock.now()
            await session.flush()
            scheduled = await self._like(session, row, match, me, other, when)
            await changes.send(compose(scheduled))
        return scheduled

    async def set_voice_channel(self, match_id: int, channel_id: int) -> None:
        async with self._sessions.begin() as session:
            match = await matches.by_id(session, match_id)
            if match is not None:
                match.voice_channel_id = channel_id

    # ----------------------------------------------------------------- reading

    async def view(self, session_id: int) -> SessionView | None:
        async with self._sessions() as session:
            found = await rows.with_pair(session, session_id)
        return _build_view(*found) if found is not None else None

    async def listing(self, guild_id: int, user_id: int) -> list[SessionView]:
        """The member's upcoming sessions and those of the last two weeks."""
        async with self._sessions() as session:
            me = await members.get(session, guild_id, user_id)
            if me is None:
                mention = f"<@{user_id}>"
                raise NotFound(
                    Text(
                        "{member} is not in the program yet: they can join with {command}.",
                        member=mention,
                        command=Slash("join"),
                    )
                )
            found = await rows.for_member(session, me.id, self._clock.now() - RECENT)
            return await self._views(session, found)

    async def upcoming_confirmed(self, guild_id: int, user_id: int) -> list[SessionView]:
        now = self._clock.now()
        return [
            view
            for view in await self.listing(guild_id, user_id)
            if view.status is SessionStatus.CONFIRMED and view.ends_at > now
        ]

    async def zone_of(self, guild_id: int, user_id: int) -> str:
        async with self._sessions() as session:
            me = await members.get(session, guild_id, user_id)
            program = await self._programs.ensure(session, guild_id)
            return (me.time_zone if me is not None else None) or program.time_zone

    # ----------------------------------------------------------------- jobs

    def reminder_plan(self, view: Timed) -> list[tuple[str, datetime]]:
        """(offset label, when) of each reminder still worth sending for a confirmed session."""
        return [(label, when) for label, _, when in self.reminder_moments(view)]

    def reminder_moments(self, view: Timed) -> list[tuple[str, datetime, datetime]]:
        """(offset label, its moment, when to send it) of each reminder still worth sending.

        A reminder whose moment came before the session was confirmed is not sent (a session
        set for tonight gets no "tomorrow" reminder). One whose moment passed while the bot
        was down is due now if the session has not started yet, and dropped otherwise.
        """
        now = self._clock.now()
        plan = []
        for offset, at in reminder_times(view.starts_at, self.offsets):
            if at <= view.changed_at:
                continue
            if at > now:
                plan.append((offset_label(offset), at, at))
            elif reminder_due_now(at, view.starts_at, now):
                plan.append((offset_label(offset), at, now))
        return plan

    def attendance_deadline(self, view: SessionView) -> datetime:
        """Until when "Did it happen?" is still asked (also after the bot was down)."""
        return view.ends_at + ATTENDANCE_DEADLINE

    async def remind(
        self, batch: Sequence[tuple[int, str]], compose: Compose[Sequence[ReminderDue]]
    ) -> list[ReminderDue]:
        """Write the reminders of ``batch`` ((session id, offset label)) still worth sending:
        not for a session cancelled, moved, started or whose match ended."""
        now = self._clock.now()
        async with self._tx.begin("session-reminder") as changes:
            found = await rows.with_pairs(changes.session, [session_id for session_id, _ in batch])
            views = {
                row.id: _build_view(row, match, mentor, mentee)
                for row, match, mentor, mentee in found
            }
            due = [
                ReminderDue(view, label)
                for session_id, label in batch
                if (view := views.get(session_id)) is not None and view.due and view.starts_at > now
            ]
            await changes.send(compose(due))
        return due

    async def remind_at(
        self, moment: datetime, label: str, compose: Compose[Sequence[ReminderDue]]
    ) -> list[ReminderDue]:
        """Write the ``label`` reminders whose moment is ``moment`` (to the second), read
        from rows: of sessions confirmed before it, still ahead, of an active match (one
        cancelled or moved is not found)."""
        offset = dict(zip(self.reminder_labels, self.offsets, strict=True))[label]
        now = self._clock.now()
        start = moment + offset
        async with self._tx.begin("session-reminder") as changes:
            found = await rows.confirmed_starting(
                changes.session, start, start + timedelta(seconds=1)
            )
            due = [
                ReminderDue(view, label)
                for row, match, mentor, mentee in found
                if (view := _build_view(row, match, mentor, mentee)).due
                and view.changed_at < moment
                and view.starts_at > now
            ]
            await changes.send(compose(due))
        return due

    async def ask_attendance_at(
        self, moment: datetime, compose: Compose[Sequence[SessionView]]
    ) -> list[SessionView]:
        """Write "Did it happen?" for the sessions whose question is due at ``moment`` (to
        the second): those ending ``attendance_delay`` before it, read from rows."""
        end = moment - self.attendance_delay
        return await self.ask_attendance_ending(end, end + timedelta(seconds=1), compose)

    async def ask_attendance_ending(
        self, since: datetime, before: datetime, compose: Compose[Sequence[SessionView]]
    ) -> list[SessionView]:
        """Write "Did it happen?" for the confirmed sessions ending in [since, before) that
        are still asked (``ask_attendance``), ``PER_TRANSACTION`` sessions per transaction."""
        async with self._sessions() as session:
            found = await rows.confirmed_ending_ids(session, since, before)
        asked: list[SessionView] = []
        for start in range(0, len(found), PER_TRANSACTION):
            if start:
                await asyncio.sleep(0)
            asked += await self.ask_attendance(found[start : start + PER_TRANSACTION], compose)
        return asked

    async def ask_attendance(
        self, session_ids: Sequence[int], compose: Compose[Sequence[SessionView]]
    ) -> list[SessionView]:
        """Write "Did it happen?" for each of these sessions that is confirmed, of an active
        match, ended and within its deadline (one transaction for all)."""
        async with self._tx.begin("session-attendance") as changes:
            found = await rows.with_pairs(changes.session, list(session_ids))
            asked = [
                view
                for row, match, mentor, mentee in found
                if (view := _build_view(row, match, mentor, mentee)).due
                and view.ends_at <= changes.now
                and self.attendance_deadline(view) > changes.now
            ]
            await changes.send(compose(asked))
        return asked

    async def times_for_jobs(self, until: datetime) -> list[SessionTimes]:
        """The distinct times of the confirmed sessions with a reminder or attendance
        question still ahead and its moment by ``until``: the attendance question of every
        session within its deadline, however long the bot was down (a key sent before is
        not sent again). Read as a few columns grouped, not as sessions."""
        starting_by = until + max(self.offsets, default=timedelta(0))
        async with self._sessions() as session:
            since = self._clock.now() - ATTENDANCE_DEADLINE
            found = await rows.confirmed_instants(session, since, starting_by)
        return [SessionTimes(starts, ends, changed) for starts, ends, changed in found]

    async def new_match_creations(self) -> list[datetime]:
        """The distinct creation instants of active matches still inside their first week."""
        async with self._sessions() as session:
            return await matches.creations_after(
                session, self._clock.now() - FIRST_SESSION_SIGNAL_AFTER
            )

    async def created_at(self, match_id: int) -> datetime | None:
        """When the match was made; None if it is gone."""
        async with self._sessions() as session:
            match = await matches.by_id(session, match_id)
        return match.created_at if match is not None else None

    async def first_session_checks(
        self,
        since: datetime,
        before: datetime,
        *,
        deadline: bool,
        compose: Compose[FirstSessionCheck],
    ) -> list[FirstSessionCheck]:
        """The active matches created in [since, before) with no session yet: each pair is
        nudged (at 48 h), or a signal is recorded for staff, once per match (at 7 days);
        ``PER_TRANSACTION`` matches per transaction, each re-read in it."""
        async with self._sessions() as session:
            found = await rows.without_session_created_in(session, since, before)
        checked: list[FirstSessionCheck] = []
        for start in range(0, len(found), PER_TRANSACTION):
            if start:
                await asyncio.sleep(0)
            part = found[start : start + PER_TRANSACTION]
            checked += await self._first_session_part(part, deadline, compose)
        return checked

    async def _first_session_part(
        self, match_ids: Sequence[int], deadline: bool, compose: Compose[FirstSessionCheck]
    ) -> list[FirstSessionCheck]:
        async with self._tx.begin("first-session") as changes:
            found = await rows.without_session(changes.session, match_ids)
            kind = signals.NO_FIRST_SESSION
            flagged = (
                await rows.signalled(changes.session, kind, [row[0] for row in found])
                if deadline
                else set()
            )
            recorded = {
                match_id: changes.signal(guild_id, kind, mentee_id, match_id)
                for match_id, guild_id, mentee_id, *_ in found
                if deadline and match_id not in flagged
            }
            if recorded:
                await changes.session.flush()
            checked = [
                FirstSessionCheck(
                    match_id,
                    guild_id,
                    (mentor_user, mentee_user),
                    channel_id,
                    recorded[match_id].id if match_id in recorded else None,
                    deadline,
                )
                for match_id, guild_id, _, channel_id, mentor_user, mentee_user in found
            ]
            await changes.send([prompt for item in checked for prompt in compose(item)])
        return checked

    async def quiet_matches(self, until: datetime | None = None) -> list[tuple[int, datetime]]:
        """(match id, when to check it) for every active match: ``quiet_after`` past its
        latest confirmed session that started, or past its creation; with ``until``, only
        those to check by then."""
        latest_by = None if until is None else until - self.quiet_after
        async with self._sessions() as session:
            found = await rows.last_session_starts(session, self._clock.now(), latest_by)
        return [(match_id, latest + self.quiet_after) for match_id, latest in found]

    async def quiet_check_between(self, after: datetime | None, by: datetime) -> list[int]:
        """Record ``NO_SESSION_14_DAYS``, once per quiet spell, for every active match whose
        quiet mark (``quiet_after`` past its latest confirmed session begun, or its creation)
        lies in (``after``, ``by``] and has passed (``after`` None: every mark by ``by``).
        Returns the signals recorded; a second run records none."""
        now = self._clock.now()
        since = None if after is None else after - self.quiet_after
        async with self._tx.begin("quiet-check") as changes:
            session = changes.session
            found = await rows.quiet_since(session, now, since, by - self.quiet_after)
            due = {match: latest for match, latest in found if latest + self.quiet_after <= now}
            kind = signals.NO_SESSION_14_DAYS
            signalled = await rows.signalled_since(session, kind, due)
            quiet = await matches.by_ids(session, sorted(due.keys() - signalled))
            return [await self._signal(changes, match, kind) for match in quiet]

    @staticmethod
    async def _signal(changes: Changes, match: Match, kind: str) -> int:
        """Record a signal about the match's mentee; returns its id."""
        signal = changes.signal(match.guild_id, kind, match.mentee_id, match.id)
        await changes.session.flush()
        return signal.id

    # ----------------------------------------------------------------- attendance

    async def record_attendance(
        self,
        session_id: int,
        user_id: int,
        answer: AttendanceAnswer,
        covered: str = "",
        note: str = "",
    ) -> Recorded:
        """Store one member's answer; two no-shows in a row for the pair record a signal."""
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise UserError(Text("Keep the note under {limit} characters.", limit=MAX_NOTE))
        tags = normalise_tags(covered)
        async with self._tx.begin("session-attended") as changes:
            session = changes.session
            row = await rows.by_id(session, session_id)
            if row is None:
                raise NotFound(
                    Text("That session no longer exists, so there is nothing to record.")
                )
            if row.status is not SessionStatus.CONFIRMED:
                raise NotFound(
                    Text("That session was not confirmed, so there is nothing to record.")
                )
            view = await self._view(session, row)
            me = await members.get(session, row.guild_id, user_id)
            if me is None or user_id not in view.members:
                raise NotAllowed(Text("This question is for the two people in that session."))
            if row.ends_at > self._clock.now():
                raise UserError(Text("The session hasn't ended yet; answer after it."))
            if await rows.attendance(session, row.id, me.id) is not None:
                raise UserError(Text("You already answered for this session. Thank you!"))
            session.add(
                Attendance(
                    session_id=row.id,
                    member_id=me.id,
                    answer=answer,
                    covered=list(tags),
                    note=note or None,
                    answered_at=self._clock.now(),
                )
            )
            await session.flush()
            found = [i for i in [await self._no_show_signal(changes, row)] if i is not None]
            concerning = any(find_concerns(text) for text in (covered, note) if text)
            if concerning:
                signal = changes.signal(
                    row.guild_id, signals.CONCERNING_WORDS, me.id, row.match_id, session_id=row.id
                )
                await session.flush()
                found.append(signal.id)
            return Recorded(view, tuple(found), concerning)

    async def _no_show_signal(self, changes: Changes, row: MentoringSession) -> int | None:
        """A signal when this answer makes the pair's last two answered sessions both
        no-shows (a session is a no-show when either member says so; the other member's
        answer about the same session adds nothing)."""
        session = changes.session
        latest = await rows.recent_outcomes(session, row.match_id, NO_SHOWS_IN_A_ROW)
        if len(latest) < NO_SHOWS_IN_A_ROW or latest[0][0] != row.id:
            return None
        if latest[0][1].count(AttendanceAnswer.NO_SHOW) != 1:  # not this answer's doing
            return None
        if not all(AttendanceAnswer.NO_SHOW in answers for _, answers in latest):
            return None
        return await self._signal(
            changes, await self._match(session, row.match_id), signals.TWO_NO_SHOWS
        )

    # ----------------------------------------------------------------- holidays

    async def add_holiday(self, guild_id: int, day: str, label: str) -> date:
        parsed = _day(day)
        label = _clean(label, 100, "label") or "Holiday"
        async with self._sessions.begin() as session:
            await self._programs.ensure(session, guild_id)
            if await rows.holiday(session, guild_id, parsed) is not None:
                raise UserError(Text("{day} is already a holiday.", day=Date(parsed)))
            session.add(Holiday(guild_id=guild_id, day=parsed, label=label))
        return parsed

    async def holidays(self, guild_id: int) -> list[tuple[date, str]]:
        """The server's holidays and the configured ones, in date order."""
        async with self._sessions() as session:
            own = {row.day: row.label for row in await rows.holidays(session, guild_id)}
        for day in self._rules.holidays:
            own.setdefault(day, "Program holiday (config)")
        return sorted(own.items())

    async def remove_holiday(self, guild_id: int, day: str) -> date:
        parsed = _day(day)
        async with self._sessions.begin() as session:
            if not await rows.remove_holiday(session, guild_id, parsed):
                raise NotFound(
                    Text(
                        "{day} is not a holiday set with {command}.",
                        day=Date(parsed),
                        command=Slash("staff holiday"),
                    )
                )
        return parsed

    # ----------------------------------------------------------------- internals

    async def _propose(
        self,
        session: AsyncSession,
        match: Match,
        me: Member,
        other: Member,
        start: datetime,
        minutes: int | None,
        topic: str | None,
        place: Place,
        detail: str | None,
        weeks: int | None,
        zone: ZoneInfo,
        program_zone: ZoneInfo,
    ) -> Scheduled:
        now = self._clock.now()
        duration = timedelta(minutes=minutes or self._rules.default_minutes)
        check_slot(start, duration, now, program_zone, self._slot)
        days_off = {day for day, _ in await self._holidays_in(session, match.guild_id)}
        if weeks is not None and weeks > 1:
            # Holidays are the program's days, so they are judged by the program's calendar.
            series = weekly_series(start, zone, weeks=weeks, until=None, holidays=())
            starts = tuple(s for s in series.starts if _local_day(s, program_zone) not in days_off)
            skipped = tuple(_local_day(s, program_zone) for s in series.starts if s not in starts)
            for later in starts:
                check_slot(
                    later, duration, start - self._slot.min_lead, program_zone, self._series_slot
                )
        else:
            if _local_day(start, program_zone) in days_off:
                raise UserError(
                    Text(
                        "{day} is a program holiday; pick another day.",
                        day=Date(_local_day(start, program_zone)),
                    )
                )
            starts, skipped = (start,), ()
        if not starts:
            raise UserError(Text("Every week you picked is a holiday; pick other dates."))
        created: list[MentoringSession] = []
        for begin in starts:
            created.append(
                MentoringSession(
                    guild_id=match.guild_id,
                    match_id=match.id,
                    starts_at=begin,
                    ends_at=begin + duration,
                    topic=topic,
                    place=place,
                    place_detail=detail,
                    status=SessionStatus.PROPOSED,
                    proposed_by=me.id,
                    invitee=other.id,
                    created_at=now,
                    updated_at=now,
                )
            )
        await self._refuse_conflicts(session, created)
        session.add_all(created)
        await session.flush()
        if len(created) > 1:
            for item in created:
                item.series_id = created[0].id
            await session.flush()
        views = tuple(await self._views(session, created))
        return Scheduled(views, tuple(skipped))

    async def _like(
        self,
        session: AsyncSession,
        row: MentoringSession,
        match: Match,
        me: Member,
        other: Member,
        when: str,
    ) -> Scheduled:
        """A new proposal from ``me`` to ``other`` like ``row`` (length, topic, place) at
        ``when``, read in ``me``'s zone."""
        program = await self._programs.ensure(session, row.guild_id)
        zone = me.time_zone or program.time_zone
        start = parse_when(when, zone, self._clock.now())
        minutes = int((row.ends_at - row.starts_at).total_seconds() // 60)
        return await self._propose(
            session,
            match,
            me,
            other,
            start,
            minutes,
            row.topic,
            row.place,
            row.place_detail,
            None,
            ZoneInfo(zone),
            resolve_zone(program.time_zone),
        )

    async def _refuse_conflicts(
        self, session: AsyncSession, candidates: list[MentoringSession]
    ) -> None:
        if not candidates:
            return
        match = await self._match(session, candidates[0].match_id)
        ids = {c.id for c in candidates if c.id is not None}
        start = min(item.starts_at for item in candidates)
        end = max(item.ends_at for item in candidates)
        busy = [  # one read for the whole series; find_conflict keeps each one's overlaps
            Busy(row.starts_at, row.ends_at, f"session {row.id}")
            for row in await rows.busy_for_members(
                session, [match.mentor_id, match.mentee_id], start, end
            )
            if row.id not in ids
        ]
        for item in candidates:
            if (clash := find_conflict(item.starts_at, item.ends_at, busy)) is not None:
                when = f"<t:{int(clash.start.timestamp())}:F>"
                raise UserError(
                    Text(
                        "That overlaps another session of one of you ({when}). Pick a time "
                        "when you're both free.",
                        when=when,
                    )
                )

    async def _holidays_in(self, session: AsyncSession, guild_id: int) -> list[tuple[date, str]]:
        own = {row.day: row.label for row in await rows.holidays(session, guild_id)}
        for day in self._rules.holidays:
            own.setdefault(day, "Program holiday")
        return sorted(own.items())

    async def _proposal_for(
        self, session: AsyncSession, session_id: int, user_id: int
    ) -> tuple[MentoringSession, list[MentoringSession]]:
        row = await rows.by_id(session, session_id)
        if row is None:
            raise NotFound(Text("That session no longer exists."))
        invitee = await self._member_by_id(session, row.invitee)
        if invitee.user_id != user_id:
            raise NotAllowed(Text("This invitation is for the other member of the pair."))
        if row.status is SessionStatus.CANCELLED:
            raise UserError(Text("This session was cancelled, so there is nothing to answer."))
        if row.status is not SessionStatus.PROPOSED:
            raise UserError(
                Text("This invitation was already answered ({status}).", status=STATUS[row.status])
            )
        if row.starts_at <= self._clock.now():
            raise UserError(
                Text(
                    "That time has passed. Schedule a new session with {command}.",
                    command=Slash("session schedule"),
                )
            )
        return row, await rows.series(session, row)

    async def _own_live(
        self, session: AsyncSession, session_id: int, user_id: int
    ) -> MentoringSession:
        row = await rows.by_id(session, session_id)
        if row is None:
            raise NotFound(
                Text(
                    "There is no such session. Pick one from {command}.",
                    command=Slash("session list"),
                )
            )
        view = await self._view(session, row)
        if user_id not in view.members:
            raise NotAllowed(Text("You can only change your own sessions."))
        if row.status not in rows.LIVE or row.starts_at <= self._clock.now():
            raise UserError(
                Text("That session can't be changed any more (it's over or cancelled).")
            )
        return row

    async def _active(self, session: AsyncSession, guild_id: int, user_id: int) -> Member:
        row = await members.get(session, guild_id, user_id)
        if row is None or not row.active:
            raise UserError(
                Text(
                    "You're not in the mentoring program yet. Use {command} first.",
                    command=Slash("join"),
                )
            )
        return row

    async def _match_with(
        self, session: AsyncSession, me: Member, partner_user_id: int | None
    ) -> tuple[Match, Member]:
        options = []
        for match in await matches.active_for_member(session, me.id):
            other = await self._member_by_id(
                session, match.mentee_id if match.mentor_id == me.id else match.mentor_id
            )
            options.append((match, other))
        if partner_user_id is not None:
            for match, other in options:
                if other.user_id == partner_user_id:
                    return match, other
            member = f"<@{partner_user_id}>"
            raise UserError(
                Text(
                    "{member} is not your match (or your match has ended). You can only schedule "
                    "sessions with your own mentor or mentee.",
                    member=member,
                )
            )
        if not options:
            raise UserError(Text("You don't have an active match yet, so there's no one to meet."))
        if len(options) > 1:
            raise UserError(
                Text(
                    "You have more than one mentee: say which one with the `{option}` option.",
                    option=OptionName("with"),
                )
            )
        return options[0]

    async def _match(self, session: AsyncSession, match_id: int) -> Match:
        match = await matches.by_id(session, match_id)
        if match is None:
            raise NotFound(Text("That match no longer exists."))
        return match

    async def _member_by_id(self, session: AsyncSession, member_id: int) -> Member:
        row = await members.by_id(session, member_id)
        if row is None:
            raise NotFound(Text("That member no longer exists."))
        return row

    async def _view(self, session: AsyncSession, row: MentoringSession) -> SessionView:
        return (await self._views(session, [row]))[0]

    async def _views(
        self, session: AsyncSession, found: Sequence[MentoringSession]
    ) -> list[SessionView]:
        """The views of these sessions, their pairs read in one query."""
        pairs = await rows.pairs_of_matches(session, [row.match_id for row in found])
        if any(row.match_id not in pairs for row in found):
            raise NotFound(Text("That match no longer exists."))
        return [_build_view(row, *pairs[row.match_id]) for row in found]


def _build_view(
    row: MentoringSession, match: Match, mentor_user_id: int, mentee_user_id: int
) -> SessionView:
    by_member = {match.mentor_id: mentor_user_id, match.mentee_id: mentee_user_id}
    return SessionView(
        id=row.id,
        series_id=row.series_id,
        match_id=row.match_id,
        guild_id=row.guild_id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        topic=row.topic,
        place=row.place,
        place_detail=row.place_detail,
        status=row.status,
        proposer_user_id=by_member[row.proposed_by],
        invitee_user_id=by_member[row.invitee],
        mentor_user_id=mentor_user_id,
        mentee_user_id=mentee_user_id,
        pair_channel_id=match.channel_id,
        voice_channel_id=match.voice_channel_id,
        changed_at=row.updated_at,
        match_active=match.status is MatchStatus.ACTIVE,
    )


def _local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def _clean(text: str | None, limit: int, what: str) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())
    if len(cleaned) > limit:
        raise UserError(
            Text("Keep `{option}` under {limit} characters.", option=OptionName(what), limit=limit)
        )
    return cleaned or None


def _place_detail(place: Place, detail: str | None) -> str | None:
    detail = _clean(detail, MAX_DETAIL, "details")
    if place is Place.VIDEO and (detail is None or not detail.startswith("https://")):
        raise UserError(
            Text(
                "For a video call, put the meeting link (starting with https://) in `{option}`.",
                option=OptionName("details"),
            )
        )
    if place is Place.IN_PERSON and detail is None:
        raise UserError(
            Text(
                'For meeting in person, say where in `{option}` (e.g. "library, room 2").',
                option=OptionName("details"),
            )
        )
    return detail if place is not Place.VOICE else None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            Text('"{typed}" is not a date; write it as 2026-12-24.', typed=text.strip()[:20])
        ) from None
