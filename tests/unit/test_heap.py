"""``bot.heap.without_full_collections``: full collections held off while a block runs,
young ones not, and the thresholds back as they were once the last block has ended; and
``let_go``, which frees a result a slice at a time."""

from __future__ import annotations

import asyncio
import gc

import pytest

from bot.heap import FREED_AT_ONCE, NEVER, let_go, without_full_collections


def test_blocks_hold_full_collections_off_until_the_last_one_ends() -> None:
    before = gc.get_threshold()
    with without_full_collections():
        assert gc.get_threshold() == (before[0], before[1], NEVER)
        with without_full_collections():
            assert gc.get_threshold()[2] == NEVER
        assert gc.get_threshold()[2] == NEVER  # the outer block still runs
    assert gc.get_threshold() == before


def test_a_block_that_raises_gives_the_thresholds_back() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), without_full_collections():
        raise RuntimeError("a fan-out failed")
    assert gc.get_threshold() == before


def test_young_collections_still_run_inside() -> None:
    young: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            young.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        with without_full_collections():
            garbage = [[n] for n in range(50_000)]  # containers enough to pass gen 0's threshold
            del garbage
    finally:
        gc.callbacks.remove(seen)
    assert young and 2 not in young


async def test_let_go_empties_each_list_a_slice_at_a_time() -> None:
    ticks = 0

    async def count() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    counting = asyncio.create_task(count())
    await asyncio.sleep(0)
    big, small = list(range(3 * FREED_AT_ONCE + 1)), [object()]
    before = ticks
    await let_go(big, small)
    counting.cancel()
    assert big == [] and small == []
    assert ticks - before >= 4  # the loop ran between the slices
