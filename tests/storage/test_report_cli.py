"""`bridges report --guild ID --since DATE --out DIR` on a real database."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.clock import SystemClock
from storage.db import Sessions
from tests.storage.test_reports import GUILD, fixture


async def test_the_cli_writes_csvs_charts_and_a_summary(
    sessions: Sessions,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await fixture(sessions)
    monkeypatch.setenv("BRIDGES_DATABASE_URL", database_url)
    monkeypatch.delenv("BRIDGES_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    since = (SystemClock().now() - timedelta(days=60)).date().isoformat()
    out = tmp_path / "report"

    code = await asyncio.to_thread(
        main, ["report", "--guild", str(GUILD), "--since", since, "--out", str(out)]
    )

    printed = capsys.readouterr()
    assert code == 0, printed.err
    names = {path.name for path in out.iterdir()}
    assert {"summary.txt", "figures.csv", "objectives.csv", "sessions_per_week.png"} <= names
    summary = (out / "summary.txt").read_text()
    assert f"Program report for server {GUILD}: {since}" in summary
    assert "Objectives:" in summary and "attendance_rate >= 90%" in summary
    assert "report written to" in printed.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--guild", "7", "--since", "last monday"], "expected a date like 2026-09-01"),
        (["--guild", "999", "--since", "2026-11-01"], "has /setup been run there?"),
        (["--guild", "7", "--since", "2999-01-01"], "before today"),
    ],
)
async def test_the_cli_explains_bad_arguments(
    sessions: Sessions,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    await fixture(sessions)
    monkeypatch.setenv("BRIDGES_DATABASE_URL", database_url)
    monkeypatch.delenv("BRIDGES_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    code = await asyncio.to_thread(main, ["report", *argv, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code in (1, 2) and message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
