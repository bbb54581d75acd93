"""How long a standby takes to become the active instance after the active one is killed.

    python -m bench.bench_takeover [--rounds N] [--postgres URL]

Each round starts process A, which takes the instance lock (bot/instance.py, with the
default [instance] settings), then process B, which waits as a standby; A is SIGKILLed and
the figure is the time from the kill to B saying it is active. SQLite always (a file in a
temporary folder); PostgreSQL with --postgres (a server URL; a database is created for the
run and dropped after). Prints min / median / max per database, against the 30 s promise.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot import instance
from bot.clock import SystemClock
from bot.config import load_settings

PROMISE_SECONDS = 30.0
ROOT = Path(__file__).resolve().parents[1]


async def child(url: str) -> None:
    """Take the lock (a standby until then), say so, hold it until killed or terminated."""
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    settings = load_settings(None, {}).instance
    async with instance.active_instance(url, settings, SystemClock(), stopping) as active:
        if active is not None:
            print("active", flush=True)
            await stopping.wait()


async def _spawn(url: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.bench_takeover",
        "--child",
        url,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _active(process: asyncio.subprocess.Process) -> None:
    assert process.stdout is not None
    while (line := await process.stdout.readline()) != b"active\n":
        if not line:
            raise RuntimeError("the child exited before it became active")


async def one_round(url: str) -> float:
    first = await _spawn(url)
    await asyncio.wait_for(_active(first), 60)
    second = await _spawn(url)
    await asyncio.sleep(3)  # started, and waiting as a standby
    first.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    await asyncio.wait_for(_active(second), 120)
    took = time.monotonic() - killed
    second.terminate()
    await asyncio.gather(first.wait(), second.wait())
    return took


async def _postgres_database(server: str) -> tuple[str, str]:
    admin = make_url(server)
    name = f"bench_takeover_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(
        user=admin.username,
        password=admin.password,
        host=admin.host,
        port=admin.port or 5432,
        database=admin.database,
    )
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return admin.set(database=name).render_as_string(hide_password=False), name


async def _drop(server: str, name: str) -> None:
    admin = make_url(server)
    connection = await asyncpg.connect(
        user=admin.username,
        password=admin.password,
        host=admin.host,
        port=admin.port or 5432,
        database=admin.database,
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def _report(name: str, figures: list[float]) -> None:
    print(
        f"{name:<10} rounds {len(figures)}: takeover after SIGKILL min {min(figures):.1f} s, "
        f"median {statistics.median(figures):.1f} s, max {max(figures):.1f} s "
        f"(promise: under {PROMISE_SECONDS:.0f} s)"
    )


async def main(rounds: int, postgres: str | None) -> None:
    settings = load_settings(None, {}).instance
    print(
        f"[instance] poll_seconds={settings.poll_seconds}, heartbeat_seconds="
        f"{settings.heartbeat_seconds}"
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bridges.db'}"
        _report("sqlite", [await one_round(url) for _ in range(rounds)])
    if postgres:
        url, name = await _postgres_database(postgres)
        try:
            _report("postgresql", [await one_round(url) for _ in range(rounds)])
        finally:
            await _drop(postgres, name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to use too")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child))
    else:
        asyncio.run(main(args.rounds, args.postgres))
