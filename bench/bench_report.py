"""The program report over a year of synthetic data for 5,000 students, on SQLite and on
PostgreSQL: building the figures (the database part) and rendering the CSVs and charts.

2,500 mentors and 2,500 mentees; 2,500 matches (500 closed during the year, with both
closure surveys; every match has both mid-point surveys, on three statements); 100,000
confirmed sessions, two "Did it happen?" answers for each
(200,000 rows); twelve staff contacts per match; a weekly check-in for each of the 5,000
students over 50 weeks (250,000 rows: one in eight missed, the rest answered with a mood);
two goals per mentee (half done); 3,000 escalations (one in ten still open) with their
opened, claimed and resolved events. Goal: under 2 s for the year report on each database.

    .venv/bin/python bench/bench_report.py [--postgres postgresql+asyncpg://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from bot.clock import FixedClock
from bot.config import DEFAULT_LIKERT_QUESTIONS, load_settings
from bot.report_files import render
from bot.services.reports import SECTIONS, ReportService
from storage.db import create_engine, create_sessions, is_sqlite
from storage.migrate import upgrade
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
    MidpointSurvey,
    Place,
    ProgramRole,
    SessionStatus,
    StaffContact,
    Urgency,
)

GUILD = 1
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
PAIRS = 2_500
SESSIONS_PER_PAIR = 40
CHECKIN_WEEKS = 50
ESCALATIONS = 3_000
CHUNK = 10_000
STATEMENTS = tuple(DEFAULT_LIKERT_QUESTIONS)


async def _insert(connection: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(model), rows[start : start + CHUNK])


def checkins_and_goals(year_ago: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A weekly check-in (Monday 15:30 UTC) for every student, and two goals per mentee."""
    last_due = datetime.combine(NOW.date(), dt_time(15, 30), tzinfo=UTC)
    checkins, goals = [], []
    for member in range(1, 2 * PAIRS + 1):
        for week in range(1, CHECKIN_WEEKS + 1):
            due = last_due - timedelta(weeks=week)
            done = (member + week) % 8 != 0
            checkins.append(
                {
                    "guild_id": GUILD,
                    "member_id": member,
                    "week": due.date(),
                    "due_at": due,
                    "closes_at": due + timedelta(days=2),
                    "status": CheckinStatus.DONE if done else CheckinStatus.MISSED,
                    "mood": 1 + (member * 7 + week) % 5 if done else None,
                    "progress": [],
                    "created_at": due,
                    "answered_at": due + timedelta(hours=3) if done else None,
                }
            )
    for n in range(2 * PAIRS):
        done = n % 2 == 0
        goals.append(
            {
                "guild_id": GUILD,
                "member_id": PAIRS + 1 + n // 2,
                "what": "Hand in every homework",
                "why": "To pass",
                "measure": "No missing homework",
                "due_on": NOW.date(),
                "focus_area": ("academics", "friends", "health")[n % 3],
                "status": GoalStatus.DONE if done else GoalStatus.ACTIVE,
                "proposed_by": None,
                "created_at": year_ago,
                "closed_at": year_ago + timedelta(hours=1 + n) if done else None,
            }
        )
    return checkins, goals


def escalations(year_ago: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Escalations spread over the year: claimed within 1-90 minutes, resolved two days
    later except one in ten, with their events."""
    rows, events = [], []
    step = timedelta(days=365) / ESCALATIONS
    for n in range(ESCALATIONS):
        opened = year_ago + step * n
        still_open = n % 10 == 0
        rows.append(
            {
                "id": n + 1,
                "guild_id": GUILD,
                "member_id": PAIRS + 1 + n % PAIRS,
                "source": MANUAL,
                "raised_by": 10_000 + PAIRS + n % PAIRS,
                "category": "safety",
                "urgency": tuple(Urgency)[n % 3],
                "details": "synthetic",
                "status": EscalationStatus.CLAIMED if still_open else EscalationStatus.RESOLVED,
                "assignee": 1,
                "sla_stage": 0,
                "created_at": opened,
                "updated_at": opened,
            }
        )
        timeline = [("opened", opened), ("claimed", opened + timedelta(minutes=1 + n % 90))]
        if not still_open:
            timeline.append(("resolved", opened + timedelta(days=2)))
        events += [
            {"escalation_id": n + 1, "actor": 1, "action": action, "note": None, "created_at": at}
            for action, at in timeline
        ]
    return rows, events


async def seed(url: str) -> dict[str, int]:
    engine = create_engine(url)
    await upgrade(engine)
    year_ago = NOW - timedelta(days=365)
    members = [
        {
            "id": i + 1,
            "guild_id": GUILD,
            "user_id": 10_000 + i,
            "active": True,
            "role": ProgramRole.MENTOR if i < PAIRS else ProgramRole.MENTEE,
            "created_at": year_ago,
            "updated_at": year_ago,
        }
        for i in range(2 * PAIRS)
    ]
    matches, sessions, answers, surveys, midpoints, contacts = [], [], [], [], [], []
    for pair in range(PAIRS):
        started = year_ago + timedelta(hours=pair)
        closed = pair % 5 == 0
        ended = started + timedelta(days=200) if closed else None
        matches.append(
            {
                "id": pair + 1,
                "guild_id": GUILD,
                "mentor_id": pair + 1,
                "mentee_id": PAIRS + pair + 1,
                "status": MatchStatus.CLOSED if closed else MatchStatus.ACTIVE,
                "created_by": 1,
                "created_at": started,
                "ended_at": ended,
            }
        )
        last = (ended or NOW) - timedelta(hours=1)
        step = (last - started) / SESSIONS_PER_PAIR
        for n in range(SESSIONS_PER_PAIR):
            sid = pair * SESSIONS_PER_PAIR + n + 1
            starts = started + step * (n + 1)
            sessions.append(
                {
                    "id": sid,
                    "guild_id": GUILD,
                    "match_id": pair + 1,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(minutes=45),
                    "place": Place.VOICE,
                    "status": SessionStatus.CONFIRMED,
                    "proposed_by": pair + 1,
                    "invitee": PAIRS + pair + 1,
                    "created_at": starts,
                    "updated_at": starts,
                }
            )
            for who in (pair + 1, PAIRS + pair + 1):
                answer = (
                    AttendanceAnswer.NO_SHOW if (sid + who) % 9 == 0 else AttendanceAnswer.HAPPENED
                )
                answers.append(
                    {
                        "session_id": sid,
                        "member_id": who,
                        "answer": answer,
                        "covered": [],
                        "answered_at": starts,
                    }
                )
        for who in (pair + 1, PAIRS + pair + 1):
            scales = dict(
                zip(STATEMENTS, (1 + (pair + who + k) % 5 for k in range(3)), strict=True)
            )
            midpoints.append(
                {
                    "match_id": pair + 1,
                    "member_id": who,
                    "answers": scales,
                    "submitted_at": started + timedelta(weeks=8),
                }
            )
            if ended is not None:
                surveys.append(
                    {
                        "match_id": pair + 1,
                        "member_id": who,
                        "rating": 1 + (pair + who) % 5,
                        "answers": scales,
                        "submitted_at": ended,
                    }
                )
        contacts += [
            {
                "guild_id": GUILD,
                "match_id": pair + 1,
                "staff_user_id": 1,
                "note": "ok",
                "contacted_at": started + timedelta(days=14 + 30 * k),
            }
            for k in range(12)
            if started + timedelta(days=14 + 30 * k) < (ended or NOW)
        ]
    checkins, goals = checkins_and_goals(year_ago)
    raised, timeline = escalations(year_ago)
    async with engine.begin() as connection:
        await connection.execute(
            insert(GuildSettings).values(
                guild_id=GUILD,
                time_zone="UTC",
                checkin_weekday=0,
                checkin_time=dt_time(15, 30),
                created_at=year_ago,
                updated_at=year_ago,
            )
        )
        for model, rows in (
            (Member, members),
            (Match, matches),
            (MentoringSession, sessions),
            (Attendance, answers),
            (ClosureSurvey, surveys),
            (MidpointSurvey, midpoints),
            (StaffContact, contacts),
            (Checkin, checkins),
            (Goal, goals),
            (Escalation, raised),
            (EscalationEvent, timeline),
        ):
            await _insert(connection, model, rows)
    if not is_sqlite(url):  # PostgreSQL's autovacuum keeps statistics; SQLite has none
        async with engine.connect() as connection:  # unless ANALYZE is run, and Bridges doesn't
            await connection.execute(text("ANALYZE"))
            await connection.commit()
    await engine.dispose()
    return {
        "members": len(members),
        "matches": len(matches),
        "sessions": len(sessions),
        "attendance": len(answers),
        "surveys": len(surveys),
        "midpoint_surveys": len(midpoints),
        "contacts": len(contacts),
        "checkins": len(checkins),
        "goals": len(goals),
        "escalations": len(raised),
        "escalation_events": len(timeline),
    }


async def measure(url: str, label: str) -> None:
    started = time.perf_counter()
    counts = await seed(url)
    print(f"[{label}] seeded {counts} in {time.perf_counter() - started:.1f} s")
    engine = create_engine(url)
    service = ReportService(
        create_sessions(engine), FixedClock(NOW), load_settings(None, {}).report
    )
    for period in ("month", "year"):
        times, report = [], None
        for _ in range(5):
            started = time.perf_counter()
            report = await service.build(service.scope_for_period(GUILD, period))
            times.append(time.perf_counter() - started)
        assert report is not None
        started = time.perf_counter()
        files = await asyncio.to_thread(render, report)
        drawn = time.perf_counter() - started
        print(
            f"[{label}] {period}: build median {statistics.median(times) * 1000:.0f} ms "
            f"(best {min(times) * 1000:.0f}, worst {max(times) * 1000:.0f}); "
            f"render {len(files)} files {drawn * 1000:.0f} ms; "
            f"total {(statistics.median(times) + drawn) * 1000:.0f} ms (goal < 2000)"
        )
        print(f"[{label}] {period} figures: {report.figures}")
        scope = service.scope_for_period(GUILD, period)
        async with create_sessions(engine)() as session:
            for section in SECTIONS:
                started = time.perf_counter()
                await section(session, scope)
                took = (time.perf_counter() - started) * 1000
                print(f"[{label}] {period}:   {section.__name__} {took:.0f} ms")
    await engine.dispose()


async def postgres_database(admin_url: str) -> tuple[str, str]:
    admin = make_url(admin_url)
    name = f"bridges_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(
        user=admin.username, password=admin.password, host=admin.host,
        port=admin.port or 5432, database=admin.database,
    )  # fmt: skip
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return admin.set(database=name).render_as_string(hide_password=False), name


async def drop_postgres(admin_url: str, name: str) -> None:
    admin = make_url(admin_url)
    connection = await asyncpg.connect(
        user=admin.username, password=admin.password, host=admin.host,
        port=admin.port or 5432, database=admin.database,
    )  # fmt: skip
    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="an admin URL; a database is made")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        await measure(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", "sqlite")
    if args.postgres:
        url, name = await postgres_database(args.postgres)
        try:
            await measure(url, "postgresql")
        finally:
            await drop_postgres(args.postgres, name)


if __name__ == "__main__":
    asyncio.run(main())
