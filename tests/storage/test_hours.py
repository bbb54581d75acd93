"""Service hours on a real database (SQLite, and PostgreSQL when configured): totals by the
mentor's local month, sessions across midnight, disputed sessions and staff reviews,
training and mentor check-ins, and the export's period and mentors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import FixedClock
from bot.config import HoursSettings, load_settings
from bot.errors import NotFound, UserError
from bot.services.hours import Activity, HoursService, Period, Standing
from bot.services.programs import ProgramService
from storage.db import Sessions
from storage.models import (
    Attendance,
    AttendanceAnswer,
    Match,
    MatchStatus,
    Member,
    MentorCheckin,
    MentoringSession,
    Place,
    ProgramRole,
    SessionStatus,
    TrainingCompletion,
    TrainingModule,
)

GUILD = 5
STAFF = 900
NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
SETTINGS = load_settings(None, {})
H, N, R = AttendanceAnswer.HAPPENED, AttendanceAnswer.NO_SHOW, AttendanceAnswer.RESCHEDULED


class School:
    """A program in Chicago with rows written as the other services write them."""

    def __init__(self, sessions: Sessions, settings: HoursSettings = SETTINGS.hours) -> None:
        self.sessions = sessions
        self.clock = FixedClock(NOW)
        self.programs = ProgramService(sessions, self.clock, SETTINGS.program)
        self.service = HoursService(sessions, self.clock, self.programs, settings)

    async def start(self) -> None:
        async with self.sessions.begin() as session:
            program = await self.programs.ensure(session, GUILD)
            program.time_zone = "America/Chicago"

    async def member(self, user_id: int, role: ProgramRole, zone: str | None) -> Member:
        async with self.sessions.begin() as session:
            row = Member(
                guild_id=GUILD,
                user_id=user_id,
                role=role,
                time_zone=zone,
                active=True,
                consented_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(row)
        return row

    async def match(self, mentor: Member, mentee: Member) -> int:
        async with self.sessions.begin() as session:
            row = Match(
                guild_id=GUILD,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                status=MatchStatus.ACTIVE,
                created_by=STAFF,
                created_at=NOW - timedelta(days=90),
            )
            session.add(row)
            await session.flush()
            return row.id

    async def meeting(
        self,
        match_id: int,
        pair: tuple[Member, Member],
        starts_at: datetime,
        minutes: int,
        mentor_said: AttendanceAnswer | None,
        mentee_said: AttendanceAnswer | None,
        status: SessionStatus = SessionStatus.CONFIRMED,
    ) -> int:
        mentor, mentee = pair
        async with self.sessions.begin() as session:
            row = MentoringSession(
                guild_id=GUILD,
                match_id=match_id,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=minutes),
                place=Place.VOICE,
                status=status,
                proposed_by=mentor.id,
                invitee=mentee.id,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(row)
            await session.flush()
            for who, answer in ((mentor, mentor_said), (mentee, mentee_said)):
                if answer is not None:
                    session.add(
                        Attendance(
                            session_id=row.id,
                            member_id=who.id,
                            answer=answer,
                            answered_at=starts_at + timedelta(minutes=minutes + 10),
                        )
                    )
            return row.id

    async def training(
        self, mentor: Member, minutes: int, done_at: datetime, *, confirmed: bool, removed: bool
    ) -> None:
        async with self.sessions.begin() as session:
            module = TrainingModule(
                guild_id=GUILD,
                title=f"Module of {minutes} min",
                content="https://example.org",
                minutes=minutes,
                created_at=NOW - timedelta(days=100),
                removed_at=NOW if removed else None,
            )
            session.add(module)
            await session.flush()
            session.add(
                TrainingCompletion(
                    module_id=module.id,
                    member_id=mentor.id,
                    reflection="listen",
                    completed_at=done_at,
                    confirmed_by=STAFF if confirmed else None,
                    confirmed_at=done_at + timedelta(days=1) if confirmed else None,
                )
            )

    async def mentor_checkin(self, mentor: Member, answered_at: datetime) -> None:
        async with self.sessions.begin() as session:
            session.add(
                MentorCheckin(
                    guild_id=GUILD,
                    member_id=mentor.id,
                    week=(answered_at - timedelta(days=answered_at.weekday())).date(),
                    met=True,
                    going=4,
                    concern=None,
                    needs_support=False,
                    answered_at=answered_at,
                )
            )


@pytest.fixture
async def school(sessions: Sessions) -> School:
    built = School(sessions)
    await built.start()
    return built


# 2026-02-01 05:30 UTC is Saturday Jan 31, 23:30 in Chicago and Sunday Feb 1, 14:30 in Tokyo.
NEAR_MIDNIGHT = datetime(2026, 2, 1, 5, 30, tzinfo=UTC)


async def test_a_session_counts_in_the_mentors_local_month_whole_across_midnight(
    school: School,
) -> None:
    chicago = await school.member(10, ProgramRole.MENTOR, None)  # the program's zone
    tokyo = await school.member(11, ProgramRole.MENTOR, "Asia/Tokyo")
    mentee_a = await school.member(20, ProgramRole.MENTEE, None)
    mentee_b = await school.member(21, ProgramRole.MENTEE, None)
    first = await school.match(chicago, mentee_a)
    second = await school.match(tokyo, mentee_b)
    # 23:30 to 00:30 in Chicago: its whole hour on Jan 31, in January.
    await school.meeting(first, (chicago, mentee_a), NEAR_MIDNIGHT, 60, H, H)
    await school.meeting(second, (tokyo, mentee_b), NEAR_MIDNIGHT, 45, H, None)

    mine = await school.service.mine(GUILD, 10)
    assert [(m.month, m.minutes, m.sessions) for m in mine.by_month()] == [
        (date(2026, 1, 1), 60, 1)
    ]
    assert mine.entries[0].day == date(2026, 1, 31)
    theirs = await school.service.mine(GUILD, 11)
    assert [(m.month, m.minutes) for m in theirs.by_month()] == [(date(2026, 2, 1), 45)]

    january = await school.service.export(GUILD, Period(date(2026, 1, 1), date(2026, 1, 31)))
    assert [(h.user_id, h.minutes) for h in january.mentors] == [(10, 60)]
    february = await school.service.export(GUILD, Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert [(h.user_id, h.minutes) for h in february.mentors] == [(11, 45)]


async def test_a_disputed_session_counts_only_once_staff_say_it_happened(
    school: School,
) -> None:
    mentor = await school.member(10, ProgramRole.MENTOR, "America/Chicago")
    mentee = await school.member(20, ProgramRole.MENTEE, "America/Chicago")
    match = await school.match(mentor, mentee)
    pair = (mentor, mentee)
    agreed = await school.meeting(match, pair, datetime(2026, 2, 3, 22, tzinfo=UTC), 45, H, H)
    disputed = await school.meeting(match, pair, datetime(2026, 2, 10, 22, tzinfo=UTC), 60, H, N)
    moved = await school.meeting(match, pair, datetime(2026, 2, 17, 22, tzinfo=UTC), 30, H, R)
    await school.meeting(match, pair, datetime(2026, 2, 24, 22, tzinfo=UTC), 50, N, H)  # no credit
    await school.meeting(  # cancelled later: never counts
        match, pair, datetime(2026, 2, 25, 22, tzinfo=UTC), 50, H, H, SessionStatus.CANCELLED
    )

    before = await school.service.mine(GUILD, 10)
    assert before.minutes == 45
    assert [(e.session_id, e.standing) for e in before.entries] == [
        (agreed, Standing.COUNTED),
        (disputed, Standing.DISPUTED),
        (moved, Standing.DISPUTED),
    ]
    waiting = await school.service.waiting_review(GUILD)
    assert [(d.session_id, d.mentee_answer) for d in waiting] == [(moved, R), (disputed, N)]
    assert waiting[1].mentor_user_id == 10 and waiting[1].mentee_user_id == 20
    assert waiting[1].day == date(2026, 2, 10) and waiting[1].minutes == 60
    exported = await school.service.export(GUILD, Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert [d.session_id for d in exported.disputed] == [disputed, moved]

    reviewed = await school.service.review(GUILD, STAFF, disputed, happened=True)
    assert reviewed.happened is True and reviewed.minutes == 60
    await school.service.review(GUILD, STAFF, moved, happened=False)
    after = await school.service.mine(GUILD, 10)
    assert after.minutes == 105
    assert [e.standing for e in after.entries] == [
        Standing.COUNTED,
        Standing.CONFIRMED_BY_STAFF,
        Standing.NOT_HAPPENED,
    ]
    assert await school.service.waiting_review(GUILD) == []
    # A review can be changed.
    await school.service.review(GUILD, STAFF, moved, happened=True)
    assert (await school.service.mine(GUILD, 10)).minutes == 135

    for wrong in (agreed, 9999):
        with pytest.raises(NotFound, match="not waiting for staff"):
            await school.service.review(GUILD, STAFF, wrong, happened=True)


async def test_training_and_mentor_checkins_count_their_minutes(school: School) -> None:
    mentor = await school.member(10, ProgramRole.MENTOR, "America/Chicago")
    at = datetime(2026, 1, 12, 20, tzinfo=UTC)
    await school.training(mentor, 120, at, confirmed=True, removed=False)
    await school.training(mentor, 30, at, confirmed=True, removed=True)  # done before removal
    await school.training(mentor, 60, at + timedelta(days=30), confirmed=False, removed=False)
    await school.mentor_checkin(mentor, datetime(2026, 1, 19, 23, tzinfo=UTC))
    await school.mentor_checkin(mentor, datetime(2026, 2, 2, 5, tzinfo=UTC))  # Feb 1 in Chicago

    mine = await school.service.mine(GUILD, 10)
    assert [(m.month, m.minutes, m.trainings, m.checkins) for m in mine.by_month()] == [
        (date(2026, 2, 1), 10, 0, 1),
        (date(2026, 1, 1), 160, 2, 1),
    ]
    assert [e.standing for e in mine.waiting] == [Standing.UNCONFIRMED]
    assert mine.minutes_of(Activity.TRAINING) == 150

    uncounted = School(school.sessions, replace(SETTINGS.hours, mentor_checkin_minutes=0))
    assert (await uncounted.service.mine(GUILD, 10)).minutes_of(Activity.MENTOR_CHECKIN) == 0


async def test_the_export_covers_its_period_up_to_today_and_only_mentors_with_hours(
    school: School,
) -> None:
    busy = await school.member(10, ProgramRole.MENTOR, None)
    await school.member(11, ProgramRole.MENTOR, None)  # nothing yet: no certificate
    erased = await school.member(-12, ProgramRole.MENTOR, None)  # a forgotten member
    left = await school.member(13, ProgramRole.MENTOR, None)
    async with school.sessions.begin() as session:
        row = await session.get(Member, left.id)
        assert row is not None
        row.active = False  # left the program: still gets their certificate
    for who in (busy, erased, left):
        await school.mentor_checkin(who, datetime(2026, 2, 4, 18, tzinfo=UTC))
    await school.mentor_checkin(busy, datetime(2025, 7, 30, 18, tzinfo=UTC))  # last school year

    built = await school.service.export(GUILD)  # this school year, cut at today (Chicago)
    assert built.period == Period(date(2025, 8, 1), date(2026, 3, 10))
    assert built.today == date(2026, 3, 10) and built.made_at == NOW
    assert [(h.user_id, h.minutes) for h in built.mentors] == [(10, 10), (13, 10)]
    last_year = await school.service.export(GUILD, Period(date(2024, 8, 1), date(2025, 7, 31)))
    assert [(h.user_id, h.minutes) for h in last_year.mentors] == [(10, 10)]
    with pytest.raises(UserError, match="hasn't started yet"):
        await school.service.export(GUILD, Period(date(2026, 4, 1), date(2026, 4, 30)))


async def test_hours_are_for_mentors(school: School) -> None:
    await school.member(20, ProgramRole.MENTEE, None)
    for user_id in (20, 404):
        with pytest.raises(UserError, match="Service hours are for mentors"):
            await school.service.mine(GUILD, user_id)
