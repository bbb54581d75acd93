"""The crash harness: the real bot in a child process, SIGKILLed at a named fault point,
restarted, and judged per recipient (lost, duplicates) against the loopback Discord.

Each ``Scenario`` seeds a database (a school with what its flow needs), names a fault
point (``bot.faults``) and the prompts the flow must deliver: one per (kind, recipient).
``crash(scenario, url)``:

1. runs ``tests.crash.child`` with ``BRIDGES_FAULT`` set: the real cogs, services and
   delivery engine against the loopback over discord.py's HTTP client, until the process
   kills itself at the point (a run that does not reach it fails the scenario);
2. makes the loopback forget every nonce (a downtime longer than Discord's nonce memory:
   a resent message would be a second message);
3. runs the child again without the fault until the bot has settled (jobs derived from
   rows at start, the engine's resumed rows, the signal worker, the flow's own retry);
4. counts, per recipient, the messages that reached the loopback for each expected
   prompt: none is lost, one is a duplicate, any message no delivery row explains is one.

The child's triggers stand for what a person or the scheduler does again after a restart
(staff run ``/staff match create`` again, a mentor presses Accept again): each is safe to
repeat and does only what is not done yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bench.loopback import Loopback
from bot.delivery import nonce_for
from bot.errors import UserError
from bot.services import signals
from bot.services.checkin_rules import week_of
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import (
    Checkin,
    CheckinStatus,
    Delivery,
    Escalation,
    GuildSettings,
    Match,
    MatchStatus,
    Member,
    MentoringSession,
    Place,
    ProgramRole,
    SessionStatus,
    Signal,
    Urgency,
)

GUILD, STAFF_ROLE, STAFF_CHANNEL, PROGRAM_CHANNEL, CATEGORY = 1, 2, 3, 4, 5
STAFF_USER = 900
MENTEE, MENTOR, PAIR_CHANNEL = 10_000, 20_000, 30_000  # offsets: the i-th of each
CHILD_SECONDS = 180.0
ROOT = Path(__file__).resolve().parents[2]

#: What a flow must deliver: one prompt per (delivery kind, recipient user id).
Expected = set[tuple[str, int]]


@dataclass(frozen=True)
class Scenario:
    point: str
    seed: Callable[[AsyncSession, datetime], Awaitable[Expected]]
    #: Run by the child on every run after the bot started (see the module docstring).
    trigger: Callable[[Any], Awaitable[None]] | None = None


@dataclass
class Verdict:
    point: str
    lost: int = 0
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)


class RecordingLoopback(Loopback):
    """The loopback Discord, keeping every message it created: (channel id, nonce)."""

    def __init__(self) -> None:
        super().__init__(closed_share=0.10, error_share=0.01, seed=11)
        self.created: list[tuple[int, str | None]] = []

    def _create(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self.created.append((channel_id, body.get("nonce")))
        return super()._create(channel_id, body)


# ---------------------------------------------------------------------- seeds


def _program(now: datetime, due: datetime | None = None) -> GuildSettings:
    """The school; its check-ins are due at ``due`` (else in three days: not now)."""
    at = due or now + timedelta(days=3)
    return GuildSettings(
        guild_id=GUILD,
        staff_role_id=STAFF_ROLE,
        escalation_channel_id=STAFF_CHANNEL,
        program_channel_id=PROGRAM_CHANNEL,
        mentoring_category_id=CATEGORY,
        time_zone="UTC",
        checkin_weekday=at.weekday(),
        checkin_time=time(at.hour, at.minute),
        created_at=now - timedelta(days=60),
        updated_at=now - timedelta(days=60),
    )


def _member(user_id: int, role: ProgramRole, now: datetime) -> Member:
    return Member(
        guild_id=GUILD,
        user_id=user_id,
        role=role,
        grade=11 if role is ProgramRole.MENTOR else 8,
        focus_areas=["academics"],
        interests=[],
        subjects=[],
        availability=[],
        consented_at=now - timedelta(days=30),
        active=True,
        created_at=now - timedelta(days=30),
        updated_at=now - timedelta(days=30),
    )


async def _school(
    session: AsyncSession,
    now: datetime,
    pairs: int,
    *,
    matched: bool = True,
    due: datetime | None = None,
) -> list[tuple[Member, Member, Match | None]]:
    """``pairs`` mentees and mentors, matched (each pair with its channel) or not."""
    session.add(_program(now, due))
    await session.flush()
    people = []
    for i in range(pairs):
        mentee = _member(MENTEE + i, ProgramRole.MENTEE, now)
        mentor = _member(MENTOR + i, ProgramRole.MENTOR, now)
        session.add_all([mentee, mentor])
        await session.flush()
        match = None
        if matched:
            match = Match(
                guild_id=GUILD,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                status=MatchStatus.ACTIVE,
                created_by=STAFF_USER,
                channel_id=PAIR_CHANNEL + i,
                created_at=now - timedelta(days=1),
            )
            session.add(match)
        people.append((mentee, mentor, match))
    await session.flush()
    return people


async def seed_checkin_fanout(session: AsyncSession, now: datetime) -> Expected:
    """40 mentees whose check-in was due two minutes ago: the job opens them at start."""
    due = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    for i in range(40):
        session.add(_member(MENTEE + i, ProgramRole.MENTEE, now))
    session.add(_program(now, due))
    return {("checkin", MENTEE + i) for i in range(40)}


async def seed_checkin_reminder(session: AsyncSession, now: datetime) -> Expected:
    """40 open check-ins due a day ago, unanswered: their reminders are due now."""
    due = (now - timedelta(hours=24, minutes=1)).replace(second=0, microsecond=0)
    session.add(_program(now, due))
    await session.flush()
    for i in range(40):
        mentee = _member(MENTEE + i, ProgramRole.MENTEE, now)
        session.add(mentee)
        await session.flush()
        session.add(
            Checkin(
                guild_id=GUILD,
                member_id=mentee.id,
                week=week_of(due.date()),
                due_at=due,
                closes_at=due + timedelta(days=3),
                status=CheckinStatus.OPEN,
                progress=[],
                created_at=due,
            )
        )
    return {("checkin", MENTEE + i) for i in range(40)}


async def seed_session_reminder(session: AsyncSession, now: datetime) -> Expected:
    """20 pairs, each with a session in 10 minutes: its 15-minute reminders are due."""
    starts = now + timedelta(minutes=10)
    for mentee, mentor, match in await _school(session, now, 20):
        assert match is not None
        session.add(_session(match, mentee, mentor, starts, SessionStatus.CONFIRMED, now))
    return {("reminder", user + i) for user in (MENTEE, MENTOR) for i in range(20)}


async def seed_session_accept(session: AsyncSession, now: datetime) -> Expected:
    """10 pairs, each mentee's proposal for tomorrow waiting for the mentor's Accept."""
    starts = (now + timedelta(days=1)).replace(hour=16, minute=0, second=0, microsecond=0)
    for mentee, mentor, match in await _school(session, now, 10):
        assert match is not None
        session.add(_session(match, mentee, mentor, starts, SessionStatus.PROPOSED, now))
    return {("accepted", MENTEE + i) for i in range(10)}


def _session(
    match: Match,
    mentee: Member,
    mentor: Member,
    starts: datetime,
    status: SessionStatus,
    now: datetime,
) -> MentoringSession:
    return MentoringSession(
        guild_id=GUILD,
        match_id=match.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        place=Place.VIDEO,
        place_detail="https://meet.example.org/pair",
        status=status,
        proposed_by=mentee.id,
        invitee=mentor.id,
        created_at=now - timedelta(hours=1),
        updated_at=now - timedelta(hours=1),  # confirmed after its 24 h reminder's moment
    )


async def seed_signals(session: AsyncSession, now: datetime) -> Expected:
    """10 pairs with no session in 14 days: their signals wait for the worker."""
    for mentee, _, match in await _school(session, now, 10):
        assert match is not None
        session.add(
            Signal(
                guild_id=GUILD,
                kind=signals.NO_SESSION_14_DAYS,
                member_id=mentee.id,
                match_id=match.id,
                created_at=now,
            )
        )
    return {("escalation-post", MENTEE + i) for i in range(10)}


async def seed_unmatched(session: AsyncSession, now: datetime) -> Expected:
    """4 mentees and 4 mentors for staff to match."""
    await _school(session, now, 4, matched=False)
    return {
        (kind, user)
        for i in range(4)
        for kind, user in (
            ("welcome", MENTEE + i),
            ("matched", MENTEE + i),
            ("matched", MENTOR + i),
        )
    }


async def seed_students(session: AsyncSession, now: datetime) -> Expected:
    """6 matched mentees who will ask for help."""
    await _school(session, now, 6)
    return {("escalation-post", MENTEE + i) for i in range(6)}


# ---------------------------------------------------------------------- triggers


async def create_matches(bot: Any) -> None:
    """Staff match each pair (again after a restart: a mentee matched before is refused)."""
    pairs = bot.cogs["PairsCog"]
    for i in range(4):
        try:
            pair = await pairs.matches.create(
                GUILD, STAFF_USER, MENTOR + i, MENTEE + i, override_reason="crash harness"
            )
        except UserError:
            continue
        await pairs.channels.open(pair, CATEGORY, STAFF_ROLE)


async def accept_sessions(bot: Any) -> None:
    """Each mentor presses Accept (again after a restart: already answered is refused)."""
    cog = bot.cogs["SessionCog"]
    async with bot.sessions() as session:
        found = list(
            await session.scalars(select(MentoringSession.id).order_by(MentoringSession.id))
        )
    for i, session_id in enumerate(found):
        with contextlib.suppress(UserError):
            await cog.answer_invitation(session_id, MENTOR + i, accept=True)


async def ask_for_help(bot: Any) -> None:
    """Each student without an escalation runs /help-me (again after a restart)."""
    cog = bot.cogs["EscalationCog"]
    async with bot.sessions() as session:
        helped = set(
            await session.scalars(
                select(Member.user_id).join(Escalation, Escalation.member_id == Member.id)
            )
        )
    for i in range(6):
        if MENTEE + i in helped:
            continue
        opened, _ = await cog.service.raise_manual(
            GUILD, MENTEE + i, "I need to talk to someone", Urgency.TODAY, "wellbeing", cog.alert
        )
        cog.plan(opened.escalation)


SCENARIOS = {
    scenario.point: scenario
    for scenario in (
        Scenario("checkin-fanout:before-commit", seed_checkin_fanout),
        Scenario("checkin-fanout:after-commit", seed_checkin_fanout),
        Scenario("checkin-reminder:after-commit", seed_checkin_reminder),
        Scenario("session-reminder:after-commit", seed_session_reminder),
        Scenario("signal-worker:before-commit", seed_signals),
        Scenario("signal-worker:after-commit", seed_signals),
        Scenario("match-create:after-commit", seed_unmatched, create_matches),
        Scenario("match-create:after-channel", seed_unmatched, create_matches),
        Scenario("session-accept:after-commit", seed_session_accept, accept_sessions),
        Scenario("escalation-post:after-commit", seed_students, ask_for_help),
    )
}


# ---------------------------------------------------------------------- running


async def crash(point: str, url: str, server: RecordingLoopback) -> Verdict:
    """Seed, kill at ``point``, restart past the nonce memory, judge (see module doc)."""
    database = create_engine(url)
    try:
        await upgrade(database)
        sessions = create_sessions(database)
        async with sessions.begin() as session:
            expected = await SCENARIOS[point].seed(session, datetime.now(UTC))
        server.created.clear()
        server.channels.clear()
        verdict = Verdict(point)
        killed = await _child(point, url, server, fault=True)
        if killed.returncode != -9 or f"fault point {point} reached" not in killed.stderr:
            verdict.notes.append(f"the fault point was not reached:\n{killed.stderr[-3000:]}")
        server.forget_nonces()  # down longer than Discord remembers a nonce
        restarted = await _child(point, url, server, fault=False)
        if restarted.returncode != 0 or "settled" not in restarted.stdout:
            verdict.notes.append(f"the restarted bot did not settle:\n{restarted.stderr[-3000:]}")
        async with sessions() as session:
            await _judge(session, server, expected, verdict)
        return verdict
    finally:
        await database.dispose()


@dataclass(frozen=True)
class _Run:
    returncode: int | None
    stdout: str
    stderr: str


async def _child(point: str, url: str, server: Loopback, *, fault: bool) -> _Run:
    env = {k: v for k, v in os.environ.items() if k != "BRIDGES_FAULT"}
    if fault:
        env["BRIDGES_FAULT"] = point
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.crash.child",
        point,
        url,
        server.base_url,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), CHILD_SECONDS)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
    return _Run(process.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


async def _judge(
    session: AsyncSession, server: RecordingLoopback, expected: Expected, verdict: Verdict
) -> None:
    """Per recipient and kind: exactly one message of one delivery row."""
    rows = (
        await session.execute(select(Delivery.key, Delivery.kind, Delivery.recipient_user_id))
    ).all()
    by_nonce: dict[str, tuple[str, int]] = {}
    for key, kind, user_id in rows:
        by_nonce[nonce_for(key)] = by_nonce[nonce_for(key, fallback=True)] = (kind, user_id)
    received: Counter[tuple[str, int]] = Counter()
    for _, nonce in server.created:
        prompt = by_nonce.get(nonce or "")
        if prompt is None:
            verdict.duplicates += 1  # a message no committed row explains
            verdict.notes.append(f"a message without a delivery row (nonce {nonce})")
            continue
        received[prompt] += 1
    for prompt in expected:
        count = received.get(prompt, 0)
        if count == 0:
            verdict.lost += 1
            verdict.notes.append(f"lost: {prompt}")
        elif count > 1:
            verdict.duplicates += count - 1
            verdict.notes.append(f"{count} times: {prompt}")
    markers = Counter(
        topic.split("(")[-1].rstrip(")")
        for c in server.channels.values()
        if (topic := c.get("topic")) and "bridges-match:" in topic
    )
    for marker, count in markers.items():
        if count > 1:
            verdict.duplicates += count - 1
            verdict.notes.append(f"{count} channels for {marker}")
    if any(kind == "escalation-post" for kind, _ in expected):
        unlinked = await session.scalars(
            select(Escalation.id).where(Escalation.message_id.is_(None))
        )
        for escalation_id in unlinked:
            verdict.notes.append(f"escalation {escalation_id}: its post is not linked")


# ---------------------------------------------------------------------- databases


@contextlib.asynccontextmanager
async def fresh_database(backend: str, folder: Path, admin_url: str | None) -> AsyncIterator[str]:
    """A new, empty database: a SQLite file in ``folder``, or a PostgreSQL database made
    with ``admin_url``'s server (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / f'crash-{secrets.token_hex(4)}.db'}"
        return
    assert admin_url is not None
    admin = make_url(admin_url)
    name = f"bridges_crash_{secrets.token_hex(6)}"
    connection = await asyncpg.connect(
        user=admin.username,
        password=admin.password,
        host=admin.host,
        port=admin.port or 5432,
        database=admin.database,
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
