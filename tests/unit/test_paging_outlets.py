"""From [paging] to the engine: which outlets are on, and one prompt per address under a
key of its own."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.clock import FixedClock
from bot.config import PagingSettings, Secret
from bot.delivery import Priority
from bot.paging.outlets import KEY_MAX, page_prompts, paging_outlets, paging_summary
from bot.paging.page import compose_page
from bot.paging.smtp import EmailOutlet
from bot.paging.webhook import WebhookOutlet

CLOCK = FixedClock(datetime(2026, 3, 9, 23, 0, tzinfo=UTC))
SECRET = Secret("0123456789abcdef0123456789abcdef")
BOTH = PagingSettings(
    on_call_emails=("Counsellor@school.org", "deputy@school.org"),
    webhook_url="https://pager.school.org/hooks/abc123",
    smtp_host="smtp.school.org",
    smtp_username="bridges",
    smtp_password=Secret("pw"),
    from_address="bridges@school.org",
    webhook_secret=SECRET,
)


def test_one_prompt_per_address_and_one_for_the_webhook() -> None:
    composed = compose_page(
        escalation_id=12, student_name="Alex", urgency="right_now", category="x", guild_id=1
    )
    prompts = page_prompts(BOTH, composed, student_user_id=555)
    assert [(p.key, p.kind, p.via, p.address) for p in prompts] == [
        ("page-email:12:counsellor@school.org", "page-email", "email", "Counsellor@school.org"),
        ("page-email:12:deputy@school.org", "page-email", "email", "deputy@school.org"),
        ("page-webhook:12", "page-webhook", "webhook", "https://pager.school.org/hooks/abc123"),
    ]
    assert all(p.priority is Priority.URGENT and p.user_id == 555 for p in prompts)
    assert all(p.message == composed.message() for p in prompts)


def test_the_unclaimed_notice_has_keys_of_its_own() -> None:
    notice = compose_page(
        escalation_id=12,
        student_name="Alex",
        urgency="today",
        category="x",
        guild_id=1,
        unclaimed=True,
    )
    keys = [p.key for p in page_prompts(BOTH, notice, student_user_id=555)]
    assert keys == [
        "page-email:12:unclaimed:counsellor@school.org",
        "page-email:12:unclaimed:deputy@school.org",
        "page-webhook:12:unclaimed",
    ]


def test_a_long_address_still_fits_the_key_column() -> None:
    address = f"{'a' * 64}@{'b' * 60}.{'c' * 60}.{'d' * 60}.org"
    paging = PagingSettings(on_call_emails=(address,))
    composed = compose_page(
        escalation_id=12, student_name="Alex", urgency="today", category="x", guild_id=1
    )
    (prompt,) = page_prompts(paging, composed, student_user_id=1)
    assert len(prompt.key) <= KEY_MAX and prompt.key.startswith("page-email:12:")
    assert prompt.address == address


def test_no_prompts_and_no_outlets_when_paging_is_off() -> None:
    composed = compose_page(
        escalation_id=1, student_name="Alex", urgency="today", category="x", guild_id=1
    )
    assert page_prompts(PagingSettings(), composed, student_user_id=1) == []
    assert paging_outlets(PagingSettings(), CLOCK) == {}


def test_the_outlets_paging_turns_on() -> None:
    outlets = paging_outlets(BOTH, CLOCK)
    assert set(outlets) == {"email", "webhook"}
    assert isinstance(outlets["email"], EmailOutlet)
    assert isinstance(outlets["webhook"], WebhookOutlet)
    only_webhook = PagingSettings(webhook_url="https://pager.school.org/x", webhook_secret=SECRET)
    assert set(paging_outlets(only_webhook, CLOCK)) == {"webhook"}


def test_the_summary_names_no_secret_and_no_webhook_path() -> None:
    assert paging_summary(PagingSettings()).startswith("off")
    summary = paging_summary(BOTH)
    assert summary == (
        "email to 2 address(es) via smtp.school.org:587 (starttls, login bridges); "
        "signed webhook to https://pager.school.org/..."
    )


def test_check_config_prints_the_paging_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DISCORD_TOKEN", "BRIDGES_DATABASE_URL", "BRIDGES_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BRIDGES_WEBHOOK_SECRET", SECRET.reveal())
    config = tmp_path / "config.toml"
    config.write_text('[paging]\nwebhook_url = "https://pager.school.org/hooks/abc123"\n')
    assert main(["--config", str(config), "check-config"]) == 0
    out = capsys.readouterr().out
    assert "paging: signed webhook to https://pager.school.org/...\n" in out
    assert SECRET.reveal() not in out and "abc123" not in out
    config.write_text('[paging]\nwebhook_url = "http://pager.school.org/x"\n')
    assert main(["--config", str(config), "check-config"]) == 2
    assert "expected https" in capsys.readouterr().err
