"""How long a newcomer waits: `bridges demo` start-up (bot in simcord, a week seeded through
real commands), the narrated week, and one "+1 week" on the control page."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bot.config import load_settings
from bot.demo.run import run_script, seed
from bot.demo.school import close_school, open_school

ROUNDS = 3


async def once(folder: Path) -> tuple[float, float, float, int]:
    settings = load_settings(None, {})
    began = time.perf_counter()
    await run_script(settings, folder / "script", lambda _: None)
    scripted = time.perf_counter() - began
    began = time.perf_counter()
    school = await open_school(settings, folder)
    try:
        await seed(school)
        started = time.perf_counter() - began
        before = len(school.transcript)
        began = time.perf_counter()
        with school.env.time_context():
            await school.advance(timedelta(weeks=1))
        week = time.perf_counter() - began
        sent = sum("Bridges →" in line for line in school.transcript[before:])
    finally:
        await close_school(school)
    return scripted, started, week, sent


def main() -> None:
    rows = []
    for _ in range(ROUNDS):
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / "script").mkdir()
            rows.append(asyncio.run(once(Path(folder))))
    for label, index in (("--script (narrated week)", 0), ("start-up with a seeded week", 1)):
        values = sorted(row[index] for row in rows)
        print(f"{label:<32} median {values[len(values) // 2]:.2f} s  max {values[-1]:.2f} s")
    weeks = sorted(row[2] for row in rows)
    print(
        f"{'+1 week on the control page':<32} median {weeks[len(weeks) // 2]:.2f} s  "
        f"({rows[0][3]} messages sent)"
    )


if __name__ == "__main__":
    main()
