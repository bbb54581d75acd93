"""Prompts for outlets outside Discord (``via``), and the restart rules for rows that may
have been sent: a real HTTP receiver on loopback (a school's pager) behind an outlet, the
loopback Discord, a real database."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest
from aiohttp import web
from discord.http import HTTPClient
from sqlalchemy import select

from bench.fanout import checkins, engine_for, login
from bench.loopback import Loopback
from bot.delivery import (
    DeliverySettings,
    Health,
    Message,
    Priority,
    Prompt,
    Retryable,
    SendError,
    nonce_for,
)
from cogs.transport import DiscordTransport
from storage.db import Sessions
from storage.models import Delivery, DeliveryStatus
from storage.repositories import deliveries

SETTINGS = DeliverySettings(rate_per_second=45, retry_base_seconds=0.05, max_attempts=4)
STAFF_CHANNEL = 4242


class Pager:
    """A pager service on loopback: POST /page with an Idempotency-Key header; a repeated
    key is answered with the page already made. ``fail_next`` answers 503, ``hang_next``
    answers only after ``hang_seconds``; /refuse always answers 400."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()  # key -> requests received
        self.pages: dict[str, dict[str, Any]] = {}  # key -> the page, made once
        self.fail_next = 0
        self.hang_next = 0
        self.hang_seconds = 1.0
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/page", self._page)
        app.router.add_post("/refuse", self._refuse)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _page(self, request: web.Request) -> web.Response:
        key = request.headers["Idempotency-Key"]
        self.requests[key] += 1
        if self.hang_next > 0:
            self.hang_next -= 1
            await asyncio.sleep(self.hang_seconds)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.json_response({"error": "busy"}, status=503)
        if key not in self.pages:
            self.pages[key] = {"id": f"page-{next(self._ids)}", **await request.json()}
        return web.json_response({"id": self.pages[key]["id"]})

    async def _refuse(self, request: web.Request) -> web.Response:
        self.requests[request.headers["Idempotency-Key"]] += 1
        return web.json_response({"error": "unknown pager"}, status=400)


class PagerOutlet:
    """An ``Outlet`` posting to the pager, the delivery key as its idempotency key."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def send(self, address: str, message: Message, key: str) -> str | None:
        try:
            async with self._session.post(
                address,
                json={"text": message.content, "data": message.data},
                headers={"Idempotency-Key": key},
            ) as answer:
                body = await answer.json()
        except aiohttp.ClientError as error:
            raise Retryable(f"pager: {type(error).__name__}") from None
        if answer.status >= 500:
            raise Retryable(f"pager answered {answer.status}", answer.status)
        if answer.status >= 400:
            raise SendError(f"pager answered {answer.status}", answer.status)
        return str(body["id"])


@pytest.fixture
async def server() -> AsyncIterator[Loopback]:
    base = discord.http.Route.BASE
    loopback = Loopback(closed_share=0.0, error_share=0.0, nonce_memory=60)
    await loopback.start()
    try:
        yield loopback
    finally:
        discord.http.Route.BASE = base
        await loopback.stop()


@pytest.fixture
async def http(server: Loopback) -> AsyncIterator[HTTPClient]:
    client = await login(server)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def pager() -> AsyncIterator[Pager]:
    receiver = Pager()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


@pytest.fixture
async def outlet() -> AsyncIterator[PagerOutlet]:
    async with aiohttp.ClientSession() as session:
        yield PagerOutlet(session)


def page(key: str, address: str, *, via: str = "pager", user_id: int = 7) -> Prompt:
    return Prompt(
        key=key,
        kind="escalation-page",
        user_id=user_id,
        message=Message(content="Escalation #1: right now", data={"urgency": "right_now"}),
        priority=Priority.URGENT,
        via=via,
        address=address,
    )


async def test_a_page_goes_to_its_outlet_with_its_key_retried_and_never_as_a_dm(
    sessions: Sessions, server: Loopback, http: HTTPClient, pager: Pager, outlet: PagerOutlet
) -> None:
    engine = engine_for(sessions, http, Health(), SETTINGS)
    engine.add_outlet("pager", outlet)
    await engine.start()
    pager.fail_next = 2  # busy twice: retried under the same key
    late = replace(
        page("page:late", f"{pager.url}/page", user_id=10),
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    outcomes = await engine.deliver(
        [
            page("page:1", f"{pager.url}/page", user_id=7),
            page("page:refused", f"{pager.url}/refuse", user_id=8),
            page("page:sms", "+15550100", via="sms", user_id=9),  # no such outlet
            late,
        ]
    )
    await engine.stop()
    assert outcomes == {
        "page:1": DeliveryStatus.SENT,
        "page:refused": DeliveryStatus.FAILED,
        "page:sms": DeliveryStatus.FAILED,
        "page:late": DeliveryStatus.EXPIRED,
    }
    assert pager.requests == {"page:1": 3, "page:refused": 1}  # no retry of a refusal
    assert list(pager.pages) == ["page:1"]
    assert pager.pages["page:1"]["data"] == {"urgency": "right_now"}
    assert server.stats.create_dm == 0 and not server.stats.channel_posts  # nobody DMed instead
    async with sessions() as session:
        rows = await session.execute(select(Delivery.key, Delivery.last_error))
        errors = {key: error for key, error in rows}
    assert errors["page:sms"] == "no outlet named 'sms'"
    assert errors["page:refused"] == "pager answered 400"
    with pytest.raises(ValueError, match="other than"):
        engine.add_outlet("discord", outlet)


async def test_an_outlet_that_does_not_answer_in_time_is_tried_again_under_the_same_key(
    sessions: Sessions, server: Loopback, http: HTTPClient, pager: Pager, outlet: PagerOutlet
) -> None:
    settings = replace(SETTINGS, outlet_timeout_seconds=0.2)
    engine = engine_for(sessions, http, Health(), settings)
    engine.add_outlet("pager", outlet)
    await engine.start()
    pager.hang_next, pager.hang_seconds = 1, 1.0
    outcomes = await engine.deliver([page("page:slow", f"{pager.url}/page")])
    await engine.stop()
    assert outcomes == {"page:slow": DeliveryStatus.SENT}
    assert pager.requests["page:slow"] >= 2 and len(pager.pages) == 1
    assert engine.status().retries >= 1


async def test_after_a_restart_what_may_have_been_sent_is_resolved_by_kind(
    sessions: Sessions, server: Loopback, http: HTTPClient, pager: Pager, outlet: PagerOutlet
) -> None:
    """Rows a killed run had stamped as attempted: sent again with the same nonce inside
    the nonce window; past it, bulk ones are marked uncertain and not sent, urgent posts,
    normal prompts and pages are sent again."""
    window = 60.0
    now = datetime.now(UTC)
    long_ago, just_now = now - timedelta(seconds=3 * window), now - timedelta(seconds=1)
    bulk_old, bulk_recent, bulk_new = checkins(range(1, 4))
    urgent = Prompt(
        key="escalation-post:1",
        kind="escalation-post",
        user_id=4,
        message=Message(content="A student asked for help.", mention_role_ids=(42,)),
        priority=Priority.URGENT,
        channel_id=STAFF_CHANNEL,
    )
    normal = Prompt("session-cancelled:1:5", "session-cancelled", 5, Message(content="Cancelled"))
    paged = page("escalation-page:1", f"{pager.url}/page", user_id=6)
    prompts = [bulk_old, bulk_recent, bulk_new, urgent, normal, paged]
    settings = replace(SETTINGS, nonce_window_seconds=window)
    engine = engine_for(sessions, http, Health(), settings)
    async with sessions.begin() as session:  # what the killed run had written and stamped
        await engine.outbox(session).add(prompts)
        await deliveries.mark_attempting(
            session, [p.key for p in (bulk_old, urgent, normal, paged)], long_ago
        )
        await deliveries.mark_attempting(session, [bulk_recent.key], just_now)
    # bulk_recent had in fact reached Discord before the kill.
    transport = DiscordTransport(lambda: http)
    channel = await transport.open_dm(bulk_recent.user_id)
    await transport.post(channel, bulk_recent.message, nonce_for(bulk_recent.key))

    engine.add_outlet("pager", outlet)
    assert await engine.start() == len(prompts)
    await engine.idle()
    await engine.stop()

    async with sessions() as session:
        rows = await session.execute(select(Delivery.key, Delivery.status))
        found = {key: status for key, status in rows}
    assert found == {
        bulk_old.key: DeliveryStatus.UNCERTAIN,
        bulk_recent.key: DeliveryStatus.SENT,
        bulk_new.key: DeliveryStatus.SENT,
        urgent.key: DeliveryStatus.SENT,
        normal.key: DeliveryStatus.SENT,
        paged.key: DeliveryStatus.SENT,
    }
    assert server.stats.messages[bulk_old.user_id] == 0  # not sent again
    assert server.stats.messages[bulk_recent.user_id] == 1  # the repeat was dropped ...
    assert server.stats.nonce_repeats == 1  # ... as Discord drops a known nonce
    assert server.stats.messages[normal.user_id] == 1
    assert server.stats.channel_posts[STAFF_CHANNEL] == 1
    assert list(pager.pages) == [paged.key]
    state = engine.status()
    assert (state.uncertain, state.sent) == (1, 5)
