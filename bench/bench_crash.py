"""The crash table: every fault point, on SQLite and PostgreSQL, killed and restarted.

    .venv/bin/python bench/bench_crash.py [--postgres URL] [--points NAME ...]

For each fault point (``bot.faults``) and database, the crash harness
(``tests/crash/harness.py``) seeds a school, runs the real bot in a child process against
the loopback Discord (50 req/s, 5 per 5 s per channel, 50007 for 10% of users, 1% 500s,
``enforce_nonce``) until it SIGKILLs itself at the point, makes the loopback forget every
nonce (a downtime longer than Discord's nonce memory), restarts the bot until it settles,
and counts per recipient the prompts lost and the messages sent twice (edits per message
edited, pages per key as the loopback mail server and webhook receiver got them).
PostgreSQL runs when ``--postgres`` (or ``BRIDGES_TEST_DATABASE_URL``) names a server where
databases can be created. Prints the table as Markdown; nothing is asserted (``tests/crash``
asserts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.crash.harness import (
    SCENARIOS,
    RecordingLoopback,
    Verdict,
    Zygote,
    crash,
    fresh_database,
)


async def main(points: list[str], postgres: str | None) -> None:
    backends = ["sqlite", *(["postgresql"] if postgres else [])]
    server = RecordingLoopback()
    await server.start()
    table: dict[tuple[str, str], Verdict] = {}
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as folder, Zygote() as zygote:
            for point in points:
                for backend in backends:
                    async with fresh_database(backend, Path(folder), postgres) as url:
                        table[point, backend] = verdict = await crash(point, url, server, zygote)
                    for note in verdict.notes:
                        print(f"  {point} on {backend}: {note}", file=sys.stderr)
    finally:
        await server.stop()
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    header = " | ".join(f"{names[b]} lost | {names[b]} duplicates" for b in backends)
    print(f"| fault point | {header} |")
    print("| --- |" + " --- |" * (2 * len(backends)))
    for point in points:
        cells = " | ".join(
            f"{table[point, b].lost} | {table[point, b].duplicates}" for b in backends
        )
        print(f"| `{point}` | {cells} |")
    print(f"\n{len(table)} runs in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default=os.environ.get("BRIDGES_TEST_DATABASE_URL"))
    parser.add_argument("--points", nargs="*", default=sorted(SCENARIOS), choices=sorted(SCENARIOS))
    arguments = parser.parse_args()
    asyncio.run(main(arguments.points, arguments.postgres))
