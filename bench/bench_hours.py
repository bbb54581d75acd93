"""Service hours for a school year: /staff hours export over 300 mentors on SQLite.

Each mentor has a mentee, 36 weekly sessions (both answered "happened", one in twelve the
mentee disputed), 6 training modules (one unconfirmed) and 36 mentor check-ins: 10,800
sessions, 21,600 attendance answers, 1,800 completions, 10,800 check-ins. Measured: the
export's database part (``HoursService.export``, median of 5), rendering every CSV and
certificate (the thread the cog runs), one certificate, the zip the cog attaches, and the
first certificate's cost with fpdf2 and fontTools imported cold (a separate process).

    .venv/bin/python bench/bench_hours.py [--mentors N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bot.clock import FixedClock
from bot.config import load_settings
from bot.hours_pdf import Certificate, certificate_pdf
from bot.services.hours import HoursService
from bot.services.programs import ProgramService
from cogs.hours import bundled, export_files
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import (
    Attendance,
    AttendanceAnswer,
    GuildSettings,
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

GUILD = 1
NOW = datetime(2026, 6, 15, 18, 0, tzinfo=UTC)
WEEKS = 36
MODULES = 6
START = datetime(2025, 9, 1, 21, 0, tzinfo=UTC)
CHUNK = 10_000


async def _insert(connection: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(model), rows[start : start + CHUNK])


def people(mentors: int) -> list[dict[str, Any]]:
    return [
        {
            "id": n,
            "guild_id": GUILD,
            "user_id": 10_000 + n,
            "role": ProgramRole.MENTOR if n <= mentors else ProgramRole.MENTEE,
            "time_zone": "America/Chicago",
            "active": True,
            "created_at": START,
            "updated_at": START,
        }
        for n in range(1, 2 * mentors + 1)
    ]


def sessions_and_answers(mentors: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    talks: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for pair in range(1, mentors + 1):
        for week in range(WEEKS):
            talk = len(talks) + 1
            starts = START + timedelta(weeks=week, minutes=pair % 60)
            talks.append(
                {
                    "id": talk,
                    "guild_id": GUILD,
                    "match_id": pair,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(minutes=45),
                    "place": Place.VOICE,
                    "status": SessionStatus.CONFIRMED,
                    "proposed_by": pair,
                    "invitee": mentors + pair,
                    "created_at": starts,
                    "updated_at": starts,
                }
            )
            mentee_said = AttendanceAnswer.NO_SHOW if week % 12 == 5 else AttendanceAnswer.HAPPENED
            for member, said in ((pair, AttendanceAnswer.HAPPENED), (mentors + pair, mentee_said)):
                answers.append(
                    {
                        "session_id": talk,
                        "member_id": member,
                        "answer": said,
                        "covered": [],
                        "answered_at": starts + timedelta(hours=1),
                    }
                )
    return talks, answers


async def seed(url: str, mentors: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    talks, answers = sessions_and_answers(mentors)
    async with engine.begin() as connection:
        await _insert(
            connection,
            GuildSettings,
            [
                {
                    "guild_id": GUILD,
                    "time_zone": "America/Chicago",
                    "checkin_weekday": 0,
                    "checkin_time": dt_time(15, 30),
                    "created_at": START,
                    "updated_at": START,
                }
            ],
        )
        await _insert(connection, Member, people(mentors))
        await _insert(
            connection,
            Match,
            [
                {
                    "id": pair,
                    "guild_id": GUILD,
                    "mentor_id": pair,
                    "mentee_id": mentors + pair,
                    "status": MatchStatus.ACTIVE,
                    "created_by": 1,
                    "created_at": START,
                }
                for pair in range(1, mentors + 1)
            ],
        )
        await _insert(connection, MentoringSession, talks)
        await _insert(connection, Attendance, answers)
        await _insert(
            connection,
            TrainingModule,
            [
                {
                    "id": n,
                    "guild_id": GUILD,
                    "title": f"Module {n}",
                    "content": "https://example.org",
                    "minutes": 30 * n,
                    "created_at": START,
                }
                for n in range(1, MODULES + 1)
            ],
        )
        await _insert(
            connection,
            TrainingCompletion,
            [
                {
                    "module_id": module,
                    "member_id": mentor,
                    "reflection": "listen",
                    "completed_at": START + timedelta(days=module),
                    "confirmed_by": 1 if module < MODULES else None,
                    "confirmed_at": START + timedelta(days=module + 1)
                    if module < MODULES
                    else None,
                }
                for mentor in range(1, mentors + 1)
                for module in range(1, MODULES + 1)
            ],
        )
        await _insert(
            connection,
            MentorCheckin,
            [
                {
                    "guild_id": GUILD,
                    "member_id": mentor,
                    "week": (START + timedelta(weeks=week)).date(),
                    "met": True,
                    "going": 4,
                    "needs_support": False,
                    "answered_at": START + timedelta(weeks=week, days=1),
                }
                for mentor in range(1, mentors + 1)
                for week in range(WEEKS)
            ],
        )
    await engine.dispose()


COLD = (
    "import time; t = time.perf_counter(); "
    "from bench.bench_hours import one_certificate; one_certificate('en'); "
    "print(time.perf_counter() - t)"
)


def one_certificate(language: str) -> bytes:
    from bot.services.hours import Activity, Entry, MentorHours, Period, Standing

    hours = MentorHours(
        1,
        "America/Chicago",
        tuple(
            Entry(Activity.SESSION, date(2025, 9, 1) + timedelta(weeks=w), 45, Standing.COUNTED)
            for w in range(WEEKS)
        ),
    )
    return certificate_pdf(
        Certificate(
            school="Eastside Alternative School",
            mentor="Sofía Ramírez",
            mentor_user_id=1,
            staff="Ms Rivera",
            period=Period(date(2025, 8, 1), date(2026, 6, 15)),
            hours=hours,
            issued_on=date(2026, 6, 15),
            issued_at=NOW,
        ),
        language,
    )


async def main(mentors: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'hours.db'}"
        started = time.perf_counter()
        await seed(url, mentors)
        print(f"seeded {mentors} mentors in {time.perf_counter() - started:.1f} s")
        engine = create_engine(url)
        settings = load_settings(None, {})
        clock = FixedClock(NOW)
        programs = ProgramService(create_sessions(engine), clock, settings.program)
        service = HoursService(create_sessions(engine), clock, programs, settings.hours)
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            built = await service.export(GUILD)
            runs.append(time.perf_counter() - started)
        await engine.dispose()
    entries = sum(len(hours.entries) for hours in built.mentors)
    print(
        f"export (database + what counts): median {statistics.median(runs) * 1000:.0f} ms over "
        f"{len(built.mentors)} mentors, {entries} entries, {len(built.disputed)} disputed"
    )
    names = {hours.user_id: f"Mentor {hours.user_id}" for hours in built.mentors}
    started = time.perf_counter()
    files = export_files(
        built,
        names,
        school="Eastside Alternative School",
        staff="Ms Rivera",
        language="es",
        issued_on=built.today,
        issued_at=built.made_at,
    )
    rendered = time.perf_counter() - started
    size = sum(len(f.fp.read()) for message in bundled(files, "year") for f in message)
    pdfs = [body for name, body in files if name.endswith(".pdf")]
    print(
        f"render {len(files)} files (CSV + certificate per mentor): {rendered:.2f} s, "
        f"{rendered / len(built.mentors) * 1000:.1f} ms per mentor; certificate "
        f"{statistics.median(len(b) for b in pdfs) / 1024:.1f} KiB; zip {size / 1024:.0f} KiB"
    )
    warm = []
    for _ in range(20):
        started = time.perf_counter()
        one_certificate("es")
        warm.append(time.perf_counter() - started)
    print(f"one certificate, warm: median {statistics.median(warm) * 1000:.1f} ms")


def cold_start() -> None:
    command = [sys.executable, "-c", COLD]  # this interpreter, a fixed script
    cold = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    print(f"first certificate in a fresh process (imports fpdf2, fontTools): {float(cold):.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mentors", type=int, default=300)
    asyncio.run(main(parser.parse_args().mentors))
    cold_start()
