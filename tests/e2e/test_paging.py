"""Off-Discord paging from the running bot: an urgent /help-me at 23:00 reaches a real SMTP
server (aiosmtpd) and a loopback webhook receiver that checks the signature, once each,
and a restart sends neither again; a page that fails shows in /staff status."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.config import PagingSettings, Secret, Settings
from bot.paging.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from bot.services.concern import LABELS
from tests.e2e.conftest import World
from tests.e2e.test_escalations import ask_for_help, posts
from tests.e2e.test_foundation import reply_of
from tests.e2e.test_sessions import matched, restart

SECRET = "5d0f3b9e8a7c6b5a4f3e2d1c0b9a8f7e"
ON_CALL = "counsellor@school.org"
CHICAGO = ZoneInfo("America/Chicago")


@dataclass
class Inbox:
    """The mail server and the pager service, on loopback."""

    smtp_port: int = 0
    webhook_url: str = ""
    emails: list[Any] = field(default_factory=list)
    webhooks: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


class Mail:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        inbox.emails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK: queued"


inbox = Inbox()


@pytest.fixture
async def servers() -> AsyncIterator[Inbox]:
    inbox.emails.clear()
    inbox.webhooks.clear()
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(lambda: SMTP(Mail(), hostname="mail.test"), "127.0.0.1", 0)
    inbox.smtp_port = smtp.sockets[0].getsockname()[1]

    async def page(request: web.Request) -> web.Response:
        inbox.webhooks.append((dict(request.headers), await request.read()))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/page", page)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    inbox.webhook_url = f"http://{host}:{port}/page"
    yield inbox
    await runner.cleanup()
    smtp.close()
    await smtp.wait_closed()


def paging(found: Inbox) -> PagingSettings:
    return PagingSettings(
        on_call_emails=(ON_CALL,),
        webhook_url=found.webhook_url,
        who_to_call="Ms Rivera, 555-0100",
        smtp_host="127.0.0.1",
        smtp_port=found.smtp_port,
        smtp_security="none",
        from_address="Bridges <bridges@school.org>",
        timeout_seconds=5,
        webhook_secret=Secret(SECRET),
    )


@pytest.fixture
def adjust_settings(servers: Inbox) -> Callable[[Settings], Settings]:
    return lambda settings: replace(settings, paging=paging(servers))


async def until(found: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait in real time (the pages travel over real sockets) until ``found()``."""
    deadline = time.monotonic() + seconds
    while not found() and time.monotonic() < deadline:
        await asyncio.to_thread(time.sleep, 0.02)
    assert found()


async def at_23(world: World) -> None:
    now = world.env.now().astimezone(CHICAGO)
    target = now.replace(hour=23, minute=0, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    await world.env.advance_time((target - now).total_seconds())


async def test_an_urgent_request_at_23_pages_once_by_email_and_webhook(
    world: World, servers: Inbox, database_url: str
) -> None:
    mentee, _ = await matched(world)
    await at_23(world)
    sent_at = world.env.now()
    await ask_for_help(world, mentee, "right_now")
    await until(lambda: len(servers.emails) == 1 and len(servers.webhooks) == 1)
    (email,) = servers.emails
    assert email["To"] == ON_CALL
    assert "escalation #1" in email["Subject"] and "Right now" in email["Subject"]
    body = email.get_content()
    assert f"Student: {mentee.name}" in body and "Ms Rivera, 555-0100" in body
    assert "scared" not in body  # no free text without include_details
    assert f"{world.guild.id}/{world.escalations.id}" in body  # the link to the staff channel
    headers, raw = servers.webhooks[0]
    stamp = headers[TIMESTAMP_HEADER]
    assert headers[SIGNATURE_HEADER] == signature(SECRET, stamp, raw)
    assert abs(int(stamp) - sent_at.timestamp()) < 60
    sent = json.loads(raw)
    assert sent["key"] == "page-webhook:1"
    assert sent["page"]["urgency"] == "right_now" and sent["page"]["category"] == "safety"
    assert "details" not in sent["page"]
    assert len(posts(world)) == 1
    await restart(world, database_url)
    await world.env.advance_time(60)
    await asyncio.to_thread(time.sleep, 0.5)
    assert len(servers.emails) == 1 and len(servers.webhooks) == 1


async def test_a_request_that_can_wait_pages_nobody_until_unclaimed_at_the_next_tier(
    world: World, servers: Inbox
) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "today")
    await world.env.advance_time(60)
    assert servers.emails == [] and servers.webhooks == []
    await world.env.advance_time(121 * 60)
    await until(lambda: len(servers.emails) == 1 and len(servers.webhooks) == 1)
    assert "still unclaimed" in servers.emails[0]["Subject"]
    sent = json.loads(servers.webhooks[0][1])
    assert sent["key"] == "page-webhook:1:unclaimed" and sent["page"]["kind"] == "unclaimed"


async def test_a_failed_page_shows_in_staff_status(world: World, servers: Inbox) -> None:
    mentee, _ = await matched(world)
    world.bot.settings = replace(
        world.bot.settings,
        paging=replace(world.bot.settings.paging, on_call_emails=("refused-address",)),
    )
    await ask_for_help(world, mentee, "right_now")
    await until(lambda: len(servers.webhooks) == 1)
    await world.bot.delivery.idle()
    shown = reply_of(await world.staff.slash(world.general, "staff status"))
    failures = next(f.value for f in shown.embeds[0].fields if f.name == "Recent failures")
    assert "page-email" in failures and "not an email address" in failures


async def test_concerning_words_in_a_request_that_can_wait_page_at_once_naming_them(
    world: World, servers: Inbox
) -> None:
    mentee, _ = await matched(world)
    await ask_for_help(world, mentee, "can_wait", "honestly I want to kill myself")
    await until(lambda: len(servers.emails) == 1 and len(servers.webhooks) == 1)
    assert "Right now" in servers.emails[0]["Subject"]
    assert LABELS["active_ideation"] in servers.emails[0].get_content()
    sent = json.loads(servers.webhooks[0][1])
    assert sent["page"]["urgency"] == "right_now"
    assert sent["page"]["category_label"] == LABELS["active_ideation"]
    assert "kill" not in servers.webhooks[0][1].decode()  # no free text without include_details


async def test_a_student_the_cache_does_not_know_is_paged_by_their_stored_name(
    world: World, servers: Inbox
) -> None:
    mentee, _ = await matched(world)  # their commands stored their display name
    guild = world.bot.get_guild(world.guild.id)
    assert guild is not None
    cached = guild.get_member(mentee.id)
    if cached is not None:
        guild._remove_member(cached)
    assert guild.get_member(mentee.id) is None  # no members intent: the usual case
    await ask_for_help(world, mentee, "right_now")
    await until(lambda: len(servers.emails) == 1 and len(servers.webhooks) == 1)
    body = servers.emails[0].get_content()
    assert f"Student: {mentee.name}" in body and str(mentee.id) not in body
    assert mentee.name in servers.emails[0]["Subject"]
    assert json.loads(servers.webhooks[0][1])["page"]["student"] == mentee.name
