"""A thin wrapper over APScheduler's AsyncIOScheduler.

The database is the source of truth: jobs live in memory only, their ids are derived from
rows by the kinds declared in ``bot/jobs.py`` (``REMINDER.id(unix, "24h")`` ->
``"reminder:1764000000:24h"``; a test checks the bot plans no other) and every add replaces
a job of the same id, so rebuilding all jobs from the database on start (each service's
``reconcile()``) is always safe. Job arguments must be row ids, never free text: APScheduler
logs them. An index of ids by kind keeps "the jobs of this kind" cheap.

APScheduler 3 reads ``datetime.now()`` itself in two places: the scheduler (which jobs are
due) and the executor (the misfire check). Both are pointed at the bot's ``Clock`` while a
scheduler runs, so tests that move virtual time see jobs fire, and are not then dropped as
"missed by N days".
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from typing import Any

import apscheduler.executors.base as _executors_base
import apscheduler.schedulers.base as _schedulers_base
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MISSED,
    EVENT_JOB_REMOVED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
    JobExecutionEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.jobs import (
    JOBS_AT_ONCE,
    SPAN,
    URGENT_AT_ONCE,
    JobKind,
    Window,
    kind_of,
    span_end,
    unix,
)

log = logging.getLogger(__name__)

JobFunc = Callable[..., Awaitable[None]]


class Scheduler:
    def __init__(self, clock: Clock, *, misfire_grace_seconds: int) -> None:
        if misfire_grace_seconds < 1:
            raise ValueError("misfire_grace_seconds must be at least 1")
        self._clock = clock
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                # APScheduler's default grace is 1 s: a job due while the loop was busy or
                # the bot was down would be dropped silently. Ours is explicit.
                "misfire_grace_time": misfire_grace_seconds,
                "coalesce": True,
                "max_instances": 1,
            },
        )
        self._scheduler.add_listener(self._on_trouble, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        # Jobs running now (each submitted run ends executed, failed or missed), for stop().
        self._running_jobs = 0
        self._no_job_running = asyncio.Event()
        self._no_job_running.set()
        self._stopping = False
        self._scheduler.add_listener(
            self._count_running,
            EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED,
        )
        # Kind name -> {job id: when it runs}, kept as jobs are added, run or removed.
        self._planned: dict[str, dict[str, datetime]] = {}
        self._scheduler.add_listener(self._forget, EVENT_JOB_REMOVED)
        # APScheduler starts every due job at once; each waits here for its turn instead of
        # all queueing for a database connection (and timing out) together.
        self._turns = asyncio.Semaphore(JOBS_AT_ONCE)
        self._urgent_turns = asyncio.Semaphore(URGENT_AT_ONCE)
        self._batches = 0  # open ``batch()`` blocks

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    @property
    def jobs_running(self) -> int:
        """How many jobs have started and not yet ended (a fired job has left ``job_ids``)."""
        return self._running_jobs

    def start(self) -> None:
        """Start in the running event loop, with APScheduler's "now" following our clock."""
        _ClockedDatetime.clock = self._clock
        _schedulers_base.datetime = _ClockedDatetime
        _executors_base.datetime = _ClockedDatetime
        self._scheduler.start()
        log.info("scheduler started")

    def pause(self) -> None:
        """Start no job from now on (those running go on); for stopping, not undone."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.pause()

    async def stop(self, grace_seconds: float) -> int:
        """Start no new job, give the running ones up to ``grace_seconds`` to finish, then
        shut down (cancelling any still running). Returns how many were cut short."""
        self.pause()
        if self._running_jobs:
            try:
                await asyncio.wait_for(self._no_job_running.wait(), grace_seconds)
            except TimeoutError:
                log.warning(
                    "%d jobs still running after %.0f s; stopped", self._running_jobs, grace_seconds
                )
        cut = self._running_jobs
        self.shutdown()
        return cut

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            log.info("scheduler stopped")
        if _ClockedDatetime.clock is self._clock:
            _schedulers_base.datetime = datetime
            _executors_base.datetime = datetime
            _ClockedDatetime.clock = None

    def run_at(self, job: str, when: datetime, func: JobFunc, *args: int | str) -> None:
        """Run ``func(*args)`` once at ``when`` (aware), replacing any job with this id."""
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError("run_at needs an aware datetime")
        at = when.astimezone(UTC)
        planned = self._planned.setdefault(_kind_name(job), {})
        if job in planned and not self._scheduler.running:
            # Before start APScheduler only queues adds, a second one would be a duplicate.
            self._scheduler.remove_job(job)
        _cache_signature(func)
        kind = kind_of(job)
        runner = self._now if kind is not None and kind.urgent else self._in_turn
        _cache_signature(runner)
        self._scheduler.add_job(
            runner, DateTrigger(run_date=at), args=(func, *args), id=job, replace_existing=True
        )
        planned[job] = at

    async def _in_turn(self, func: JobFunc, *args: int | str) -> None:
        """Run a job once fewer than ``JOBS_AT_ONCE`` others run; not at all if the
        scheduler was paused meanwhile (its rows plan it again at the next start)."""
        async with self._turns:
            if not self._stopping:
                await func(*args)

    async def _now(self, func: JobFunc, *args: int | str) -> None:
        """Run an urgent job at once, not behind ordinary ones, once fewer than
        ``URGENT_AT_ONCE`` urgent ones run; not at all if the scheduler was paused meanwhile."""
        async with self._urgent_turns:
            if not self._stopping:
                await func(*args)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Add or cancel many jobs at once (rebuilding on start): no job starts inside, and
        the scheduler wakes up once at the end instead of once per job. Nests: the
        outermost batch resumes it."""
        if not self._scheduler.running or self._stopping:
            yield
            return
        if not self._batches:
            self._scheduler.pause()
        self._batches += 1
        try:
            yield
        finally:
            self._batches -= 1
            if not self._batches and not self._stopping:
                self._scheduler.resume()

    def run_spans(
        self,
        kind: JobKind,
        catch_up: JobKind,
        marks: Iterable[datetime],
        window: Window,
        func: JobFunc,
    ) -> int:
        """For a kind grouped by span: ``func(after, by)`` (unix) once per ``SPAN`` that
        holds a mark of ``window`` still ahead (``kind``), and at once for the marks passed
        (``catch_up``, ``after`` 0). A job already planned is left as it is; returns how
        many were added."""
        now = self._clock.now()
        held = [mark for mark in marks if window.holds(mark)]
        added = 0
        with self.batch():
            if any(mark <= now for mark in held) and not self.has(catch_up.id()):
                # By the next whole second: a mark not passed yet is also in a span ahead.
                self.run_at(catch_up.id(), now, func, 0, unix(now) + 1)
                added += 1
            for end in sorted({span_end(mark, SPAN) for mark in held if mark > now}):
                if not self.has(kind.id(end)):
                    at = datetime.fromtimestamp(end, UTC)
                    self.run_at(kind.id(end), at, func, end - int(SPAN.total_seconds()), end)
                    added += 1
        return added

    def cancel(self, job: str) -> bool:
        """Remove the job if it exists; True when one was removed."""
        if job not in self._planned.get(_kind_name(job), {}):
            return False
        self._scheduler.remove_job(job)
        return True

    def cancel_matching(self, prefix: str) -> int:
        """Remove every job whose id starts with ``prefix`` (all jobs of one row), looking
        only at the jobs of the prefix's kind."""
        matching = [job for job in self.planned(_kind_name(prefix)) if job.startswith(prefix)]
        for job in matching:
            self._scheduler.remove_job(job)
        return len(matching)

    def planned(self, kind: JobKind | str) -> dict[str, datetime]:
        """The jobs of one kind: id -> when (UTC), a copy."""
        return dict(self._planned.get(kind if isinstance(kind, str) else kind.name, {}))

    def has(self, job: str) -> bool:
        return job in self._planned.get(_kind_name(job), {})

    def next_run(self, job: str) -> datetime | None:
        return self._planned.get(_kind_name(job), {}).get(job)

    def job_ids(self) -> list[str]:
        return sorted(job for planned in self._planned.values() for job in planned)

    def _forget(self, event: JobEvent) -> None:
        self._planned.get(_kind_name(event.job_id), {}).pop(event.job_id, None)

    def _count_running(self, event: JobEvent) -> None:
        self._running_jobs = max(
            0, self._running_jobs + (1 if event.code == EVENT_JOB_SUBMITTED else -1)
        )
        if self._running_jobs:
            self._no_job_running.clear()
        else:
            self._no_job_running.set()

    def _on_trouble(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "job %s missed its time %s (bot down or busy longer than the grace period)",
                event.job_id,
                event.scheduled_run_time,
            )
        else:
            log.error(
                "job %s failed",
                event.job_id,
                exc_info=(type(event.exception), event.exception, event.exception.__traceback__),
            )


def _kind_name(job: str) -> str:
    return job.split(":", 1)[0]


def _cache_signature(func: JobFunc) -> None:
    """Give the job's function its signature once: APScheduler inspects it for every job
    added, which dominated rebuilding 60,000 jobs on start."""
    target = getattr(func, "__func__", func)
    if "__signature__" not in vars(target):
        setattr(target, "__signature__", inspect.signature(target))  # noqa: B010


class _ClockedDatetime(datetime):
    """``datetime`` whose ``now()`` reads the running scheduler's Clock."""

    clock: Clock | None = None

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> Any:
        if cls.clock is None:
            return datetime.now(tz or UTC)
        instant = cls.clock.now()
        return instant.astimezone(tz) if tz is not None else instant
