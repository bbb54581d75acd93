"""Drive `bridges demo` in headless Chromium (Debian's, never a downloaded one).

The browser test runs this; ``python -m tests.browser.tour docs`` renews the README's
screenshots.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

#: The network is closed and the machine shared: no sandbox, GPU, updates or sync.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
MISSING = (
    "Chromium was not found. The browser test uses the system's Chromium and never downloads "
    "one: install it (Debian: apt-get install -y chromium) or set BRIDGES_CHROMIUM to its path."
)


def chromium() -> str | None:
    return os.environ.get("BRIDGES_CHROMIUM") or shutil.which("chromium")


@contextmanager
def running_demo(data_dir: Path) -> Iterator[tuple[str, list[str]]]:
    """`bridges demo` on a free port: yields its URL and (after exit) everything it printed."""
    bridges = Path(sys.executable).with_name("bridges")
    process = subprocess.Popen(
        [str(bridges), "demo", "--port", "0", "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    printed: list[str] = []
    deadline = time.monotonic() + 180
    url = None
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line.rstrip("\n"))
        found = re.search(r"Open (http://127\.0\.0\.1:\d+/\S+/) in your browser", line)
        url = found[1] if found else None
    try:
        if url is None:
            raise RuntimeError("bridges demo did not start:\n" + "\n".join(printed))
        yield url, printed
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=60)
        printed += rest.splitlines()
        printed.append(f"exit code {process.returncode}")


def tour(url: str, out: Path) -> str:
    """Open #general as jordan, run /leave, click Stay; screenshots in ``out``. Returns the
    text of the conversation at the end."""
    executable = chromium()
    if executable is None:
        raise RuntimeError(MISSING)
    with tempfile.TemporaryDirectory(prefix="bridges-chromium-") as profile, sync_playwright() as p:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path=executable,
            args=list(CHROMIUM_ARGS),
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        try:
            console = browser.new_page()
            console.goto(url)
            console.screenshot(path=out / "demo-console.png", full_page=False)
            with browser.expect_page() as opened:
                console.click("#open-general")
            page = opened.value
            try:
                _run_leave_and_stay(page)
            except Exception:
                page.screenshot(path=out / "failure.png")
                raise
            page.screenshot(path=out / "demo.png")
            text = page.inner_text("#preview-app")
            # The links share one "preview" tab: jordan's DMs replace #general there.
            console.get_by_role("link", name="jordan").click()
            page.get_by_text("Did it happen?").last.wait_for()
            page.screenshot(path=out / "demo-dms.png")
            return text
        finally:
            browser.close()


def _run_leave_and_stay(page: Page) -> None:
    page.wait_for_selector("#channel-composer-input")
    page.select_option("#viewer-picker", label="jordan")
    # The switch is done when the sidebar lists what only jordan can see.
    page.locator("#message-picker").get_by_text("staff will match you").first.wait_for()
    box = page.locator("#channel-composer-input")
    stay = page.get_by_role("button", name="Stay").last
    # A republish (the viewer switch landing late) can reset the composer: then type again.
    for _ in range(5):
        try:
            box.click()
            box.fill("")
            box.type("/leave")
            page.get_by_text("Leave the mentoring program").first.wait_for(timeout=3000)
            page.keyboard.press("Enter")  # pick the command: the text box becomes a draft
            box.wait_for(state="hidden", timeout=3000)
            page.keyboard.press("Enter")  # run it
            stay.wait_for(timeout=5000)
            break
        except PlaywrightTimeout:
            continue
    stay.click()
    page.get_by_text("Glad you're staying!").last.wait_for()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data, running_demo(Path(data)) as (url, _):
        tour(url, out)
    print(f"screenshots written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
