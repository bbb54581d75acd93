"""Aggregate queries for the program report; each reads one server over one period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Attendance,
    AttendanceAnswer,
    Checkin,
    CheckinStatus,
    ClosureSurvey,
    Escalation,
    EscalationEvent,
    Goal,
    GoalStatus,
    Invitation,
    InvitationKind,
    Match,
    Member,
    MentoringSession,
    MidpointSurvey,
    ProgramRole,
    SessionStatus,
    Signup,
    Urgency,
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


async def survey_answers(
    session: AsyncSession,
    table: type[MidpointSurvey] | type[ClosureSurvey],
    guild_id: int,
    since: datetime,
    until: datetime,
) -> list[dict[str, int]]:
    """Each survey's answers ({statement: 1-5}), of the surveys answered in the period."""
    rows = await session.scalars(
        select(table.answers)
        .join(Match, Match.id == table.match_id)
        .where(
            Match.guild_id == guild_id,
            table.submitted_at >= since,
            table.submitted_at < until,
        )
        .order_by(table.id)
    )
    return [dict(answers) for answers in rows]


CheckinCount = tuple[date, CheckinStatus, int | None, int]  # week, status, mood, how many


async def checkin_counts(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime
) -> list[CheckinCount]:
    """How many check-ins due in [since, until) there are per week (the Monday of the
    mentee's local week), status and mood, in one pass over the period's rows."""
    rows = await session.execute(
        select(Checkin.week, Checkin.status, Checkin.mood, func.count())
        .where(Checkin.guild_id == guild_id, Checkin.due_at >= since, Checkin.due_at < until)
        .group_by(Checkin.week, Checkin.status, Checkin.mood)
    )
    return [(week, status, mood, int(count)) for week, status, mood, count in rows]


async def goals_completed(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime
) -> dict[str, int]:
    """Focus area -> goals marked done in [since, until)."""
    rows = await session.execute(
        select(Goal.focus_area, func.count())
        .where(
            Goal.guild_id == guild_id,
            Goal.status == GoalStatus.DONE,
            Goal.closed_at >= since,
            Goal.closed_at < until,
        )
        .group_by(Goal.focus_area)
    )
    return {area: int(count) for area, count in rows}


@dataclass(frozen=True)
class EscalationTimes:
    """One escalation's urgency and the times that matter to the report."""

    urgency: Urgency
    opened: datetime
    first_claimed: datetime | None
    resolved: datetime | None  # the latest "resolved" event before ``until``


async def escalation_times(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime
) -> list[EscalationTimes]:
    """Escalations opened before ``until`` and not resolved before ``since``: every one
    opened, resolved or still open in the period. Events after ``until`` are ignored."""
    events = (
        select(
            EscalationEvent.escalation_id.label("escalation_id"),
            func.min(
                case((EscalationEvent.action == "claimed", EscalationEvent.created_at), else_=None)
            ).label("claimed"),
            func.max(
                case((EscalationEvent.action == "resolved", EscalationEvent.created_at), else_=None)
            ).label("resolved"),
        )
        .join(Escalation, Escalation.id == EscalationEvent.escalation_id)
        .where(
            Escalation.guild_id == guild_id,
            Escalation.created_at < until,
            EscalationEvent.action.in_(("claimed", "resolved")),
            EscalationEvent.created_at < until,
        )
        .group_by(EscalationEvent.escalation_id)
        .subquery()
    )
    rows = await session.execute(
        select(Escalation.urgency, Escalation.created_at, events.c.claimed, events.c.resolved)
        .outerjoin(events, events.c.escalation_id == Escalation.id)
        .where(
            Escalation.guild_id == guild_id,
            Escalation.created_at < until,
            or_(events.c.resolved.is_(None), events.c.resolved >= since),
        )
    )
    return [
        EscalationTimes(urgency, opened, claimed, resolved)
        for urgency, opened, claimed, resolved in rows
    ]


@dataclass(frozen=True)
class SignupRow:
    """One joining, and the invitation it came through (all None: a plain /join)."""

    joined_at: datetime
    role: ProgramRole
    invitation_id: int | None
    kind: InvitationKind | None
    invited_by: int | None  # the staff member or leader the invitation is credited to


async def signups(
    session: AsyncSession, guild_id: int, since: datetime, until: datetime
) -> list[SignupRow]:
    """Sign-ups of the server in [since, until), oldest first."""
    rows = await session.execute(
        select(
            Signup.joined_at,
            Signup.role,
            Signup.invitation_id,
            Invitation.kind,
            Invitation.created_by,
        )
        .outerjoin(Invitation, Invitation.id == Signup.invitation_id)
        .where(Signup.guild_id == guild_id, Signup.joined_at >= since, Signup.joined_at < until)
        .order_by(Signup.joined_at, Signup.id)
    )
    return [SignupRow(*row) for row in rows]


async def mentee_joins(
    session: AsyncSession, guild_id: int, until: datetime
) -> list[tuple[int, datetime]]:
    """(member id, joined at) of every mentee sign-up before ``until``."""
    rows = await session.execute(
        select(Signup.member_id, Signup.joined_at).where(
            Signup.guild_id == guild_id,
            Signup.role == ProgramRole.MENTEE,
            Signup.joined_at < until,
        )
    )
    return [(member_id, joined) for member_id, joined in rows]


async def match_starts(
    session: AsyncSession, guild_id: int, until: datetime
) -> list[tuple[int, datetime]]:
    """(mentee member id, created at) of every match created before ``until``."""
    rows = await session.execute(
        select(Match.mentee_id, Match.created_at).where(
            Match.guild_id == guild_id, Match.created_at < until
        )
    )
    return [(mentee_id, created) for mentee_id, created in rows]
