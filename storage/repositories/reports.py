"""Aggregate queries for the program report; each reads one server over one period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Attendance,
    AttendanceAnswer,
    ClosureSurvey,
    Match,
    Member,
    MentoringSession,
    SessionStatus,
)

ActiveMatch = tuple[int, int, int, datetime]  # match id, mentor user id, mentee user id, start


async def active_at(session: AsyncSession, guild_id: int, at: datetime) -> list[ActiveMatch]:
    """Matches running at ``at``: created by then and not ended by then."""
    mentor, mentee = aliased(Member), aliased(Member)
    rows = await session.execute(
        select(Match.id, mentor.user_id, mentee.user_id, Match.created_at)
        .join(mentor, mentor.id == Match.mentor_id)
        .join(mentee, mentee.id == Match.mentee_id)
        .where(
            Match.guild_id == guild_id,
            Match.created_at <= at,
            or_(Match.ended_at.is_(None), Match.ended_at > at),
        )
        .order_by(Match.id)
    )
    return [(match_id, a, b, start) for match_id, a, b, start in rows]


def _utc_day(session: AsyncSession, column: Any) -> Any:
    """The UTC calendar day of a stored instant, in SQL (PostgreSQL keeps time zones)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite holds naive UTC text


async def confirmed_per_day(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime
) -> dict[date, int]:
    """UTC day -> confirmed sessions of the server that started then, in [since, until)."""
    day = _utc_day(session, MentoringSession.starts_at)
    rows = await session.execute(
        select(day, func.count())
        .where(
            MentoringSession.guild_id == guild_id,
            MentoringSession.status == SessionStatus.CONFIRMED,
            MentoringSession.starts_at >= since,
            MentoringSession.starts_at < until,
        )
        .group_by(day)
    )
    return {
        value if isinstance(value, date) else date.fromisoformat(value): int(count)
        for value, count in rows
    }


async def sessions_per_match(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime
) -> dict[int, tuple[int, datetime]]:
    """Match id -> (confirmed sessions started in [since, until), the latest start)."""
    rows = await session.execute(
        select(
            MentoringSession.match_id,
            func.count(),
            func.max(MentoringSession.starts_at),
        )
        .where(
            MentoringSession.guild_id == guild_id,
            MentoringSession.status == SessionStatus.CONFIRMED,
            MentoringSession.starts_at >= since,
            MentoringSession.starts_at < until,
        )
        .group_by(MentoringSession.match_id)
    )
    return {match_id: (int(count), last) for match_id, count, last in rows}


async def last_starts(
    session: AsyncSession, match_ids: Sequence[int], until: datetime
) -> dict[int, datetime]:
    """Match id -> when its latest confirmed session before ``until`` started."""
    found: dict[int, datetime] = {}
    for start in range(0, len(match_ids), 500):
        rows = await session.execute(
            select(MentoringSession.match_id, func.max(MentoringSession.starts_at))
            .where(
                MentoringSession.match_id.in_(match_ids[start : start + 500]),
                MentoringSession.status == SessionStatus.CONFIRMED,
                MentoringSession.starts_at < until,
            )
            .group_by(MentoringSession.match_id)
        )
        found.update({match_id: last for match_id, last in rows})
    return found


async def attendance_outcomes(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime
) -> tuple[int, int]:
    """(sessions someone said happened, sessions only reported as no-shows) among the
    confirmed sessions started in [since, until)."""
    per_session = (
        select(
            func.max(case((Attendance.answer == AttendanceAnswer.HAPPENED, 1), else_=0)).label(
                "happened"
            ),
            func.max(case((Attendance.answer == AttendanceAnswer.NO_SHOW, 1), else_=0)).label(
                "missed"
            ),
        )
        .join(MentoringSession, MentoringSession.id == Attendance.session_id)
        .where(
            MentoringSession.guild_id == guild_id,
            MentoringSession.status == SessionStatus.CONFIRMED,
            MentoringSession.starts_at >= since,
            MentoringSession.starts_at < until,
        )
        .group_by(MentoringSession.id)  # sessions in key order: no sort for the grouping
        .subquery()
    )
    row = (
        await session.execute(
            select(
                func.coalesce(func.sum(per_session.c.happened), 0),
                func.coalesce(
                    func.sum(
                        case(
                            (and_(per_session.c.happened == 0, per_session.c.missed == 1), 1),
                            else_=0,
                        )
                    ),
                    0,
                ),
            )
        )
    ).one()
    return int(row[0]), int(row[1])


async def survey_ratings(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime
) -> dict[int, int]:
    """Closure-survey rating -> how many gave it, for surveys answered in [since, until)."""
    rows = await session.execute(
        select(ClosureSurvey.rating, func.count())
        .join(Match, Match.id == ClosureSurvey.match_id)
        .where(
            Match.guild_id == guild_id,
            ClosureSurvey.submitted_at >= since,
            ClosureSurvey.submitted_at < until,
        )
        .group_by(ClosureSurvey.rating)
    )
    return {int(rating): int(count) for rating, count in rows}
