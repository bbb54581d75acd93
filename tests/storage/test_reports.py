"""The program report's figures against a hand-computed fixture (SQLite and PostgreSQL).

NOW is Monday 2026-11-23 16:00 UTC; the period is the 30 days before it.
Matches: A (mentor 201, mentee 101) started 60 days ago; B (202, 102) 20 days ago;
D (203, 104) 10 days ago; C (203, 103) ran from 90 to 40 days ago; F (201, 104) long closed.
Check-ins, goals and escalations are listed where they are made, with what each counts for.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.clock import FixedClock
from bot.config import ReportSettings
from bot.errors import InvalidInput
from bot.report_files import render
from bot.services.objectives import METRICS, parse_objective
from bot.services.reports import ReportService
from storage.db import Sessions
from storage.models import (
    MANUAL,
    Attendance,
    AttendanceAnswer,
    Checkin,
    CheckinStatus,
    ClosureSurvey,
    Escalation,
    EscalationEvent,
    EscalationStatus,
    Goal,
    GoalStatus,
    GuildSettings,
    Match,
    MatchStatus,
    Member,
    MentoringSession,
    Place,
    ProgramRole,
    SessionStatus,
    StaffContact,
    Urgency,
)

GUILD = 7
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
DAY = timedelta(days=1)
OBJECTIVES = ReportSettings(
    tuple(
        parse_objective(text)
        for text in (
            "attendance_rate >= 90%",
            "pairs_meeting_twice_a_month >= 100%",
            "contacts_overdue <= 0",
            "survey_rating >= 4",
            "checkin_completion >= 80%",
            "minutes_to_claim <= 15",
        )
    )
)


async def fixture(sessions: Sessions) -> None:
    async with sessions.begin() as db:
        db.add(
            GuildSettings(
                guild_id=GUILD,
                time_zone="UTC",
                checkin_weekday=0,
                checkin_time=time(15, 30),
                created_at=NOW,
                updated_at=NOW,
            )
        )
        await db.flush()
        people = {}
        for user_id in (201, 202, 203, 101, 102, 103, 104):
            role = ProgramRole.MENTOR if user_id > 200 else ProgramRole.MENTEE
            people[user_id] = Member(
                guild_id=GUILD, user_id=user_id, role=role, active=True, created_at=NOW,
                updated_at=NOW,
            )  # fmt: skip
        db.add_all(people.values())
        await db.flush()

        def match(mentor: int, mentee: int, started: int, ended: int | None = None) -> Match:
            row = Match(
                guild_id=GUILD, mentor_id=people[mentor].id, mentee_id=people[mentee].id,
                status=MatchStatus.CLOSED if ended else MatchStatus.ACTIVE, created_by=1,
                created_at=NOW - started * DAY,
                ended_at=NOW - ended * DAY if ended else None,
            )  # fmt: skip
            db.add(row)
            return row

        a, b, c = match(201, 101, 60), match(202, 102, 20), match(203, 103, 90, ended=40)
        d, f = match(203, 104, 10), match(201, 104, 200, ended=100)
        await db.flush()

        def talk(
            on: Match, days_ago: int, status: SessionStatus = SessionStatus.CONFIRMED
        ) -> MentoringSession:
            row = MentoringSession(
                guild_id=GUILD, match_id=on.id, starts_at=NOW - days_ago * DAY,
                ends_at=NOW - days_ago * DAY + timedelta(minutes=45), place=Place.VOICE,
                status=status, proposed_by=on.mentor_id, invitee=on.mentee_id, created_at=NOW,
                updated_at=NOW,
            )  # fmt: skip
            db.add(row)
            return row

        a1, a2, a3, a_old = talk(a, 25), talk(a, 18), talk(a, 11), talk(a, 45)
        b1, d1 = talk(b, 16), talk(d, 3)
        talk(d, -2)  # in the future
        talk(d, 5, SessionStatus.CANCELLED)
        talk(c, 50)
        await db.flush()

        def answer(on: MentoringSession, who: int, said: AttendanceAnswer) -> None:
            db.add(
                Attendance(session_id=on.id, member_id=people[who].id, answer=said, answered_at=NOW)
            )

        answer(a1, 201, AttendanceAnswer.HAPPENED)
        answer(a1, 101, AttendanceAnswer.HAPPENED)
        answer(a2, 101, AttendanceAnswer.NO_SHOW)
        answer(a3, 101, AttendanceAnswer.RESCHEDULED)
        answer(b1, 202, AttendanceAnswer.HAPPENED)
        answer(b1, 102, AttendanceAnswer.NO_SHOW)
        answer(a_old, 201, AttendanceAnswer.HAPPENED)
        assert d1.id

        def survey(on: Match, who: int, rating: int, days_ago: int) -> None:
            db.add(
                ClosureSurvey(
                    match_id=on.id, member_id=people[who].id, rating=rating,
                    answers={"Our meetings help me": rating}, comment="private words",
                    submitted_at=NOW - days_ago * DAY,
                )
            )  # fmt: skip

        survey(c, 203, 4, 29)
        survey(c, 103, 3, 5)
        survey(f, 104, 1, 99)
        for days_ago in (50, 40):
            db.add(
                StaffContact(
                    guild_id=GUILD, match_id=a.id, staff_user_id=1, note="ok",
                    contacted_at=NOW - days_ago * DAY,
                )
            )  # fmt: skip

        def checkin(
            who: int, days_ago: int, status: CheckinStatus, mood: int | None = None
        ) -> None:
            due = NOW - days_ago * DAY
            db.add(
                Checkin(
                    guild_id=GUILD, member_id=people[who].id,
                    week=due.date() - timedelta(days=due.weekday()), due_at=due,
                    closes_at=due + 2 * DAY, status=status, mood=mood, went_well="private",
                    created_at=due, answered_at=due if status is CheckinStatus.DONE else None,
                )
            )  # fmt: skip

        done, missed, still_open = CheckinStatus.DONE, CheckinStatus.MISSED, CheckinStatus.OPEN
        checkin(101, 35, done, 1)  # before the period (week of Oct 19 stays empty)
        checkin(101, 28, done, 4)  # week of Oct 26
        checkin(101, 21, done, 2)  # Nov 02
        checkin(101, 14, missed)  # Nov 09
        checkin(102, 14, done, 3)  # Nov 09
        checkin(101, 7, done, 5)  # Nov 16
        checkin(102, 7, missed)  # Nov 16
        checkin(104, 7, still_open)  # Nov 16: neither done nor missed yet
        checkin(101, 0, still_open)  # due at NOW: after the period
        checkin(103, 31, missed)  # before the period

        def goal(who: int, area: str, status: GoalStatus, closed_days_ago: int | None) -> None:
            db.add(
                Goal(
                    guild_id=GUILD, member_id=people[who].id, what="w", why="w", measure="m",
                    due_on=date(2026, 12, 1), focus_area=area, status=status,
                    created_at=NOW - 90 * DAY,
                    closed_at=None if closed_days_ago is None else NOW - closed_days_ago * DAY,
                )
            )  # fmt: skip

        goal(101, "school", GoalStatus.DONE, 10)
        goal(101, "school", GoalStatus.DONE, 40)  # before the period
        goal(102, "friends", GoalStatus.DONE, 3)
        goal(102, "friends", GoalStatus.ACTIVE, None)
        goal(101, "health", GoalStatus.DROPPED, 5)
        await db.flush()

        async def escalation(
            who: int, urgency: Urgency, opened: timedelta, *events: tuple[str, timedelta]
        ) -> None:
            """``opened`` ago; each event (action, after the opening)."""
            resolved = any(
                action == "resolved" and NOW - opened + after < NOW for action, after in events
            )
            row = Escalation(
                guild_id=GUILD, member_id=people[who].id, source=MANUAL, raised_by=who,
                urgency=urgency, details="private",
                status=EscalationStatus.RESOLVED if resolved else EscalationStatus.OPEN,
                created_at=NOW - opened, updated_at=NOW,
            )  # fmt: skip
            db.add(row)
            await db.flush()
            for action, after in [("opened", timedelta()), *events]:
                db.add(
                    EscalationEvent(
                        escalation_id=row.id, actor=1, action=action, note="private",
                        created_at=NOW - opened + after,
                    )
                )  # fmt: skip

        minute = timedelta(minutes=1)
        urgent, today, later = Urgency.RIGHT_NOW, Urgency.TODAY, Urgency.CAN_WAIT
        # E1: opened, claimed in 10 min, resolved, all in the period
        await escalation(101, urgent, 20 * DAY, ("claimed", 10 * minute), ("resolved", DAY))
        # E2: opened in the period, claimed in 30 min (the later claim does not count), open
        await escalation(102, urgent, 5 * DAY, ("claimed", 30 * minute), ("claimed", DAY))
        # E3: opened before the period, resolved in it: resolved, not opened, no claim time
        await escalation(103, today, 40 * DAY, ("claimed", DAY), ("resolved", 38 * DAY))
        # E4: opened in the period, never claimed: open
        await escalation(104, later, 3 * DAY)
        # E5: opened and resolved before the period: not counted at all
        await escalation(101, today, 60 * DAY, ("claimed", minute), ("resolved", 10 * DAY))
        # E6: opened before the period, never resolved: still open
        await escalation(102, later, 50 * DAY)
        # E7: opened in the period, claimed in 120 min, resolved only after NOW: still open
        await escalation(101, today, DAY, ("claimed", 120 * minute), ("resolved", 2 * DAY))


async def test_the_figures_match_the_hand_computed_fixture(sessions: Sessions) -> None:
    await fixture(sessions)
    service = ReportService(sessions, FixedClock(NOW), OBJECTIVES)

    report = await service.build(service.scope_for_period(GUILD, "month"))

    assert report.figures == {
        "active_matches": 3,  # A, B, D
        "pairs_meeting_twice_a_month": 100.0,  # only A is 30+ days old: 3 sessions
        "pairs_without_contact_14d": 1,  # B: last session 16 days ago; D is too new
        "sessions_per_week": 1.17,  # 5 confirmed sessions started in 30 days
        "attendance_rate": 66.7,  # A1 and B1 happened, A2 a no-show, A3 rescheduled
        "survey_rating": 3.5,  # 4 and 3 in the period; the 1 was 99 days ago
        "midpoint_agreement": None,  # no mid-point survey (tests/storage/test_surveys.py)
        "closure_agreement": 3.5,  # each closure survey agreed as much as it rated
        "contacts_overdue": 2,  # A: 2 early contacts, monthly due 10 days ago; B: never
        "checkin_completion": 66.7,  # 4 done, 2 missed; open ones and others out of period
        "mood_average": 3.5,  # (4 + 2 + 3 + 5) / 4
        "goals_completed": 2,  # school 10 days ago, friends 3 days ago
        "escalations_opened": 4,  # E1, E2, E4, E7
        "escalations_resolved": 2,  # E1, E3
        "escalations_open": 4,  # E2, E4, E6, E7
        "minutes_to_claim": 30.0,  # median of E1 10, E2 30, E7 120
        "signups": 0,  # members made here, not joined (tests/storage/test_recruiting.py)
        "signups_invited": 0,
        "days_to_match_median": None,
        "days_to_match_longest": None,
        "mentees_waiting": 1,  # 103, whose match C closed
        "longest_wait_days": 0.0,  # 103's row was made at NOW
    }
    assert [(j.objective.text, j.value, j.met) for j in report.objectives] == [
        ("attendance_rate >= 90%", 66.7, False),
        ("pairs_meeting_twice_a_month >= 100%", 100.0, True),
        ("contacts_overdue <= 0", 2, False),
        ("survey_rating >= 4", 3.5, False),
        ("checkin_completion >= 80%", 66.7, False),
        ("minutes_to_claim <= 15", 30.0, False),
    ]
    assert report.table("sessions_per_week").rows == (
        ("2026-10-19", 0),
        ("2026-10-26", 1),
        ("2026-11-02", 2),
        ("2026-11-09", 1),
        ("2026-11-16", 1),
        ("2026-11-23", 0),
    )
    (quiet,) = report.table("pairs_without_contact_14d").rows
    assert quiet[1:3] == (202, 102) and quiet[4] == (NOW - 16 * DAY).isoformat()
    overdue = report.table("contacts_overdue").rows
    assert [(row[1], row[3]) for row in overdue] == [
        (201, (NOW - 10 * DAY).isoformat()),
        (202, (NOW - 6 * DAY).isoformat()),
    ]
    assert report.table("closure_survey_ratings").rows == ((1, 0), (2, 0), (3, 1), (4, 1), (5, 0))
    assert report.table("checkins_per_week").rows == (
        ("2026-10-19", 0, 0, "", ""),
        ("2026-10-26", 1, 0, 100.0, 4.0),
        ("2026-11-02", 1, 0, 100.0, 2.0),
        ("2026-11-09", 1, 1, 50.0, 3.0),
        ("2026-11-16", 1, 1, 50.0, 5.0),
        ("2026-11-23", 0, 0, "", ""),
    )
    assert report.table("mood_distribution").rows == ((1, 0), (2, 1), (3, 1), (4, 1), (5, 1))
    assert report.table("goals_completed").rows == (("friends", 1), ("school", 1))
    assert report.table("escalations_by_urgency").rows == (
        ("can_wait", 1, 0, 2, ""),  # E4 opened; E4 and E6 open
        ("today", 1, 1, 1, 120.0),  # E7 opened and open; E3 resolved
        ("right_now", 2, 1, 1, 20.0),  # E1 and E2 opened; E1 resolved; median of 10 and 30
    )
    charts = {chart.name: chart for chart in report.charts}
    weekly = charts["checkin_completion_per_week"].values
    assert weekly[1:5] == (100.0, 100.0, 50.0, 50.0) and all(v != v for v in weekly[::5])  # NaN
    assert charts["mood_distribution"].values == (0.0, 1.0, 1.0, 1.0, 1.0)
    trend = charts["mood_trend"]
    assert trend.line and trend.values[1:5] == (4.0, 2.0, 3.0, 5.0)
    assert all(v != v for v in trend.values[::5])  # no answer those weeks: a gap
    assert report.table("survey_statements").rows == (("Our meetings help me", "", 0, 3.5, 2),)
    assert "private" not in str(report)  # no student's words in any figure or table


async def test_the_report_renders_a_csv_per_table_and_a_png_per_chart(sessions: Sessions) -> None:
    await fixture(sessions)
    service = ReportService(sessions, FixedClock(NOW), OBJECTIVES)
    report = await service.build(service.scope_for_period(GUILD, "week"))
    files = dict(render(report))
    assert set(files) == {
        "figures.csv",
        "objectives.csv",
        "pairs_without_contact_14d.csv",
        "sessions_per_week.csv",
        "attendance.csv",
        "closure_survey_ratings.csv",
        "survey_statements.csv",
        "contacts_overdue.csv",
        "checkins_per_week.csv",
        "mood_distribution.csv",
        "goals_completed.csv",
        "escalations_by_urgency.csv",
        "signups_by_source.csv",
        "signups_by_leader.csv",
        "signups_per_week.csv",
        "time_to_match_per_week.csv",
        "waiting_list.csv",
        "sessions_per_week.png",
        "closure_survey_ratings.png",
        "checkin_completion_per_week.png",
        "mood_distribution.png",
        "mood_trend.png",
        "signups_per_week.png",
    }
    assert files["mood_trend.png"].startswith(b"\x89PNG")
    assert files["checkin_completion_per_week.png"].startswith(b"\x89PNG")
    assert files["sessions_per_week.png"].startswith(b"\x89PNG")
    assert files["objectives.csv"].decode().splitlines()[1] == "attendance_rate >= 90%,,no data"


async def test_an_empty_program_reports_zeros_and_no_data(sessions: Sessions) -> None:
    service = ReportService(sessions, FixedClock(NOW), OBJECTIVES)
    report = await service.build(service.scope_for_period(GUILD, "year"))
    assert report.figures["active_matches"] == 0 and report.figures["attendance_rate"] is None
    assert [j.met for j in report.objectives] == [None, None, True, None, None, None]
    assert report.figures["checkin_completion"] is None and report.figures["goals_completed"] == 0
    assert report.figures["escalations_open"] == 0 and report.figures["minutes_to_claim"] is None
    assert set(report.figures) == set(METRICS)  # every metric an objective can name is computed


def test_periods_and_start_dates_are_checked(sessions: Sessions) -> None:
    service = ReportService(sessions, FixedClock(NOW), OBJECTIVES)
    with pytest.raises(InvalidInput, match="week, month, term, year"):
        service.scope_for_period(GUILD, "decade")
    scope = service.scope_since(GUILD, date(2026, 9, 1))
    assert scope.since == datetime(2026, 9, 1, tzinfo=UTC) and scope.until == NOW
    with pytest.raises(InvalidInput, match="before today"):
        service.scope_since(GUILD, date(2026, 11, 24))
    with pytest.raises(InvalidInput, match="last 800 days"):
        service.scope_since(GUILD, date(2020, 1, 1))
