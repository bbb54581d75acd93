"""The `bridges` command line: help, bad configs, invite URL, migrations, secrets."""

from __future__ import annotations

import asyncio
import base64
import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.app import BridgesBot
from bot.interpreter import SWITCH_INTERVAL

FAKE_TOKEN = (
    base64.b64encode(b"112233445566778899").decode().rstrip("=") + ".Gabcde.fake-secret-part"
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("DISCORD_TOKEN", "BRIDGES_DATABASE_URL", "BRIDGES_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["run"],
        ["demo"],
        ["commands"],
        ["db"],
        ["db", "upgrade"],
        ["check-config"],
        ["invite-url"],
        ["report"],
        ["jobs"],
        ["sync"],
    ],
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    assert "usage: bridges" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "{path}", "check-config"],
        ["check-config", "--config", "{path}"],
        ["check-config", "--online", "--config", "{path}", "--config", "{path}"],
        ["db", "upgrade", "--config", "{path}"],
        ["--config", "missing.toml", "db", "--config", "{path}", "upgrade"],
    ],
)
def test_config_is_accepted_before_or_after_the_command(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "chosen.toml"
    config.write_text('[program]\ntime_zone = "Mars/Olympus"\n')
    assert main([part.format(path=config) for part in argv]) == 2
    assert capsys.readouterr().err.startswith(str(config))


def test_broken_config_prints_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "broken.toml"
    config.write_text(
        '[program]\ntime_zone = "Mars/Olympus"\ncheckin_time = "25:00"\ncolour = "blue"\n'
        '[database]\nurl = "mysql://root:hunter2@db/school"\n'
    )
    assert main(["--config", str(config), "check-config"]) == 2
    before = capsys.readouterr().err
    assert main(["check-config", "--config", str(config)]) == 2  # after the command too
    assert capsys.readouterr().err == before
    lines = before.strip().splitlines()
    assert len(lines) == 4
    assert all(line.startswith(str(config)) for line in lines)
    text = "\n".join(lines)
    assert "time_zone" in text and "Mars/Olympus" in text and "America/New_York" in text
    assert "checkin_time" in text and "colour" in text and "mysql" in text
    assert "hunter2" not in text and "Traceback" not in text


def test_good_config_is_summarised_without_the_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("BRIDGES_DATABASE_URL", "postgresql+asyncpg://bridges:s3cret@db/school")
    assert main(["check-config"]) == 0
    out = capsys.readouterr().out
    assert "built-in defaults: OK" in out and "DISCORD_TOKEN: set" in out
    assert FAKE_TOKEN not in out and "s3cret" not in out and "***" in out


def test_run_sync_and_online_check_need_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    assert main(["check-config", "--online"]) == 2
    assert main(["sync"]) == 2
    err = capsys.readouterr().err
    assert err.count("DISCORD_TOKEN is not set") == 3


def test_invite_url_has_the_scopes_and_permissions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.app import REQUIRED_PERMISSIONS

    assert main(["invite-url", "--application-id", "42"]) == 0
    url = capsys.readouterr().out.strip()
    assert "client_id=42" in url and f"permissions={REQUIRED_PERMISSIONS.value}" in url
    assert "scope=bot+applications.commands" in url
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    assert main(["invite-url"]) == 0
    assert "client_id=112233445566778899" in capsys.readouterr().out
    assert not REQUIRED_PERMISSIONS.administrator


def test_invite_url_without_an_id_says_what_to_pass(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["invite-url"]) == 2
    monkeypatch.setenv("DISCORD_TOKEN", "not-base64-at-all!")
    assert main(["invite-url"]) == 2
    assert capsys.readouterr().err.count("--application-id") == 2


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    database = tmp_path / "school.db"
    process = subprocess.run(
        [str(Path(sys.executable).with_name("bridges")), "db", "upgrade"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | {"BRIDGES_DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
    )
    assert process.returncode == 0, process.stderr
    assert "database is up to date" in process.stdout
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in rows}
    assert {"guild_settings", "members", "alembic_version"} <= tables


def test_jobs_on_a_database_not_yet_created_says_to_upgrade_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BRIDGES_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'new.db'}")
    assert main(["jobs"]) != 0
    err = capsys.readouterr().err
    assert "run `bridges db upgrade` first" in err
    assert "SELECT" not in err and "Traceback" not in err


def test_the_installed_command_reports_a_bad_config_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text("[bot\nlog_level = 'LOUD'\n")
    bridges = Path(sys.executable).with_name("bridges")
    process = subprocess.run(
        [str(bridges), "--config", str(bad), "check-config"],
        capture_output=True,
        text=True,
        check=False,
        env=os.environ | {"DISCORD_TOKEN": FAKE_TOKEN},
    )
    assert process.returncode == 2
    assert process.stderr.startswith(f"{bad}: not valid TOML")
    assert "Traceback" not in process.stderr and FAKE_TOKEN not in process.stderr + process.stdout


def test_run_migrates_first_and_stops_cleanly_on_sigint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "run.db"
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("BRIDGES_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    seen: dict[str, object] = {}

    async def start(self: BridgesBot, token: str, *, reconnect: bool = True) -> None:
        """Instead of connecting: look at the database, then press Ctrl-C."""
        with sqlite3.connect(database) as connection:
            seen["tables"] = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master")
            }
        seen["switch interval"] = sys.getswitchinterval()
        os.kill(os.getpid(), signal.SIGINT)
        while not self.is_closed():  # noqa: ASYNC110 - discord.py has no "closed" event
            await asyncio.sleep(0.01)

    monkeypatch.setattr(BridgesBot, "start", start)
    interval = sys.getswitchinterval()
    try:
        assert main(["run"]) == 0
    finally:
        sys.setswitchinterval(interval)
    assert {"alembic_version", "guild_settings", "members"} <= seen["tables"]  # type: ignore[operator]
    assert seen["switch interval"] == pytest.approx(SWITCH_INTERVAL)
    logged = capfd.readouterr().err
    assert "stopped cleanly" in logged


def test_demo_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import bot.demo

    monkeypatch.setitem(sys.modules, "bot.demo.run", None)  # as if simcord were missing
    monkeypatch.delattr(bot.demo, "run", raising=False)
    assert main(["demo", "--script"]) == 1
    assert "pip install -e '.[demo]'" in capsys.readouterr().err


def test_the_command_line_starts_without_the_heavy_libraries() -> None:
    """matplotlib, scipy, icalendar and fpdf (with fontTools) load only when a chart, an
    assignment, a calendar or a certificate is made, not for every `bridges` command (they
    took 1.3 s at start; fpdf alone 0.6 s)."""
    heavy = ("matplotlib", "scipy", "icalendar", "fpdf", "fontTools")
    code = (
        "import sys, bot.__main__, bot.app, cogs.staff, cogs.checkins, cogs.sessions, cogs.hours; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_check_config_starts_without_numpy_sklearn_alembic_or_smtp() -> None:
    """`bridges check-config` (all of `bot.__main__`) loads no array or learning library,
    nor Alembic (only a migration needs it) nor aiosmtplib (only email paging)."""
    heavy = ("scipy", "matplotlib", "sklearn", "numpy", "fpdf", "alembic", "aiosmtplib")
    code = f"import sys, bot.__main__; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def _fast_instance_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text("[instance]\npoll_seconds = 1\nheartbeat_seconds = 1\n", encoding="utf-8")
    return config


def test_run_waits_as_a_standby_while_another_instance_is_active(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """It says so, never connects nor migrates, and stops at once on SIGINT."""
    database = tmp_path / "run.db"
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("BRIDGES_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("BRIDGES_CONFIG", str(_fast_instance_config(tmp_path)))
    other = os.open(tmp_path / "run.db.instance-lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)  # another instance holds the lock
    os.write(other, b"otherhost pid 4242")

    async def start(self: BridgesBot, token: str, *, reconnect: bool = True) -> None:
        raise AssertionError("a standby connected to Discord")

    monkeypatch.setattr(BridgesBot, "start", start)
    threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        assert main(["run"]) == 0
    finally:
        os.close(other)
    logged = capfd.readouterr().err
    assert "standby: the active instance is otherhost pid 4242" in logged
    assert "stopped while a standby" in logged
    assert not database.exists() or database.stat().st_size == 0  # nothing migrated


def test_run_that_loses_its_lock_stops_with_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "run.db"
    monkeypatch.setenv("DISCORD_TOKEN", FAKE_TOKEN)
    monkeypatch.setenv("BRIDGES_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("BRIDGES_CONFIG", str(_fast_instance_config(tmp_path)))

    async def start(self: BridgesBot, token: str, *, reconnect: bool = True) -> None:
        """Connected, until the lock file is removed under it (as a restore might)."""
        os.remove(tmp_path / "run.db.instance-lock")
        while not self.is_closed():  # noqa: ASYNC110 - discord.py has no "closed" event
            await asyncio.sleep(0.01)

    monkeypatch.setattr(BridgesBot, "start", start)
    assert main(["run"]) == 1
    logged = capfd.readouterr().err
    assert "active instance:" in logged and "lost the active-instance lock" in logged
    assert "lost its lock in the database" in logged  # the last line, for the operator
