"""Matching mentors with mentees: suggestions, cohort assignment, creation and closure.

Scoring and the optimal assignment are in ``matching``; this module loads the people,
applies the program's rules and records the decisions. Staff may override the training,
capacity, grade-gap and re-pairing rules for one match, with a reason that is kept.

A match has Discord side effects, so it moves through states a crash can stop between,
each derived from rows and finished at start (``unopened``, ``unarchived``):

1. ``create``: the match is saved with no channel (everything was checked before).
2. The cog creates the pair's private channel, its topic carrying ``channel_marker``, so a
   channel created just before a crash is found again instead of made twice.
3. ``opened``: the channel is recorded, with the welcome post and both members' DMs, in
   one transaction.

Closing (``end``, ``leave``) writes the closing notice and the closure surveys with the
change; the cog then makes the channel read-only and ``archived`` records it. A match
closed elsewhere (``close_all``, when a member's data is erased) gets its notices from
``closing``, which the cog runs after, and at start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import MatchingSettings
from bot.errors import NotFound, UserError
from bot.i18n import Joined, OptionName, Slash, Text
from bot.services.availability import windows_from_json
from bot.services.matching import (
    FocusArea,
    MatchRules,
    Mentor,
    Person,
    Score,
    assign_cohort,
    explain,
    suggest,
)
from bot.services.outbox import Compose, Transactions
from storage.db import Sessions
from storage.models import DmStatus, GuildSettings, Match, MatchStatus, Member, ProgramRole
from storage.repositories import consent, matches, members, training
from storage.repositories import sessions as session_rows

MAX_REASON = 300


@dataclass(frozen=True)
class Suggestion:
    mentor_user_id: int
    score: Score


@dataclass(frozen=True)
class Pair:
    match_id: int
    mentor_user_id: int
    mentee_user_id: int
    mentee_focus_areas: tuple[FocusArea, ...]
    channel_id: int | None
    score: float | None
    guild_id: int


@dataclass(frozen=True)
class Unopened:
    """An active match whose channel was never recorded: what its channel needs."""

    pair: Pair
    category_id: int | None
    staff_role_id: int | None


@dataclass(frozen=True)
class Closed:
    """A closed match, for its closing notice and closure surveys."""

    pair: Pair
    reason: str
    survey_to: tuple[int, ...]  # user ids asked the closure survey


def channel_marker(match_id: int) -> str:
    """What a pair channel's topic carries, so the channel of a match can be found again."""
    return f"bridges-match:{match_id}"


@dataclass(frozen=True)
class CohortProposal:
    pairs: tuple[tuple[int, int, float], ...]  # (mentee user id, mentor user id, score)
    total: float
    unassigned: tuple[int, ...]  # mentee user ids
    waiting_consent: tuple[int, ...] = ()  # user ids left out: no guardian consent on file


@dataclass(frozen=True)
class MentorLine:
    user_id: int
    load: int
    capacity: int
    confirmed_minutes: int
    trained: bool


@dataclass(frozen=True)
class Roster:
    pairs: tuple[tuple[int, int, datetime], ...]  # (mentor user id, mentee user id, since)
    unmatched_mentees: tuple[int, ...]
    mentors: tuple[MentorLine, ...]
    dms_closed: frozenset[int] = frozenset()  # user ids whose prompts go to a channel
    waiting_consent: frozenset[int] = frozenset()  # user ids without guardian consent on file


@dataclass
class _People:
    by_member: dict[int, Member]
    mentees: list[Person]
    mentors: list[Mentor]
    closed: frozenset[tuple[int, int]]
    minutes: dict[int, int]
    matched_mentees: set[int]
    waiting_consent: set[int]  # member ids without guardian consent on file, when required


class MatchService:
    """``require_consent`` (``[privacy] require_guardian_consent``): a student without a
    guardian's consent on file is never suggested, proposed or matched."""

    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        rules: MatchingSettings,
        *,
        require_consent: bool = False,
        transactions: Transactions | None = None,
    ) -> None:
        self._sessions = sessions
        self._tx = transactions or Transactions(sessions, clock)
        self._clock = clock
        self._settings = rules
        self._rules = MatchRules(min_grade_gap=rules.min_grade_gap, require_training=True)
        self._require_consent = require_consent

    async def suggest(self, guild_id: int, mentee_user_id: int, top: int = 5) -> list[Suggestion]:
        async with self._sessions() as session:
            mentee = await self._member(session, guild_id, mentee_user_id, ProgramRole.MENTEE)
            people = await self._people(session, guild_id)
        _refuse_without_consent(people, mentee)
        person = next(p for p in people.mentees if p.member_id == mentee.id)
        mentors = [m for m in people.mentors if m.member_id not in people.waiting_consent]
        found = suggest(person, mentors, self._rules, people.closed, self._clock.now(), top)
        return [
            Suggestion(people.by_member[mentor.member_id].user_id, score) for mentor, score in found
        ]

    async def propose_cohort(self, guild_id: int) -> CohortProposal:
        """The best assignment of every unmatched mentee; nothing is stored."""
        async with self._sessions() as session:
            people = await self._people(session, guild_id)
        unmatched = [p for p in people.mentees if p.member_id not in people.matched_mentees]
        waiting = [p for p in unmatched if p.member_id not in people.waiting_consent]
        user = {member_id: row.user_id for member_id, row in people.by_member.items()}
        if unmatched and not waiting:
            raise UserError(
                Text(
                    "Every mentee without a mentor is waiting for a guardian's consent on file. "
                    "Record it with {command} once the school has it.",
                    command=Slash("staff consent"),
                )
            )
        if not waiting:
            raise UserError(Text("Every mentee in the program already has a mentor."))
        mentors = [m for m in people.mentors if m.member_id not in people.waiting_consent]
        proposal = assign_cohort(waiting, mentors, self._rules, people.closed, self._clock.now())
        left_out = [p for p in unmatched if p.member_id in people.waiting_consent]
        left_out += [m for m in people.mentors if m.member_id in people.waiting_consent]
        return CohortProposal(
            pairs=tuple(
                (user[mentee], user[mentor], score) for mentee, mentor, score in proposal.pairs
            ),
            total=proposal.total,
            unassigned=tuple(user[mentee] for mentee in proposal.unassigned),
            waiting_consent=tuple(user[p.member_id] for p in left_out),
        )

    async def create(
        self,
        guild_id: int,
        staff_user_id: int,
        mentor_user_id: int,
        mentee_user_id: int,
        override_reason: str | None = None,
        score: float | None = None,
    ) -> Pair:
        reason = " ".join(override_reason.split()) if override_reason else None
        if reason is not None and len(reason) > MAX_REASON:
            raise UserError(
                Text(
                    "Keep `{option}` under {limit} characters.",
                    option=OptionName("override_reason"),
                    limit=MAX_REASON,
                )
            )
        if mentor_user_id == mentee_user_id:
            raise UserError(Text("A mentor can't be matched with themselves. Pick two people."))
        async with self._tx.begin("match-create") as changes:
            session = changes.session
            mentor = await self._member(session, guild_id, mentor_user_id, ProgramRole.MENTOR)
            mentee = await self._member(session, guild_id, mentee_user_id, ProgramRole.MENTEE)
            if await matches.active_for_member(session, mentee.id):
                raise UserError(Text("That mentee already has a mentor. End that match first."))
            people = await self._people(session, guild_id)
            _refuse_without_consent(people, mentee, mentor)
            candidate = next(m for m in people.mentors if m.member_id == mentor.id)
            person = next(p for p in people.mentees if p.member_id == mentee.id)
            verdict = explain(person, candidate, self._rules, people.closed, self._clock.now())
            if verdict.blockers and reason is None:
                raise UserError(
                    Text(
                        "This match breaks the program's rules:\n{blockers}\nIf staff agree it "
                        "is right anyway, run the command again with `{option}` (it is recorded).",
                        blockers=Joined(verdict.blockers, "\n", "- "),
                        option=OptionName("override_reason"),
                    )
                )
            row = Match(
                guild_id=guild_id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                status=MatchStatus.ACTIVE,
                score=score if score is not None else verdict.total,
                created_by=staff_user_id,
                override_reason=reason if verdict.blockers else None,
                created_at=self._clock.now(),
            )
            session.add(row)
            await session.flush()
            return self._pair(row, mentor, mentee)

    async def discard(self, match_id: int) -> None:
        """Undo a match whose channel could not be made (it never started)."""
        async with self._sessions.begin() as session:
            row = await matches.by_id(session, match_id)
            if row is not None and row.channel_id is None:
                await session.delete(row)

    async def opened(self, match_id: int, channel_id: int, compose: Compose[Pair]) -> Pair | None:
        """Record the pair's channel with the welcome and both members' DMs; None when the
        match has closed since, or already has its channel (a repeat sends nothing)."""
        async with self._tx.begin("match-open") as changes:
            row = await matches.by_id(changes.session, match_id)
            if row is None or row.status is not MatchStatus.ACTIVE or row.channel_id is not None:
                return None
            row.channel_id = channel_id
            pair = await self._pair_of(changes.session, row)
            await changes.send(compose(pair))
        return pair

    async def unopened(self) -> list[Unopened]:
        """Active matches, in every server, saved without their channel (a crash between)."""
        async with self._sessions() as session:
            found = []
            for row in await matches.without_channel(session):
                program = await session.get(GuildSettings, row.guild_id)
                found.append(
                    Unopened(
                        await self._pair_of(session, row),
                        program.mentoring_category_id if program else None,
                        program.staff_role_id if program else None,
                    )
                )
            return found

    async def unarchived(self) -> list[Closed]:
        """Closed matches, in every server, whose channel and notices were not finished."""
        async with self._sessions() as session:
            return [
                await self._closed(session, row, row.end_reason or "")
                for row in await matches.unarchived(session)
            ]

    async def closing(self, match_id: int, compose: Compose[Closed]) -> Closed | None:
        """Write a closed match's notices (nothing twice); None unless it is closed."""
        async with self._tx.begin("match-close") as changes:
            row = await matches.by_id(changes.session, match_id)
            if row is None or row.status is not MatchStatus.CLOSED:
                return None
            closed = await self._closed(changes.session, row, row.end_reason or "")
            await changes.send(compose(closed))
        return closed

    async def archived(self, match_id: int) -> None:
        """The closed match's channel is read-only now: nothing is left to finish."""
        async with self._sessions.begin() as session:
            row = await matches.by_id(session, match_id)
            if row is not None and row.status is MatchStatus.CLOSED:
                row.archived_at = row.archived_at or self._clock.now()

    async def end(
        self,
        guild_id: int,
        staff_user_id: int,
        mentor_user_id: int,
        mentee_user_id: int,
        reason: str,
        compose: Compose[Closed],
    ) -> Closed:
        """Close the match, with its closing notice and both members' closure surveys."""
        reason = " ".join(reason.split())
        if not reason or len(reason) > MAX_REASON:
            raise UserError(
                Text(
                    "Give a reason for ending the match (1 to {limit} characters).",
                    limit=MAX_REASON,
                )
            )
        async with self._tx.begin("match-close") as changes:
            session = changes.session
            mentor = await members.get(session, guild_id, mentor_user_id)
            mentee = await members.get(session, guild_id, mentee_user_id)
            row = (
                await matches.active_pair(session, mentor.id, mentee.id)
                if mentor is not None and mentee is not None
                else None
            )
            if row is None or mentor is None or mentee is None:
                raise NotFound(
                    Text(
                        "Those two are not in an active match. Check {command}.",
                        command=Slash("staff roster"),
                    )
                )
            await self._close(session, row, staff_user_id, reason)
            closed = await self._closed(session, row, reason)
            await changes.send(compose(closed))
        return closed

    async def leave(self, guild_id: int, user_id: int, compose: Compose[Closed]) -> list[Closed]:
        """The member leaves the program: deactivated, and each active match closed with
        its notices."""
        async with self._tx.begin("match-close") as changes:
            session = changes.session
            row = await members.get(session, guild_id, user_id)
            if row is None or not row.active:
                raise UserError(Text("You're not in the program, so there is nothing to leave."))
            row.active = False
            row.left_at = self._clock.now()
            reason = "left the program"
            ended = []
            for match in await matches.active_for_member(session, row.id):
                await self._close(session, match, user_id, reason)
                ended.append(await self._closed(session, match, reason))
            for closed in ended:
                await changes.send(compose(closed))
        return ended

    async def close_all(
        self, session: AsyncSession, member: Member, by: int, reason: str
    ) -> list[Pair]:
        """Close each active match of ``member`` in the caller's transaction."""
        ended = []
        for match in await matches.active_for_member(session, member.id):
            await self._close(session, match, by, reason)
            mentor = await members.by_id(session, match.mentor_id)
            mentee = await members.by_id(session, match.mentee_id)
            if mentor is not None and mentee is not None:
                ended.append(self._pair(match, mentor, mentee))
        return ended

    async def roster(self, guild_id: int) -> Roster:
        async with self._sessions() as session:
            people = await self._people(session, guild_id)
            active = await matches.active(session, guild_id)
            load = await matches.loads(session, guild_id)
        user = {member_id: row.user_id for member_id, row in people.by_member.items()}
        return Roster(
            pairs=tuple(
                (user[m.mentor_id], user[m.mentee_id], m.created_at)
                for m in active
                if m.mentor_id in user and m.mentee_id in user
            ),
            unmatched_mentees=tuple(
                user[p.member_id]
                for p in people.mentees
                if p.member_id not in people.matched_mentees
            ),
            mentors=tuple(
                MentorLine(
                    user_id=user[m.member_id],
                    load=load.get(m.member_id, 0),
                    capacity=m.capacity,
                    confirmed_minutes=people.minutes.get(m.member_id, 0),
                    trained=m.trained,
                )
                for m in people.mentors
            ),
            dms_closed=frozenset(
                row.user_id for row in people.by_member.values() if row.dm_status is DmStatus.CLOSED
            ),
            waiting_consent=frozenset(user[member_id] for member_id in people.waiting_consent),
        )

    async def _close(self, session: AsyncSession, row: Match, by: int, reason: str) -> None:
        """Close the match; its sessions still ahead are cancelled with it."""
        row.status = MatchStatus.CLOSED
        row.ended_at = self._clock.now()
        row.ended_by = by
        row.end_reason = reason
        await session_rows.cancel_ahead(session, row.id, self._clock.now())

    @staticmethod
    def _pair(row: Match, mentor: Member, mentee: Member) -> Pair:
        return Pair(
            match_id=row.id,
            mentor_user_id=mentor.user_id,
            mentee_user_id=mentee.user_id,
            mentee_focus_areas=tuple(FocusArea(area) for area in mentee.focus_areas),
            channel_id=row.channel_id,
            score=row.score,
            guild_id=row.guild_id,
        )

    async def _pair_of(self, session: AsyncSession, row: Match) -> Pair:
        mentor = await members.by_id(session, row.mentor_id)
        mentee = await members.by_id(session, row.mentee_id)
        if mentor is None or mentee is None:
            raise NotFound(Text("That match's members are no longer in the program."))
        return self._pair(row, mentor, mentee)

    async def _closed(self, session: AsyncSession, row: Match, reason: str) -> Closed:
        """A closed match's notices: the survey goes to each member still known by their
        Discord id (a forgotten member's id is a negative pseudonym)."""
        pair = await self._pair_of(session, row)
        people = (pair.mentor_user_id, pair.mentee_user_id)
        return Closed(pair, reason, tuple(user_id for user_id in people if user_id > 0))

    async def _member(
        self, session: AsyncSession, guild_id: int, user_id: int, role: ProgramRole
    ) -> Member:
        row = await members.get(session, guild_id, user_id)
        if row is None or not row.active or row.role is not role:
            mention = f"<@{user_id}>"
            if role is ProgramRole.MENTOR:
                raise NotFound(
                    Text(
                        "{member} is not an active mentor in the program: they can join "
                        "with {command}.",
                        member=mention,
                        command=Slash("join"),
                    )
                )
            raise NotFound(
                Text(
                    "{member} is not an active mentee in the program: they can join with "
                    "{command}.",
                    member=mention,
                    command=Slash("join"),
                )
            )
        return row

    async def _people(self, session: AsyncSession, guild_id: int) -> _People:
        mentee_rows = await members.active_with_role(session, guild_id, ProgramRole.MENTEE)
        mentor_rows = await members.active_with_role(session, guild_id, ProgramRole.MENTOR)
        minutes = await training.confirmed_minutes(session, guild_id)
        load = await matches.loads(session, guild_id)
        matched = {m.mentee_id for m in await matches.active(session, guild_id)}
        required = self._settings.training_minutes
        by_member = {row.id: row for row in (*mentee_rows, *mentor_rows)}
        waiting: set[int] = set()
        if self._require_consent:
            waiting = set(by_member) - await consent.on_file(session, guild_id)
        return _People(
            by_member=by_member,
            mentees=[_person(row) for row in mentee_rows],
            mentors=[
                Mentor(
                    **_person(row).__dict__,
                    capacity=row.capacity or self._settings.mentor_capacity,
                    load=load.get(row.id, 0),
                    trained=minutes.get(row.id, 0) >= required,
                )
                for row in mentor_rows
            ],
            closed=frozenset(await matches.closed_pairs(session, guild_id)),
            minutes=minutes,
            matched_mentees=matched,
            waiting_consent=waiting,
        )


def _refuse_without_consent(people: _People, *students: Member) -> None:
    for student in students:
        if student.id in people.waiting_consent:
            mention = f"<@{student.user_id}>"
            raise UserError(
                Text(
                    "{member} can't be matched yet: the school has no guardian's consent on "
                    "file for them. Record it with {command} once it's in.",
                    member=mention,
                    command=Slash("staff consent"),
                )
            )


def _person(row: Member) -> Person:
    return Person(
        member_id=row.id,
        grade=row.grade or 0,
        interests=frozenset(row.interests),
        focus_areas=frozenset(FocusArea(area) for area in row.focus_areas),
        subjects=frozenset(row.subjects),
        windows=windows_from_json(row.availability),
        time_zone=row.time_zone or "UTC",
    )
