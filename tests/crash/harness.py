"""The crash harness: the real bot in a child process, SIGKILLed at a named fault point,
restarted, and judged per recipient (lost, duplicates) against the loopback Discord.

Each ``Scenario`` seeds a database (a school with what its flow needs), names a fault
point (``bot.faults``) and the prompts the flow must deliver: one per (kind, recipient).
``crash(scenario, url, server, zygote)``:

1. runs ``tests.crash.child`` (a fork of ``tests.crash.zygote``) with ``BRIDGES_FAULT`` set:
   the real cogs, services and delivery engine against the loopback over discord.py's HTTP
   client, until the process kills itself at the point (a run that does not reach it fails
   the scenario);
2. makes the loopback forget every nonce (a downtime longer than Discord's nonce memory:
   a resent message would be a second message);
3. runs the child again without the fault until the bot has settled (jobs derived from
   rows at start, the engine's resumed rows, the signal worker, the flow's own retry);
4. counts, per recipient, the messages that reached the loopback for each expected
   prompt: none is lost, one is a duplicate, any message no delivery row explains is one.
   Edits count per message edited (each must read "[erased]"), and pages per page key as
   the mail server (aiosmtpd, by ``Message-ID``) and the webhook receiver (by the body's
   ``key``, its signature checked) on loopback received them.

The child's triggers stand for what a person or the scheduler does again after a restart
(staff run ``/staff match create`` again, a mentor presses Accept again): each is safe to
repeat and does only what is not done yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bench.loopback import Loopback
from bot.delivery import nonce_for
from bot.errors import UserError
from bot.paging.outlets import EMAIL_KIND, WEBHOOK_KIND
from bot.paging.smtp import message_id_for
from bot.paging.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from bot.services import signals
from bot.services.checkin_rules import week_of
from bot.services.deliveries import NOBODY
from bot.services.escalations import FOLLOW_UP_POST, POST, RE_PING_POST
from storage.db import create_engine, create_sessions
from storage.migrate import upgrade
from storage.models import (
    Checkin,
    CheckinStatus,
    Delivery,
    DeliveryStatus,
    DmChannel,
    Escalation,
    EscalationEvent,
    EscalationStatus,
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
from storage.personal import pseudonym

GUILD, STAFF_ROLE, STAFF_CHANNEL, PROGRAM_CHANNEL, CATEGORY = 1, 2, 3, 4, 5
STAFF_USER = 900
MENTEE, MENTOR, PAIR_CHANNEL = 10_000, 20_000, 30_000  # offsets: the i-th of each
CHILD_SECONDS = 180.0
ROOT = Path(__file__).resolve().parents[2]
#: Share of users whose DMs the loopback refuses (50007).
CLOSED_SHARE = 0.10
#: Where pages go in the scenarios that page (``Scenario.pages``).
ON_CALL = "on-call@school.example"
SENDER = "bridges@school.example"
WEBHOOK_SECRET = "crash-harness-webhook-secret-0123456789"
ERASED = "[erased]"

#: A channel's messages before its rate limit is waited on: of its 5 per 5 s, discord.py waits
#: out the window when the 5th answer says none remain, before that send's outcome is known.
UNPACED_POSTS = 4
#: Mentees in the check-in scenarios: 4 of them (ids +4, +16, +21, +26) with DMs closed, their
#: fallbacks in the one program channel, and sends enough that the restart meets the
#: loopback's first 500 (its 51st request).
CHECKIN_MENTEES = 30
#: Escalations in the scenarios that post or edit one message each in the staff channel.
STAFF_POSTS = UNPACED_POSTS

#: What a flow must deliver: one prompt per (delivery kind, recipient user id).
Expected = set[tuple[str, int]]


@dataclass(frozen=True)
class Scenario:
    point: str
    seed: Callable[[AsyncSession, datetime], Awaitable[Expected]]
    #: Run by the child on every run after the bot started (see the module docstring).
    trigger: Callable[[Any], Awaitable[None]] | None = None
    #: Paging on: email to the loopback mail server and the signed webhook.
    pages: bool = False


@dataclass
class Verdict:
    point: str
    lost: int = 0
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)


class RecordingLoopback(Loopback):
    """The loopback Discord, keeping every message it created (channel id, nonce) and every
    edit (channel id, message id, content); with it, on loopback, the mail server and the
    webhook receiver pages go to, keeping each email's ``Message-ID`` and each webhook's
    key (``None`` for one whose signature did not verify)."""

    def __init__(self) -> None:
        super().__init__(closed_share=CLOSED_SHARE, error_share=0.01, seed=11)
        self.created: list[tuple[int, str | None]] = []
        self.edits: list[tuple[int, int, str]] = []
        self.emails: list[str] = []
        self.webhooks: list[str | None] = []
        self.smtp_port = 0
        self.webhook_url = ""
        self._smtp: asyncio.Server | None = None
        self._receiver: web.AppRunner | None = None

    def clear(self) -> None:
        """Forget what was received and the channels made (before a scenario)."""
        for found in (self.created, self.edits, self.emails, self.webhooks):
            found.clear()
        self.channels.clear()

    async def start(self, port: int = 0) -> None:
        await super().start(port)
        loop = asyncio.get_running_loop()
        self._smtp = await loop.create_server(
            lambda: SMTP(_Mailbox(self.emails), hostname="mail.test"), "127.0.0.1", 0
        )
        self.smtp_port = self._smtp.sockets[0].getsockname()[1]
        app = web.Application()
        app.router.add_post("/page", self._page)
        self._receiver = web.AppRunner(app, access_log=None)
        await self._receiver.setup()
        await web.TCPSite(self._receiver, "127.0.0.1", 0).start()
        self.webhook_url = f"http://127.0.0.1:{self._receiver.addresses[0][1]}/page"

    async def stop(self) -> None:
        if self._receiver is not None:
            await self._receiver.cleanup()
        if self._smtp is not None:
            self._smtp.close()
            await self._smtp.wait_closed()
        await super().stop()

    def paging_config(self) -> str:
        """``[paging]`` for the child: email to ``ON_CALL`` here, the webhook here."""
        return (
            "[paging]\n"
            f'on_call_emails = ["{ON_CALL}"]\n'
            f'webhook_url = "{self.webhook_url}"\n'
            'smtp_host = "127.0.0.1"\n'
            f"smtp_port = {self.smtp_port}\n"
            'smtp_security = "none"\n'
            f'from_address = "{SENDER}"\n'
            "timeout_seconds = 5\n"
        )

    def _create(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self.created.append((channel_id, body.get("nonce")))
        return super()._create(channel_id, body)

    async def _edit(self, request: web.Request) -> web.Response:
        answer = await super()._edit(request)
        if answer.status == 200:
            body = await request.json()  # aiohttp keeps the body read once
            channel_id, message_id = (
                int(request.match_info[k]) for k in ("channel_id", "message_id")
            )
            self.edits.append((channel_id, message_id, str(body.get("content"))))
        return answer

    async def _page(self, request: web.Request) -> web.Response:
        raw = await request.read()
        stamp = request.headers.get(TIMESTAMP_HEADER, "")
        signed = request.headers.get(SIGNATURE_HEADER) == signature(WEBHOOK_SECRET, stamp, raw)
        self.webhooks.append(json.loads(raw)["key"] if signed else None)
        return web.Response(status=202)


class _Mailbox:
    """aiosmtpd's handler: keeps each email's ``Message-ID``."""

    def __init__(self, received: list[str]) -> None:
        self.received = received

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.received.append(message_from_bytes(envelope.content)["Message-ID"] or "")
        return "250 OK: queued"


def _open_dms(first: int, count: int) -> list[int]:
    """``count`` user ids from ``first`` on whose DMs the loopback accepts (a staff DM has
    no fallback: one refused is reported to the operator, not posted where others read)."""
    closed = Loopback(closed_share=CLOSED_SHARE).closed
    found: list[int] = []
    user_id = first
    while len(found) < count:
        if not closed(user_id):
            found.append(user_id)
        user_id += 1
    return found


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
    """The mentees, their check-in due two minutes ago: the job opens them at start."""
    due = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    for i in range(CHECKIN_MENTEES):
        session.add(_member(MENTEE + i, ProgramRole.MENTEE, now))
    session.add(_program(now, due))
    return {("checkin", MENTEE + i) for i in range(CHECKIN_MENTEES)}


async def seed_checkin_reminder(session: AsyncSession, now: datetime) -> Expected:
    """The mentees' open check-ins, due a day ago, unanswered: their reminders are due now."""
    due = (now - timedelta(hours=24, minutes=1)).replace(second=0, microsecond=0)
    session.add(_program(now, due))
    await session.flush()
    for i in range(CHECKIN_MENTEES):
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
    return {("checkin", MENTEE + i) for i in range(CHECKIN_MENTEES)}


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
    """Pairs with no session in 14 days: their signals wait for the worker."""
    for mentee, _, match in await _school(session, now, STAFF_POSTS):
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
    return {("escalation-post", MENTEE + i) for i in range(STAFF_POSTS)}


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
    """Matched mentees who will ask for help."""
    await _school(session, now, STAFF_POSTS)
    return {("escalation-post", MENTEE + i) for i in range(STAFF_POSTS)}


#: Message and channel ids of what was sent before a scenario starts (below the loopback's).
POSTED, DM_POSTED, DM_CHANNEL = 40_000, 50_000, 60_000


def _escalation(
    student: Member,
    opened: datetime,
    status: EscalationStatus,
    *,
    sla_stage: int = 0,
    assignee: int | None = None,
) -> Escalation:
    """An escalation about ``student`` opened at ``opened``, its staff post sent then."""
    return Escalation(
        guild_id=GUILD,
        member_id=student.id,
        source="manual",
        raised_by=student.user_id,
        category="wellbeing",
        urgency=Urgency.TODAY,
        details="I need to talk to someone",
        status=status,
        assignee=assignee,
        sla_stage=sla_stage,
        channel_id=STAFF_CHANNEL,
        message_id=POSTED + student.user_id - MENTEE,
        created_at=opened,
        updated_at=opened,
    )


async def _mentees(session: AsyncSession, now: datetime, count: int) -> list[Member]:
    """The school (no pairs) and ``count`` mentees."""
    session.add(_program(now))
    found = [_member(MENTEE + i, ProgramRole.MENTEE, now) for i in range(count)]
    session.add_all(found)
    await session.flush()
    return found


async def seed_follow_up(session: AsyncSession, now: datetime) -> Expected:
    """4 escalations claimed 49 hours ago with no note since: both follow-ups are due at
    start, the claimer's reminder DM and the staff role's ping in the staff channel (4:
    within one channel's 5 messages per 5 s)."""
    expected: Expected = set()
    claimers = _open_dms(STAFF_USER + 1, 4)
    for mentee, claimer in zip(await _mentees(session, now, 4), claimers, strict=True):
        row = _escalation(
            mentee, now - timedelta(hours=50), EscalationStatus.CLAIMED, assignee=claimer
        )
        session.add(row)
        await session.flush()
        claimed = now - timedelta(hours=49)
        session.add(
            EscalationEvent(
                escalation_id=row.id, actor=claimer, action="claimed", created_at=claimed
            )
        )
        # The reminder DM's kind is its key's first part, the post's kind: the same word.
        expected |= {(FOLLOW_UP_POST, claimer), (FOLLOW_UP_POST, mentee.user_id)}
    return expected


async def seed_next_tier(session: AsyncSession, now: datetime) -> Expected:
    """4 escalations re-pinged once and still unclaimed three days on: the next tier is due
    at start, its re-ping in the staff channel and its pages by email and webhook."""
    for mentee in await _mentees(session, now, 4):
        opened = now - timedelta(days=3)
        session.add(_escalation(mentee, opened, EscalationStatus.OPEN, sla_stage=1))
    return {
        (kind, MENTEE + i) for i in range(4) for kind in (RE_PING_POST, EMAIL_KIND, WEBHOOK_KIND)
    }


async def seed_erase(session: AsyncSession, now: datetime) -> Expected:
    """Students, each with a resolved escalation whose staff post and a DM to a staff
    member were sent: erasing each student edits both to "[erased]"."""
    expected: Expected = set()
    sent = now - timedelta(days=2)
    staff = _open_dms(STAFF_USER + 1, STAFF_POSTS)
    mentees = await _mentees(session, now, STAFF_POSTS)
    for i, (mentee, told) in enumerate(zip(mentees, staff, strict=True)):
        row = _escalation(mentee, sent, EscalationStatus.RESOLVED)
        session.add(row)
        await session.flush()
        session.add_all(
            [
                _sent(f"{POST}:{row.id}", mentee.user_id, sent, POSTED + i, STAFF_CHANNEL),
                _sent(f"escalation-fallback:{row.id}:{told}", told, sent, DM_POSTED + i),
                DmChannel(user_id=told, channel_id=DM_CHANNEL + i, created_at=sent),
            ]
        )
        expected |= {("erase", pseudonym(mentee.id)), ("erase", told)}
    return expected


def _sent(
    key: str, user_id: int, at: datetime, message_id: int, channel_id: int | None = None
) -> Delivery:
    return Delivery(
        key=key,
        kind=key.split(":")[0],
        recipient_user_id=user_id,
        status=DeliveryStatus.SENT,
        attempts=1,
        created_at=at,
        sent_at=at,
        guild_id=GUILD,
        channel_id=channel_id,
        message_id=message_id,
    )


async def seed_program(session: AsyncSession, now: datetime) -> Expected:
    """A school whose staff channel the daily check will find readable by @everyone."""
    session.add(_program(now))
    return {("staff-channel", NOBODY)}


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
    for i in range(STAFF_POSTS):
        if MENTEE + i in helped:
            continue
        opened, _ = await cog.service.raise_manual(
            GUILD, MENTEE + i, "I need to talk to someone", Urgency.TODAY, "wellbeing", cog.alert
        )
        cog.plan(opened.escalation)


async def forget_students(bot: Any) -> None:
    """Staff erase each student (again after a restart: one erased is not found)."""
    from cogs.staff import blank  # the cog's edit: what /staff forget passes

    privacy = bot.cogs["StaffCog"].privacy
    for i in range(STAFF_POSTS):
        with contextlib.suppress(UserError):
            await privacy.forget(GUILD, STAFF_USER, MENTEE + i, blank)


async def channel_readable(bot: Any) -> None:
    """The daily check finds @everyone can read the staff channel (again after a restart:
    a change recorded before is not told again)."""
    from cogs.staff_channel import notice

    programs = bot.cogs["StaffChannelCog"].programs
    await programs.record_channel_check(GUILD, "@everyone can read this channel", notice)


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
        Scenario("escalation-follow-up:after-commit", seed_follow_up),
        Scenario("escalation-sla:after-commit", seed_next_tier, pages=True),
        Scenario("member-forget:after-commit", seed_erase, forget_students),
        Scenario("staff-channel-check:after-commit", seed_program, channel_readable),
    )
}


# ---------------------------------------------------------------------- running


@dataclass(frozen=True)
class _Run:
    returncode: int | None
    stdout: str
    stderr: str


class Zygote:
    """``tests.crash.zygote`` running: the bot imported and its model trained once, each
    child a fork of it (a context manager; one run at a time)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.crash.zygote"],
            cwd=ROOT,
            # One thread forks cleanly; OpenBLAS would start its workers when numpy loads.
            env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop it (it holds nothing: killed, it is spared the second its exit takes)."""
        self._process.kill()
        self._process.communicate()

    async def run(self, argv: list[str], env: dict[str, str], folder: Path) -> _Run:
        """``tests.crash.child`` with ``argv`` and ``env`` until it ends (killed after
        ``CHILD_SECONDS``), its output kept in ``folder``."""
        out, err = folder / "child.out", folder / "child.err"
        request = {"argv": argv, "env": env, "out": str(out), "err": str(err)}
        pid = (await self._ask(request))["pid"]
        ended = asyncio.ensure_future(self._ask(None))  # one read of the one answer
        try:
            answer = await asyncio.wait_for(asyncio.shield(ended), CHILD_SECONDS)
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            answer = await ended
        text = [path.read_text(encoding="utf-8", errors="replace") for path in (out, err)]
        return _Run(answer["returncode"], *text)

    async def _ask(self, request: dict[str, Any] | None) -> dict[str, int]:
        """Send ``request`` (if any), then read the zygote's next answer."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        if request is not None:
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
        line = await asyncio.to_thread(stdout.readline)
        if not line:
            raise RuntimeError(f"the crash zygote ended ({self._process.poll()})")
        answer: dict[str, int] = json.loads(line)
        return answer


async def crash(point: str, url: str, server: RecordingLoopback, zygote: Zygote) -> Verdict:
    """Seed, kill at ``point``, restart past the nonce memory, judge (see module doc)."""
    database = create_engine(url)
    try:
        await upgrade(database)
        sessions = create_sessions(database)
        async with sessions.begin() as session:
            expected = await SCENARIOS[point].seed(session, datetime.now(UTC))
        server.clear()
        verdict = Verdict(point)
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            config = None
            if SCENARIOS[point].pages:
                config = folder / "config.toml"
                config.write_text(server.paging_config(), encoding="utf-8")
            killed = await _child(zygote, folder, point, url, server, config, fault=True)
            if killed.returncode != -9 or f"fault point {point} reached" not in killed.stderr:
                verdict.notes.append(f"the fault point was not reached:\n{killed.stderr[-3000:]}")
            server.forget_nonces()  # down longer than Discord remembers a nonce
            restarted = await _child(zygote, folder, point, url, server, config, fault=False)
        if restarted.returncode != 0 or "settled" not in restarted.stdout:
            verdict.notes.append(f"the restarted bot did not settle:\n{restarted.stderr[-3000:]}")
        async with sessions() as session:
            await _judge(session, server, expected, verdict)
        return verdict
    finally:
        await database.dispose()


async def _child(
    zygote: Zygote,
    folder: Path,
    point: str,
    url: str,
    server: Loopback,
    config: Path | None,
    *,
    fault: bool,
) -> _Run:
    env = {k: v for k, v in os.environ.items() if k != "BRIDGES_FAULT"}
    env["BRIDGES_WEBHOOK_SECRET"] = WEBHOOK_SECRET
    if fault:
        env["BRIDGES_FAULT"] = point
    argv = [point, url, server.base_url, *([str(config)] if config is not None else [])]
    return await zygote.run(argv, env, folder)


async def _judge(
    session: AsyncSession, server: RecordingLoopback, expected: Expected, verdict: Verdict
) -> None:
    """Per recipient and kind: exactly one message (an edit, a page) of one delivery row."""
    rows = (
        await session.execute(
            select(
                Delivery.id,
                Delivery.key,
                Delivery.kind,
                Delivery.recipient_user_id,
                Delivery.message_id,
            )
        )
    ).all()
    by_nonce: dict[str, tuple[str, int]] = {}
    by_key: dict[str, tuple[str, int]] = {}
    by_message_id: dict[str, tuple[str, int]] = {}  # an email's Message-ID
    erased_by: dict[int, str] = {}  # a message id sent before -> the key that blanks it
    for row_id, key, kind, user_id, message_id in rows:
        by_nonce[nonce_for(key)] = by_nonce[nonce_for(key, fallback=True)] = (kind, user_id)
        by_key[key] = by_message_id[message_id_for(key, SENDER)] = (kind, user_id)
        if message_id is not None and kind != "erase":
            erased_by[message_id] = f"erase:{row_id}"
    received: Counter[tuple[str, int]] = Counter()
    found = [
        (by_nonce.get(nonce or ""), f"a message (nonce {nonce})") for _, nonce in server.created
    ]
    found += [(by_message_id.get(mid), f"an email ({mid})") for mid in server.emails]
    found += [(by_key.get(key or ""), f"a webhook ({key})") for key in server.webhooks]
    if any(kind == "erase" for kind, _ in expected):
        for channel_id, message_id, content in server.edits:
            what = f"an edit of message {message_id} in {channel_id}"
            found.append((by_key.get(erased_by.get(message_id, "")), what))
            if content != ERASED:
                verdict.notes.append(f"{what} reads {content!r}, not {ERASED!r}")
    for prompt, what in found:
        if prompt is None:
            verdict.duplicates += 1  # what no committed row explains (or a bad signature)
            verdict.notes.append(f"{what} without a delivery row")
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
