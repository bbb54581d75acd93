"""The start-up heap, moved out of the garbage collector's way.

Once the bot has started, most of its objects live as long as the process: modules, the
concern model, the catalogs, the jobs of the horizon. CPython's full collection walks all of
them each time the young objects of a fan-out pile up: at 5,000 mentees that walk stalled
the event loop for 250-740 ms, several times per fan-out (bench/RESULTS.md). ``gc.freeze()``
puts every object alive now into a generation no collection walks.

What it keeps alive: nothing that reference counting frees. A frozen object whose last
reference goes away (a job of the horizon once it has run, a delivery once sent) is freed
at once; only a frozen object caught in a reference cycle that later becomes garbage stays,
and that set is bounded by the heap at start (the garbage made while starting is collected
first, not frozen). So only a process that hosts one bot for its life freezes
(``bridges run``): a test process starting many bots would keep each in memory.

A fan-out's preparation runs ``without_full_collections``: every object it makes lives
until its prompts are written and queued, so a full collection then frees nothing and only
walks them (at 20,000 mentees 130-180 ms a time, the longest stall of the fan-out; 18 ms
without; bench/RESULTS.md). Young collections still run, and the full ones resume after.
Its result is ``let_go`` before they resume: a slice at a time (100,000 prompt objects
freed at once held the loop 0.1 s), and the next full collection walks only what the
delivery engine keeps.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)


def freeze_start_up() -> int:
    """Collect the garbage of start-up, then freeze what is left; returns how many objects
    are frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up heap frozen: %d objects out of the collector's walks", frozen)
    return frozen


#: A full collection's threshold no count of young collections reaches.
NEVER = 2**31 - 1


class _Held:
    """How many blocks hold full collections off, and the thresholds to restore."""

    count = 0
    thresholds: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def without_full_collections() -> Iterator[None]:
    """No automatic full collection while the block runs (blocks may overlap: they resume
    once the last has ended); the young generations are collected as usual."""
    if _Held.count == 0:
        _Held.thresholds = gc.get_threshold()
        gc.set_threshold(_Held.thresholds[0], _Held.thresholds[1], NEVER)
    _Held.count += 1
    try:
        yield
    finally:
        _Held.count -= 1
        if _Held.count == 0:
            gc.set_threshold(*_Held.thresholds)


#: Objects freed between two moments given back to the event loop (``let_go``).
FREED_AT_ONCE = 5000


async def let_go(*held: list[Any]) -> None:
    """Empty these lists a slice at a time, the loop given back between two."""
    for items in held:
        while items:
            del items[-FREED_AT_ONCE:]
            await asyncio.sleep(0)
