"""Escalation to staff: opened by a person (/help-me) or by a rule from a signal, posted to
staff, claimed, noted, resolved or reassigned, re-pinged while nobody claims it, and
followed up while its claimer writes nothing.

Rules: one live (not resolved) escalation per student per rule, and a new signal of that
rule is added to it; a manual request is always its own escalation. Every change is an
``EscalationEvent`` row (who, when, what); nothing is ever deleted. SLA timers are derived
from rows (``sla_plan``): an open escalation is re-pinged at its urgency's first limit and
goes to the next tier at the second. A claimed one with no note since its claim is
followed up (``follow_up_plan``): its claimer reminded after its urgency's
``follow_up_hours``, the staff role one period later; its state comes from its events.

Concerning language (``bot.services.concern``) in /help-me's details or a quoted message
makes the request urgent; in a check-in, a goal or a session note it opens an urgent
escalation through its signal. Either way the categories found are recorded (``concern``
events) and named to staff.

What staff are sent commits with the change (``bot.services.outbox``): a new escalation
with its staff post (or, with no staff channel set, DMs to the staff known to the program),
a signal's ``processed_at`` with what the rules made of it, an SLA stage with its re-ping,
a claim or reassignment with the student's notice. What follows from a post's outcome
commits with the outcome (``post_outcomes``): a post that went out is linked to its
escalation whenever that happens; only one that really failed is DMed to staff instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import EscalationSettings
from bot.errors import NotAllowed, NotFound, UserError
from bot.i18n import Slash, Text
from bot.services import signals
from bot.services.concern import CATEGORIES as CONCERNS
from bot.services.concern import find_concerns
from bot.services.concern.person import of_the_writer
from bot.services.outbox import Changes, Compose, Transactions
from bot.services.programs import ProgramService
from storage.db import Sessions
from storage.models import (
    MANUAL,
    AttendanceAnswer,
    CheckinStatus,
    DeliveryStatus,
    Escalation,
    EscalationEvent,
    EscalationRule,
    EscalationStatus,
    GoalStatus,
    Member,
    ProgramRole,
    Signal,
    Urgency,
)
from storage.repositories import checkins, matches, members
from storage.repositories import escalations as rows
from storage.repositories import sessions as session_rows
from storage.repositories import signals as signal_rows
from storage.repositories.deliveries import Outcome

log = logging.getLogger(__name__)

#: The timeline event of an escalation sent to staff as DMs. Its note is JSON, worded per
#: reader by the timeline: ``{"why": one of the FALLBACK_ reasons, "to": [staff user ids]}``.
DM_FALLBACK = "dm-fallback"
FALLBACK_NO_CHANNEL, FALLBACK_POST, FALLBACK_RE_PING = "no-channel", "post", "re-ping"


def fallback_note(why: str, staff: Sequence[int]) -> str:
    return json.dumps({"why": why, "to": list(staff)})


#: An escalation's source when a student's (or a mentor's) words hold concerning language.
CONCERNING_LANGUAGE = signals.CONCERNING_WORDS
#: The rule for a concern a mentor writes in their check-in.
MENTOR_CONCERN = signals.MENTOR_CONCERN
#: The delivery kinds of what is posted in the staff channel: the post, each re-ping.
POST, RE_PING_POST = "escalation-post", "escalation-reping"
CATEGORIES = ("academic", "attendance", "bullying", "wellbeing", "safety", "other")
#: What `_note` says when a note is empty.
WRITE_NOTE = Text("Write the note first.")
RULE_KINDS = (
    signals.TWO_NO_SHOWS,
    signals.NO_FIRST_SESSION,
    signals.NO_SESSION_14_DAYS,
    signals.LOW_MOOD_TWICE,
    signals.TWO_MISSED_CHECKINS,
    signals.REACH_OUT,
    signals.MENTOR_SUPPORT,
    MENTOR_CONCERN,
)
OFF = "off"
MAX_DETAILS, MAX_NOTE = 1000, 1000
LIST_LIMIT = 25
RE_PING, NEXT_TIER = 1, 2
#: Follow-up stages of a claimed escalation with no note: the claimer reminded, then the role.
REMIND_CLAIMER, PING_ROLE = 1, 2
#: The delivery kind of the staff-channel post of the second follow-up stage.
FOLLOW_UP_POST = "escalation-follow-up"
_CLAIMS = ("claimed", "reassigned")
#: The event that records which concern categories a text held ("active_ideation, method").
CONCERN_EVENT = "concern"
#: Where a mentor's words about their mentee were found: their pair's session topic or note.
MENTOR_SESSION = "mentor session"

RECENT_MOODS = 3  # check-ins shown to staff next to an escalation
_NOT_YOUR_PAIR = Text(
    "Use this on a message in your pair's channel (yours or your match's) or in your DMs with "
    "Bridges. For anything else, use {command} and tell staff in your own words.",
    command=Slash("help-me"),
)


@dataclass(frozen=True)
class EscalationView:
    id: int
    guild_id: int
    student_user_id: int
    mentor_user_id: int | None
    source: str
    raised_by: int | None
    category: str | None
    urgency: Urgency
    details: str | None
    status: EscalationStatus
    assignee: int | None
    sla_stage: int
    channel_id: int | None
    message_id: int | None
    created_at: datetime
    signal_count: int
    #: Concern categories found in the words (``bot.services.concern.CATEGORIES``), most
    #: severe first; empty when none were.
    concerns: tuple[str, ...] = ()
    #: When it was last claimed (or reassigned), while claimed.
    claimed_at: datetime | None = None
    #: Follow-up stages done since that claim (``REMIND_CLAIMER``, ``PING_ROLE``).
    follow_up_stage: int = 0
    #: When the claimer must have written a note by; None once they have (or unclaimed).
    follow_up_due: datetime | None = None
    #: The student's display name as stored from their interactions (None: never seen).
    student_name: str | None = None

    @property
    def manual(self) -> bool:
        return self.source == MANUAL


@dataclass(frozen=True)
class Choice:
    """An escalation offered by number (autocomplete)."""

    id: int
    urgency: Urgency
    status: EscalationStatus
    student_user_id: int


@dataclass(frozen=True)
class Quote:
    """The message a "Get help from staff" request quotes: its words, who wrote it (None:
    Bridges itself), where (None: a DM with Bridges) and its link for staff."""

    text: str
    author_user_id: int | None
    channel_id: int | None
    link: str


@dataclass(frozen=True)
class Event:
    actor: int | None
    action: str
    note: str | None
    at: datetime


@dataclass(frozen=True)
class Context:
    """What staff see about the student next to the reason: their sessions, their last
    three check-ins' moods and their open goals."""

    sessions_happened: int
    no_shows: int
    moods: tuple[int | None, ...] = ()  # the last three check-ins, newest first; None: missed
    open_goals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Staff:
    """Where staff of a server are reached: the staff channel with the role, else DMs."""

    channel_id: int | None  # the escalation channel from /setup
    role_id: int | None
    known: tuple[int, ...]  # on-call staff and staff known to the program, for DMs
    #: The daily check found the channel readable by others: posts carry no details.
    exposed: bool = False


@dataclass(frozen=True)
class Opened:
    """An escalation opened (``new``: its post is composed) or a signal added to a live one."""

    escalation: EscalationView
    new: bool
    context: Context
    staff: Staff


@dataclass(frozen=True)
class Stage:
    """An SLA stage reached: re-ping the channel (``role_id``), DM ``dm_to``."""

    escalation: EscalationView
    stage: int
    channel_id: int | None
    role_id: int | None
    dm_to: tuple[int, ...]


@dataclass(frozen=True)
class FollowUp:
    """A claimed escalation left without a note: remind ``claimer`` (stage 1), or ping the
    staff role in ``channel_id`` (stage 2; the claimer is DMed when there is no channel).
    ``claim`` marks the claim it follows up, so each claim's reminders are keyed apart."""

    escalation: EscalationView
    stage: int
    claimer: int
    claim: int
    channel_id: int | None
    role_id: int | None


@dataclass(frozen=True)
class Claimed:
    """Staff picked an escalation up: the student (and whoever raised it) are told;
    ``assigned_by`` is set when someone gave it to the new assignee."""

    escalation: EscalationView
    staff_user_id: int
    told: tuple[int, ...]
    assigned_by: int | None = None


@dataclass(frozen=True)
class Unreachable:
    """A staff post that failed (or a re-ping): the escalation is DMed to these staff."""

    escalation: EscalationView
    dm_to: tuple[int, ...]
    key: str  # the failed post's key, so each DM is keyed to it


class EscalationService:
    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        programs: ProgramService,
        settings: EscalationSettings,
        *,
        transactions: Transactions | None = None,
    ) -> None:
        self._sessions = sessions
        self._tx = transactions or Transactions(sessions, clock)
        self._programs = programs
        self._clock = clock
        self._settings = settings

    # ----------------------------------------------------------------- opening

    async def raise_manual(
        self,
        guild_id: int,
        user_id: int,
        details: str,
        urgency: Urgency,
        category: str,
        compose: Compose[Opened],
        *,
        about_user_id: int | None = None,
        quote: Quote | None = None,
    ) -> tuple[Opened, Changes]:
        """/help-me: anyone asks for themselves, or a mentor about their mentee. Saved with
        its staff post; returns the changes too, whose ``waits`` give the post's outcome.
        Concerning language in the details (or the quoted message) makes it urgent (right
        now) and is recorded with its categories. A ``quote`` makes it about the quoted
        message's author (see ``may_quote``), who is told nothing of who asked."""
        details = _clean(details)
        if not details:
            raise UserError(Text("Please write a few words about what is going on, then send it."))
        if len(details) > MAX_DETAILS:
            raise UserError(
                Text(
                    "Please keep it under {limit} characters (yours has {length}); say the most "
                    "important part.",
                    limit=MAX_DETAILS,
                    length=len(details),
                )
            )
        if category not in CATEGORIES:
            raise UserError(Text("Pick what it is about from the list."))
        concerns = _concerns([details, quote.text] if quote is not None else [details])
        if concerns:  # whatever was chosen: the words say it cannot wait
            urgency = Urgency.RIGHT_NOW
        async with self._tx.begin("escalation-post") as changes:
            session = changes.session
            await self._programs.ensure(session, guild_id)
            # Anyone in the server may ask for help; someone not in the program gets a bare
            # member row (their user id only) to hold the request.
            me = await members.get_or_create(session, guild_id, user_id, now=self._clock.now())
            student = me
            if quote is not None:
                student = await self._quoted_author(session, me, quote)
            elif about_user_id is not None and about_user_id != user_id:
                student = await self._own_mentee(session, me, about_user_id)
            row = self._new(student, MANUAL, urgency, category, details, raised_by=user_id)
            session.add(row)
            await session.flush()
            self._event(session, row, user_id, "opened")
            if quote is not None:
                self._event(session, row, user_id, "quoted", quote.link)
            if concerns:
                self._event(session, row, None, CONCERN_EVENT, ", ".join(concerns))
            opened = await self._opened(session, row, new=True)
            await self._alert(changes, row, opened, compose)
        return opened, changes

    async def may_quote(self, guild_id: int, user_id: int, quote: Quote) -> None:
        """Refuse, before the form is shown, a quote from anywhere but the asker's pair
        channel or their DMs with Bridges, or one with no words."""
        if not _clean(quote.text):
            raise UserError(
                Text(
                    "That message has no text to quote (only images, embeds or files). Use "
                    "{command} and tell staff in your own words.",
                    command=Slash("help-me"),
                )
            )
        async with self._sessions() as session:
            me = await members.get(session, guild_id, user_id)
            if me is None and quote.channel_id is not None:
                raise NotAllowed(_NOT_YOUR_PAIR)
            if me is not None:
                await self._quoted_author(session, me, quote)

    async def home_guild(self, user_id: int) -> int:
        """The server whose program a DM request belongs to: the asker's only one."""
        async with self._sessions() as session:
            found = await members.guilds_of(session, user_id)
        if len(found) != 1:
            raise UserError(
                Text(
                    "I can't tell which school's program this is for. Use {command} in your "
                    "school's server instead.",
                    command=Slash("help-me"),
                )
            )
        return found[0]

    async def apply_signal(
        self, signal_id: int, compose: Compose[Opened]
    ) -> tuple[Opened, Changes] | None:
        """Apply the rules to one recorded signal, once: it is marked processed in the
        transaction that opens (or adds to) its escalation and writes the staff post (the
        changes' ``waits`` give its outcome). None when the signal was applied before or
        asks nothing of staff."""
        async with self._tx.begin("signal-worker") as changes:
            session = changes.session
            signal = await signal_rows.claim(session, signal_id, changes.now)
            if signal is None or signal.member_id is None:
                return None
            if await rows.signal_seen(session, signal_id):  # applied before processed_at
                return None
            opened = await self._apply(session, signal)
            if opened is not None and opened.new:
                row = await self._get(session, opened.escalation.id)
                await self._alert(changes, row, opened, compose)
        return None if opened is None else (opened, changes)

    async def _alert(
        self, changes: Changes, row: Escalation, opened: Opened, compose: Compose[Opened]
    ) -> None:
        """Write a new escalation's post; with no staff channel set, it goes to staff as
        DMs, which its timeline records."""
        await changes.send(compose(opened))
        if opened.staff.channel_id is None:
            note = fallback_note(FALLBACK_NO_CHANNEL, opened.staff.known)
            self._event(changes.session, row, None, DM_FALLBACK, note)

    async def _apply(self, session: AsyncSession, signal: Signal) -> Opened | None:
        student = await members.by_id(session, signal.member_id or 0)
        if student is None:
            return None
        if signal.kind == signals.CONCERNING_WORDS:
            return await self._concerning_words(session, student, signal)
        if signal.kind == signals.MENTOR_CONCERN:
            return await self._mentor_concern(session, student, signal)
        urgency = await self._rule_urgency(session, signal.guild_id, signal.kind)
        if urgency is None:
            return None
        return await self._open_or_add(session, student, signal.kind, urgency, (), signal)

    async def _concerning_words(
        self, session: AsyncSession, student: Member, signal: Signal
    ) -> Opened | None:
        """Concerning language in what a member wrote (a check-in's answers, a goal, a
        session's topic or their attendance note) opens or adds to an urgent escalation,
        with the words and their categories."""
        where, texts = await self._written(session, student, signal)
        found = _concerns(texts)
        if not found:  # erased since, or the word list changed
            return None
        details = "\n".join(c for text in texts if (c := _clean(text)))[:MAX_DETAILS]
        about = await self._mentee_written_about(session, student, signal)
        if about is not None and all(of_the_writer(t) for t in texts if find_concerns(t)):
            about = None  # "honestly I want to die": the mentor, a student too, is at risk
        return await self._open_or_add(
            session,
            about or student,
            CONCERNING_LANGUAGE,
            Urgency.RIGHT_NOW,
            found,
            signal,
            details=details,
            where=MENTOR_SESSION if about is not None else where,
            raised_by=student.user_id if about is not None else None,
        )

    @staticmethod
    async def _mentee_written_about(
        session: AsyncSession, writer: Member, signal: Signal
    ) -> Member | None:
        """The mentee a mentor wrote about in their pair's session (its topic, their
        attendance note): "he told me he wants to die" is about the mentee, the mentor
        reporting it (unless the words are the mentor's own: ``of_the_writer``). None when
        the writer is the mentee, or it is not a session's words."""
        if signal.session_id is None or signal.match_id is None:
            return None
        match = await matches.by_id(session, signal.match_id)
        if match is None or match.mentor_id != writer.id:
            return None
        return await members.by_id(session, match.mentee_id)

    @staticmethod
    async def _written(
        session: AsyncSession, student: Member, signal: Signal
    ) -> tuple[str, list[str]]:
        """Where a concerning-words signal points, and the words written there."""
        if signal.goal_id is not None:
            goal = await checkins.goal(session, signal.goal_id)
            return "goal", [goal.what, goal.why, goal.measure] if goal else []
        if signal.session_id is not None:
            met = await session_rows.by_id(session, signal.session_id)
            answer = await session_rows.attendance(session, signal.session_id, student.id)
            texts = [met.topic or ""] if met is not None else []
            if answer is not None:
                texts += [", ".join(answer.covered), answer.note or ""]
            return "session", [t for t in texts if t]
        row = await checkins.checkin(session, signal.checkin_id or 0)
        return "checkin", [t for t in (row.went_well, row.hard, row.staff_note) if t] if row else []

    async def _mentor_concern(
        self, session: AsyncSession, mentor: Member, signal: Signal
    ) -> Opened | None:
        """A concern a mentor wrote in their check-in, with their words as the details:
        about their mentee (about the mentor when they have several or none), at the
        ``mentor_concern`` rule's urgency, or right now when the words hold concerning
        language."""
        answer = await checkins.mentor_checkin_by_id(session, signal.mentor_checkin_id or 0)
        details = _clean(answer.concern or "") if answer is not None else ""
        if not details:
            return None
        found = _concerns([details])
        urgency = (
            Urgency.RIGHT_NOW
            if found
            else await self._rule_urgency(session, mentor.guild_id, MENTOR_CONCERN)
        )
        if urgency is None:
            return None
        pairs = await matches.active_for_member(session, mentor.id)
        mentees = [m.mentee_id for m in pairs if m.mentor_id == mentor.id]
        student = mentor
        if len(mentees) == 1:
            student = await members.by_id(session, mentees[0]) or mentor
        return await self._open_or_add(
            session,
            student,
            CONCERNING_LANGUAGE if found else MENTOR_CONCERN,
            urgency,
            found,
            signal,
            details=f"From the mentor's check-in: {details}"[:MAX_DETAILS],
            where="mentor check-in",
            raised_by=mentor.user_id if student is not mentor else None,
        )

    # ----------------------------------------------------------------- staff actions

    async def claim(
        self, escalation_id: int, staff_user_id: int, compose: Compose[Claimed]
    ) -> Claimed:
        """Staff claim it; the student (and whoever raised it) are told with it."""
        async with self._tx.begin("escalation-claim") as changes:
            row = await self._live(changes.session, escalation_id)
            if row.status is EscalationStatus.CLAIMED:
                mention = f"<@{row.assignee}>"
                raise UserError(
                    Text("{member} has already claimed this escalation.", member=mention)
                )
            row.status, row.assignee = EscalationStatus.CLAIMED, staff_user_id
            self._event(changes.session, row, staff_user_id, "claimed")
            claimed = _claimed(await self._view(changes.session, row), staff_user_id)
            await changes.send(compose(claimed))
        return claimed

    async def add_note(self, escalation_id: int, staff_user_id: int, note: str) -> EscalationView:
        note = _note(note)
        async with self._sessions.begin() as session:
            row = await self._get(session, escalation_id)
            self._event(session, row, staff_user_id, "note", note)
            return await self._view(session, row)

    async def resolve(self, escalation_id: int, staff_user_id: int, note: str) -> EscalationView:
        note = _note(note, Text("A resolution note is required: say what was done."))
        async with self._sessions.begin() as session:
            row = await self._live(session, escalation_id)
            row.status = EscalationStatus.RESOLVED
            row.assignee = row.assignee or staff_user_id
            self._event(session, row, staff_user_id, "resolved", note)
            return await self._view(session, row)

    async def reassign(
        self,
        escalation_id: int,
        staff_user_id: int,
        to_user_id: int,
        compose: Compose[Claimed],
        *,
        to_is_staff: bool,
    ) -> Claimed:
        """Give it to another staff member, who is told; so are the student and raiser."""
        if not to_is_staff:
            mention = f"<@{to_user_id}>"
            raise UserError(
                Text(
                    "{member} is not staff; pick someone with the staff role.",
                    member=mention,
                )
            )
        async with self._tx.begin("escalation-claim") as changes:
            session = changes.session
            row = await self._live(session, escalation_id)
            row.status, row.assignee = EscalationStatus.CLAIMED, to_user_id
            self._event(session, row, staff_user_id, "reassigned", f"to <@{to_user_id}>")
            claimed = _claimed(await self._view(session, row), to_user_id, staff_user_id)
            await changes.send(compose(claimed))
        return claimed

    async def set_rule(self, guild_id: int, staff_user_id: int, kind: str, urgency: str) -> None:
        """A server's own urgency for a signal kind (or "off"), over the config's."""
        if kind not in RULE_KINDS:
            raise UserError(Text("Unknown rule; pick one of {kinds}.", kinds=", ".join(RULE_KINDS)))
        if urgency != OFF and urgency not in {u.value for u in Urgency}:
            raise UserError(Text("Pick an urgency from the list, or off."))
        async with self._sessions.begin() as session:
            found = await rows.rule(session, guild_id, kind)
            if found is None:
                found = EscalationRule(guild_id=guild_id, kind=kind)
                session.add(found)
            found.urgency, found.changed_by, found.changed_at = (
                urgency,
                staff_user_id,
                self._clock.now(),
            )

    async def rules(self, guild_id: int) -> dict[str, str]:
        async with self._sessions() as session:
            own = await rows.rules(session, guild_id)
        return {kind: own.get(kind, self._settings.rules[kind]) for kind in RULE_KINDS}

    # ----------------------------------------------------------------- posting and SLA

    async def post_outcomes(
        self, changes: Changes, outcomes: Sequence[Outcome], compose: Compose[Unreachable]
    ) -> None:
        """What follows from the outcomes of staff posts, in the transaction that records
        them: a post that went out is linked to its escalation; a post (or re-ping) that
        failed is DMed to staff instead. A pending post is never a failure."""
        session = changes.session
        for outcome in outcomes:
            if outcome.kind not in (POST, RE_PING_POST):
                continue
            row = await rows.by_id(session, int(outcome.key.split(":")[1]))
            if row is None:
                continue
            if outcome.kind == POST and outcome.status is DeliveryStatus.SENT:
                channel_id = await rows.post_channel(session, outcome.key)
                if row.message_id is None and channel_id is not None:
                    row.channel_id, row.message_id = channel_id, outcome.message_id
                    self._event(session, row, None, "posted", f"<#{channel_id}>")
            elif outcome.status is DeliveryStatus.FAILED and row.status in rows.LIVE:
                staff = await self._known_staff(session, row.guild_id)
                why = FALLBACK_POST if outcome.kind == POST else FALLBACK_RE_PING
                self._event(session, row, None, DM_FALLBACK, fallback_note(why, staff))
                view = await self._view(session, row)
                await changes.send(compose(Unreachable(view, staff, outcome.key)))

    async def unposted(self, compose: Compose[Opened]) -> int:
        """Live escalations without a linked post: one whose post went out is linked now;
        the others get their post again (written once: a key sent or failed before is not
        sent again; one DMed to staff instead is left alone). Returns how many."""
        async with self._tx.begin("escalation-repost") as changes:
            session = changes.session
            found = 0
            for row in await rows.with_status(session, rows.LIVE):
                if row.message_id is not None:
                    continue
                events = await rows.events(session, row.id)
                if any(e.action == DM_FALLBACK for e in events):
                    continue
                found += 1
                sent = await rows.sent_post(session, f"{POST}:{row.id}")
                if sent is not None:
                    row.channel_id, row.message_id = sent
                    self._event(session, row, None, "posted", f"<#{sent[0]}>")
                    continue
                await changes.send(compose(await self._opened(session, row, new=True)))
        return found

    def sla_plan(self, view: EscalationView) -> list[tuple[int, datetime]]:
        """(stage, when) of each SLA step still ahead of an unclaimed escalation."""
        if view.status is not EscalationStatus.OPEN:
            return []
        now = self._clock.now()
        limits = (
            (RE_PING, self._settings.sla_minutes[view.urgency.value]),
            (NEXT_TIER, self._settings.tier2_minutes[view.urgency.value]),
        )
        return [
            (stage, max(view.created_at + timedelta(minutes=minutes), now))
            for stage, minutes in limits
            if stage > view.sla_stage
        ]

    async def sla_step(
        self, escalation_id: int, stage: int, compose: Compose[Stage]
    ) -> Stage | None:
        """Record SLA stage ``stage`` (and any earlier stage not done: after downtime both
        may be due at once), each with its re-ping, if the escalation is still unclaimed;
        else None. A re-ping goes to the channel of its post (or the staff channel) with
        the staff role, the next tier's role at the second stage, which also DMs on-call
        staff; with no channel, staff are DMed."""
        async with self._tx.begin("escalation-sla") as changes:
            session = changes.session
            row = await rows.by_id(session, escalation_id)
            if row is None or row.status is not EscalationStatus.OPEN or row.sla_stage >= stage:
                return None
            staff = await self._staff(session, row.guild_id)
            channel_id = row.channel_id or staff.channel_id
            reached = None
            for step in range(row.sla_stage + 1, stage + 1):
                row.sla_stage = step
                self._event(session, row, None, "re-pinged" if step == RE_PING else "next-tier")
                role_id = staff.role_id
                if step == NEXT_TIER:
                    role_id = self._settings.tier2_role_id or role_id
                dm_to: tuple[int, ...] = ()
                if channel_id is None:
                    dm_to = staff.known
                elif step == NEXT_TIER:
                    dm_to = tuple(self._settings.on_call_user_ids)
                reached = Stage(await self._view(session, row), step, channel_id, role_id, dm_to)
                await changes.send(compose(reached))
        return reached

    def follow_up_plan(self, view: EscalationView) -> list[tuple[int, datetime]]:
        """(stage, when) of each follow-up still ahead of a claimed escalation with no note
        since its claim: the first at ``follow_up_hours`` after the claim, the second one
        period later."""
        if view.claimed_at is None or view.follow_up_due is None:
            return []
        period = timedelta(hours=self._settings.follow_up_hours[view.urgency.value])
        now = self._clock.now()
        return [
            (stage, max(view.claimed_at + stage * period, now))
            for stage in (REMIND_CLAIMER, PING_ROLE)
            if stage > view.follow_up_stage
        ]

    async def follow_up_step(
        self, escalation_id: int, stage: int, compose: Compose[FollowUp]
    ) -> FollowUp | None:
        """Record follow-up stage ``stage`` (and an earlier one not done: after downtime
        both may be due), each with its message, if the escalation is still claimed with no
        note since its claim; else None."""
        async with self._tx.begin("escalation-follow-up") as changes:
            session = changes.session
            row = await rows.by_id(session, escalation_id)
            if row is None or row.status is not EscalationStatus.CLAIMED:
                return None
            view = await self._view(session, row)
            if view.follow_up_due is None or view.claimed_at is None or row.assignee is None:
                return None
            staff = await self._staff(session, row.guild_id)
            reached = None
            for step in range(view.follow_up_stage + 1, stage + 1):
                self._event(session, row, None, "follow-up", str(step))
                reached = FollowUp(
                    await self._view(session, row),
                    step,
                    row.assignee,
                    int(view.claimed_at.timestamp()),
                    row.channel_id or staff.channel_id,
                    staff.role_id,
                )
                await changes.send(compose(reached))
        return reached

    async def claimed(self) -> list[EscalationView]:
        async with self._sessions() as session:
            found = await rows.with_status(session, [EscalationStatus.CLAIMED])
            return await self._views(session, found)

    async def unclaimed(self) -> list[EscalationView]:
        async with self._sessions() as session:
            found = await rows.with_status(session, [EscalationStatus.OPEN])
            return await self._views(session, found)

    # ----------------------------------------------------------------- reading

    async def view(self, escalation_id: int) -> EscalationView:
        async with self._sessions() as session:
            return await self._view(session, await self._get(session, escalation_id))

    async def timeline(
        self, guild_id: int, escalation_id: int
    ) -> tuple[EscalationView, list[Event]]:
        async with self._sessions() as session:
            row = await self._get(session, escalation_id)
            if row.guild_id != guild_id:
                raise NotFound(
                    Text("There is no escalation #{id} in this server.", id=escalation_id)
                )
            events = [
                Event(e.actor, e.action, e.note, e.created_at)
                for e in await rows.events(session, row.id)
            ]
            return await self._view(session, row), events

    async def listing(self, guild_id: int, scope: str, user_id: int) -> list[EscalationView]:
        """``open`` (not resolved), ``mine`` (assigned to ``user_id``, not resolved), ``all``."""
        statuses = list(EscalationStatus) if scope == "all" else list(rows.LIVE)
        async with self._sessions() as session:
            found = await rows.listing(
                session, guild_id, statuses, user_id if scope == "mine" else None, LIST_LIMIT
            )
            return [await self._view(session, row) for row in found]

    async def choices(self, guild_id: int, limit: int) -> list[Choice]:
        """Escalations to pick by number: open and claimed ones first, most urgent first."""
        async with self._sessions() as session:
            found = await rows.choices(session, guild_id, limit)
        return [Choice(row.id, row.urgency, row.status, user_id) for row, user_id in found]

    async def context(self, view: EscalationView) -> Context:
        async with self._sessions() as session:
            return await self._context(session, view)

    @staticmethod
    async def _context(session: AsyncSession, view: EscalationView) -> Context:
        student = await members.get(session, view.guild_id, view.student_user_id)
        if student is None:
            return Context(sessions_happened=0, no_shows=0)
        counts = await rows.attendance_counts(session, student.id)
        recent = await checkins.history(session, student.id, RECENT_MOODS)
        goals = await checkins.goals_of(session, student.id, [GoalStatus.ACTIVE])
        return Context(
            sessions_happened=counts.get(AttendanceAnswer.HAPPENED, 0),
            no_shows=counts.get(AttendanceAnswer.NO_SHOW, 0),
            moods=tuple(c.mood for c in recent if c.status is not CheckinStatus.OPEN),
            open_goals=tuple(goal.what for goal in goals),
        )

    # ----------------------------------------------------------------- internals

    async def _opened(self, session: AsyncSession, row: Escalation, *, new: bool) -> Opened:
        view = await self._view(session, row)
        return Opened(
            view, new, await self._context(session, view), await self._staff(session, row.guild_id)
        )

    async def _staff(self, session: AsyncSession, guild_id: int) -> Staff:
        program = await self._programs.ensure(session, guild_id)
        return Staff(
            program.escalation_channel_id,
            program.staff_role_id,
            await self._known_staff(session, guild_id),
            exposed=program.staff_channel_exposed_at is not None,
        )

    async def _known_staff(self, session: AsyncSession, guild_id: int) -> tuple[int, ...]:
        """Whom to DM when the staff channel fails: on-call staff and staff known to the
        program from what they did in it."""
        found = await rows.known_staff(session, guild_id)
        return tuple(sorted(found | set(self._settings.on_call_user_ids)))

    async def _rule_urgency(
        self, session: AsyncSession, guild_id: int, kind: str
    ) -> Urgency | None:
        if kind not in RULE_KINDS:
            log.warning("signal kind %s has no escalation rule; ignored", kind)
            return None
        own = await rows.rules(session, guild_id)
        chosen = own.get(kind, self._settings.rules[kind])
        return None if chosen == OFF else Urgency(chosen)

    async def _open_or_add(
        self,
        session: AsyncSession,
        student: Member,
        source: str,
        urgency: Urgency,
        concerns: Sequence[str],
        signal: Signal | None,
        *,
        details: str | None = None,
        where: str | None = None,
        raised_by: int | None = None,
    ) -> Opened:
        """Add the signal to the student's live escalation of ``source``, else open one
        (``raised_by``: the user id of the mentor who wrote about them); the ``concerns``
        found (their categories, most severe first) are recorded with it."""
        live = await rows.live_for_rule(session, student.id, source)
        if live is not None:
            self._event(session, live, None, "signal", where, signal)
            if details:
                self._event(session, live, None, "text", details)
            if concerns:
                self._event(session, live, None, CONCERN_EVENT, ", ".join(concerns))
            await session.flush()
            return await self._opened(session, live, new=False)
        category = concerns[0] if concerns else None
        row = self._new(student, source, urgency, category, details, raised_by=raised_by)
        session.add(row)
        await session.flush()
        self._event(session, row, None, "opened", where, signal)
        if concerns:
            self._event(session, row, None, CONCERN_EVENT, ", ".join(concerns))
        await session.flush()
        return await self._opened(session, row, new=True)

    def _new(
        self,
        student: Member,
        source: str,
        urgency: Urgency,
        category: str | None,
        details: str | None,
        *,
        raised_by: int | None,
    ) -> Escalation:
        now = self._clock.now()
        return Escalation(
            guild_id=student.guild_id,
            member_id=student.id,
            source=source,
            raised_by=raised_by,
            category=category,
            urgency=urgency,
            details=details,
            status=EscalationStatus.OPEN,
            sla_stage=0,
            created_at=now,
            updated_at=now,
        )

    def _event(
        self,
        session: AsyncSession,
        row: Escalation,
        actor: int | None,
        action: str,
        note: str | None = None,
        signal: Signal | None = None,
    ) -> None:
        now = self._clock.now()
        row.updated_at = now
        session.add(
            EscalationEvent(
                escalation_id=row.id,
                actor=actor,
                action=action,
                note=note,
                signal_id=signal.id if signal is not None else None,
                created_at=now,
            )
        )
        log.info("escalation %s: %s by %s", row.id, action, actor or "the bot")

    async def _own_mentee(self, session: AsyncSession, me: Member, mentee_user_id: int) -> Member:
        if me.role is ProgramRole.MENTOR:
            for match in await matches.active_for_member(session, me.id):
                mentee = await members.by_id(session, match.mentee_id)
                if match.mentor_id == me.id and mentee and mentee.user_id == mentee_user_id:
                    return mentee
        mention = f"<@{mentee_user_id}>"
        raise NotAllowed(
            Text(
                "You can raise a concern only about your own mentee, and {member} is not. Talk "
                "to a staff member directly.",
                member=mention,
            )
        )

    async def _quoted_author(self, session: AsyncSession, me: Member, quote: Quote) -> Member:
        """Whom a quoted message's request is about: its author when they share the pair
        channel it was written in with the asker; the asker for their own words or a DM
        with Bridges. Any other channel is refused."""
        if quote.channel_id is None:  # a DM with Bridges: its messages are theirs or ours
            return me
        match = await matches.active_in_channel(session, quote.channel_id)
        if match is None or me.id not in (match.mentor_id, match.mentee_id):
            raise NotAllowed(_NOT_YOUR_PAIR)
        if quote.author_user_id in (None, me.user_id):
            return me
        other_id = match.mentee_id if me.id == match.mentor_id else match.mentor_id
        other = await members.by_id(session, other_id)
        if other is None or other.user_id != quote.author_user_id:
            raise NotAllowed(_NOT_YOUR_PAIR)
        return other

    async def _get(self, session: AsyncSession, escalation_id: int) -> Escalation:
        row = await rows.by_id(session, escalation_id)
        if row is None:
            raise NotFound(Text("There is no escalation #{id}.", id=escalation_id))
        return row

    async def _live(self, session: AsyncSession, escalation_id: int) -> Escalation:
        row = await self._get(session, escalation_id)
        if row.status is EscalationStatus.RESOLVED:
            raise UserError(Text("Escalation #{id} is already resolved.", id=row.id))
        return row

    async def _view(self, session: AsyncSession, row: Escalation) -> EscalationView:
        return (await self._views(session, [row]))[0]

    async def _views(
        self, session: AsyncSession, found: Sequence[Escalation]
    ) -> list[EscalationView]:
        """The views of these escalations: students, mentors and events read in one query
        each, whatever their number."""
        students = await rows.students(session, [row.member_id for row in found])
        if any(row.member_id not in students for row in found):
            raise NotFound(Text("That student is no longer in the program."))
        mentors = await rows.mentors_of(session, [row.member_id for row in found])
        events = await rows.events_of(session, [row.id for row in found if row.id is not None])
        return [
            self._build_view(
                row, *students[row.member_id], mentors.get(row.member_id), events.get(row.id, [])
            )
            for row in found
        ]

    def _build_view(
        self,
        row: Escalation,
        student_user_id: int,
        student_name: str | None,
        mentor_user_id: int | None,
        events: Sequence[EscalationEvent],
    ) -> EscalationView:
        claimed_at, stage, due = self._follow_up(row, events)
        return EscalationView(
            id=row.id,
            guild_id=row.guild_id,
            student_user_id=student_user_id,
            student_name=student_name,
            mentor_user_id=mentor_user_id,
            source=row.source,
            raised_by=row.raised_by,
            category=row.category,
            urgency=row.urgency,
            details=row.details,
            status=row.status,
            assignee=row.assignee,
            sla_stage=row.sla_stage,
            channel_id=row.channel_id,
            message_id=row.message_id,
            created_at=row.created_at,
            signal_count=sum(e.signal_id is not None for e in events),
            concerns=_recorded_concerns(row, events),
            claimed_at=claimed_at,
            follow_up_stage=stage,
            follow_up_due=due,
        )

    def _follow_up(
        self, row: Escalation, events: Sequence[EscalationEvent]
    ) -> tuple[datetime | None, int, datetime | None]:
        """A claimed escalation's follow-up state from its events since the last claim:
        when claimed, the stages done, when a note is due (None once one was written)."""
        claims = [i for i, e in enumerate(events) if e.action in _CLAIMS]
        if row.status is not EscalationStatus.CLAIMED or not claims:
            return None, 0, None
        since = events[claims[-1] :]
        claimed_at = since[0].created_at
        stage = sum(e.action == "follow-up" for e in since)
        noted = any(e.action == "note" and e.actor is not None for e in since)
        period = timedelta(hours=self._settings.follow_up_hours[row.urgency.value])
        return claimed_at, stage, None if noted else claimed_at + period


def _claimed(view: EscalationView, staff_user_id: int, by: int | None = None) -> Claimed:
    """Who hears that staff picked it up: the student, and whoever raised it for them."""
    told = {view.student_user_id}
    if view.manual and view.raised_by is not None:
        told.add(view.raised_by)
    return Claimed(view, staff_user_id, tuple(sorted(told)), by)


def _concerns(texts: Sequence[str]) -> list[str]:
    """The concern categories found in any of ``texts``, most severe first."""
    found = sorted(
        (match for text in texts for match in find_concerns(text)), key=lambda m: -m.severity
    )
    return list(dict.fromkeys(match.category for match in found))


def _recorded_concerns(row: Escalation, events: Sequence[EscalationEvent]) -> tuple[str, ...]:
    """The concern categories of an escalation: those its events recorded, else (rows
    from before they were) the ids its category held."""
    recorded = [
        category
        for event in events
        if event.action == CONCERN_EVENT and event.note
        for category in event.note.split(", ")
    ]
    if not recorded and row.source == CONCERNING_LANGUAGE and row.category:
        recorded = row.category.split(", ")
    return tuple(dict.fromkeys(c for c in recorded if c in CONCERNS))


def _clean(text: str) -> str:
    """Text as typed, without the NUL characters a database cannot store."""
    return text.replace("\x00", "").strip()


def _note(text: str, missing: Text = WRITE_NOTE) -> str:
    text = _clean(text)
    if not text:
        raise UserError(missing)
    if len(text) > MAX_NOTE:
        raise UserError(Text("Keep the note under {limit} characters.", limit=MAX_NOTE))
    return text
