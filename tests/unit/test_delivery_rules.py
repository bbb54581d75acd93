"""The delivery engine's rules without Discord or a database: pacing, health, nonces,
fallback text, prompts as data."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.clock import FixedClock
from bot.delivery import (
    BAN_THRESHOLD,
    ChannelGate,
    DeliveryEngine,
    DeliverySettings,
    Health,
    LoopLag,
    Message,
    Pacer,
    log_health,
    nonce_for,
)
from cogs import delivery_texts


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


async def test_pacer_holds_the_rate_and_lets_a_burst_through() -> None:
    loop = asyncio.get_running_loop()
    pacer = Pacer(20, Health(), burst=3)
    started = loop.time()
    stamps = []
    for _ in range(13):
        await pacer.take()
        stamps.append(loop.time() - started)
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
