"""Each fault point, on each database: the bot SIGKILLed there and restarted loses nothing
and sends nothing twice, per recipient (see ``tests.crash.harness``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from storage.db import Sessions
from tests.crash.harness import SCENARIOS, RecordingLoopback, Zygote, crash


@pytest.fixture(scope="session")
def zygote() -> Iterator[Zygote]:
    """The children's parent, for every scenario of this worker (each run is a new fork)."""
    with Zygote() as started:
        yield started


@pytest.fixture
async def loopback() -> AsyncIterator[RecordingLoopback]:
    server = RecordingLoopback()
    await server.start()
    yield server
    await server.stop()


@pytest.mark.parametrize("point", sorted(SCENARIOS))
async def test_a_kill_at_the_point_loses_nothing_and_repeats_nothing(
    point: str,
    database_url: str,
    sessions: Sessions,
    loopback: RecordingLoopback,
    zygote: Zygote,
) -> None:
    verdict = await crash(point, database_url, loopback, zygote)
    assert (verdict.lost, verdict.duplicates, verdict.notes) == (0, 0, [])
