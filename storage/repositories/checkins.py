"""Queries on goals, weekly check-ins, check-in preferences and mentor check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from storage.batching import among, chunks, insert_rows
from storage.models import (
    Checkin,
    CheckinPreference,
    CheckinStatus,
    Goal,
    GoalStatus,
    GuildSettings,
    Holiday,
    Match,
    MatchStatus,
    Member,
    MentorCheckin,
    ProgramRole,
)

#: Rows read per step of a streamed query (the event loop is given back between two).
STREAM_PARTITION = 1000

# ------------------------------------------------------------------ goals


async def goal(session: AsyncSession, goal_id: int) -> Goal | None:
    return await session.get(Goal, goal_id)


async def goals_of(
    session: AsyncSession, member_id: int, statuses: Sequence[GoalStatus]
) -> list[Goal]:
    rows = await session.scalars(
        select(Goal).where(Goal.member_id == member_id, Goal.status.in_(statuses)).order_by(Goal.id)
    )
    return list(rows)


class GoalLine(NamedTuple):
    """An active goal as a prompt lists it."""

    id: int
    member_id: int
    what: str


async def active_goal_lines(session: AsyncSession, member_ids: Sequence[int]) -> list[GoalLine]:
    """Active goals of many members (id, member, what; no entities), oldest first."""
    found: list[GoalLine] = []
    for among_them in among(session, Goal.member_id, member_ids):
        rows = await session.execute(
            select(Goal.id, Goal.member_id, Goal.what).where(
                among_them, Goal.status == GoalStatus.ACTIVE
            )
        )
        found += [GoalLine(*row) for row in rows]
    return sorted(found)


async def goals_by_ids(session: AsyncSession, goal_ids: Sequence[int]) -> dict[int, Goal]:
    found: dict[int, Goal] = {}
    for chunk in chunks(goal_ids):
        found.update(
            {g.id: g for g in await session.scalars(select(Goal).where(Goal.id.in_(chunk)))}
        )
    return found


# ------------------------------------------------------------------ who is due


async def zones_in_use(session: AsyncSession) -> list[str]:
    """Every time zone an active member's check-in is read in (their own, or the program's)."""
    zone = func.coalesce(Member.time_zone, GuildSettings.time_zone)
    rows = await session.scalars(
        select(zone)
        .join(GuildSettings, GuildSettings.guild_id == Member.guild_id)
        .where(Member.active.is_(True))
        .distinct()
    )
    return sorted(rows)


def with_rhythm(
    role: ProgramRole, *columns: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> Select[Any]:
    """The active members with ``role``: ``columns``, then what decides their check-in's
    day and time (program zone, weekday and time; their own weekday, time and pause)."""
    return (
        select(
            *columns,
            GuildSettings.time_zone.label("program_zone"),
            GuildSettings.checkin_weekday,
            GuildSettings.checkin_time,
            CheckinPreference.weekday,
            CheckinPreference.at,
            CheckinPreference.paused_until,
        )
        .join(GuildSettings, GuildSettings.guild_id == Member.guild_id)
        .outerjoin(CheckinPreference, CheckinPreference.member_id == Member.id)
        .where(Member.active.is_(True), Member.role == role)
    )


async def rhythms(
    session: AsyncSession,
    role: ProgramRole,
    slots: Sequence[tuple[str, int, time]] | None = None,
    member_id: int | None = None,
) -> list[tuple[Any, ...]]:
    """Every active member with ``role`` in every server, in one query: (member id, user id,
    guild id, member zone, joined at, language, program zone, program weekday, program
    time, own weekday, own time, paused until). ``slots`` keeps only members whose check-in is set
    to one of these (zone, weekday, local time); ``member_id`` only that member."""
    query = with_rhythm(
        role,
        Member.id,
        Member.user_id,
        Member.guild_id,
        Member.time_zone,
        Member.consented_at,
        Member.language,
    ).order_by(Member.id)
    if member_id is not None:
        query = query.where(Member.id == member_id)
    if slots is not None:
        zone = func.coalesce(Member.time_zone, GuildSettings.time_zone)
        weekday = func.coalesce(CheckinPreference.weekday, GuildSettings.checkin_weekday)
        at = func.coalesce(CheckinPreference.at, GuildSettings.checkin_time)
        query = query.where(
            or_(false(), *(and_(zone == z, weekday == w, at == t) for z, w, t in slots))
        )
    # Streamed in partitions: reading 50,000 rows at once held the event loop for seconds.
    found: list[tuple[Any, ...]] = []
    result = await session.stream(query)
    async for partition in result.partitions(STREAM_PARTITION):
        found += [tuple(row) for row in partition]
    return found


async def weeks_taken(
    session: AsyncSession, since: date, member_ids: Sequence[int] | None = None
) -> set[tuple[int, date]]:
    """(member id, week) of every check-in (of these members) from the week ``since`` on."""
    query = select(Checkin.member_id, Checkin.week).where(Checkin.week >= since)
    if member_ids is None:
        return {(member_id, week) for member_id, week in await session.execute(query)}
    taken: set[tuple[int, date]] = set()
    for among_them in among(session, Checkin.member_id, member_ids):
        rows = await session.execute(query.where(among_them))
        taken |= {(member_id, week) for member_id, week in rows}
    return taken


async def all_holidays(session: AsyncSession) -> dict[int, set[date]]:
    days: dict[int, set[date]] = {}
    for guild_id, day in await session.execute(select(Holiday.guild_id, Holiday.day)):
        days.setdefault(guild_id, set()).add(day)
    return days


async def mentors_with_mentees(session: AsyncSession) -> set[int]:
    """Member ids of mentors with at least one active match."""
    rows = await session.scalars(
        select(Match.mentor_id).where(Match.status == MatchStatus.ACTIVE).distinct()
    )
    return set(rows)


# ------------------------------------------------------------------ check-ins


class OpenedRow(NamedTuple):
    """A check-in just inserted (its other columns are what the caller gave)."""

    id: int
    member_id: int


async def open_many(session: AsyncSession, values: Sequence[dict[str, Any]]) -> list[OpenedRow]:
    """Insert check-ins (``insert_rows``); a (member, week) that has one is left as it is.
    Returns the rows inserted, by id."""
    found = await insert_rows(
        session,
        _CHECKINS,
        values,
        conflict=["member_id", "week"],
        returning=["id", "member_id"],
    )
    return sorted(OpenedRow(*row) for row in found)


#: The Core table, not the entity: no ORM bookkeeping for thousands of plain rows.
_CHECKINS = Checkin.metadata.tables[Checkin.__tablename__]


async def pair_channels(session: AsyncSession, mentee_ids: Sequence[int]) -> dict[int, int | None]:
    """The channel of each of these mentees' active match, by mentee (a mentee without one
    is left out): what a check-in's prompt needs of its pair, read before it is opened.
    Matches alone (by their mentee index), not joined to members: a fan-out asks this once
    per part, and a join planned as a scan of every match cost a part the whole table."""
    found: dict[int, int | None] = {}
    for among_them in among(session, Match.mentee_id, mentee_ids):
        rows = await session.execute(
            select(Match.mentee_id, Match.channel_id).where(
                among_them, Match.status == MatchStatus.ACTIVE
            )
        )
        found.update({mentee_id: channel for mentee_id, channel in rows})
    return found


class PromptRow(NamedTuple):
    """What a check-in's prompt needs of its row and its people (no entities: a fan-out
    reads thousands)."""

    id: int
    member_id: int
    guild_id: int
    user_id: int
    closes_at: datetime
    created_at: datetime
    channel_id: int | None  # the active match's channel


async def with_people(session: AsyncSession, *conditions: Any) -> list[PromptRow]:
    """Check-ins matching ``conditions`` with the mentee's user id and their active
    match's channel, in one query."""
    rows = await session.execute(
        select(
            Checkin.id,
            Checkin.member_id,
            Checkin.guild_id,
            Member.user_id,
            Checkin.closes_at,
            Checkin.created_at,
            Match.channel_id,
        )
        .join(Member, Member.id == Checkin.member_id)
        .outerjoin(
            Match, (Match.mentee_id == Checkin.member_id) & (Match.status == MatchStatus.ACTIVE)
        )
        .where(*conditions)
        .order_by(Checkin.id)
    )
    return [PromptRow(*row) for row in rows]


async def open_due_at(session: AsyncSession, due_at: datetime) -> list[PromptRow]:
    """The open check-ins due at ``due_at``, with their people."""
    return await with_people(
        session, Checkin.due_at == due_at, Checkin.status == CheckinStatus.OPEN
    )


async def open_due_instants(session: AsyncSession) -> list[datetime]:
    rows = await session.scalars(
        select(Checkin.due_at).where(Checkin.status == CheckinStatus.OPEN).distinct()
    )
    return sorted(rows)


async def checkin(session: AsyncSession, checkin_id: int) -> Checkin | None:
    return await session.get(Checkin, checkin_id)


async def answer(session: AsyncSession, checkin_id: int, now: datetime, **values: Any) -> bool:
    """Store the answers if the check-in is still open and inside its window; True when
    this call stored them (a double submit stores nothing the second time)."""
    result = await session.execute(
        update(Checkin)
        .where(
            Checkin.id == checkin_id,
            Checkin.status == CheckinStatus.OPEN,
            Checkin.closes_at > now,
        )
        .values(status=CheckinStatus.DONE, answered_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_missed(
    session: AsyncSession, due_at: datetime, now: datetime
) -> list[tuple[int, int, int]]:
    """Mark the open check-ins due at ``due_at`` whose window has closed as missed;
    returns (check-in id, guild id, member id) of each one this call marked."""
    result = await session.execute(
        update(Checkin)
        .where(
            Checkin.due_at == due_at,
            Checkin.status == CheckinStatus.OPEN,
            Checkin.closes_at <= now,
        )
        .values(status=CheckinStatus.MISSED)
        .returning(Checkin.id, Checkin.guild_id, Checkin.member_id)
        .execution_options(synchronize_session=False)
    )
    return [(row_id, guild_id, member_id) for row_id, guild_id, member_id in result]


async def missed_before(session: AsyncSession, checkin_ids: Sequence[int]) -> set[int]:
    """Which of these check-ins follow a missed one of the same member (the member's check-in
    just before its week, weeks without one not counted): one statement per chunk."""
    earlier = aliased(Checkin)
    before = (
        select(earlier.status)
        .where(earlier.member_id == Checkin.member_id, earlier.week < Checkin.week)
        .order_by(earlier.week.desc())
        .limit(1)
        .correlate(Checkin)
        .scalar_subquery()
    )
    found: set[int] = set()
    for chunk in chunks(checkin_ids):
        result = await session.scalars(
            select(Checkin.id).where(Checkin.id.in_(chunk), before == CheckinStatus.MISSED)
        )
        found.update(result)
    return found


async def active_matches_of_mentees(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, int]:
    """Each of these mentees' active match id, by mentee (one statement per chunk)."""
    found: dict[int, int] = {}
    for chunk in chunks(member_ids):
        result = await session.execute(
            select(Match.mentee_id, Match.id).where(
                Match.mentee_id.in_(chunk), Match.status == MatchStatus.ACTIVE
            )
        )
        found.update({mentee_id: match_id for mentee_id, match_id in result})
    return found


async def history(session: AsyncSession, member_id: int, limit: int) -> list[Checkin]:
    """The member's latest check-ins, newest first."""
    rows = await session.scalars(
        select(Checkin)
        .where(Checkin.member_id == member_id)
        .order_by(Checkin.week.desc())
        .limit(limit)
    )
    return list(rows)


async def previous(session: AsyncSession, member_id: int, week: date) -> Checkin | None:
    """The member's check-in before ``week`` (weeks without one are not counted)."""
    found: Checkin | None = await session.scalar(
        select(Checkin)
        .where(Checkin.member_id == member_id, Checkin.week < week)
        .order_by(Checkin.week.desc())
        .limit(1)
    )
    return found


async def statuses(session: AsyncSession, member_id: int) -> list[CheckinStatus]:
    """Every check-in status of the member, newest week first."""
    rows = await session.scalars(
        select(Checkin.status).where(Checkin.member_id == member_id).order_by(Checkin.week.desc())
    )
    return list(rows)


async def preference(session: AsyncSession, member_id: int) -> CheckinPreference | None:
    return await session.get(CheckinPreference, member_id)


async def set_preference(
    session: AsyncSession,
    member_id: int,
    now: datetime,
    *,
    weekday: int | None = None,
    at: time | None = None,
    paused_until: date | None = None,
) -> CheckinPreference:
    row = await preference(session, member_id)
    if row is None:
        row = CheckinPreference(member_id=member_id, updated_at=now)
        session.add(row)
    if weekday is not None and at is not None:
        row.weekday, row.at = weekday, at
    if paused_until is not None:
        row.paused_until = paused_until
    row.updated_at = now
    return row


async def active_match_of_mentee(session: AsyncSession, member_id: int) -> Match | None:
    found: Match | None = await session.scalar(
        select(Match).where(Match.mentee_id == member_id, Match.status == MatchStatus.ACTIVE)
    )
    return found


# ------------------------------------------------------------------ mentor check-ins


async def mentor_checkin(session: AsyncSession, member_id: int, week: date) -> MentorCheckin | None:
    found: MentorCheckin | None = await session.scalar(
        select(MentorCheckin).where(
            MentorCheckin.member_id == member_id, MentorCheckin.week == week
        )
    )
    return found


async def mentor_checkin_by_id(session: AsyncSession, answer_id: int) -> MentorCheckin | None:
    return await session.get(MentorCheckin, answer_id)


async def mentor_history(session: AsyncSession, member_id: int, limit: int) -> list[MentorCheckin]:
    """The mentor's latest check-ins, newest first."""
    rows = await session.scalars(
        select(MentorCheckin)
        .where(MentorCheckin.member_id == member_id)
        .order_by(MentorCheckin.week.desc())
        .limit(limit)
    )
    return list(rows)


async def mentor_channels(session: AsyncSession, mentor_ids: Sequence[int]) -> dict[int, int]:
    """A pair channel id for each of these mentors with an active match (their first one),
    by their index: a fan-out asks this of thousands."""
    found: dict[int, int] = {}
    for among_them in among(session, Match.mentor_id, mentor_ids):
        rows = await session.execute(
            select(Match.mentor_id, Match.channel_id)
            .where(among_them, Match.status == MatchStatus.ACTIVE)
            .order_by(Match.id)
        )
        for mentor_id, channel_id in rows:
            if channel_id is not None:
                found.setdefault(mentor_id, channel_id)
    return found
