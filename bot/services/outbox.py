"""The transactional outbox of every flow: a state change and what it implies commit together.

The one pattern every service follows when a change implies messages or signals::

    async def accept(self, session_id: int, user_id: int, compose: Compose[Answered]) -> Answered:
        async with self._tx.begin("session-accept") as changes:
            ...                                       # the state change, on changes.session
            answered = Answered(...)                  # plain data: what happened
            await changes.send(compose(answered))     # its prompts: delivery rows, same transaction
            changes.signal(guild_id, kind, member_id, match_id)  # a signal row, same transaction
        return answered

- **The service never writes a message.** ``compose`` is a pure callable the cog passes in:
  it turns the service's result into ``Prompt``s with the texts modules and
  ``view.to_components()``, and sets each prompt's deadline (``expires_at``). A method that
  implies messages takes its ``compose`` as its last parameter; a test passes its own.
- **Nothing is sent or applied that was not committed.** Prompts become ``deliveries`` rows
  and signals ``signals`` rows inside the transaction; only after the commit are the new
  prompts queued on the delivery engine and the signal worker woken. A refused change (a
  ``UserError`` inside the block) rolls everything back: no row, no message.
- **Nothing committed is left unsent.** If the process dies between the commit and the
  queueing, the engine resumes pending rows at start and the signal worker applies
  unprocessed signals at start. A prompt's key is written once: repeating a flow (a double
  fire, a repair at start) writes and sends nothing again.
- **Fault points.** ``begin(flow)`` marks ``{flow}:before-commit`` and ``{flow}:after-commit``
  for the crash harness (``bot.faults``).

``join(session)`` does the same inside a transaction someone else opened and commits (the
delivery engine's outcome hook): the prompts are queued once that transaction commits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Protocol, TypeAlias, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.delivery import Outbox, Prompt
from bot.faults import fault
from storage.db import Sessions
from storage.models import DeliveryStatus, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Turns a service's result into the prompts it implies (pure; supplied by a cog).
Compose: TypeAlias = Callable[[T], Sequence[Prompt]]


class Dispatcher(Protocol):
    """What the outbox needs of the delivery engine."""

    def outbox(self, session: AsyncSession) -> Outbox: ...

    async def dispatch(self, outbox: Outbox) -> dict[str, asyncio.Future[DeliveryStatus]]: ...


class Changes:
    """The open transaction of one flow: its session, and what it implies."""

    def __init__(self, session: AsyncSession, outbox: Outbox, now: datetime) -> None:
        self.session, self.outbox, self.now = session, outbox, now
        self.signals: list[Signal] = []
        #: After the commit: a future per new prompt key, resolving to its outcome.
        self.waits: dict[str, asyncio.Future[DeliveryStatus]] = {}

    async def send(self, prompts: Sequence[Prompt]) -> set[str]:
        """Write the prompts as pending deliveries in this transaction; returns the new keys
        (a key written before is neither written nor sent again)."""
        return await self.outbox.add(prompts)

    def signal(
        self,
        guild_id: int,
        kind: str,
        member_id: int | None,
        match_id: int | None,
        *,
        checkin_id: int | None = None,
        mentor_checkin_id: int | None = None,
        goal_id: int | None = None,
        session_id: int | None = None,
    ) -> Signal:
        """Record a signal in this transaction (its id is set at the next flush); the
        signal worker applies the escalation rules to it once committed."""
        row = Signal(
            guild_id=guild_id,
            kind=kind,
            member_id=member_id,
            match_id=match_id,
            checkin_id=checkin_id,
            mentor_checkin_id=mentor_checkin_id,
            goal_id=goal_id,
            session_id=session_id,
            created_at=self.now,
        )
        self.session.add(row)
        self.signals.append(row)
        return row


class Transactions:
    """Opens the transactions of every flow (see the module docstring)."""

    def __init__(
        self,
        sessions: Sessions,
        clock: Clock,
        dispatcher: Dispatcher | None = None,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.sessions, self._clock = sessions, clock
        self._dispatcher, self._wake = dispatcher, wake
        self._after: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def begin(self, flow: str, *, queue: bool = True) -> AsyncIterator[Changes]:
        """One transaction of ``flow``: committed when the block ends, rolled back (with
        every prompt and signal in it) when it raises; what it implies is queued after
        (with ``queue=False``, when the caller passes it to ``queue``: a flow of several
        transactions queues them together once the last has committed)."""
        async with self.sessions.begin() as session:
            changes = self._changes(session)
            yield changes
            await session.flush()
            fault(f"{flow}:before-commit")
        fault(f"{flow}:after-commit")
        if queue:
            await self._committed(changes)

    async def queue(self, committed: list[Changes]) -> None:
        """Queue what these committed transactions imply (see ``begin``), the loop given
        back between two (a fan-out's 400 queued in one stretch held it 100-170 ms at
        40,000 prompts: the engine's queue takes each prompt without a pause). Each is
        taken out of ``committed`` once queued, and freed then: a fan-out's 1,000 freed
        together when it returned held the interpreter 140 ms at 100,000 prompts, every
        database thread waiting (bench/RESULTS.md)."""
        committed.reverse()
        while committed:
            await self._committed(committed.pop())
            await asyncio.sleep(0)

    def join(self, session: AsyncSession) -> Changes:
        """Changes inside a transaction the caller commits; queued once it has committed
        (nothing is queued if it rolls back)."""
        changes = self._changes(session)

        def committed(_session: Any) -> None:
            task = asyncio.get_running_loop().create_task(self._queue(changes))
            self._after.add(task)
            task.add_done_callback(self._after.discard)

        event.listen(session.sync_session, "after_commit", committed, once=True)
        return changes

    def _changes(self, session: AsyncSession) -> Changes:
        now = self._clock.now()
        outbox = self._dispatcher.outbox(session) if self._dispatcher else Outbox(session, now)
        return Changes(session, outbox, now)

    async def _queue(self, changes: Changes) -> None:
        try:
            await self._committed(changes)
        except Exception:  # the rows are committed: the engine resumes them at start
            log.exception("could not queue %d committed prompt(s)", len(changes.outbox.new))

    async def _committed(self, changes: Changes) -> None:
        if self._dispatcher is not None and changes.outbox.new:
            changes.waits = await self._dispatcher.dispatch(changes.outbox)
        if changes.signals and self._wake is not None:
            self._wake()
