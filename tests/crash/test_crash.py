"""Each fault point, on each database: the bot SIGKILLed there and restarted loses nothing
and sends nothing twice, per recipient (see ``tests.crash.harness``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import Sessions
from tests.crash.harness import SCENARIOS, RecordingLoopback, crash


@pytest.fixture
async def loopback() -> AsyncIterator[RecordingLoopback]:
    server = RecordingLoopback()
    await server.start()
    yield server
    await server.stop()


@pytest.mark.parametrize("point", sorted(SCENARIOS))
async def test_a_kill_at_the_point_loses_nothing_and_repeats_nothing(
    point: str, database_url: str, sessions: Sessions, loopback: RecordingLoopback
) -> None:
    verdict = await crash(point, database_url, loopback)
    assert (verdict.lost, verdict.duplicates, verdict.notes) == (0, 0, [])
