"""The demo in a real browser: headless Chromium runs a slash command and clicks a button."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.tour import MISSING, chromium, running_demo, tour


def test_a_visitor_runs_a_command_and_clicks_a_button(tmp_path: Path) -> None:
    if chromium() is None:
        pytest.fail(MISSING)
    with running_demo(tmp_path / "data") as (url, printed):
        text = tour(url, tmp_path)
    assert "jordan used /leave" in text and "Glad you're staying!" in text
    for shot in ("demo.png", "demo-console.png", "demo-dms.png"):
        assert (tmp_path / shot).stat().st_size > 10_000, shot
    assert printed[-2:] == ["Demo stopped.", "exit code 0"], printed
