"""One active instance per database: the others wait as standbys.

Two processes on one database (a second start by mistake, a rolling deploy) would double
the request rate into 429s, count signals twice and race the SLA stages. So ``bridges run``
first takes a lock that only one process can hold:

- on PostgreSQL, a session-level advisory lock, held on a dedicated connection for the
  life of the process (the server drops it when that connection ends; TCP keepalives make
  it notice a vanished host within about 11 s);
- on SQLite, an OS file lock (``flock``) on a file next to the database file (the kernel
  drops it when the process dies).

The process holding it is the active one. Any other logs that it is a standby, neither
connects to Discord nor sends anything, and tries again every ``poll_seconds``; killed
(SIGKILL included), the active one's lock goes with it, and a standby takes over within
``poll_seconds`` (plus, on PostgreSQL, ``2 * heartbeat_seconds``: a holder whose connection
dropped without it dying needs that long to notice and stop; see ``takeover_delay``).

The active instance checks every ``heartbeat_seconds`` that it still holds the lock. If it
does not (the database restarted, the network dropped, the lock file was removed), it stops
and exits with an error: a process that cannot show it is the only sender must not send,
and a supervisor or a standby takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import TextClause, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.clock import Clock

log = logging.getLogger(__name__)

#: The advisory lock's key: the same for every Bridges process on a database.
LOCK_KEY = int.from_bytes(
    hashlib.blake2b(b"bridges:active-instance", digest_size=8).digest(), "big", signed=True
)
#: pg_locks shows a bigint advisory key as two 32-bit halves.
_HIGH, _LOW = (LOCK_KEY >> 32) & 0xFFFFFFFF, LOCK_KEY & 0xFFFFFFFF
_HOLDS = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid::bigint = :high AND objid::bigint = :low)"
)
_HOLDER = text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted"
    " AND l.classid::bigint = :high AND l.objid::bigint = :low"
)


@dataclass(frozen=True)
class InstanceSettings:
    poll_seconds: int  # a standby tries to take over this often
    heartbeat_seconds: int  # the active instance checks it still holds the lock this often


@dataclass(frozen=True)
class Standing:
    """This process, as the active instance."""

    host: str
    pid: int
    since: datetime


@dataclass
class Active:
    """The active instance while it runs; ``lost`` once its lock went (it is then stopping)."""

    standing: Standing
    lost: bool = False


class InstanceLock(Protocol):
    """A lock that at most one process holds, released by the system when it dies."""

    #: How long a process waits after taking the lock before it acts: long enough for a
    #: holder that lost the lock without dying (its connection dropped) to notice and stop.
    takeover_delay: float

    async def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; False when another process does."""
        ...

    async def still_held(self) -> bool:
        """Whether this process still holds the lock (False on any doubt)."""
        ...

    async def holder(self) -> str:
        """Who holds it, as far as can be told (for the standby's log line)."""
        ...

    async def release(self) -> None: ...


def _me() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


class FileLock:
    """``flock`` on a file next to the SQLite database."""

    takeover_delay = 0.0  # the kernel releases it only when its holder is gone

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    async def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, _me().encode())
        self._fd = fd
        return True

    async def still_held(self) -> bool:
        """Held, and the file at the path is still the one locked (not removed or replaced,
        which would let another process lock a new one)."""
        if self._fd is None:
            return False
        try:
            return os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
        except OSError:
            return False

    async def holder(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8").strip() or "unknown"
        except OSError:
            return "unknown"

    async def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own."""

    def __init__(self, url: str, heartbeat_seconds: float) -> None:
        self.takeover_delay = 2.0 * heartbeat_seconds
        self._timeout = heartbeat_seconds
        self._engine: AsyncEngine = create_async_engine(
            url,
            poolclass=NullPool,
            hide_parameters=True,
            connect_args={
                "timeout": heartbeat_seconds,
                "server_settings": {
                    "application_name": f"bridges {_me()}"[:63],
                    # The server drops the lock of a host that vanished without a word.
                    "tcp_keepalives_idle": "5",
                    "tcp_keepalives_interval": "2",
                    "tcp_keepalives_count": "3",
                },
            },
        )
        self._connection: AsyncConnection | None = None
        self._held = False

    async def _scalar(self, statement: TextClause) -> object:
        if self._connection is None:
            # Autocommit: the lock is the session's, and no transaction is left open.
            connection = await self._engine.connect()
            self._connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        async with asyncio.timeout(self._timeout):
            result = await self._connection.execute(
                statement, {"key": LOCK_KEY, "high": _HIGH, "low": _LOW}
            )
            return result.scalar()

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError, OSError, TimeoutError):
                await connection.invalidate()
                await connection.close()

    async def try_acquire(self) -> bool:
        try:
            self._held = bool(await self._scalar(text("SELECT pg_try_advisory_lock(:key)")))
        except (SQLAlchemyError, OSError, TimeoutError):
            await self._drop_connection()  # the database is away: try again next time
            raise
        return self._held

    async def still_held(self) -> bool:
        if not self._held:
            return False
        try:
            held = bool(await self._scalar(_HOLDS))
        except (SQLAlchemyError, OSError, TimeoutError):
            held = False
        if not held:
            self._held = False
            await self._drop_connection()
        return held

    async def holder(self) -> str:
        try:
            name = await self._scalar(_HOLDER)
        except (SQLAlchemyError, OSError, TimeoutError):
            return "unknown"
        return str(name).removeprefix("bridges ") if name else "unknown"

    async def release(self) -> None:
        # Ending the session releases its advisory locks.
        await self._drop_connection()
        self._held = False
        await self._engine.dispose()


class NoLock:
    """An in-memory SQLite database belongs to one process: it is always the active one."""

    takeover_delay = 0.0

    async def try_acquire(self) -> bool:
        return True

    async def still_held(self) -> bool:
        return True

    async def holder(self) -> str:
        return _me()

    async def release(self) -> None:
        return None


def lock_for(database_url: str, settings: InstanceSettings) -> InstanceLock:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return NoLock()
        database = Path(url.database)
        return FileLock(database.with_name(f"{database.name}.instance-lock"))
    return AdvisoryLock(database_url, settings.heartbeat_seconds)


class _State:
    current: Standing | None = None


_state = _State()


def current() -> Standing | None:
    """This process's standing while it is the active instance (None otherwise)."""
    return _state.current


async def _pause(stopping: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``, or less when asked to stop; True when asked to stop."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)
    return stopping.is_set()


async def _take(lock: InstanceLock, settings: InstanceSettings, stopping: asyncio.Event) -> bool:
    """Wait as a standby until the lock is ours; False when asked to stop first. Says once
    that it waits (naming the holder) and once each time the database cannot be reached."""
    said_standby = unreachable = False
    while not stopping.is_set():
        try:
            acquired = await lock.try_acquire()
        except (SQLAlchemyError, OSError, TimeoutError) as error:
            if not unreachable:
                log.warning(
                    "cannot reach the database for the instance lock (%s); retrying",
                    type(error).__name__,
                )
            unreachable = True
        else:
            unreachable = False
            if acquired:
                return not await _pause(stopping, lock.takeover_delay)
            if not said_standby:
                log.info(
                    "standby: the active instance is %s; taking over when it stops",
                    await lock.holder(),
                )
                said_standby = True
        if await _pause(stopping, settings.poll_seconds):
            return False
    return False


async def _watch(
    lock: InstanceLock, settings: InstanceSettings, active: Active, stopping: asyncio.Event
) -> None:
    while not await _pause(stopping, settings.heartbeat_seconds):
        if not await lock.still_held():
            active.lost = True
            log.error(
                "lost the active-instance lock (database connection gone?); stopping so that "
                "only one instance sends"
            )
            stopping.set()
            return


@contextlib.asynccontextmanager
async def active_instance(
    database_url: str, settings: InstanceSettings, clock: Clock, stopping: asyncio.Event
) -> AsyncIterator[Active | None]:
    """This process as the active instance once it holds the lock (waiting as a standby
    until then), or None when ``stopping`` is set first. While it is active, losing the
    lock sets ``stopping`` (and ``lost``)."""
    lock = lock_for(database_url, settings)
    try:
        if not await _take(lock, settings, stopping):
            yield None
            return
        standing = Standing(socket.gethostname(), os.getpid(), clock.now())
        log.info("active instance: %s", _me())
        active = Active(standing)
        _state.current = standing
        watcher = asyncio.create_task(_watch(lock, settings, active, stopping), name="instance")
        try:
            yield active
        finally:
            watcher.cancel()
            _state.current = None
    finally:
        await lock.release()
