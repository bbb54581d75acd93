"""A fault point kills the process with SIGKILL only when BRIDGES_FAULT names it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = (
    "from bot.faults import fault\n"
    "fault('match-create:after-commit')\n"
    "print('passed the other point', flush=True)\n"
    "fault('checkin-fanout:after-commit')\n"
    "print('still alive', flush=True)\n"
)


def run(armed: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "BRIDGES_FAULT"}
    if armed is not None:
        env["BRIDGES_FAULT"] = armed
    return subprocess.run(
        [sys.executable, "-c", PROGRAM], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_the_named_point_kills_and_the_others_do_nothing() -> None:
    killed = run("checkin-fanout:after-commit")
    assert killed.returncode == -signal.SIGKILL
    assert killed.stdout == "passed the other point\n"
    assert "fault point checkin-fanout:after-commit reached" in killed.stderr


def test_unset_or_empty_nothing_happens() -> None:
    for armed in (None, ""):
        alive = run(armed)
        assert alive.returncode == 0
        assert alive.stdout == "passed the other point\nstill alive\n"
