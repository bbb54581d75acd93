"""The delivery engine against the loopback Discord (real discord.py HTTP client, real
database): faults, a kill -9 in the middle of a fan-out, DMs closed, priorities."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.http import HTTPClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bench.fanout import PAIR_CHANNEL_OFFSET, checkins, engine_for, login
from bench.loopback import Loopback
from bot.delivery import DeliverySettings, Health, Message, Priority, Prompt
from storage.db import Sessions
from storage.models import Delivery, DeliveryStatus, DmChannel, DmStatus, GuildSettings, Member
from storage.repositories import deliveries
from storage.repositories.deliveries import Outcome

ROOT = Path(__file__).resolve().parents[2]
PROGRAM_CHANNEL = 77
FAST_RETRIES = DeliverySettings(rate_per_second=45, retry_base_seconds=0.05, max_attempts=10)


@pytest.fixture
async def server() -> AsyncIterator[Loopback]:
    base = discord.http.Route.BASE
    loopback = Loopback(closed_share=0.2, error_share=0.0)
    await loopback.start()
    try:
        yield loopback
    finally:
        discord.http.Route.BASE = base
        await loopback.stop()


@pytest.fixture
async def http(server: Loopback) -> AsyncIterator[HTTPClient]:
    client = await login(server)
    try:
        yield client
    finally:
        await client.close()


async def enrol(sessions: Sessions, users: range) -> None:
    """A school with these students, DMs status unknown."""
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        session.add(
            GuildSettings(
                guild_id=1,
                time_zone="UTC",
                checkin_weekday=0,
                checkin_time=time(15, 30),
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        session.add_all(
            Member(guild_id=1, user_id=u, active=True, created_at=now, updated_at=now)
            for u in users
        )


async def statuses(sessions: Sessions) -> dict[str, DeliveryStatus]:
    async with sessions() as session:
        rows = await session.execute(select(Delivery.key, Delivery.status))
        return {key: status for key, status in rows}


def expected_outcome(server: Loopback, user_id: int) -> DeliveryStatus:
    return DeliveryStatus.FALLBACK if server.closed(user_id) else DeliveryStatus.SENT


async def test_dropped_connections_and_500s_end_sent_or_fallback_never_twice(
    sessions: Sessions, server: Loopback, http: HTTPClient
) -> None:
    users = range(1, 41)
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    await engine.start()
    # The first requests fail with 500 (discord.py retries a 5xx itself after 1 s, 3 s, ...;
    # after its fifth try the engine's own retry takes over), then messages are created but
    # the answers never arrive (the engine retries with the same nonce).
    server.fail_next(2)
    server.drop_next(6)
    outcomes = await engine.deliver(checkins(users))
    await engine.stop()

    assert server.stats.server_errors == 2 and server.stats.dropped == 6
    assert server.stats.nonce_repeats > 0  # a send that had landed was recognised, not repeated
    assert outcomes == {f"checkin:1:{u}": expected_outcome(server, u) for u in users}
    assert await statuses(sessions) == outcomes
    assert {u: server.stats.messages[u] for u in users} == dict.fromkeys(users, 1)
    assert engine.status().retries > 0


async def test_kill_9_mid_fan_out_then_restart_gives_each_exactly_one(
    sessions: Sessions, database_url: str, server: Loopback, http: HTTPClient
) -> None:
    mentees = 60
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.storage.fanout_child",
        database_url,
        str(server.port),
        str(mentees),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    while sum(server.stats.messages.values()) < mentees // 3:
        assert child.returncode is None, "the fan-out ended before it could be killed"
        await asyncio.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    await child.wait()
    before = await statuses(sessions)
    assert DeliveryStatus.PENDING in before.values()  # killed in the middle, for real

    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    assert await engine.start() > 0
    await engine.idle()
    await engine.stop()

    users = range(1, mentees + 1)
    assert {u: server.stats.messages[u] for u in users} == dict.fromkeys(users, 1)
    assert await statuses(sessions) == {
        f"checkin:1:{u}": expected_outcome(server, u) for u in users
    }


@pytest.mark.parametrize("window", [500, 4])
async def test_dm_channels_are_created_once_and_closed_dms_are_not_tried_again(
    sessions: Sessions,
    server: Loopback,
    http: HTTPClient,
    monkeypatch: pytest.MonkeyPatch,
    window: int,
) -> None:
    """Also with a window smaller than the fan-out: the prompts kept as rows learn their
    recipients' DM state as they are read back."""
    monkeypatch.setattr("bot.delivery.WINDOW", window)
    monkeypatch.setattr("bot.delivery.PAGE", window // 2)
    users = range(1, 21)
    await enrol(sessions, users)
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    await engine.start()
    await engine.deliver(checkins(users, week=1))
    first = server.stats.create_dm
    closed = sum(server.closed(u) for u in users)
    assert first == len(users) and server.stats.dms_closed == closed
    await engine.stop()

    engine = engine_for(sessions, http, Health(), FAST_RETRIES)  # a restart: memory is gone
    await engine.start()
    outcomes = await engine.deliver(checkins(users, week=2))
    assert server.stats.create_dm == first  # the cached channel ids came from the database
    assert server.stats.dms_closed == closed  # closed DMs were not tried again
    assert sorted(outcomes.values()) == sorted(expected_outcome(server, u) for u in users)
    async with sessions() as session:
        assert len(list(await session.scalars(select(DmChannel)))) == len(users)
        rows = await session.execute(select(Member.user_id, Member.dm_status))
        marked = {user_id: status for user_id, status in rows}
    assert marked == {u: DmStatus.CLOSED if server.closed(u) else DmStatus.OPEN for u in users}
    await engine.stop()


async def test_a_key_delivered_before_is_not_sent_again(
    sessions: Sessions, server: Loopback, http: HTTPClient
) -> None:
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    await engine.start()
    prompts = checkins(range(1, 4))
    first = await engine.deliver(prompts)
    again = await engine.deliver(prompts)
    await engine.stop()
    assert again == first
    assert sum(server.stats.messages.values()) == 3


async def test_an_urgent_post_overtakes_a_bulk_fan_out(
    sessions: Sessions, server: Loopback, http: HTTPClient
) -> None:
    engine = engine_for(
        sessions, http, Health(), DeliverySettings(rate_per_second=20, concurrency=2)
    )
    await engine.start()
    bulk = asyncio.create_task(engine.deliver(checkins(range(1, 81))))
    await asyncio.sleep(0.3)
    started = asyncio.get_running_loop().time()
    urgent = Prompt(
        key="escalation:1:post",
        kind="escalation",
        user_id=7,
        message=Message(content="A student asked for help.", mention_role_ids=(42,)),
        priority=Priority.URGENT,
        channel_id=PAIR_CHANNEL_OFFSET - 1,
    )
    assert await engine.deliver([urgent]) == {"escalation:1:post": DeliveryStatus.SENT}
    waited = asyncio.get_running_loop().time() - started
    assert not bulk.done()  # the fan-out was still going: the urgent post did not wait for it
    assert waited < 1.0
    await engine.stop()


async def test_with_no_pair_channel_a_closed_dm_goes_to_the_program_channel(
    sessions: Sessions, server: Loopback, http: HTTPClient
) -> None:
    closed = next(u for u in range(1, 100) if server.closed(u))
    await enrol(sessions, range(closed, closed + 1))
    async with sessions.begin() as session:
        program = await session.get(GuildSettings, 1)
        assert program is not None
        program.program_channel_id = PROGRAM_CHANNEL
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    await engine.start()
    outcomes = await engine.deliver(
        [
            Prompt("nudge:1", "nudge", closed, Message(content="Plan a session!"), guild_id=1),
            Prompt("nudge:2", "nudge", closed, Message(content="Again")),  # nowhere to go
        ]
    )
    await engine.stop()
    assert outcomes == {"nudge:1": DeliveryStatus.FALLBACK, "nudge:2": DeliveryStatus.FAILED}
    assert server.stats.channel_posts[PROGRAM_CHANNEL] == 1
    async with sessions() as session:
        failed = await session.scalar(select(Delivery).where(Delivery.key == "nudge:2"))
    assert failed is not None and failed.last_error == "DMs closed and no fallback channel"


async def test_the_outbox_sends_only_what_committed_and_resumes_what_was_not_dispatched(
    sessions: Sessions, server: Loopback, http: HTTPClient
) -> None:
    users = range(1, 7)
    await enrol(sessions, users)
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    await engine.start()
    rolled_back = checkins(range(1, 3), week=1)
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            await engine.outbox(session).add(rolled_back)
            raise RuntimeError("the state change failed")
    # Committed, then the process "died" before dispatch: nothing queued in this engine.
    async with sessions.begin() as session:
        await engine.outbox(session).add(checkins(range(3, 5), week=1))
    # Committed and dispatched: sent now; the same keys again are written and sent once.
    async with sessions.begin() as session:
        outbox = engine.outbox(session)
        assert len(await outbox.add(checkins(range(5, 7), week=1) * 2)) == 2
    waits = await engine.dispatch(outbox)
    assert set(await asyncio.gather(*waits.values())) <= {
        DeliveryStatus.SENT,
        DeliveryStatus.FALLBACK,
    }
    await engine.stop()

    restarted = engine_for(sessions, http, Health(), FAST_RETRIES)
    assert await restarted.start() == 2  # the two committed, never dispatched
    await restarted.idle()
    await restarted.stop()
    assert {u: server.stats.messages[u] for u in users} == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1, 6: 1}
    assert set(await statuses(sessions)) == {f"checkin:1:{u}" for u in range(3, 7)}


async def test_a_prompt_past_its_deadline_is_expired_not_sent_even_after_a_restart(
    sessions: Sessions, server: Loopback, http: HTTPClient
) -> None:
    users = range(1, 5)
    await enrol(sessions, users)
    now = datetime.now(UTC)
    late, timely = checkins(range(1, 3)), checkins(range(3, 5))
    late = [replace(p, expires_at=now - timedelta(seconds=1)) for p in late]
    timely = [replace(p, expires_at=now + timedelta(hours=1)) for p in timely]
    # Written by a run that stopped before sending (the rows a restart resumes).
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    async with sessions.begin() as session:
        await engine.outbox(session).add([*late, *timely])
    assert await engine.start() == 4
    await engine.idle()
    await engine.stop()
    assert {u: server.stats.messages[u] for u in users} == {1: 0, 2: 0, 3: 1, 4: 1}
    found = await statuses(sessions)
    assert [found[p.key] for p in late] == [DeliveryStatus.EXPIRED] * 2
    assert engine.status().sent + engine.status().fallback == 2


async def test_a_restarts_rows_past_their_deadline_are_ended_in_sql_not_read(
    sessions: Sessions, server: Loopback, http: HTTPClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left pending by the last run and past their deadline: ended by the sweep, a range of
    ids per transaction, never read as jobs: ``expired``, or ``uncertain`` when an attempt
    was stamped; the outcome hooks see them in that transaction; the timely ones are sent."""
    monkeypatch.setattr("bot.delivery.SWEEP_SPAN", 2)
    users = range(1, 8)
    await enrol(sessions, users)
    now = datetime.now(UTC)
    late = [replace(p, expires_at=now - timedelta(seconds=1)) for p in checkins(range(1, 6))]
    timely = [replace(p, expires_at=now + timedelta(hours=1)) for p in checkins(range(6, 8))]
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    async with sessions.begin() as session:
        await engine.outbox(session).add([*late, *timely])
        await session.execute(  # a request for this one may have left before the restart
            update(Delivery).where(Delivery.key == late[0].key).values(last_attempt_at=now)
        )
    read: list[str] = []
    pending_page = deliveries.pending_page

    async def reading(*args: Any) -> list[Delivery]:
        rows = await pending_page(*args)
        read.extend(row.key for row in rows)
        return rows

    monkeypatch.setattr(deliveries, "pending_page", reading)
    seen: dict[str, DeliveryStatus] = {}

    async def hook(session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
        assert session.in_transaction()
        seen.update((o.key, o.status) for o in outcomes)

    engine.on_recorded(hook)
    assert await engine.start() == 7
    await engine.idle()
    await engine.stop()
    sent = {u: server.stats.messages[u] for u in users}
    assert sent == {1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 1, 7: 1}
    assert sorted(read) == sorted(p.key for p in timely)
    ended = {p.key: DeliveryStatus.EXPIRED for p in late} | {late[0].key: DeliveryStatus.UNCERTAIN}
    found = await statuses(sessions)
    assert {key: found[key] for key in ended} == ended
    assert {key: seen[key] for key in ended} == ended
    assert (engine.status().expired, engine.status().uncertain) == (4, 1)


async def test_outcome_hooks_commit_with_the_outcomes_and_retry_with_them(
    sessions: Sessions, server: Loopback, http: HTTPClient
) -> None:
    await enrol(sessions, range(1, 3))
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    seen: list[tuple[str, DeliveryStatus]] = []
    failures = [1]

    async def hook(session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
        assert session.in_transaction()
        if failures:
            failures.pop()
            raise RuntimeError("the database went away")  # the batch is written again
        seen.extend((o.key, o.status) for o in outcomes if o.kind == "checkin")

    engine.on_recorded(hook)
    await engine.start()
    outcomes = await engine.deliver(checkins(range(1, 3)))
    await engine.stop()
    assert sorted(seen) == sorted(outcomes.items())


async def test_start_does_not_queue_again_what_this_run_already_queued(
    sessions: Sessions, server: Loopback, http: HTTPClient
) -> None:
    """A prompt dispatched before start() (a button pressed as the gateway became ready) is
    sent once, and its caller gets its outcome."""
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    async with sessions.begin() as session:
        outbox = engine.outbox(session)
        await outbox.add(checkins(range(1, 3)))
    waits = await engine.dispatch(outbox)
    assert await engine.start() == 0
    assert set(await asyncio.gather(*waits.values())) <= {
        DeliveryStatus.SENT,
        DeliveryStatus.FALLBACK,
    }
    await engine.stop()
    assert {u: server.stats.messages[u] for u in (1, 2)} == {1: 1, 2: 1}


async def test_the_queue_holds_a_window_and_reads_the_rest_from_the_table(
    sessions: Sessions, server: Loopback, http: HTTPClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Left pending by a run (urgent ones among them) and dispatched while the window is
    full: at most a window of jobs in memory, urgent first, every one sent once, and the
    queue's figure counts the rows not read yet."""
    monkeypatch.setattr("bot.delivery.WINDOW", 6)
    monkeypatch.setattr("bot.delivery.PAGE", 3)
    users = range(1, 43)
    await enrol(sessions, users)
    urgent = [
        replace(prompt, key=f"alert:{prompt.user_id}", kind="alert", priority=Priority.URGENT)
        for prompt in checkins(range(19, 21))
    ]
    left = [*checkins(range(1, 19)), *urgent]
    engine = engine_for(sessions, http, Health(), FAST_RETRIES)
    async with sessions.begin() as session:
        await engine.outbox(session).add(left)  # written by a run that died before sending
    order: list[str] = []
    held: list[int] = []

    async def hook(_session: AsyncSession, outcomes: Sequence[Outcome]) -> None:
        order.extend(o.key for o in outcomes if o.status is not DeliveryStatus.PENDING)
        held.append(len(engine._held))

    engine.on_recorded(hook)
    assert await engine.start() == 20
    assert engine.status().queued == 20  # none read yet
    async with sessions.begin() as session:
        outbox = engine.outbox(session)
        await outbox.add(checkins(range(21, 43)))
    waits = await engine.dispatch(outbox)
    assert set(await asyncio.gather(*waits.values())) <= {
        DeliveryStatus.SENT,
        DeliveryStatus.FALLBACK,
    }
    await engine.idle()
    assert engine.status().queued == 0
    await engine.stop()
    assert {u: server.stats.messages[u] for u in users} == dict.fromkeys(users, 1)
    assert sorted(order) == sorted([p.key for p in left] + list(waits))
    assert {"alert:19", "alert:20"} <= set(order[: FAST_RETRIES.concurrency])
    assert max(held) <= 6 + 2 * FAST_RETRIES.concurrency  # queued, in flight, being written
    assert order.index("checkin:1:18") < order.index("checkin:1:21")  # resumed first
