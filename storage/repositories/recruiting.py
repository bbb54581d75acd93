"""Queries on invitations, where they were shared, sign-ups and the waiting list."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Invitation,
    InvitationAudience,
    InvitationKind,
    InvitationPost,
    Match,
    MatchStatus,
    Member,
    ProgramRole,
    Signup,
    TrainingCompletion,
    TrainingModule,
)


async def add_invitation(
    session: AsyncSession,
    guild_id: int,
    kind: InvitationKind,
    audience: InvitationAudience,
    message: str | None,
    created_by: int,
    now: datetime,
) -> Invitation:
    row = Invitation(
        guild_id=guild_id,
        kind=kind,
        audience=audience,
        message=message,
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def invitation(session: AsyncSession, invitation_id: int) -> Invitation | None:
    return await session.get(Invitation, invitation_id)


async def open_leader_invitation(
    session: AsyncSession, guild_id: int, user_id: int
) -> Invitation | None:
    """The leader's open invitation, if they have one."""
    found: Invitation | None = await session.scalar(
        select(Invitation)
        .where(
            Invitation.guild_id == guild_id,
            Invitation.created_by == user_id,
            Invitation.kind == InvitationKind.LEADER,
            Invitation.closed_at.is_(None),
        )
        .order_by(Invitation.id.desc())
        .limit(1)
    )
    return found


async def invitations(
    session: AsyncSession, guild_id: int, *, open_only: bool = False
) -> list[Invitation]:
    query = select(Invitation).where(Invitation.guild_id == guild_id)
    if open_only:
        query = query.where(Invitation.closed_at.is_(None))
    return list(await session.scalars(query.order_by(Invitation.id)))


async def add_post(
    session: AsyncSession, invitation_id: int, channel_id: int | None, named: bool, now: datetime
) -> InvitationPost:
    row = InvitationPost(
        invitation_id=invitation_id, channel_id=channel_id, named=named, created_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def channel_posts(session: AsyncSession, invitation_id: int) -> list[InvitationPost]:
    """The invitation's posts in channels (not its DMs), oldest first."""
    rows = await session.scalars(
        select(InvitationPost)
        .where(
            InvitationPost.invitation_id == invitation_id, InvitationPost.channel_id.is_not(None)
        )
        .order_by(InvitationPost.id)
    )
    return list(rows)


async def shares_since(session: AsyncSession, guild_id: int, user_id: int, since: datetime) -> int:
    """Posts and DMs of the invitations ``user_id`` created in the server, after ``since``."""
    count = await session.scalar(
        select(func.count())
        .select_from(InvitationPost)
        .join(Invitation, Invitation.id == InvitationPost.invitation_id)
        .where(
            Invitation.guild_id == guild_id,
            Invitation.created_by == user_id,
            InvitationPost.created_at > since,
        )
    )
    return int(count or 0)


async def add_signup(
    session: AsyncSession,
    guild_id: int,
    member_id: int,
    role: ProgramRole,
    invitation_id: int | None,
    now: datetime,
) -> None:
    session.add(
        Signup(
            guild_id=guild_id,
            member_id=member_id,
            role=role,
            invitation_id=invitation_id,
            joined_at=now,
        )
    )


async def signup_counts(session: AsyncSession, guild_id: int) -> dict[int, int]:
    """Invitation id -> sign-ups through it, for the server's invitations."""
    rows = await session.execute(
        select(Signup.invitation_id, func.count())
        .where(Signup.guild_id == guild_id, Signup.invitation_id.is_not(None))
        .group_by(Signup.invitation_id)
    )
    return {invitation_id: int(count) for invitation_id, count in rows if invitation_id}


async def signup_count(session: AsyncSession, invitation_id: int) -> int:
    count = await session.scalar(
        select(func.count()).select_from(Signup).where(Signup.invitation_id == invitation_id)
    )
    return int(count or 0)


Credited = tuple[int, ProgramRole, int, InvitationKind, int]
"""(member user id, role, invitation id, invitation kind, invitation creator user id)."""


async def credited_members(session: AsyncSession, guild_id: int) -> list[Credited]:
    """Active members whose current membership began through an invitation (their latest
    sign-up points at one), oldest sign-up first."""
    latest = (
        select(Signup.member_id, func.max(Signup.id).label("signup_id"))
        .where(Signup.guild_id == guild_id)
        .group_by(Signup.member_id)
        .subquery()
    )
    rows = await session.execute(
        select(Member.user_id, Signup.role, Invitation.id, Invitation.kind, Invitation.created_by)
        .join(latest, latest.c.member_id == Member.id)
        .join(Signup, Signup.id == latest.c.signup_id)
        .join(Invitation, Invitation.id == Signup.invitation_id)
        .where(Member.guild_id == guild_id, Member.active.is_(True))
        .order_by(Signup.joined_at, Signup.id)
    )
    return [(user, role, inv, kind, by) for user, role, inv, kind, by in rows]


async def waiting_mentees(session: AsyncSession, guild_id: int) -> list[tuple[int, datetime]]:
    """(user id, waiting since) of every active mentee without an active match, longest
    waiting first. A mentee waits from joining (their consent), or from the end of their
    last match when that is later. One pass over the server's matches, joined to members
    (no per-member subquery)."""
    per_mentee = (
        select(
            Match.mentee_id.label("mentee_id"),
            func.max(case((Match.status == MatchStatus.CLOSED, Match.ended_at))).label("ended"),
            func.sum(case((Match.status == MatchStatus.ACTIVE, 1), else_=0)).label("active"),
        )
        .where(Match.guild_id == guild_id)
        .group_by(Match.mentee_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            Member.id,
            Member.user_id,
            func.coalesce(Member.consented_at, Member.created_at),
            per_mentee.c.ended,
        )
        .outerjoin(per_mentee, per_mentee.c.mentee_id == Member.id)
        .where(
            Member.guild_id == guild_id,
            Member.role == ProgramRole.MENTEE,
            Member.active.is_(True),
            func.coalesce(per_mentee.c.active, 0) == 0,
        )
    )
    waiting = sorted(
        (max(joined, match_ended or joined), member_id, int(user_id))
        for member_id, user_id, joined, match_ended in rows
    )
    return [(user_id, since) for since, _, user_id in waiting]


async def free_places(
    session: AsyncSession, guild_id: int, required_minutes: int, default_capacity: int
) -> int:
    """Places trained mentors have left: for each active mentor whose confirmed training
    (over the server's current modules) reaches ``required_minutes``, their capacity minus
    their active matches, if positive; summed in the database."""
    minutes = (
        select(
            TrainingCompletion.member_id.label("member_id"),
            func.sum(TrainingModule.minutes).label("minutes"),
        )
        .join(TrainingModule, TrainingModule.id == TrainingCompletion.module_id)
        .where(
            TrainingModule.guild_id == guild_id,
            TrainingModule.removed_at.is_(None),
            TrainingCompletion.confirmed_at.is_not(None),
        )
        .group_by(TrainingCompletion.member_id)
        .subquery()
    )
    load = (
        select(Match.mentor_id.label("mentor_id"), func.count().label("load"))
        .where(Match.guild_id == guild_id, Match.status == MatchStatus.ACTIVE)
        .group_by(Match.mentor_id)
        .subquery()
    )
    free = func.coalesce(Member.capacity, default_capacity) - func.coalesce(load.c.load, 0)
    total = await session.scalar(
        select(func.coalesce(func.sum(case((free > 0, free), else_=0)), 0))
        .select_from(Member)
        .outerjoin(minutes, minutes.c.member_id == Member.id)
        .outerjoin(load, load.c.mentor_id == Member.id)
        .where(
            Member.guild_id == guild_id,
            Member.role == ProgramRole.MENTOR,
            Member.active.is_(True),
            func.coalesce(minutes.c.minutes, 0) >= required_minutes,
        )
    )
    return int(total or 0)
