"""The signal worker: applies every committed, unprocessed signal, oldest first.

Signals are rows (``signals``, ``processed_at IS NULL`` until applied). The worker runs
when started (where jobs are reconciled, so after a crash it first applies whatever was
left) and whenever it is woken after a commit that recorded one. It applies them one at a time,
each in its own transaction (``apply``: the escalation rules, whose transaction also marks
the signal processed and writes the staff post), so one signal counts once even when two
processes look at it. A signal whose application fails is tried again after a pause, and
after ``MAX_TRIES`` failures left for the next start (logged), so it never blocks the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from storage.db import Sessions
from storage.repositories import signals as rows

log = logging.getLogger(__name__)

BATCH = 200
MAX_TRIES = 3
RETRY_SECONDS = 1.0


class SignalWorker:
    """Runs only while there is work (no task idles between signals): ``wake`` starts a run
    that applies everything pending, looking again before it ends if woken meanwhile."""

    def __init__(
        self,
        sessions: Sessions,
        apply: Callable[[int], Awaitable[object]],
        *,
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        self._sessions, self._apply = sessions, apply
        self._retry = retry_seconds
        self._started = self._again = False
        self._failures: dict[int, int] = {}
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Apply everything pending now (what a crash left too), and from now on whatever
        each wake-up finds."""
        self._started = True
        self.wake()

    def wake(self) -> None:
        """Signals were committed: apply them (before ``start``: at start)."""
        self._again = True
        if self._started and not self.running:
            self._task = asyncio.create_task(self._run(), name="signal-worker")

    async def stop(self) -> None:
        self._started = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def idle(self) -> None:
        """Wait until nothing is left to apply (for tests and the crash harness)."""
        while self.running and self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        while self._again:
            self._again = False
            while pending := await self._pending():
                for signal_id in pending:
                    await self._one(signal_id)

    async def _pending(self) -> list[int]:
        given_up = [s for s, tries in self._failures.items() if tries >= MAX_TRIES]
        while True:
            try:
                async with self._sessions() as session:
                    return await rows.unprocessed(session, BATCH, given_up)
            except Exception:
                log.exception("signal worker: could not read the signals; retrying")
                await asyncio.sleep(self._retry)

    async def _one(self, signal_id: int) -> None:
        try:
            await self._apply(signal_id)
        except Exception as error:
            tries = self._failures[signal_id] = self._failures.get(signal_id, 0) + 1
            if tries >= MAX_TRIES:
                log.exception(
                    "signal %s failed %d times; left for the next start", signal_id, tries
                )
            else:
                log.warning(
                    "signal %s could not be applied (%s); trying again",
                    signal_id,
                    type(error).__name__,
                )
                await asyncio.sleep(self._retry)
        else:
            self._failures.pop(signal_id, None)
