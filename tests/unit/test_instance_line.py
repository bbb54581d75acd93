"""/staff status names the instance answering: active since when, on which host and pid."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from bot.instance import InstanceSettings, Standing, _take
from cogs.staff import instance_line


def test_the_active_instance_is_named_with_its_host_pid_and_since() -> None:
    since = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    line = instance_line(Standing(host="school-server", pid=4242, since=since))
    assert f"<t:{int(since.timestamp())}:F>" in line
    assert "`school-server`" in line and "pid 4242" in line and "standby" in line


def test_without_the_lock_it_says_so() -> None:
    assert "Not holding the instance lock" in instance_line(None)


class FlakyLock:
    """A lock held by another instance whose database times out on the first try."""

    takeover_delay = 0.0

    def __init__(self) -> None:
        self.tries = 0
        self.tried_thrice = asyncio.Event()

    async def try_acquire(self) -> bool:
        self.tries += 1
        if self.tries == 3:
            self.tried_thrice.set()
        if self.tries == 1:
            raise TimeoutError
        return False

    async def holder(self) -> str:
        return "bridges 1234@host-a"


async def test_a_standby_that_first_cannot_reach_the_database_still_says_it_waits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="bot.instance")
    stopping, lock = asyncio.Event(), FlakyLock()
    waiting = asyncio.create_task(
        _take(lock, InstanceSettings(poll_seconds=0, heartbeat_seconds=1), stopping)  # type: ignore[arg-type]
    )
    await asyncio.wait_for(lock.tried_thrice.wait(), 10)
    stopping.set()
    assert await waiting is False
    said = [record.getMessage() for record in caplog.records]
    assert said == [
        "cannot reach the database for the instance lock (TimeoutError); retrying",
        "standby: the active instance is bridges 1234@host-a; taking over when it stops",
    ]
