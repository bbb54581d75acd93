"""Engine and session factory from a database URL.

SQLite (the default, via aiosqlite) gets foreign keys enforced and write-ahead logging on
every connection; PostgreSQL (via asyncpg) needs nothing special. Every engine hides SQL
parameters in its errors and logs, since they carry students' words; PostgreSQL repeats
row values in an error's DETAIL ("Failing row contains (...)", "Key (...)=(...)") and
asyncpg quotes a value it cannot encode, so those are cut from the error too, before
anything can log it.

Sessions made here note when a transaction that wrote something commits: an interaction's
handler opens a ``Work`` (``begin_work``) and every write committed while it runs, in its task
or in the tasks it starts (SQLAlchemy commits a ``begin()`` block in a task of its own), marks
it saved, so an error reply can say what was saved and what was not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

Sessions = async_sessionmaker[AsyncSession]

# aiosqlite logs every statement with its parameters at DEBUG, whatever the engine hides.
logging.getLogger("aiosqlite").setLevel(logging.INFO)

_WROTE = "bridges_wrote"
_WRITING = "bridges_writing"


@dataclass
class Work:
    """One unit of work (an interaction's handling): did any write of it commit?"""

    saved: bool = False


_work: ContextVar[Work | None] = ContextVar("work", default=None)


class TrackedSession(Session):
    """A session whose committed writes are noted for the running task."""


def create_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(
        url, pool_pre_ping=not is_sqlite(url), hide_parameters=True, **_pool(url)
    )
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        _note_writers(engine)
    event.listen(engine.sync_engine, "handle_error", _hide_values)
    return engine


def create_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=TrackedSession)


def begin_work() -> Work:
    """Start noting committed writes for the running task and those it starts from now on."""
    work = Work()
    _work.set(work)
    return work


@contextmanager
def housekeeping() -> Iterator[None]:
    """Writes in this block are not the person's change (a pair's voice channel recorded
    on first use): an error after them is not reported as "saved before this"."""
    token = _work.set(None)
    try:
        yield
    finally:
        _work.reset(token)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def one_writer_at_a_time(sessions: Sessions) -> bool:
    """Whether the database has one write lock for everything (SQLite); PostgreSQL locks
    rows."""
    engine = sessions.kw["bind"]
    return isinstance(engine, AsyncEngine) and engine.dialect.name == "sqlite"


def others_writing(sessions: Sessions) -> bool:
    """On SQLite, whether a transaction that writes is open now: it holds the database's
    one write lock or waits for it (in SQLite's busy handler, retrying every few ms), so a
    long series of write transactions should pause before its next one. A connection that
    only reads, or whose holder is busy elsewhere, keeps nobody waiting. PostgreSQL locks
    rows, not the database: never."""
    if not one_writer_at_a_time(sessions):
        return False
    return _writers.get(sessions.kw["bind"].sync_engine, 0) > 0


#: SQLite: per engine, how many of its connections are in a transaction that has written
#: (the driver begins one at the first write: reads run outside any).
_writers: WeakKeyDictionary[Engine, int] = WeakKeyDictionary()
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


def _note_writers(engine: AsyncEngine) -> None:
    sync = engine.sync_engine

    def statement(conn: Connection, _cursor: Any, sql: str, *_args: Any) -> None:
        if not conn.info.get(_WRITING) and sql.lstrip()[:6].upper() in _WRITES:
            conn.info[_WRITING] = True
            _writers[sync] = _writers.get(sync, 0) + 1

    def ended(info: dict[Any, Any]) -> None:
        if info.pop(_WRITING, False):
            _writers[sync] -= 1

    event.listen(sync, "before_cursor_execute", statement)
    event.listen(sync, "commit", lambda conn: ended(conn.info))
    event.listen(sync, "rollback", lambda conn: ended(conn.info))
    # Returned to the pool without either (its holder cancelled, the connection lost).
    event.listen(sync.pool, "checkin", lambda _dbapi, record: ended(record.info))


@event.listens_for(TrackedSession, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    session.info[_WROTE] = True


@event.listens_for(TrackedSession, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(TrackedSession, "after_commit")
def _committed(session: Session) -> None:
    work = _work.get()
    if session.info.pop(_WROTE, False) and work is not None:
        work.saved = True


@event.listens_for(TrackedSession, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    session.info.pop(_WROTE, None)


#: What PostgreSQL and asyncpg put in an error that may quote a row's values.
_DETAIL = re.compile(r"\nDETAIL:.*?(?=\nHINT:|\Z)", re.DOTALL)
_ARGUMENT = re.compile(r"(invalid input for query argument \$\d+): .*", re.DOTALL)
HIDDEN = "(values hidden)"


def _hide_values(context: ExceptionContext) -> None:
    """Cut the row values out of a database error, and out of every error it wraps."""
    seen: set[int] = set()
    error: BaseException | None = context.original_exception
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        _hide_in(error)
        error = error.__cause__ or error.__context__
    if context.sqlalchemy_exception is not None:
        _hide_in(context.sqlalchemy_exception)


def _hide_in(error: BaseException) -> None:
    if isinstance(getattr(error, "detail", None), str):  # asyncpg prints it after the message
        error.detail = None  # type: ignore[attr-defined]
    if error.args and isinstance(error.args[0], str):
        text = _ARGUMENT.sub(rf"\1 {HIDDEN}", _DETAIL.sub(f"\nDETAIL:  {HIDDEN}", error.args[0]))
        error.args = (text, *error.args[1:])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # The documented pairing with WAL: commits are atomic and survive a crash of the
        # bot; only an OS crash or power cut can lose the last few, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def _pool(url: str) -> dict[str, int]:
    """SQLite: a fixed set of connections (each is a thread in aiosqlite); opening and closing
    overflow connections under a burst cost more than waiting for one."""
    return {"pool_size": 5, "max_overflow": 0, "pool_timeout": 120} if is_sqlite(url) else {}
