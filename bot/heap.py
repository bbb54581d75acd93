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
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_start_up() -> int:
    """Collect the garbage of start-up, then freeze what is left; returns how many objects
    are frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("start-up heap frozen: %d objects out of the collector's walks", frozen)
    return frozen
