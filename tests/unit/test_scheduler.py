"""The scheduler wrapper: clock-following, replace-by-id, misfire policy, cancellation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import apscheduler.executors.base as executors_base
import apscheduler.schedulers.base as schedulers_base
import pytest

from bot import jobs
from bot.clock import FollowingClock
from bot.jobs import KINDS, REMINDER, Window, kind_of
from bot.scheduler import Scheduler

#: The bot's clock is a year ahead of the machine's: if APScheduler read the machine's
#: clock, nothing below would fire within the test.
AHEAD = timedelta(days=365)
GRACE = 60


@pytest.fixture
async def scheduler() -> AsyncIterator[Scheduler]:
    clock = FollowingClock(lambda: datetime.now(UTC) + AHEAD)
    started = Scheduler(clock, misfire_grace_seconds=GRACE)
    started.start()
    yield started
    started.shutdown()


def recorder() -> tuple[list[str], object]:
    calls: list[str] = []

    async def record(tag: str) -> None:
        calls.append(tag)

    return calls, record


async def wait_for(calls: list[str], count: int) -> None:
    for _ in range(100):
        if len(calls) >= count:
            return
        await asyncio.sleep(0.01)


def test_job_ids_are_derived_from_row_keys_by_a_declared_kind() -> None:
    assert REMINDER.id(1764000000, "24h") == "reminder:1764000000:24h"
    assert kind_of("reminder:1764000000:24h") is REMINDER
    assert REMINDER.prefix(1764000000) == "reminder:1764000000:"
    with pytest.raises(ValueError, match="parts"):
        REMINDER.id(17)
    assert kind_of("reminder:17") is None  # a reminder id has two keys
    assert kind_of("probe:1") is None


def test_every_kind_is_listed_in_the_registry_docstring() -> None:
    doc = jobs.__doc__ or ""
    for kind in KINDS:
        assert f"``{kind.pattern}`` runs ``{kind.runs}``" in doc
    assert len({kind.name for kind in KINDS}) == len(KINDS)


def test_the_planner_runs_well_inside_the_horizon() -> None:
    assert jobs.PLAN_EVERY * 2 <= jobs.HORIZON


def test_a_window_holds_what_is_after_its_start_up_to_its_end() -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    later = Window(now, now + timedelta(hours=48))
    assert not later.holds(now)
    assert later.holds(now + timedelta(hours=48))
    assert not later.holds(now + timedelta(hours=49))
    assert Window(None, now).holds(now - timedelta(days=30))


def test_a_span_holds_its_end_and_not_its_start() -> None:
    every = jobs.SPAN
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a whole multiple of 15 minutes
    end = jobs.unix(start + every)
    assert jobs.span_end(start + every, every) == end
    assert jobs.span_end(start + timedelta(microseconds=1), every) == end
    assert jobs.span_end(start, every) == jobs.unix(start)  # the span before
    assert jobs.span_end(start + timedelta(minutes=15, seconds=1), every) == end + 900


async def test_cancel_matching_removes_only_that_prefix_and_the_index_follows_runs(
    scheduler: Scheduler,
) -> None:
    calls, record = recorder()
    far = datetime.now(UTC) + AHEAD + timedelta(days=1)
    for escalation in (1, 12):
        for stage in (1, 2):
            job = jobs.ESCALATION_SLA.id(escalation, stage)
            scheduler.run_at(job, far, record, job)  # type: ignore[arg-type]
    soon = datetime.now(UTC) + AHEAD + timedelta(milliseconds=30)
    scheduler.run_at(REMINDER.id(1, "15m"), soon, record, "fired")  # type: ignore[arg-type]
    assert scheduler.cancel_matching(jobs.ESCALATION_SLA.prefix(1)) == 2
    assert sorted(scheduler.planned(jobs.ESCALATION_SLA)) == [
        "escalation-sla:12:1",
        "escalation-sla:12:2",
    ]
    assert scheduler.has(REMINDER.id(1, "15m"))
    await wait_for(calls, 1)
    assert calls == ["fired"]
    assert not scheduler.has(REMINDER.id(1, "15m"))  # run: gone from the index too
    assert scheduler.planned(REMINDER) == {}


def test_before_start_a_second_add_replaces_the_first() -> None:
    clock = FollowingClock(lambda: datetime.now(UTC))
    stopped = Scheduler(clock, misfire_grace_seconds=GRACE)
    _, record = recorder()
    first = datetime.now(UTC) + timedelta(hours=1)
    stopped.run_at(REMINDER.id(1, "15m"), first, record, "a")  # type: ignore[arg-type]
    stopped.run_at(REMINDER.id(1, "15m"), first + timedelta(hours=1), record, "b")  # type: ignore[arg-type]
    assert stopped.job_ids() == ["reminder:1:15m"]
    assert stopped.next_run("reminder:1:15m") == first + timedelta(hours=1)


async def test_a_job_fires_at_the_clocks_time(scheduler: Scheduler) -> None:
    calls, record = recorder()
    soon = datetime.now(UTC) + AHEAD + timedelta(milliseconds=50)
    scheduler.run_at("ping:1", soon, record, "fired")  # type: ignore[arg-type]
    assert scheduler.next_run("ping:1") == soon
    await wait_for(calls, 1)
    assert calls == ["fired"]
    assert scheduler.job_ids() == []


async def test_a_fired_job_counts_as_running_until_it_ends(scheduler: Scheduler) -> None:
    started: list[str] = []
    release = asyncio.Event()

    async def job(tag: str) -> None:
        started.append(tag)
        await release.wait()

    scheduler.run_at("ping:1", datetime.now(UTC) + AHEAD, job, "fired")
    await wait_for(started, 1)
    assert (scheduler.job_ids(), scheduler.jobs_running) == ([], 1)
    release.set()
    for _ in range(100):
        if not scheduler.jobs_running:
            break
        await asyncio.sleep(0.01)
    assert scheduler.jobs_running == 0


async def test_the_same_id_replaces_the_job(scheduler: Scheduler) -> None:
    calls, record = recorder()
    later = datetime.now(UTC) + AHEAD + timedelta(hours=1)
    scheduler.run_at("ping:2", later, record, "old")  # type: ignore[arg-type]
    scheduler.run_at("ping:2", later - timedelta(hours=1), record, "new")  # type: ignore[arg-type]
    await wait_for(calls, 1)
    await asyncio.sleep(0.05)
    assert calls == ["new"]


async def test_a_late_job_within_grace_still_runs(scheduler: Scheduler) -> None:
    calls, record = recorder()
    late = datetime.now(UTC) + AHEAD - timedelta(seconds=GRACE // 2)
    scheduler.run_at("ping:3", late, record, "late")  # type: ignore[arg-type]
    await wait_for(calls, 1)
    assert calls == ["late"]


async def test_a_job_past_grace_is_skipped_and_logged(
    scheduler: Scheduler, caplog: pytest.LogCaptureFixture
) -> None:
    calls, record = recorder()
    stale = datetime.now(UTC) + AHEAD - timedelta(seconds=GRACE * 3)
    with caplog.at_level(logging.WARNING, logger="bot.scheduler"):
        scheduler.run_at("ping:4", stale, record, "stale")  # type: ignore[arg-type]
        await asyncio.sleep(0.1)
    assert calls == []
    assert any("ping:4 missed its time" in message for message in caplog.messages)


async def test_cancel_and_cancel_matching(scheduler: Scheduler) -> None:
    _, record = recorder()
    later = datetime.now(UTC) + AHEAD + timedelta(hours=1)
    for job in ("reminder:1:24h", "reminder:1:15m", "reminder:12:24h", "other:1"):
        scheduler.run_at(job, later, record, job)  # type: ignore[arg-type]
    assert scheduler.cancel("other:1") is True
    assert scheduler.cancel("other:1") is False
    assert scheduler.cancel_matching("reminder:1:") == 2
    assert scheduler.job_ids() == ["reminder:12:24h"]
    assert scheduler.next_run("missing") is None


async def test_a_failing_job_is_logged_with_its_id(
    scheduler: Scheduler, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
        scheduler.run_at("boom:1", datetime.now(UTC) + AHEAD, explode)
        await asyncio.sleep(0.1)
    assert any("job boom:1 failed" in message for message in caplog.messages)


async def test_naive_times_are_refused(scheduler: Scheduler) -> None:
    _, record = recorder()
    with pytest.raises(ValueError, match="aware"):
        scheduler.run_at("x:1", datetime(2026, 1, 1), record)  # type: ignore[arg-type]  # noqa: DTZ001


async def test_apschedulers_now_follows_the_clock_only_while_running() -> None:
    clock = FollowingClock(lambda: datetime(2030, 5, 1, tzinfo=UTC))
    scheduler = Scheduler(clock, misfire_grace_seconds=1)
    scheduler.start()
    assert executors_base.datetime.now(UTC) == datetime(2030, 5, 1, tzinfo=UTC)
    assert schedulers_base.datetime.now(UTC) == datetime(2030, 5, 1, tzinfo=UTC)
    scheduler.shutdown()
    assert schedulers_base.datetime is datetime
    assert executors_base.datetime is datetime


async def test_jobs_due_together_run_a_few_at_a_time_and_urgent_ones_at_once(
    scheduler: Scheduler,
) -> None:
    running: list[str] = []
    most = 0
    release = asyncio.Event()
    started: list[str] = []

    async def job(tag: str) -> None:
        nonlocal most
        running.append(tag)
        started.append(tag)
        most = max(most, len(running))
        await release.wait()
        running.remove(tag)

    now = datetime.now(UTC) + AHEAD
    with scheduler.batch():
        for match in range(10):
            scheduler.run_at(jobs.QUIET_CHECK.id(match), now, job, f"quiet:{match}")
        scheduler.run_at(jobs.ESCALATION_SLA.id(1, 1), now, job, "sla")
    await wait_for(started, jobs.JOBS_AT_ONCE + 1)
    await asyncio.sleep(0.05)
    assert "sla" in started  # not behind the quiet checks
    assert len(started) == jobs.JOBS_AT_ONCE + 1
    release.set()
    await wait_for(started, 11)
    assert len(started) == 11 and most <= jobs.JOBS_AT_ONCE + 1


async def test_urgent_jobs_due_together_run_a_few_at_a_time_beside_ordinary_ones(
    scheduler: Scheduler,
) -> None:
    """Every open escalation's re-ping due together after a restart: each holds a database
    connection, so they have a bound of their own (and still do not wait behind the rest)."""
    running: list[str] = []
    most_urgent = 0
    release = asyncio.Event()
    started: list[str] = []

    async def job(tag: str) -> None:
        nonlocal most_urgent
        running.append(tag)
        started.append(tag)
        most_urgent = max(most_urgent, sum(t.startswith("sla") for t in running))
        await release.wait()
        running.remove(tag)

    now = datetime.now(UTC) + AHEAD
    with scheduler.batch():
        for match in range(jobs.JOBS_AT_ONCE + 2):
            scheduler.run_at(jobs.QUIET_CHECK.id(match), now, job, f"quiet:{match}")
        for escalation in range(20):
            scheduler.run_at(jobs.ESCALATION_SLA.id(escalation, 1), now, job, f"sla:{escalation}")
    await wait_for(started, jobs.JOBS_AT_ONCE + jobs.URGENT_AT_ONCE)
    await asyncio.sleep(0.05)
    assert (
        sorted(t.split(":")[0] for t in started)
        == ["quiet"] * jobs.JOBS_AT_ONCE + ["sla"] * jobs.URGENT_AT_ONCE
    )
    release.set()
    await wait_for(started, jobs.JOBS_AT_ONCE + 2 + 20)
    assert most_urgent == jobs.URGENT_AT_ONCE


async def test_no_job_starts_inside_nested_batches_until_the_outermost_ends(
    scheduler: Scheduler,
) -> None:
    started: list[str] = []

    async def job(tag: str) -> None:
        started.append(tag)

    now = datetime.now(UTC) + AHEAD
    with scheduler.batch():
        with scheduler.batch():  # a cog planning inside the bot's reconcile
            scheduler.run_at(jobs.QUIET_CHECK.id(1), now, job, "inner")
        scheduler.run_at(jobs.QUIET_CHECK.id(2), now, job, "outer")
        await asyncio.sleep(0.05)  # the loop runs: a paused scheduler starts nothing
        assert started == []
    await wait_for(started, 2)
    assert sorted(started) == ["inner", "outer"]
