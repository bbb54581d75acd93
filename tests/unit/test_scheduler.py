"""The scheduler wrapper: clock-following, replace-by-id, misfire policy, cancellation."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import apscheduler.executors.base as executors_base
import apscheduler.schedulers.base as schedulers_base
import pytest

from bot.clock import FollowingClock
from bot.scheduler import Scheduler, job_id

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


def test_job_ids_are_derived_from_row_keys() -> None:
    assert job_id("reminder", 17, "24h") == "reminder:17:24h"
    with pytest.raises(ValueError, match="kind"):
        job_id("bad:kind", 1)
    with pytest.raises(ValueError, match="kind"):
        job_id("", 1)


async def test_a_job_fires_at_the_clocks_time(scheduler: Scheduler) -> None:
    calls, record = recorder()
    soon = datetime.now(UTC) + AHEAD + timedelta(milliseconds=50)
    scheduler.run_at("ping:1", soon, record, "fired")  # type: ignore[arg-type]
    assert scheduler.next_run("ping:1") == soon
    await wait_for(calls, 1)
    assert calls == ["fired"]
    assert scheduler.job_ids() == []


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
