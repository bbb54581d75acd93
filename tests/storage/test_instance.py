"""One active instance per database, on SQLite (a file lock) and PostgreSQL (an advisory
lock): in one process with two locks, then with real processes that send to the loopback
Discord: exactly one is active, nothing is sent twice, a SIGKILLed active one is replaced
by the standby within 30 s, and an active one that loses its lock stops."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bench.loopback import Loopback
from bot.clock import FixedClock
from bot.instance import (
    _HIGH,
    _LOW,
    FileLock,
    InstanceSettings,
    NoLock,
    active_instance,
    current,
    lock_for,
)
from storage.db import Sessions
from tests.storage.test_delivery_engine import enrol
from tests.storage.test_delivery_engine import server as server

ROOT = Path(__file__).resolve().parents[2]
FAST = InstanceSettings(poll_seconds=1, heartbeat_seconds=1)
DEFAULTS = InstanceSettings(poll_seconds=5, heartbeat_seconds=5)  # as config.example.toml
NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


async def eventually(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "it never happened"
        await asyncio.sleep(0.05)


# ------------------------------------------------------------------ in one process


async def test_one_lock_holder_at_a_time(database_url: str) -> None:
    first, second = lock_for(database_url, FAST), lock_for(database_url, FAST)
    try:
        assert await first.try_acquire()
        assert not await second.try_acquire()
        assert await first.still_held() and not await second.still_held()
        assert str(os.getpid()) in await second.holder()  # who the standby waits for
        await first.release()
        assert await second.try_acquire()
        assert not await first.try_acquire()
    finally:
        await first.release()
        await second.release()


async def test_an_in_memory_database_needs_no_lock() -> None:
    assert isinstance(lock_for("sqlite+aiosqlite://", FAST), NoLock)
    lock = lock_for("sqlite+aiosqlite:///data/bridges.db", FAST)
    assert isinstance(lock, FileLock) and lock.path == Path("data/bridges.db.instance-lock")


async def test_a_standby_says_so_and_takes_over_when_the_active_one_stops(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.instance")
    stop_first, stop_second = asyncio.Event(), asyncio.Event()
    roles: list[str] = []

    async def run(name: str, stopping: asyncio.Event) -> bool:
        async with active_instance(database_url, FAST, FixedClock(NOW), stopping) as active:
            if active is None:
                return False
            roles.append(name)
            assert current() == active.standing and active.standing.since == NOW
            await stopping.wait()
            return active.lost

    first = asyncio.create_task(run("first", stop_first))
    await eventually(lambda: roles == ["first"])
    second = asyncio.create_task(run("second", stop_second))
    await eventually(lambda: "standby: the active instance is" in caplog.text)
    assert roles == ["first"]  # the second waits
    stop_first.set()
    assert await first is False
    await eventually(lambda: roles == ["first", "second"])
    stop_second.set()
    assert await second is False and current() is None


async def test_a_standby_stopped_while_waiting_stops_at_once(database_url: str) -> None:
    holder = lock_for(database_url, FAST)
    assert await holder.try_acquire()
    stopping = asyncio.Event()
    try:

        async def standby() -> object:
            async with active_instance(database_url, FAST, FixedClock(NOW), stopping) as active:
                return active

        waiting = asyncio.create_task(standby())
        await asyncio.sleep(0.3)
        stopping.set()
        assert await asyncio.wait_for(waiting, 2) is None
    finally:
        await holder.release()


# ------------------------------------------------------------------ real processes


class Child:
    """A tests.storage.instance_child process; its output lines are collected as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.out: list[str] = []
        self.err: list[str] = []
        assert process.stdout is not None and process.stderr is not None
        self._readers = [
            asyncio.create_task(self._read(process.stdout, self.out)),
            asyncio.create_task(self._read(process.stderr, self.err)),
        ]

    @staticmethod
    async def _read(stream: asyncio.StreamReader, into: list[str]) -> None:
        async for line in stream:
            into.append(line.decode().rstrip())

    def printed(self, line: str) -> bool:
        return line in self.out

    def logged(self, text: str) -> bool:
        return any(text in line for line in self.err)

    async def until(self, line: str, seconds: float) -> None:
        """Wait until it prints ``line`` ("active", "finished")."""
        deadline = time.monotonic() + seconds
        while not self.printed(line):
            assert self.process.returncode is None, f"exited: {self.err[-5:]}"
            assert time.monotonic() < deadline, f"never printed {line!r}: {self.err[-5:]}"
            await asyncio.sleep(0.05)

    async def close(self) -> int:
        if self.process.returncode is None:
            self.process.terminate()
        code = await asyncio.wait_for(self.process.wait(), 60)
        await asyncio.gather(*self._readers)
        return code


Spawn = Callable[[str, int, int, InstanceSettings], Awaitable[Child]]


@pytest.fixture
async def spawn() -> AsyncIterator[Spawn]:
    children: list[Child] = []

    async def start(url: str, port: int, mentees: int, settings: InstanceSettings) -> Child:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.storage.instance_child",
            url,
            str(port),
            str(mentees),
            str(settings.poll_seconds),
            str(settings.heartbeat_seconds),
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        children.append(Child(process))
        return children[-1]

    yield start
    for child in children:
        if child.process.returncode is None:
            child.process.kill()
        await child.close()


async def _roles(a: Child, b: Child) -> tuple[Child, Child]:
    """(the active one, the standby), once each has said which it is."""
    deadline = time.monotonic() + 60
    while not any(
        active.printed("active") and standby.logged("standby: the active instance is")
        for active, standby in ((a, b), (b, a))
    ):
        assert time.monotonic() < deadline, f"no roles: {a.err[-3:]} {b.err[-3:]}"
        assert a.process.returncode is None and b.process.returncode is None
        await asyncio.sleep(0.05)
    return (a, b) if a.printed("active") else (b, a)


async def test_two_processes_one_sender_and_a_sigkill_taken_over_within_30_s(
    database_url: str,
    sessions: Sessions,
    server: Loopback,
    spawn: Spawn,
) -> None:
    users = range(1, 121)
    await enrol(sessions, users)
    a, b = await asyncio.gather(
        *(spawn(database_url, server.port, len(users), DEFAULTS) for _ in range(2))
    )
    active, standby = await _roles(a, b)
    while sum(server.stats.messages.values()) < len(users) // 3:
        assert active.process.returncode is None
        await asyncio.sleep(0.01)
    assert not standby.printed("active")  # still waiting, sending nothing

    active.process.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    await standby.until("active", 40)
    took = time.monotonic() - killed
    assert took < 30, f"the standby took {took:.1f} s to take over"
    await standby.until("finished", 120)

    assert {u: server.stats.messages[u] for u in users} == dict.fromkeys(users, 1)
    assert await standby.close() == 0


async def _lose_the_lock(database_url: str) -> None:
    """What a database restart does to the active one: its lock goes (SQLite: the file)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        os.remove(f"{url.database}.instance-lock")
        return
    connection = await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host,
        port=url.port or 5432,
        database=url.database,
    )
    try:
        ended = await connection.fetchval(
            # Advisory locks are per database: only this test's holder, not another
            # worker's test holding the same key in its own database at the same time.
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory'"
            " AND granted AND classid::bigint = $1 AND objid::bigint = $2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            _HIGH,
            _LOW,
        )
        assert ended == 1
    finally:
        await connection.close()


async def test_an_active_process_that_loses_its_lock_stops_and_the_standby_takes_over(
    database_url: str,
    sessions: Sessions,
    server: Loopback,
    spawn: Spawn,
) -> None:
    await enrol(sessions, range(1, 2))
    a, b = await asyncio.gather(*(spawn(database_url, server.port, 0, FAST) for _ in range(2)))
    active, standby = await _roles(a, b)
    await active.until("finished", 30)

    await _lose_the_lock(database_url)
    assert await asyncio.wait_for(active.process.wait(), 20) == 1  # stopped, with an error
    await active.close()
    assert active.logged("lost the active-instance lock")
    await standby.until("active", 20)
    assert await standby.close() == 0
