"""`bridges demo`: seed the school, then serve the browser preview until Ctrl-C; or, with
``--script``, print the narrated week."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.demo.console import Console
from bot.demo.school import School, close_school, open_school
from bot.demo.script import WEEK, run_steps, upcoming
from bot.i18n import DEFAULT_LANGUAGE


async def run_script(
    settings: Settings,
    data_dir: Path,
    echo: Callable[[str], None],
    language: str = DEFAULT_LANGUAGE,
) -> School:
    """Run the narrated week, echoing each transcript line, with the members' Discord (and
    the telling) in ``language``; returns the school (closed)."""
    school = await open_school(settings, data_dir, language)
    school.echo = echo
    try:
        with school.env.time_context():
            await run_steps(school, WEEK)
    finally:
        await close_school(school)
    return school


async def seed(school: School) -> None:
    """The narrated week and a half of history, and this week's sessions planned."""
    with school.env.time_context():
        await run_steps(school, WEEK)
        await upcoming(school)


async def serve(settings: Settings, data_dir: Path, port: int, language: str) -> None:
    """Open the control page's port, seed the school, serve until SIGINT/SIGTERM, then shut
    down."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)  # Ctrl-C while seeding stops after it
    print("Starting the demo school (the real bot, a simulated Discord, offline)…", flush=True)
    school = await open_school(settings, data_dir, language)
    console = Console(school, port=port)
    try:
        # The port first: a busy one is named at once, not after the week is seeded (its
        # secret path is printed only once seeded, so nobody opens the page before).
        await console.start()
        await seed(school)
        if not stop.is_set():
            print(f"\nOpen {console.url} in your browser.", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            await stop.wait()
        print("\nStopping…", flush=True)
    finally:
        await console.close()
        await close_school(school)
    print("Demo stopped.", flush=True)


def main(
    settings: Settings,
    *,
    script: bool,
    data_dir: Path | None,
    port: int,
    language: str = DEFAULT_LANGUAGE,
) -> int:
    with contextlib.ExitStack() as stack:
        if data_dir is None:
            data_dir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="bridges-demo-"))
            )
        data_dir.mkdir(parents=True, exist_ok=True)
        if script:
            asyncio.run(run_script(settings, data_dir, print, language))
            return 0
        try:
            asyncio.run(serve(settings, data_dir, port, language))
        except OSError as error:
            print(
                f"could not start the demo: {error}. Is it already running? "
                "Another port: bridges demo --port 8766",
                file=sys.stderr,
            )
            return 1
    return 0
