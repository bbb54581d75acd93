"""A real database outage for tests, on either backend.

- PostgreSQL: the engine under test connects through a loopback TCP proxy; ``begin()`` drops
  every connection through it and refuses new ones (the server is unreachable), ``end()``
  lets them through again.
- SQLite: ``begin()`` takes the database's write lock from another connection (in WAL mode
  readers go on; writers wait for the busy timeout, then fail with "database is locked"),
  ``end()`` releases it. ``fast_locks`` shortens the engine's busy timeout so a test does not
  wait 5 s per refused write.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

#: Milliseconds a write waits for the lock before SQLite says "database is locked".
FAST_BUSY_TIMEOUT_MS = 200


def fast_locks(engine: AsyncEngine) -> None:
    """A SQLite engine gives up on a held lock after FAST_BUSY_TIMEOUT_MS (else 5 s)."""
    if engine.dialect.name != "sqlite":
        return

    def shorter(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={FAST_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    event.listen(engine.sync_engine, "connect", shorter)


class Outage:
    """Make the database at ``url`` refuse writes, and take it back (see module doc)."""

    def __init__(self, url: str) -> None:
        self._target = make_url(url)
        self.url = url  # what the engine under test connects to (the proxy, on PostgreSQL)
        self._lock: sqlite3.Connection | None = None
        self._server: asyncio.Server | None = None
        self._cut = False
        self._links: set[asyncio.StreamWriter] = set()
        self.active = False

    async def __aenter__(self) -> Outage:
        if self._target.get_backend_name() == "postgresql":
            self._server = await asyncio.start_server(self._link, "127.0.0.1", 0)
            port = self._server.sockets[0].getsockname()[1]
            self.url = self._target.set(host="127.0.0.1", port=port).render_as_string(
                hide_password=False
            )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self.end()
        if self._server is not None:
            self._server.close()
            for writer in list(self._links):
                writer.transport.abort()
            await self._server.wait_closed()

    async def begin(self) -> None:
        self.active = True
        if self._server is None:
            assert self._target.database is not None
            self._lock = sqlite3.connect(self._target.database, isolation_level=None, timeout=0)
            while True:  # between two of the engine's writes (never blocking its loop)
                try:
                    self._lock.execute("BEGIN EXCLUSIVE")
                    return
                except sqlite3.OperationalError:
                    await asyncio.sleep(0.005)
        self._cut = True
        for writer in list(self._links):
            writer.transport.abort()

    def end(self) -> None:
        self.active = False
        self._cut = False
        if self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._cut:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self._target.host, self._target.port or 5432
            )
        except OSError:
            writer.transport.abort()
            return
        self._links |= {writer, up_writer}
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._links -= {writer, up_writer}


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
