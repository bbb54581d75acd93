"""The interpreter lock, handed to a waiting thread sooner than CPython's default.

SQLite's driver (aiosqlite) runs each connection in a thread of its own, and a statement
needs the interpreter lock several times on its way (the thread woken, the rows made, the
result handed back to the event loop). While the loop's thread is busy, a thread waiting for
the lock asks for it and gets it once the switch interval has passed (5 ms by default), each
time. During a fan-out's busiest stretch (100,000 prompts queued to the delivery engine) an
interaction's write of a dozen statements waited 200-280 ms at 50,000 mentees, and 100-115 ms
with the interval at 0.2 ms; 0.5 and 1 ms did not help (bench/RESULTS.md). The fan-out took
as long: the loop's thread is asked to let go only while another thread waits.

It is the process's setting, so only a process that hosts the bot sets it (``bridges run``).
"""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)

#: Seconds a thread that holds the interpreter lock runs on while another waits for it.
SWITCH_INTERVAL = 0.0002


def hand_over_sooner() -> None:
    """Let a waiting thread (a database connection's) take the interpreter lock after
    ``SWITCH_INTERVAL`` rather than CPython's 5 ms."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    log.info("interpreter switch interval: %.1f ms", SWITCH_INTERVAL * 1000)
