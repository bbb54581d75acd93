"""Queries behind mentors' service hours: attended sessions, training done, mentor check-ins
answered, and staff reviews of sessions the pair answered differently.

Each query takes an optional UTC window (``since`` inclusive, ``until`` exclusive) and
returns plain rows; the service places them in the mentor's time zone and decides what
counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Attendance,
    AttendanceAnswer,
    AttendanceReview,
    Match,
    Member,
    MentorCheckin,
    MentoringSession,
    ProgramRole,
    SessionStatus,
    TrainingCompletion,
    TrainingModule,
)


@dataclass(frozen=True)
class SessionRow:
    """A confirmed session someone of the pair said happened, with both answers."""

    session_id: int
    mentor_id: int  # member ids
    mentee_id: int
    starts_at: datetime
    ends_at: datetime
    mentor_answer: AttendanceAnswer | None
    mentee_answer: AttendanceAnswer | None
    reviewed_happened: bool | None  # staff's review, when there is one


@dataclass(frozen=True)
class Person:
    user_id: int
    time_zone: str | None


@dataclass(frozen=True)
class TrainingRow:
    member_id: int
    title: str
    minutes: int
    completed_at: datetime
    confirmed: bool


@dataclass(frozen=True)
class CheckinRow:
    member_id: int
    answered_at: datetime


def _within(
    column: Any, since: datetime | None, until: datetime | None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if since is not None:
        found.append(column >= since)
    if until is not None:
        found.append(column < until)
    return found


async def mentors(session: AsyncSession, guild_id: int) -> list[Member]:
    """Everyone who is or was a mentor in the server, except members whose data was erased
    (their user id is a negative pseudonym)."""
    rows = await session.scalars(
        select(Member)
        .where(Member.guild_id == guild_id, Member.role == ProgramRole.MENTOR, Member.user_id > 0)
        .order_by(Member.id)
    )
    return list(rows)


async def people(session: AsyncSession, guild_id: int) -> dict[int, Person]:
    """Every member of the server (their user id and zone), by member id."""
    rows = await session.execute(
        select(Member.id, Member.user_id, Member.time_zone).where(Member.guild_id == guild_id)
    )
    return {member_id: Person(user_id, zone) for member_id, user_id, zone in rows}


async def attended_sessions(
    session: AsyncSession,
    guild_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    mentor_id: int | None = None,
    session_id: int | None = None,
) -> list[SessionRow]:
    """Confirmed sessions starting in the window that the mentor or the mentee answered
    "happened", in start order: every mentor's, or ``mentor_id``'s, or the one
    ``session_id`` if it is such a session."""
    by_mentor, by_mentee = aliased(Attendance), aliased(Attendance)
    query = (
        select(
            MentoringSession.id,
            Match.mentor_id,
            Match.mentee_id,
            MentoringSession.starts_at,
            MentoringSession.ends_at,
            by_mentor.answer,
            by_mentee.answer,
            AttendanceReview.happened,
        )
        .join(Match, Match.id == MentoringSession.match_id)
        .outerjoin(
            by_mentor,
            and_(
                by_mentor.session_id == MentoringSession.id, by_mentor.member_id == Match.mentor_id
            ),
        )
        .outerjoin(
            by_mentee,
            and_(
                by_mentee.session_id == MentoringSession.id, by_mentee.member_id == Match.mentee_id
            ),
        )
        .outerjoin(AttendanceReview, AttendanceReview.session_id == MentoringSession.id)
        .where(
            MentoringSession.guild_id == guild_id,
            MentoringSession.status == SessionStatus.CONFIRMED,
            or_(
                by_mentor.answer == AttendanceAnswer.HAPPENED,
                by_mentee.answer == AttendanceAnswer.HAPPENED,
            ),
            *_within(MentoringSession.starts_at, since, until),
        )
        .order_by(MentoringSession.starts_at, MentoringSession.id)
    )
    if mentor_id is not None:
        query = query.where(Match.mentor_id == mentor_id)
    if session_id is not None:
        query = query.where(MentoringSession.id == session_id)
    return [SessionRow(*row) for row in await session.execute(query)]


async def training_done(
    session: AsyncSession,
    guild_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    mentor_id: int | None = None,
) -> list[TrainingRow]:
    """Training modules mentors (or ``mentor_id``) marked done in the window, confirmed by
    staff or not (modules removed since are kept: the training was done)."""
    query = (
        select(
            TrainingCompletion.member_id,
            TrainingModule.title,
            TrainingModule.minutes,
            TrainingCompletion.completed_at,
            TrainingCompletion.confirmed_at.is_not(None),
        )
        .join(TrainingModule, TrainingModule.id == TrainingCompletion.module_id)
        .where(
            TrainingModule.guild_id == guild_id,
            *_within(TrainingCompletion.completed_at, since, until),
        )
        .order_by(TrainingCompletion.completed_at, TrainingCompletion.id)
    )
    if mentor_id is not None:
        query = query.where(TrainingCompletion.member_id == mentor_id)
    return [TrainingRow(*row) for row in await session.execute(query)]


async def mentor_checkins(
    session: AsyncSession,
    guild_id: int,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    mentor_id: int | None = None,
) -> list[CheckinRow]:
    """Mentor check-ins answered in the window (every mentor's, or ``mentor_id``'s)."""
    query = (
        select(MentorCheckin.member_id, MentorCheckin.answered_at)
        .where(
            MentorCheckin.guild_id == guild_id,
            *_within(MentorCheckin.answered_at, since, until),
        )
        .order_by(MentorCheckin.answered_at, MentorCheckin.id)
    )
    if mentor_id is not None:
        query = query.where(MentorCheckin.member_id == mentor_id)
    return [CheckinRow(*row) for row in await session.execute(query)]


async def review(session: AsyncSession, session_id: int) -> AttendanceReview | None:
    found: AttendanceReview | None = await session.scalar(
        select(AttendanceReview).where(AttendanceReview.session_id == session_id)
    )
    return found
