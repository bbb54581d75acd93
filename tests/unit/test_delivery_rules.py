"""The delivery engine's rules without Discord or a database: pacing, health, nonces,
fallback text, prompts as data."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import delivery
from bot.clock import FixedClock
from bot.config import ConfigError, load_settings
from bot.delivery import (
    BAN_THRESHOLD,
    ChannelGate,
    DeliveryEngine,
    DeliverySettings,
    EngineStatus,
    Health,
    LoopLag,
    Message,
    Pacer,
    Priority,
    Prompt,
    log_health,
    nonce_for,
    resend_when_unsure,
)
from bot.services.deliveries import DeliveryOverview
from cogs import delivery_texts
from storage.models import DeliveryStatus


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_health_counts_only_invalid_answers_within_ten_minutes() -> None:
    tick = Ticker()
    health = Health(now=tick)
    for status in (200, 204, 401, 403, 429, 500, 404):
        health.record(status)
    assert health.invalid() == 3 and health.by_status() == {401: 1, 403: 1, 429: 1}
    tick.now = 599.0
    assert health.invalid() == 3
    tick.now = 601.0
    assert health.invalid() == 0


@pytest.mark.parametrize(
    ("invalid", "factor"),
    [(0, 1.0), (2_499, 1.0), (2_500, 0.5), (5_000, 0.2), (7_500, 0.05), (9_999, 0.05)],
)
def test_health_slows_down_well_before_a_ban(invalid: int, factor: float) -> None:
    health = Health(now=Ticker())
    for _ in range(invalid):
        health.record(429)
    assert health.factor() == factor
    assert BAN_THRESHOLD == 10_000


class VirtualTime:
    """The pacer's clock and sleep, virtual: a sleep moves the clock on by exactly what was
    asked, so the schedule is the pacer's own and not a loaded machine's late wake-ups."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def test_pacer_holds_the_rate_and_lets_a_burst_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    virtual = VirtualTime()
    monkeypatch.setattr(delivery, "_now", virtual.time)
    monkeypatch.setattr(delivery, "asyncio", SimpleNamespace(sleep=virtual.sleep))
    pacer = Pacer(20, Health(now=virtual.time), burst=3)
    stamps = []
    for _ in range(13):
        await pacer.take()
        stamps.append(virtual.time())
    assert stamps[2] < 0.02  # the burst went at once
    assert 0.45 <= stamps[-1] < 0.7  # then 10 more at 20/s
    assert all(b - a >= 0.04 for a, b in itertools.pairwise(stamps[2:]))


async def test_pacer_never_lets_more_than_the_rate_out_in_a_second() -> None:
    loop = asyncio.get_running_loop()
    pacer = Pacer(10, Health(), burst=1)
    stamps = []
    for _ in range(25):
        await pacer.take()
        stamps.append(loop.time())
    # The stamps are read just after the pacer's own clock, a few microseconds later each
    # time: a window a hair under a second keeps that jitter out of the count.
    for stamp in stamps:
        assert sum(1 for s in stamps if stamp <= s < stamp + 0.995) <= 10


async def test_pacer_pause_holds_everything_back() -> None:
    loop = asyncio.get_running_loop()
    pacer = Pacer(100, Health(), burst=1)
    pacer.pause(0.2)
    started = loop.time()
    await pacer.take()
    assert loop.time() - started >= 0.19


async def test_channel_gate_allows_five_per_window_per_channel() -> None:
    loop = asyncio.get_running_loop()
    gate = ChannelGate(5, 0.3)
    started = loop.time()
    for _ in range(5):
        await gate.wait(1)
    await gate.wait(2)  # another channel is not held up
    assert loop.time() - started < 0.05
    await gate.wait(1)
    assert loop.time() - started >= 0.29


def test_nonces_are_stable_short_and_distinct() -> None:
    assert nonce_for("checkin:1:2") == nonce_for("checkin:1:2")
    assert nonce_for("checkin:1:2") != nonce_for("checkin:1:3")
    assert nonce_for("checkin:1:2") != nonce_for("checkin:1:2", fallback=True)
    assert len(nonce_for("x" * 200)) == 25


@given(
    st.text(max_size=3000),
    st.lists(st.integers(min_value=1, max_value=2**63 - 1), max_size=3),
)
def test_a_message_survives_the_database_as_json(content: str, users: list[int]) -> None:
    message = Message(
        content=content,
        embeds=({"title": "t"},),
        components=({"type": 1, "components": []},),
        mention_user_ids=tuple(users),
    )
    assert Message.from_json(message.to_json()) == message


@given(st.text(max_size=5000))
def test_the_fallback_post_mentions_the_student_fits_and_says_how_to_reopen(text: str) -> None:
    posted = delivery_texts.fallback(123, Message(content=text, components=({"type": 1},)))
    assert posted.content.startswith("<@123>")
    assert len(posted.content) <= 2000
    assert "/dms on" in posted.content
    assert posted.mention_user_ids[0] == 123 and posted.components == ({"type": 1},)


def test_the_fallback_post_is_in_the_language_of_the_prompt() -> None:
    posted = delivery_texts.fallback(123, Message(content="¡Hola!", language="es"))
    assert posted.content.startswith("<@123> No pude enviarte esto por mensaje directo")
    assert "`/md activar`" in posted.content and posted.language == "es"


async def test_loop_lag_is_sampled_and_reported() -> None:
    lag = LoopLag(interval=0.01)
    assert lag.percentile(0.99) == 0.0
    reports: list[float] = []
    sampler = asyncio.create_task(lag.run(lambda seen: reports.append(seen.percentile(0.5)), 0.05))
    await asyncio.sleep(0.02)
    time.sleep(0.08)  # noqa: ASYNC251 - a deliberately blocked loop
    await asyncio.sleep(0.1)
    sampler.cancel()
    assert reports and lag.percentile(0.99) >= 0.05


def test_health_is_logged_without_people_s_words(caplog: pytest.LogCaptureFixture) -> None:
    engine = DeliveryEngine(
        sessions=None,  # type: ignore[arg-type]  # nothing is read or written here
        clock=FixedClock(datetime(2026, 11, 23, tzinfo=UTC)),
        transport=None,  # type: ignore[arg-type]
        settings=DeliverySettings(),
        fallback=delivery_texts.fallback,
        health=Health(now=Ticker()),
    )
    quiet, busy = LoopLag(), LoopLag()
    busy._lags.extend([0.3] * 10)
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        log_health(engine, quiet)
        log_health(engine, busy)
    calm, alarmed = caplog.records
    assert calm.levelno == logging.INFO and alarmed.levelno == logging.WARNING
    assert "queued=0" in calm.getMessage() and "rate=46.0/s" in calm.getMessage()
    assert "p99=300.0ms" in alarmed.getMessage()


@pytest.mark.parametrize(
    ("priority", "via", "again"),
    [
        (Priority.BULK, "discord", False),  # a check-in or reminder: uncertain, not twice
        (Priority.NORMAL, "discord", True),
        (Priority.URGENT, "discord", True),  # a staff post: a duplicate beats a miss
        (Priority.BULK, "email", True),  # a page outside Discord, whatever its priority
        (Priority.URGENT, "webhook", True),
    ],
)
def test_what_may_have_been_sent_too_long_ago_is_sent_again_by_kind(
    priority: Priority, via: str, again: bool
) -> None:
    prompt = Prompt("k", "kind", 1, Message(content="hi"), priority=priority, via=via)
    assert resend_when_unsure(prompt) is again


def test_delivery_timing_settings_come_from_config_and_are_bounded(tmp_path: Path) -> None:
    defaults = load_settings(None, {}).delivery
    assert (defaults.nonce_window_seconds, defaults.drain_seconds) == (120.0, 5.0)
    path = tmp_path / "config.toml"
    path.write_text("[delivery]\nnonce_window_seconds = 60\ndrain_seconds = 10\n")
    chosen = load_settings(path, {}).delivery
    assert (chosen.nonce_window_seconds, chosen.drain_seconds) == (60.0, 10.0)
    path.write_text("[delivery]\nnonce_window_seconds = 900\ndrain_seconds = 0\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(path, {})
    problems = " ".join(raised.value.problems)
    assert "nonce_window_seconds = 900" in problems and "drain_seconds = 0" in problems


def overview(**engine: Any) -> DeliveryOverview:
    state = EngineStatus(
        queued=0,
        in_flight=0,
        sent=3,
        fallback=0,
        failed=0,
        retries=0,
        invalid_10min=0,
        invalid_by_status={},
        rate_per_second=46.0,
        last_fan_out=None,
        **engine,
    )
    return DeliveryOverview(
        engine=state,
        counts={DeliveryStatus.EXPIRED: 2, DeliveryStatus.UNCERTAIN: 1},
        failures=(),
        dms_closed=(),
        loop_lag_p50=0.0,
        loop_lag_p99=0.0,
    )


def test_staff_status_says_when_sending_is_paused_and_counts_expired_and_uncertain() -> None:
    paused_at = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    shown = delivery_texts.status_embed(overview(expired=2, uncertain=1, paused_since=paused_at))
    now = shown.fields[0].value or ""
    assert "Sending paused" in now and f"<t:{int(paused_at.timestamp())}:R>" in now
    assert "2 expired, 1 uncertain" in now
    day = next(f.value for f in shown.fields if f.name == "This server, last 24 hours") or ""
    assert "2 expired" in day and "1 uncertain" in day
    calm = delivery_texts.status_embed(overview())
    assert "paused" not in (calm.fields[0].value or "")
