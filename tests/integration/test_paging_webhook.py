"""The webhook outlet against a real HTTP receiver on loopback (aiohttp), which checks the
signature with the README's own verification snippet and drops repeated keys."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web

from bot.clock import FixedClock, SystemClock
from bot.config import PagingSettings, Secret
from bot.delivery import Message, Retryable, SendError
from bot.paging.page import compose_page
from bot.paging.webhook import WebhookOutlet, signature

SECRET = "9f1c2e7a4b8d3f6a0e5c9b2d7f4a1e8c"
DETAILS = "I'm going to take all my pills tonight"
KEY = "page-webhook:12"
README = Path(__file__).parents[2] / "README.md"


def readme_verify() -> Callable[[bytes, Mapping[str, str], bytes], bool]:
    """The verification snippet from the README, run as a receiver would run it."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- webhook-verify.*?-->\n```python\n(.*?)```", text, re.DOTALL)
    assert match is not None, "the README lost its webhook verification snippet"
    namespace: dict[str, Any] = {}
    exec(match[1], namespace)  # noqa: S102 - our own README's code
    verify: Callable[[bytes, Mapping[str, str], bytes], bool] = namespace["verify"]
    return verify


@dataclass
class Receiver:
    """A school's pager service: checks each request, keeps what it accepted once."""

    url: str
    requests: list[tuple[Mapping[str, str], bytes]] = field(default_factory=list)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Set at teardown: a request held by /slow is answered then.
    release: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    verify = readme_verify()
    found = Receiver(url="")

    async def page(request: web.Request) -> web.Response:
        body = await request.read()
        found.requests.append((request.headers, body))
        if not verify(SECRET.encode(), request.headers, body):
            return web.Response(status=401, text="bad signature")
        payload = json.loads(body)
        assert payload["key"] == request.headers["Idempotency-Key"]
        found.accepted.setdefault(payload["key"], payload)  # a repeat is dropped
        return web.Response(status=202)

    async def answer(request: web.Request) -> web.Response:
        status = int(request.match_info["status"])
        headers = {"Retry-After": request.query["retry"]} if "retry" in request.query else {}
        if 300 <= status < 400:
            headers["Location"] = "/page"
        return web.Response(status=status, headers=headers)

    async def slow(request: web.Request) -> web.Response:
        await found.release.wait()
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/page", page)
    app.router.add_post("/answer/{status}", answer)
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    found.url = f"http://{host}:{port}"
    yield found
    found.release.set()
    await runner.cleanup()


@pytest.fixture
async def outlet() -> AsyncIterator[WebhookOutlet]:
    sender = WebhookOutlet(secret=Secret(SECRET), clock=SystemClock(), timeout_seconds=2)
    yield sender
    await sender.close()


def page(include_details: bool = False) -> Message:
    return compose_page(
        escalation_id=12,
        student_name="Alex R.",
        urgency="right_now",
        category="wellbeing",
        guild_id=100,
        channel_id=200,
        message_id=300,
        details=DETAILS,
        include_details=include_details,
    ).message()


async def test_a_signed_page_is_accepted_once(receiver: Receiver, outlet: WebhookOutlet) -> None:
    assert await outlet.send(f"{receiver.url}/page", page(), KEY) is None
    await outlet.send(f"{receiver.url}/page", page(), KEY)  # a resend after a crash
    assert len(receiver.requests) == 2 and list(receiver.accepted) == [KEY]
    headers, body = receiver.requests[0]
    assert headers["Idempotency-Key"] == KEY
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", headers["X-Bridges-Signature"])
    payload = receiver.accepted[KEY]
    assert payload["key"] == KEY
    assert payload["page"]["escalation_id"] == 12 and payload["page"]["kind"] == "opened"
    assert payload["page"]["urgency"] == "right_now" and payload["page"]["student"] == "Alex R."
    assert payload["page"]["link"] == "https://discord.com/channels/100/200/300"
    assert "details" not in payload["page"] and DETAILS not in body.decode()


async def test_details_only_with_include_details(receiver: Receiver, outlet: WebhookOutlet) -> None:
    await outlet.send(f"{receiver.url}/page", page(include_details=True), KEY)
    assert receiver.accepted[KEY]["page"]["details"] == DETAILS


async def test_a_wrong_secret_is_refused_and_permanent(receiver: Receiver) -> None:
    forger = WebhookOutlet(secret=Secret("x" * 32), clock=SystemClock())
    try:
        with pytest.raises(SendError) as error:
            await forger.send(f"{receiver.url}/page", page(), KEY)
    finally:
        await forger.close()
    assert not isinstance(error.value, Retryable) and error.value.status == 401
    assert receiver.accepted == {}


async def test_an_old_timestamp_is_refused_as_a_replay(receiver: Receiver) -> None:
    late = FixedClock(SystemClock().now() - timedelta(minutes=10))
    replayer = WebhookOutlet(secret=Secret(SECRET), clock=late)
    try:
        with pytest.raises(SendError) as error:
            await replayer.send(f"{receiver.url}/page", page(), KEY)
    finally:
        await replayer.close()
    assert error.value.status == 401 and receiver.accepted == {}


def test_the_readme_snippet_refuses_a_changed_body() -> None:
    verify = readme_verify()
    stamp = str(int(SystemClock().now().timestamp()))
    body = b'{"key":"page-webhook:12"}'
    headers = {"X-Bridges-Timestamp": stamp, "X-Bridges-Signature": signature(SECRET, stamp, body)}
    assert verify(SECRET.encode(), headers, body)
    assert not verify(SECRET.encode(), headers, body.replace(b"12", b"13"))
    assert not verify(SECRET.encode(), {**headers, "X-Bridges-Timestamp": "not a time"}, body)


@pytest.mark.parametrize("status", [500, 502, 503, 408])
async def test_server_errors_are_retried(
    receiver: Receiver, outlet: WebhookOutlet, status: int
) -> None:
    with pytest.raises(Retryable) as error:
        await outlet.send(f"{receiver.url}/answer/{status}", page(), KEY)
    assert error.value.status == status and f"HTTP {status}" in error.value.detail


async def test_429_is_retried_after_the_time_it_asks(
    receiver: Receiver, outlet: WebhookOutlet
) -> None:
    with pytest.raises(Retryable) as error:
        await outlet.send(f"{receiver.url}/answer/429?retry=7", page(), KEY)
    assert error.value.status == 429 and error.value.retry_after == 7.0


@pytest.mark.parametrize("status", [400, 404, 410, 422])
async def test_client_errors_are_permanent(
    receiver: Receiver, outlet: WebhookOutlet, status: int
) -> None:
    with pytest.raises(SendError) as error:
        await outlet.send(f"{receiver.url}/answer/{status}", page(), KEY)
    assert not isinstance(error.value, Retryable) and error.value.status == status


async def test_a_redirect_is_not_followed(receiver: Receiver, outlet: WebhookOutlet) -> None:
    with pytest.raises(SendError) as error:
        await outlet.send(f"{receiver.url}/answer/307", page(), KEY)
    assert not isinstance(error.value, Retryable) and "webhook_url" in error.value.detail
    assert receiver.requests == []


async def test_a_slow_receiver_times_out_and_is_retried(receiver: Receiver) -> None:
    impatient = WebhookOutlet(secret=Secret(SECRET), clock=SystemClock(), timeout_seconds=0.3)
    try:
        with pytest.raises(Retryable) as error:
            await impatient.send(f"{receiver.url}/slow", page(), KEY)
    finally:
        await impatient.close()
    assert "could not reach the webhook" in error.value.detail


async def test_a_receiver_that_is_down_is_retried(outlet: WebhookOutlet) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Retryable):
        await outlet.send(f"http://127.0.0.1:{port}/page", page(), KEY)


@pytest.mark.parametrize(
    "url", ["http://pager.school.org/page", "ftp://127.0.0.1/page", "https:///page", "page"]
)
async def test_an_unsafe_or_broken_url_is_refused_before_sending(
    outlet: WebhookOutlet, url: str
) -> None:
    with pytest.raises(SendError) as error:
        await outlet.send(url, page(), KEY)
    assert not isinstance(error.value, Retryable)


async def test_https_with_a_trusted_certificate() -> None:
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_tls)
    client_tls = ssl.create_default_context()
    ca.configure_trust(client_tls)
    bodies: list[bytes] = []

    async def page_handler(request: web.Request) -> web.Response:
        bodies.append(await request.read())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/page", page_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_tls).start()
    url = f"https://127.0.0.1:{runner.addresses[0][1]}/page"
    trusting = WebhookOutlet(secret=Secret(SECRET), clock=SystemClock(), ssl_context=client_tls)
    doubting = WebhookOutlet(secret=Secret(SECRET), clock=SystemClock())
    try:
        await trusting.send(url, page(), KEY)
        with pytest.raises(SendError) as error:
            await doubting.send(url, page(), KEY)
    finally:
        await trusting.close()
        await doubting.close()
        await runner.cleanup()
    assert len(bodies) == 1
    assert not isinstance(error.value, Retryable) and "TLS" in error.value.detail


async def test_from_settings(receiver: Receiver) -> None:
    paging = PagingSettings(webhook_url=f"{receiver.url}/page", webhook_secret=Secret(SECRET))
    sender = WebhookOutlet.from_settings(paging, SystemClock())
    try:
        await sender.send(f"{receiver.url}/page", page(), KEY)
    finally:
        await sender.close()
    assert list(receiver.accepted) == [KEY]
    with pytest.raises(ValueError, match="BRIDGES_WEBHOOK_SECRET"):
        WebhookOutlet.from_settings(PagingSettings(), SystemClock())
