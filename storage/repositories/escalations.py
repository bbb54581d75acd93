"""Queries on escalations, their timeline (audit events) and the per-server rules."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.batching import chunks
from storage.models import (
    MANUAL,
    Attendance,
    AttendanceAnswer,
    Delivery,
    DeliveryStatus,
    Escalation,
    EscalationEvent,
    EscalationRule,
    EscalationStatus,
    Match,
    MatchStatus,
    Member,
    MentoringSession,
    TrainingCompletion,
    Urgency,
)

LIVE = (EscalationStatus.OPEN, EscalationStatus.CLAIMED)
STAFF_ACTIONS = ("claimed", "note", "resolved", "reassigned")


async def by_id(session: AsyncSession, escalation_id: int) -> Escalation | None:
    return await session.get(Escalation, escalation_id)


async def live_for_rule(session: AsyncSession, member_id: int, source: str) -> Escalation | None:
    """The student's escalation from this rule that is not resolved yet, if any."""
    found: Escalation | None = await session.scalar(
        select(Escalation).where(
            Escalation.member_id == member_id,
            Escalation.source == source,
            Escalation.source != MANUAL,
            Escalation.status.in_(LIVE),
        )
    )
    return found


async def signal_seen(session: AsyncSession, signal_id: int) -> bool:
    found = await session.scalar(
        select(EscalationEvent.id).where(EscalationEvent.signal_id == signal_id).limit(1)
    )
    return found is not None


async def listing(
    session: AsyncSession,
    guild_id: int,
    statuses: Sequence[EscalationStatus],
    assignee: int | None,
    limit: int,
) -> list[Escalation]:
    query = select(Escalation).where(
        Escalation.guild_id == guild_id, Escalation.status.in_(statuses)
    )
    if assignee is not None:
        query = query.where(Escalation.assignee == assignee)
    rows = await session.scalars(query.order_by(Escalation.id.desc()).limit(limit))
    return list(rows)


async def choices(session: AsyncSession, guild_id: int, limit: int) -> list[tuple[Escalation, int]]:
    """Escalations to offer by number: not resolved first, the most urgent and newest first
    among them; each with the student's user id."""
    resolved_last = case((Escalation.status.in_(LIVE), 0), else_=1)
    most_urgent = case(
        (Escalation.urgency == Urgency.RIGHT_NOW, 0),
        (Escalation.urgency == Urgency.TODAY, 1),
        else_=2,
    )
    rows = await session.execute(
        select(Escalation, Member.user_id)
        .join(Member, Member.id == Escalation.member_id)
        .where(Escalation.guild_id == guild_id)
        .order_by(resolved_last, most_urgent, Escalation.id.desc())
        .limit(limit)
    )
    return [(row, user_id) for row, user_id in rows]


async def with_status(
    session: AsyncSession, statuses: Sequence[EscalationStatus]
) -> list[Escalation]:
    """Escalations in these states in every server (what jobs are rebuilt from)."""
    rows = await session.scalars(
        select(Escalation).where(Escalation.status.in_(statuses)).order_by(Escalation.id)
    )
    return list(rows)


async def events(session: AsyncSession, escalation_id: int) -> list[EscalationEvent]:
    rows = await session.scalars(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == escalation_id)
        .order_by(EscalationEvent.id)
    )
    return list(rows)


async def events_of(
    session: AsyncSession, escalation_ids: Sequence[int]
) -> dict[int, list[EscalationEvent]]:
    """Escalation id -> its events, oldest first (one query per thousand escalations)."""
    found: dict[int, list[EscalationEvent]] = {i: [] for i in escalation_ids}
    for chunk in chunks(sorted(set(escalation_ids))):
        rows = await session.scalars(
            select(EscalationEvent)
            .where(EscalationEvent.escalation_id.in_(chunk))
            .order_by(EscalationEvent.id)
        )
        for event in rows:
            found[event.escalation_id].append(event)
    return found


async def students(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, tuple[int, str | None]]:
    """Member id -> (user id, stored display name) of those members that exist."""
    found: dict[int, tuple[int, str | None]] = {}
    for chunk in chunks(sorted(set(member_ids))):
        rows = await session.execute(
            select(Member.id, Member.user_id, Member.display_name).where(Member.id.in_(chunk))
        )
        found.update({member_id: (user_id, name) for member_id, user_id, name in rows})
    return found


async def mentors_of(session: AsyncSession, mentee_ids: Sequence[int]) -> dict[int, int]:
    """Mentee member id -> the user id of their mentor in an active match (those with one)."""
    found: dict[int, int] = {}
    for chunk in chunks(sorted(set(mentee_ids))):
        rows = await session.execute(
            select(Match.mentee_id, Member.user_id)
            .join(Member, Member.id == Match.mentor_id)
            .where(Match.mentee_id.in_(chunk), Match.status == MatchStatus.ACTIVE)
            .order_by(Match.id)
        )
        for mentee_id, user_id in rows:
            found.setdefault(mentee_id, user_id)
    return found


async def attendance_counts(session: AsyncSession, member_id: int) -> dict[AttendanceAnswer, int]:
    """How the student's sessions went, by the student's own answers."""
    rows = await session.execute(
        select(Attendance.answer, func.count())
        .join(MentoringSession, MentoringSession.id == Attendance.session_id)
        .where(Attendance.member_id == member_id)
        .group_by(Attendance.answer)
    )
    return {answer: int(count) for answer, count in rows}


async def known_staff(session: AsyncSession, guild_id: int) -> set[int]:
    """User ids of people who acted as staff in this program: matched students, confirmed
    training, or handled an escalation. (Without the members intent, a role's member list
    is not known to the bot.) Each read distinct in the database: a district's program has
    50,000 matches made by a handful of staff, and an escalation's every step asks."""
    made = select(Match.created_by).where(Match.guild_id == guild_id)
    confirmed = (
        select(TrainingCompletion.confirmed_by)
        .join(Member, Member.id == TrainingCompletion.member_id)
        .where(Member.guild_id == guild_id, TrainingCompletion.confirmed_by.is_not(None))
    )
    handled = (
        select(EscalationEvent.actor)
        .join(Escalation, Escalation.id == EscalationEvent.escalation_id)
        .where(
            Escalation.guild_id == guild_id,
            EscalationEvent.action.in_(STAFF_ACTIONS),
            EscalationEvent.actor.is_not(None),
        )
    )
    found: set[int] = set()
    for query in (made, confirmed, handled):
        found |= set(await session.scalars(query.distinct()))
    return found


async def rules(session: AsyncSession, guild_id: int) -> dict[str, str]:
    rows = await session.execute(
        select(EscalationRule.kind, EscalationRule.urgency).where(
            EscalationRule.guild_id == guild_id
        )
    )
    return {kind: urgency for kind, urgency in rows}


async def rule(session: AsyncSession, guild_id: int, kind: str) -> EscalationRule | None:
    found: EscalationRule | None = await session.scalar(
        select(EscalationRule).where(
            EscalationRule.guild_id == guild_id, EscalationRule.kind == kind
        )
    )
    return found


async def post_channel(session: AsyncSession, key: str) -> int | None:
    """The channel a staff post (a delivery) went to."""
    found: int | None = await session.scalar(select(Delivery.channel_id).where(Delivery.key == key))
    return found


async def sent_post(session: AsyncSession, key: str) -> tuple[int, int] | None:
    """(channel id, message id) of a staff post that went out, if it did."""
    row = (
        await session.execute(
            select(Delivery.channel_id, Delivery.message_id).where(
                Delivery.key == key, Delivery.status == DeliveryStatus.SENT
            )
        )
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return int(row[0]), int(row[1])
