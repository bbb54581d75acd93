"""Queries on mentoring sessions, attendance, holidays and signals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.batching import chunks
from storage.models import (
    Attendance,
    AttendanceAnswer,
    Holiday,
    Match,
    MatchStatus,
    Member,
    MentoringSession,
    SessionStatus,
    Signal,
)

LIVE = (SessionStatus.PROPOSED, SessionStatus.CONFIRMED)


async def by_id(session: AsyncSession, session_id: int) -> MentoringSession | None:
    return await session.get(MentoringSession, session_id)


async def series(session: AsyncSession, row: MentoringSession) -> list[MentoringSession]:
    """The session and the rest of its weekly series, in order."""
    if row.series_id is None:
        return [row]
    rows = await session.scalars(
        select(MentoringSession)
        .where(MentoringSession.series_id == row.series_id)
        .order_by(MentoringSession.starts_at)
    )
    return list(rows)


async def busy_for_members(
    session: AsyncSession, member_ids: Sequence[int], start: datetime, end: datetime
) -> list[MentoringSession]:
    """Live sessions of any of these members that overlap [start, end)."""
    found: dict[int, MentoringSession] = {}
    for chunk in chunks(member_ids):
        rows = await session.scalars(
            select(MentoringSession)
            .join(Match, Match.id == MentoringSession.match_id)
            .where(
                MentoringSession.status.in_(LIVE),
                MentoringSession.starts_at < end,
                MentoringSession.ends_at > start,
                or_(Match.mentor_id.in_(chunk), Match.mentee_id.in_(chunk)),
            )
        )
        found.update({row.id: row for row in rows})
    return sorted(found.values(), key=lambda row: (row.starts_at, row.id))


async def for_member(
    session: AsyncSession, member_id: int, since: datetime
) -> list[MentoringSession]:
    """The member's sessions that end after ``since``, any status, earliest first."""
    rows = await session.scalars(
        select(MentoringSession)
        .join(Match, Match.id == MentoringSession.match_id)
        .where(
            MentoringSession.ends_at > since,
            or_(Match.mentor_id == member_id, Match.mentee_id == member_id),
        )
        .order_by(MentoringSession.starts_at)
    )
    return list(rows)


def _with_pair() -> Any:  # a Select of 4 columns; its type differs across SQLAlchemy 2.x
    """Sessions with their match and the mentor's and mentee's user ids, in one query."""
    mentor, mentee = aliased(Member), aliased(Member)
    return (
        select(MentoringSession, Match, mentor.user_id, mentee.user_id)
        .join(Match, Match.id == MentoringSession.match_id)
        .join(mentor, mentor.id == Match.mentor_id)
        .join(mentee, mentee.id == Match.mentee_id)
    )


async def with_pair(
    session: AsyncSession, session_id: int
) -> tuple[MentoringSession, Match, int, int] | None:
    found = (await session.execute(_with_pair().where(MentoringSession.id == session_id))).first()
    return (found[0], found[1], found[2], found[3]) if found is not None else None


async def with_pairs(
    session: AsyncSession, session_ids: Sequence[int]
) -> list[tuple[MentoringSession, Match, int, int]]:
    found: list[tuple[MentoringSession, Match, int, int]] = []
    for chunk in chunks(session_ids):
        rows = await session.execute(_with_pair().where(MentoringSession.id.in_(chunk)))
        found += [(row, match, mentor, mentee) for row, match, mentor, mentee in rows]
    return found


async def pairs_of_matches(
    session: AsyncSession, match_ids: Sequence[int]
) -> dict[int, tuple[Match, int, int]]:
    """Match id -> (the match, its mentor's user id, its mentee's user id), in one query
    per thousand matches."""
    mentor, mentee = aliased(Member), aliased(Member)
    found: dict[int, tuple[Match, int, int]] = {}
    for chunk in chunks(sorted(set(match_ids))):
        rows = await session.execute(
            select(Match, mentor.user_id, mentee.user_id)
            .join(mentor, mentor.id == Match.mentor_id)
            .join(mentee, mentee.id == Match.mentee_id)
            .where(Match.id.in_(chunk))
        )
        found.update({match.id: (match, a, b) for match, a, b in rows})
    return found


async def confirmed_instants(
    session: AsyncSession, ended_after: datetime, starting_by: datetime
) -> list[tuple[datetime, datetime, datetime]]:
    """(start, end, earliest confirmation) of each distinct (start, end) of the confirmed
    sessions not ended by ``ended_after`` and starting by ``starting_by``: what reminder
    and attendance jobs (one per instant) are planned from, without loading the sessions."""
    rows = await session.execute(
        select(
            MentoringSession.starts_at,
            MentoringSession.ends_at,
            func.min(MentoringSession.updated_at),
        )
        .where(
            MentoringSession.status == SessionStatus.CONFIRMED,
            MentoringSession.ends_at > ended_after,
            MentoringSession.starts_at <= starting_by,
        )
        .group_by(MentoringSession.starts_at, MentoringSession.ends_at)
        .order_by(MentoringSession.starts_at)
    )
    return [(starts, ends, changed) for starts, ends, changed in rows]


async def confirmed_ending_ids(
    session: AsyncSession, since: datetime, before: datetime
) -> list[int]:
    """Ids of the confirmed sessions ending in [since, before), in order."""
    rows = await session.scalars(
        select(MentoringSession.id)
        .where(
            MentoringSession.status == SessionStatus.CONFIRMED,
            MentoringSession.ends_at >= since,
            MentoringSession.ends_at < before,
        )
        .order_by(MentoringSession.ends_at, MentoringSession.id)
    )
    return list(rows)


async def without_session_created_in(
    session: AsyncSession, since: datetime, before: datetime
) -> list[int]:
    """Ids of the active matches, in every server, created in [since, before) with no
    live session."""
    rows = await session.scalars(
        select(Match.id)
        .where(
            Match.status == MatchStatus.ACTIVE,
            Match.created_at >= since,
            Match.created_at < before,
            ~_live_session_of_match(),
        )
        .order_by(Match.id)
    )
    return list(rows)


async def without_session(
    session: AsyncSession, match_ids: Sequence[int]
) -> list[tuple[int, int, int, int | None, int, int]]:
    """(match id, guild id, mentee's member id, pair channel id, mentor's user id, mentee's
    user id) of those of these matches still active with no live session."""
    mentor, mentee = aliased(Member), aliased(Member)
    found: list[tuple[int, int, int, int | None, int, int]] = []
    for chunk in chunks(match_ids):
        rows = await session.execute(
            select(
                Match.id,
                Match.guild_id,
                Match.mentee_id,
                Match.channel_id,
                mentor.user_id,
                mentee.user_id,
            )
            .join(mentor, mentor.id == Match.mentor_id)
            .join(mentee, mentee.id == Match.mentee_id)
            .where(
                Match.id.in_(chunk), Match.status == MatchStatus.ACTIVE, ~_live_session_of_match()
            )
            .order_by(Match.id)
        )
        found += [(a, b, c, d, e, f) for a, b, c, d, e, f in rows]
    return found


def _live_session_of_match() -> Any:
    return (
        select(MentoringSession.id)
        .where(MentoringSession.match_id == Match.id, MentoringSession.status.in_(LIVE))
        .exists()
    )


async def signalled(session: AsyncSession, kind: str, match_ids: Sequence[int]) -> set[int]:
    """Those of these matches with a signal of ``kind``."""
    found: set[int] = set()
    for chunk in chunks(match_ids):
        rows = await session.scalars(
            select(Signal.match_id).where(Signal.kind == kind, Signal.match_id.in_(chunk))
        )
        found.update(match_id for match_id in rows if match_id is not None)
    return found


async def confirmed_starting(
    session: AsyncSession, since: datetime, before: datetime
) -> list[tuple[MentoringSession, Match, int, int]]:
    """Confirmed sessions starting in [since, before), with their pairs."""
    rows = await session.execute(
        _with_pair().where(
            MentoringSession.status == SessionStatus.CONFIRMED,
            MentoringSession.starts_at >= since,
            MentoringSession.starts_at < before,
        )
    )
    return [(row, match, mentor_uid, mentee_uid) for row, match, mentor_uid, mentee_uid in rows]


async def for_match(session: AsyncSession, match_id: int) -> list[MentoringSession]:
    rows = await session.scalars(
        select(MentoringSession)
        .where(MentoringSession.match_id == match_id)
        .order_by(MentoringSession.starts_at)
    )
    return list(rows)


async def attendance(session: AsyncSession, session_id: int, member_id: int) -> Attendance | None:
    found: Attendance | None = await session.scalar(
        select(Attendance).where(
            Attendance.session_id == session_id, Attendance.member_id == member_id
        )
    )
    return found


async def recent_outcomes(
    session: AsyncSession, match_id: int, limit: int
) -> list[tuple[int, list[AttendanceAnswer]]]:
    """(session id, its answers) of the match's latest ``limit`` answered sessions, newest
    first."""
    latest = (
        select(MentoringSession.id)
        .where(
            MentoringSession.match_id == match_id,
            MentoringSession.id.in_(select(Attendance.session_id)),
        )
        .order_by(MentoringSession.starts_at.desc())
        .limit(limit)
    )
    ids = list(await session.scalars(latest))
    rows = await session.execute(
        select(Attendance.session_id, Attendance.answer).where(Attendance.session_id.in_(ids))
    )
    answers: dict[int, list[AttendanceAnswer]] = {session_id: [] for session_id in ids}
    for session_id, answer in rows:
        answers[session_id].append(answer)
    return list(answers.items())


async def holidays(session: AsyncSession, guild_id: int) -> list[Holiday]:
    rows = await session.scalars(
        select(Holiday).where(Holiday.guild_id == guild_id).order_by(Holiday.day)
    )
    return list(rows)


async def holiday(session: AsyncSession, guild_id: int, day: date) -> Holiday | None:
    found: Holiday | None = await session.scalar(
        select(Holiday).where(Holiday.guild_id == guild_id, Holiday.day == day)
    )
    return found


async def remove_holiday(session: AsyncSession, guild_id: int, day: date) -> bool:
    result = await session.execute(
        delete(Holiday).where(Holiday.guild_id == guild_id, Holiday.day == day)
    )
    return bool(getattr(result, "rowcount", 0))


async def last_session_starts(
    session: AsyncSession, now: datetime, latest_by: datetime | None = None
) -> list[tuple[int, datetime]]:
    """(match id, start of its latest confirmed session begun by ``now``, or its creation) of
    every active match, in every server; with ``latest_by``, only those where that is by
    then."""
    return await _latest_starts(session, now, None, None, latest_by)


async def quiet_since(
    session: AsyncSession, now: datetime, after: datetime | None, by: datetime
) -> list[tuple[int, datetime]]:
    """(match id, its latest confirmed session begun by ``now`` or its creation) of every
    active match where that lies in (``after``, ``by``] (``after`` None: by ``by``). The
    candidates are read by range (matches made, sessions begun), so a short span reads the
    few pairs in it, not every pair."""
    if after is None:
        return await _latest_starts(session, now, None, None, by)
    made = await session.scalars(
        select(Match.id).where(
            Match.status == MatchStatus.ACTIVE, Match.created_at > after, Match.created_at <= by
        )
    )
    begun = await session.scalars(
        select(MentoringSession.match_id).where(
            MentoringSession.status == SessionStatus.CONFIRMED,
            MentoringSession.starts_at > after,
            MentoringSession.starts_at <= min(by, now),
        )
    )
    candidates = sorted({*made, *begun})
    found: list[tuple[int, datetime]] = []
    for part in chunks(candidates):
        found += await _latest_starts(session, now, part, after, by)
    return found


async def _latest_starts(
    session: AsyncSession,
    now: datetime,
    match_ids: Sequence[int] | None,
    after: datetime | None,
    by: datetime | None,
) -> list[tuple[int, datetime]]:
    """Active matches' ids (of ``match_ids``, or all) with their latest confirmed session begun
    by ``now``, or their creation, where that lies in (``after``, ``by``]."""
    started = select(
        MentoringSession.match_id, func.max(MentoringSession.starts_at).label("latest")
    ).where(
        MentoringSession.status == SessionStatus.CONFIRMED,
        MentoringSession.starts_at <= now,
    )
    if match_ids is not None:
        started = started.where(MentoringSession.match_id.in_(match_ids))
    latest = started.group_by(MentoringSession.match_id).subquery()
    query = (
        select(Match.id, Match.created_at, latest.c.latest)
        .outerjoin(latest, latest.c.match_id == Match.id)
        .where(Match.status == MatchStatus.ACTIVE)
        .order_by(Match.id)
    )
    if match_ids is not None:
        query = query.where(Match.id.in_(match_ids))
    if by is not None:
        query = query.where(
            Match.created_at <= by, or_(latest.c.latest.is_(None), latest.c.latest <= by)
        )
    found = []
    for match_id, created, begun in await session.execute(query):
        mark = created if begun is None else max(created, begun)
        if after is None or mark > after:
            found.append((match_id, mark))
    return found


async def signalled_since(session: AsyncSession, kind: str, since: dict[int, datetime]) -> set[int]:
    """Of the matches in ``since`` (match id -> instant), those with a ``kind`` signal
    recorded at or after their instant."""
    signalled: set[int] = set()
    for part in chunks(sorted(since)):
        rows = await session.execute(
            select(Signal.match_id, func.max(Signal.created_at))
            .where(Signal.kind == kind, Signal.match_id.in_(part))
            .group_by(Signal.match_id)
        )
        signalled.update(
            match_id
            for match_id, latest in rows
            if match_id is not None and latest is not None and latest >= since[match_id]
        )
    return signalled


async def cancel_ahead(session: AsyncSession, match_id: int, now: datetime) -> None:
    """Cancel the match's live sessions that have not started (the match ended)."""
    await session.execute(
        update(MentoringSession)
        .where(
            MentoringSession.match_id == match_id,
            MentoringSession.status.in_(LIVE),
            MentoringSession.starts_at > now,
        )
        .values(status=SessionStatus.CANCELLED, updated_at=now)
    )
