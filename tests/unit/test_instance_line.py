"""/staff status names the instance answering: active since when, on which host and pid."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.instance import Standing
from cogs.staff import instance_line


def test_the_active_instance_is_named_with_its_host_pid_and_since() -> None:
    since = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    line = instance_line(Standing(host="school-server", pid=4242, since=since))
    assert f"<t:{int(since.timestamp())}:F>" in line
    assert "`school-server`" in line and "pid 4242" in line and "standby" in line


def test_without_the_lock_it_says_so() -> None:
    assert "Not holding the instance lock" in instance_line(None)
