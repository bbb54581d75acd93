"""Matching mentors with mentees: suggestions, cohort assignment, creation and closure.

Scoring and the optimal assignment are in ``matching``; this module loads the people,
applies the program's rules and records the decisions. Staff may override the training,
capacity, grade-gap and re-pairing rules for one match, with a reason that is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import MatchingSettings
from bot.errors import NotFound, UserError
from bot.i18n import Slash, Text
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
from storage.db import Sessions
from storage.models import DmStatus, Match, MatchStatus, Member, ProgramRole
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
    ) -> None:
        self._sessions = sessions
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
            raise UserError("Every mentee in the program already has a mentor.")
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
            raise UserError(f"Keep the override reason under {MAX_REASON} characters.")
        if mentor_user_id == mentee_user_id:
            raise UserError("A mentor can't be matched with themselves. Pick two people.")
        async with self._sessions.begin() as session:
            mentor = await self._member(session, guild_id, mentor_user_id, ProgramRole.MENTOR)
            mentee = await self._member(session, guild_id, mentee_user_id, ProgramRole.MENTEE)
            if await matches.active_for_member(session, mentee.id):
                raise UserError("That mentee already has a mentor. End that match first.")
            people = await self._people(session, guild_id)
            _refuse_without_consent(people, mentee, mentor)
            candidate = next(m for m in people.mentors if m.member_id == mentor.id)
            person = next(p for p in people.mentees if p.member_id == mentee.id)
            verdict = explain(person, candidate, self._rules, people.closed, self._clock.now())
            if verdict.blockers and reason is None:
                raise UserError(
                    "This match breaks the program's rules:\n"
                    + "\n".join(f"- {blocker}" for blocker in verdict.blockers)
                    + "\nIf staff agree it is right anyway, run the command again with an "
                    "override reason (it is recorded)."
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
            if row is not None:
                await session.delete(row)

    async def set_channel(self, match_id: int, channel_id: int) -> None:
        async with self._sessions.begin() as session:
            row = await matches.by_id(session, match_id)
            if row is not None:
                row.channel_id = channel_id

    async def end(
        self,
        guild_id: int,
        staff_user_id: int,
        mentor_user_id: int,
        mentee_user_id: int,
        reason: str,
    ) -> Pair:
        reason = " ".join(reason.split())
        if not reason or len(reason) > MAX_REASON:
            raise UserError(f"Give a reason for ending the match (1 to {MAX_REASON} characters).")
        async with self._sessions.begin() as session:
            mentor = await members.get(session, guild_id, mentor_user_id)
            mentee = await members.get(session, guild_id, mentee_user_id)
            row = (
                await matches.active_pair(session, mentor.id, mentee.id)
                if mentor is not None and mentee is not None
                else None
            )
            if row is None or mentor is None or mentee is None:
                raise NotFound("Those two are not in an active match. Check /staff roster.")
            await self._close(session, row, staff_user_id, reason)
            return self._pair(row, mentor, mentee)

    async def leave(self, guild_id: int, user_id: int) -> list[Pair]:
        """The member leaves the program: deactivated, and each active match closed."""
        async with self._sessions.begin() as session:
            row = await members.get(session, guild_id, user_id)
            if row is None or not row.active:
                raise UserError("You're not in the program, so there is nothing to leave.")
            row.active = False
            row.left_at = self._clock.now()
            return await self.close_all(session, row, user_id, "left the program")

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
        )

    async def _member(
        self, session: AsyncSession, guild_id: int, user_id: int, role: ProgramRole
    ) -> Member:
        row = await members.get(session, guild_id, user_id)
        if row is None or not row.active or row.role is not role:
            raise NotFound(f"<@{user_id}> is not an active {role.value} in the program.")
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
