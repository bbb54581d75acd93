"""A whole district on one bot (issue 17): 1k / 5k / 20k / 50k mentees on SQLite and
PostgreSQL side by side, each size and database in a child process of its own (so its RSS
is its own).

Seed shape (bulk inserts of storage's models, not commands; analyzed on PostgreSQL): one
mentor per mentee, an active match each (made three days before, so none is quiet) with two
confirmed weekly sessions ahead, two goals per mentee, the program's weekly check-in (one in
ten mentees with their own, same, day and time stored),
DM channels known, and one mentee in a hundred with an open escalation. About 8 jobs per
mentee as the bot plans them today; the bench counts whatever ``reconcile()`` plans.

Per size and database, with the real bot object built without Discord (every cog, the
real scheduler, and the real delivery engine with a transport that sends nothing, paced as
configured), on a clock that stands still:

1. start: the bot's ``start_work()``, as once the gateway is ready (the engine's
   ``start()``, the scheduler, every cog's ``reconcile()``, then the start-up heap frozen as
   ``bridges run`` freezes it, ``bot.heap``): time, ``scheduler.job_ids()``, VmRSS after.
2. fan-out: the check-ins cog's ``send_due`` (its job's call: the service's ``open_due``
   with the cog's ``fanout`` compose, the heap left to young collections) for the instant
   every mentee is due, timed; meanwhile another mentee adds a goal through the service
   every 50 ms (the longest wait is "a concurrent write"), and another saves
   ``/checkin settings`` (its handler's write: "interaction ack"), and a probe samples the
   loop every 10 ms.
3. restart a week later: a fresh bot on the same database whose next week is due, last
   week's check-ins past their closing and every prompt of step 2 still pending: start as
   in 1, then the due jobs run; the longest loop stall is measured over the whole restart
   and over the due jobs alone (after ``reconcile()`` returned).

    .venv/bin/python -m bench.bench_scale [--sizes 1000,5000] [--postgres ADMIN_URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.bench_checkins import Nowhere
from bench.bench_report import drop_postgres, postgres_database
from bot.app import BridgesBot
from bot.clock import FixedClock
from bot.config import load_settings
from bot.delivery import DeliveryEngine
from bot.interpreter import hand_over_sooner
from bot.scheduler import Scheduler
from bot.services.checkin_rules import week_of
from bot.services.concern import warm_up
from cogs import delivery_texts
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import (
    Checkin,
    CheckinPreference,
    DmChannel,
    Escalation,
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
    Urgency,
)

GUILD = 1
ZONE = "America/New_York"
#: The first check-in instant: Monday 15:30 in New York. The bot starts an hour before.
DUE = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)
START = DUE - timedelta(hours=1)
#: The restart: a week later, five minutes after that week's check-ins fell due.
RESTART = DUE + timedelta(days=7, minutes=5)
SIZES = (1_000, 5_000, 20_000, 50_000)
ROWS_PER_STATEMENT = 2_000
#: How long the jobs running when a phase ends may take to finish.
JOBS_GRACE_SECONDS = 120.0
PROBE_EVERY = 0.01
WRITE_EVERY = 0.05


# ----------------------------------------------------------------- seed


async def seed(url: str, mentees: int) -> None:
    engine = create_engine(url)
    await upgrade(engine)
    made = START - timedelta(days=20)
    members: list[dict[str, Any]] = []
    matches, sessions, goals, preferences, channels, escalations = [], [], [], [], [], []
    for i in range(mentees):
        mentee, mentor = 2 * i + 1, 2 * i + 2
        for member_id, role in ((mentee, ProgramRole.MENTEE), (mentor, ProgramRole.MENTOR)):
            members.append(
                {
                    "id": member_id,
                    "guild_id": GUILD,
                    "user_id": 10_000 + member_id,
                    "role": role,
                    "active": True,
                    "consented_at": made,
                    "created_at": made,
                    "updated_at": made,
                }
            )
            channels.append(
                {
                    "user_id": 10_000 + member_id,
                    "channel_id": 10**15 + member_id,
                    "created_at": made,
                }
            )
        matches.append(
            {
                "id": i + 1,
                "guild_id": GUILD,
                "mentor_id": mentor,
                "mentee_id": mentee,
                "status": MatchStatus.ACTIVE,
                "created_by": 1,
                "channel_id": 5 * 10**14 + i,
                # Matched three days ago, a session in two: not quiet at either start (a
                # quiet match is one in a hundred's story, not every match's).
                "created_at": START - timedelta(days=3),
            }
        )
        for week in range(2):  # weekly sessions ahead, at spread-out hours
            starts = START + timedelta(days=2 + 7 * week, minutes=15 * (i % 40))
            sessions.append(
                {
                    "guild_id": GUILD,
                    "match_id": i + 1,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(minutes=45),
                    "place": Place.VIDEO,
                    "place_detail": "https://meet.example.org",
                    "status": SessionStatus.CONFIRMED,
                    "proposed_by": mentee,
                    "invitee": mentor,
                    "created_at": made,
                    "updated_at": made,
                }
            )
        for n in range(2):
            goals.append(
                {
                    "guild_id": GUILD,
                    "member_id": mentee,
                    "what": f"goal {n}",
                    "why": "it matters",
                    "measure": "we will see",
                    "due_on": (START + timedelta(days=60)).date(),
                    "focus_area": "academics",
                    "status": GoalStatus.ACTIVE,
                    "created_at": made,
                }
            )
        if i % 10 == 0:  # their own day and time, the same as the program's
            preferences.append(
                {"member_id": mentee, "weekday": 0, "at": dt_time(15, 30), "updated_at": made}
            )
        if i % 100 == 0:
            escalations.append(
                {
                    "guild_id": GUILD,
                    "member_id": mentee,
                    "source": "manual",
                    "raised_by": 10_000 + mentee,
                    "urgency": Urgency.TODAY,
                    "status": EscalationStatus.OPEN,
                    "channel_id": 900,
                    "message_id": 900_000 + i,
                    "created_at": START - timedelta(minutes=10),
                    "updated_at": START - timedelta(minutes=10),
                }
            )
    async with engine.begin() as connection:
        await connection.execute(
            insert(GuildSettings).values(
                guild_id=GUILD,
                time_zone=ZONE,
                checkin_weekday=0,
                checkin_time=dt_time(15, 30),
                escalation_channel_id=900,
                program_channel_id=901,
                created_at=made,
                updated_at=made,
            )
        )
        tables = (
            (Member, members),
            (DmChannel, channels),
            (Match, matches),
            (MentoringSession, sessions),
            (Goal, goals),
            (CheckinPreference, preferences),
            (Escalation, escalations),
        )
        for table, rows in tables:
            for start in range(0, len(rows), ROWS_PER_STATEMENT):
                await connection.execute(insert(table), rows[start : start + ROWS_PER_STATEMENT])
    if engine.dialect.name == "postgresql":
        # A deployed database has its statistics (autovacuum analyzes a table once a tenth
        # of it changed); without them, right after a bulk seed, PostgreSQL plans a scan of
        # the whole table for every IN list of a fan-out's parts.
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    await engine.dispose()


# ----------------------------------------------------------------- probes


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Lag:
    """The event loop's longest stall: how late a 10 ms sleep wakes up."""

    longest: float = 0.0
    task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(PROBE_EVERY)
            self.longest = max(self.longest, loop.time() - before - PROBE_EVERY)

    def start(self) -> None:
        self.longest = 0.0
        self.task = asyncio.create_task(self._run())

    async def stop(self) -> float:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        return self.longest


@dataclass
class Repeated:
    """One kind of write, repeated while something else runs: each call timed."""

    call: Callable[[int], Awaitable[Any]]
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def run(self, until: asyncio.Event, first: int) -> None:
        n = first
        while not until.is_set():
            began = time.perf_counter()
            try:
                await self.call(n)
            except Exception as error:  # "database is locked" is a figure here, not a crash
                self.errors.append(type(error).__name__)
            self.times.append(time.perf_counter() - began)
            n += 2
            await asyncio.sleep(WRITE_EVERY)

    def longest(self) -> float:
        return max(self.times, default=0.0)


# ----------------------------------------------------------------- the bot


async def build(url: str, clock: FixedClock) -> tuple[BridgesBot, AsyncEngine]:
    """The bot with its cogs, set up on this loop as ``async with bot`` sets it up (it never
    logs in: without this, a job that dispatches an event fails)."""
    settings = load_settings(None, {"BRIDGES_DATABASE_URL": url})
    engine = create_engine(url)
    sessions = create_sessions(engine)
    bot = BridgesBot(
        settings=settings,
        sessions=sessions,
        scheduler=Scheduler(clock, misfire_grace_seconds=settings.misfire_grace_seconds),
        clock=clock,
        watch_loop=False,
        freeze_heap=True,  # as `bridges run` (the first bot's heap stays frozen at restart)
    )
    # The real engine, paced as configured, with a transport that sends nothing: set before
    # the cogs load, which take it for their transactions.
    bot.delivery = DeliveryEngine(
        sessions, clock, Nowhere(), settings.delivery, delivery_texts.fallback
    )
    await bot.__aenter__()
    await bot.load_commands()
    return bot, engine


async def start(bot: BridgesBot) -> tuple[float, int]:
    """What the bot does once the gateway is ready; returns (seconds, jobs)."""
    began = time.perf_counter()
    await bot.start_work()
    return time.perf_counter() - began, len(bot.scheduler.job_ids())


async def stop(bot: BridgesBot, engine: AsyncEngine) -> None:
    await bot.scheduler.stop(JOBS_GRACE_SECONDS)
    await bot.delivery.stop()
    await engine.dispose()


async def checkins_of_week(bot: BridgesBot, week: Any) -> int:
    async with bot.sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(Checkin).where(Checkin.week == week)
            )
            or 0
        )


def progress(mentees: int, step: str) -> None:
    """A line on stderr as each step of a child starts (the parent shows them on failure)."""
    print(f"[{mentees}] {time.strftime('%H:%M:%S')} {step}", file=sys.stderr, flush=True)


async def measure(url: str, mentees: int) -> dict[str, Any]:
    began = time.perf_counter()
    progress(mentees, "seed")
    await seed(url, mentees)
    figures: dict[str, Any] = {"mentees": mentees, "seed_s": time.perf_counter() - began}
    await asyncio.to_thread(warm_up)  # as `bridges run` does before the bot starts

    progress(mentees, "start")
    clock = FixedClock(START)
    bot, engine = await build(url, clock)
    figures["reconcile_s"], figures["jobs"] = await start(bot)
    figures["rss_mib"] = rss_mib()
    # The jobs due at start finish; the fan-out below is run by hand, not by its job.
    await bot.scheduler.stop(JOBS_GRACE_SECONDS)

    progress(mentees, "fan-out with writers alongside")
    clock.set(DUE)
    cog: Any = bot.get_cog("CheckinCog")
    goals, checkins = cog.goals, cog.checkins

    async def add_goal(n: int) -> None:
        user = 10_000 + 2 * (n % mentees) + 1
        draft = await goals.draft(
            GUILD, user, "read more", "for me", "a book", "2027-01-31", "academics"
        )
        await goals.add(GUILD, user, draft)

    async def settings_saved(n: int) -> None:
        await checkins.set_rhythm(GUILD, 10_000 + 2 * (n % mentees) + 1, 0, "15:30")

    for name, call in (("idle_write_s", add_goal), ("idle_ack_s", settings_saved)):
        await call(mentees - 1)  # warm: the first call compiles its statements
        began = time.perf_counter()
        await call(mentees - 3)
        figures[name] = time.perf_counter() - began

    lag, done = Lag(), asyncio.Event()
    writer, acker = Repeated(add_goal), Repeated(settings_saved)
    lag.start()
    probes = [
        asyncio.create_task(writer.run(done, 0)),
        asyncio.create_task(acker.run(done, 1)),
    ]
    began = time.perf_counter()
    opened = await cog.send_due(DUE)  # the job's own call: how many prompts
    figures["fanout_s"] = time.perf_counter() - began
    done.set()
    await asyncio.gather(*probes)
    figures["fanout_stall_s"] = await lag.stop()
    figures["opened"] = opened
    figures["write_wait_s"], figures["writes"] = writer.longest(), len(writer.times)
    figures["ack_s"], figures["acks"] = acker.longest(), len(acker.times)
    figures["write_errors"] = sorted(set(writer.errors + acker.errors))
    await stop(bot, engine)

    progress(mentees, "restart a week later")
    clock = FixedClock(RESTART)
    bot, engine = await build(url, clock)
    lag = Lag()
    lag.start()
    figures["restart_reconcile_s"], figures["restart_jobs"] = await start(bot)
    figures["restart_stall_s"] = lag.longest
    lag.longest = 0.0
    progress(mentees, "due jobs")
    began, week = time.perf_counter(), week_of(date(2026, 12, 7))
    while await checkins_of_week(bot, week) < mentees and time.perf_counter() - began < 600:  # noqa: ASYNC110 - rows, not an event
        await asyncio.sleep(0.5)
    await asyncio.sleep(2.0)  # the rest of the due jobs (closing last week's, re-plans)
    figures["due_jobs_s"] = time.perf_counter() - began
    figures["due_opened"] = await checkins_of_week(bot, week)
    figures["due_stall_s"] = await lag.stop()
    figures["restart_stall_s"] = max(figures["restart_stall_s"], figures["due_stall_s"])
    await stop(bot, engine)
    return figures


# ----------------------------------------------------------------- the table


def child(size: int, url: str) -> dict[str, Any]:
    done = subprocess.run(  # noqa: S603 - this very script, with our own arguments
        [sys.executable, "-m", "bench.bench_scale", "--child", str(size), "--url", url],
        capture_output=True,
        cwd=Path(__file__).parent.parent,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.splitlines()
        errors = [line for line in lines if "Error" in line[:60]]
        steps = [line.split(" ", 2)[-1] for line in lines if line.startswith(f"[{size}] ")]
        step = f" (during {steps[-1]})" if steps else ""
        return {"mentees": size, "failed": (errors or ["no output"])[-1][:120] + step}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


ROWS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    (
        "scheduler jobs / reconcile at start",
        lambda f: f"{f['jobs'] / 1000:.1f}k / {f['reconcile_s']:.2f} s",
    ),
    ("RSS after reconcile", lambda f: f"{f['rss_mib']:.0f} MiB"),
    (
        "check-in fan-out preparation (send_due)",
        lambda f: f"{f['fanout_s']:.2f} s ({f['opened']} prompts)",
    ),
    ("longest stall during the fan-out", lambda f: f"{f['fanout_stall_s'] * 1000:.0f} ms"),
    (
        "a concurrent write waits (goal add; idle)",
        lambda f: f"{f['write_wait_s'] * 1000:.0f} ms ({f['idle_write_s'] * 1000:.0f} ms)",
    ),
    (
        "interaction ack, handler writes (idle)",
        lambda f: f"{f['ack_s'] * 1000:.0f} ms ({f['idle_ack_s'] * 1000:.0f} ms)",
    ),
    ("write errors during the fan-out", lambda f: ", ".join(f["write_errors"]) or "none"),
    (
        "restart: reconcile / jobs",
        lambda f: f"{f['restart_reconcile_s']:.2f} s / {f['restart_jobs'] / 1000:.1f}k",
    ),
    (
        "restart: longest stall (all / due jobs)",
        lambda f: f"{f['restart_stall_s']:.2f} s / {f['due_stall_s']:.2f} s",
    ),
    (
        "restart: due jobs done in (check-ins opened)",
        lambda f: f"{f['due_jobs_s']:.1f} s ({f['due_opened']} of {f['mentees']})",
    ),
    ("reconcile per mentee", lambda f: f"{f['reconcile_s'] / f['mentees'] * 1e6:.0f} us"),
    ("fan-out per mentee", lambda f: f"{f['fanout_s'] / f['mentees'] * 1e6:.0f} us"),
    ("RSS per mentee", lambda f: f"{f['rss_mib'] * 1024 / f['mentees']:.1f} KiB"),
)


def table(results: dict[str, list[dict[str, Any]]]) -> None:
    columns = [(db, f) for db, figures in results.items() for f in figures]
    head = " | ".join(f"{db} {f['mentees'] // 1000}k" for db, f in columns)
    print(f"\n| mentees | {head} |")
    print("| --- |" + " --- |" * len(columns))
    for label, show in ROWS:
        cells = []
        for _, f in columns:
            try:
                cells.append(f["failed"] if "failed" in f else show(f))
            except (KeyError, ZeroDivisionError):
                cells.append("-")
        print(f"| {label} | " + " | ".join(cells) + " |")


async def run_child(size: int, url: str) -> None:
    hand_over_sooner()  # as `bridges run`
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("apscheduler").setLevel(logging.CRITICAL)
    logging.getLogger("bot.scheduler").setLevel(logging.CRITICAL)  # jobs cut off at the end
    print(json.dumps(await measure(url, size)))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="mentees, comma-separated"
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="an admin URL; a database is made per size"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        await run_child(args.child, args.url)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, list[dict[str, Any]]] = {"SQLite": []}
    if args.postgres:
        results["PostgreSQL"] = []
    began = time.perf_counter()
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            figures = child(size, f"sqlite+aiosqlite:///{Path(folder) / 'scale.db'}")
        results["SQLite"].append(figures)
        print(f"SQLite {size}: {json.dumps(figures)}", flush=True)
        if args.postgres:
            url, name = await postgres_database(args.postgres)
            try:
                figures = child(size, url)
            finally:
                await drop_postgres(args.postgres, name)
            results["PostgreSQL"].append(figures)
            print(f"PostgreSQL {size}: {json.dumps(figures)}", flush=True)
    table(results)
    print(f"\n(total {time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    asyncio.run(main())
