"""The email outlet against a real SMTP server (aiosmtpd) on loopback: TLS negotiated with
certificates made here (trustme), a real login, the message as the server received it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from bot.clock import FixedClock
from bot.config import PagingSettings, Secret
from bot.delivery import Message, Retryable, SendError
from bot.paging.outlets import page_prompts
from bot.paging.page import compose_page
from bot.paging.smtp import EmailOutlet, message_id_for

NOW = datetime(2026, 3, 9, 23, 0, tzinfo=UTC)
USER, PASSWORD = "bridges@school.org", "correct horse battery staple"
SENDER = "Bridges <bridges@school.org>"
DETAILS = "I wrote a goodbye note and I want it to stop"
KEY = "page-email:12:counsellor@school.org"


@dataclass
class Received:
    """What the server saw of one message."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    tls: str | None
    authenticated: bool


@dataclass
class Handler:
    """Accepts mail for anyone but ``refused@``/``busy@``, and keeps what it got."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address.startswith("refused@"):
            return "550 5.1.1 <refused@school.org>: no such user"
        if address.startswith("busy@"):
            return "451 4.3.0 mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert server.transport is not None and isinstance(envelope.content, bytes)
        tls = server.transport.get_extra_info("ssl_object")
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(
            Received(
                sender=str(envelope.mail_from),
                recipients=list(envelope.rcpt_tos),
                message=parsed,
                tls=tls.version() if tls is not None else None,
                authenticated=bool(session.authenticated),
            )
        )
        return "250 OK: queued"


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=good, handled=False)  # handled=False: the server says 535


@dataclass
class Server:
    port: int
    handler: Handler
    client_tls: ssl.SSLContext


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def client_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@contextlib.asynccontextmanager
async def smtp_server(
    make: Callable[[Handler], SMTP], client_tls: ssl.SSLContext, **kwargs: Any
) -> AsyncIterator[Server]:
    handler = Handler()
    server = await asyncio.get_running_loop().create_server(
        lambda: make(handler), "127.0.0.1", 0, **kwargs
    )
    try:
        yield Server(server.sockets[0].getsockname()[1], handler, client_tls)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def starttls_server(ca: trustme.CA, client_tls: ssl.SSLContext) -> AsyncIterator[Server]:
    """Port 587's way: plain greeting, STARTTLS required, then AUTH required."""
    context = server_tls(ca)
    factory = lambda handler: SMTP(  # noqa: E731
        handler,
        hostname="mail.test",
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticator,
    )
    async with smtp_server(factory, client_tls) as server:
        yield server


@pytest.fixture
async def implicit_tls_server(ca: trustme.CA, client_tls: ssl.SSLContext) -> AsyncIterator[Server]:
    """Port 465's way: TLS from the first byte, then AUTH required. (aiosmtpd cannot tell
    implicit TLS is on, so it is told not to insist on STARTTLS before AUTH.)"""
    factory = lambda handler: SMTP(  # noqa: E731
        handler,
        hostname="mail.test",
        auth_required=True,
        auth_require_tls=False,
        authenticator=authenticator,
    )
    async with smtp_server(factory, client_tls, ssl=server_tls(ca)) as server:
        yield server


def outlet(server: Server, security: str = "starttls", **overrides: Any) -> EmailOutlet:
    settings: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": security,
        "from_address": SENDER,
        "clock": FixedClock(NOW),
        "username": USER,
        "password": Secret(PASSWORD),
        "timeout_seconds": 5.0,
        "tls_context": server.client_tls,
    }
    return EmailOutlet(**(settings | overrides))


def page(include_details: bool = False) -> Message:
    return compose_page(
        escalation_id=12,
        student_name="Alex R.",
        urgency="right_now",
        category="wellbeing",
        guild_id=100,
        channel_id=200,
        message_id=300,
        who_to_call="Ms Rivera, 555-0100",
        details=DETAILS,
        include_details=include_details,
    ).message()


async def test_starttls_and_login_deliver_a_plain_text_page(starttls_server: Server) -> None:
    returned = await outlet(starttls_server).send("counsellor@school.org", page(), KEY)
    (got,) = starttls_server.handler.received
    assert got.tls is not None and got.tls.startswith("TLS") and got.authenticated
    assert got.sender == "bridges@school.org"
    assert got.recipients == ["counsellor@school.org"]
    email = got.message
    assert email["From"] == SENDER and email["To"] == "counsellor@school.org"
    assert email["Subject"] == "Bridges: escalation #12 (Right now, Wellbeing) for Alex R."
    assert email["Message-ID"] == returned == message_id_for(KEY, SENDER)
    assert email["Date"] == "Mon, 09 Mar 2026 23:00:00 +0000"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email.get_content_type() == "text/plain"
    body = email.get_content()
    assert "https://discord.com/channels/100/200/300" in body
    assert "Ms Rivera, 555-0100" in body and "Right now" in body
    assert DETAILS not in body and "goodbye" not in email.as_string()


async def test_details_travel_only_when_the_config_says_so(starttls_server: Server) -> None:
    await outlet(starttls_server).send("counsellor@school.org", page(include_details=True), KEY)
    (got,) = starttls_server.handler.received
    assert DETAILS in got.message.get_content()
    assert DETAILS not in str(got.message["Subject"])


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_implicit_tls_on_its_own_port(implicit_tls_server: Server) -> None:
    await outlet(implicit_tls_server, "tls").send("counsellor@school.org", page(), KEY)
    (got,) = implicit_tls_server.handler.received
    assert got.tls is not None and got.authenticated


async def test_the_same_key_twice_is_the_same_message_id(starttls_server: Server) -> None:
    sender = outlet(starttls_server)
    first = await sender.send("counsellor@school.org", page(), KEY)
    again = await sender.send("counsellor@school.org", page(), KEY)
    other = await sender.send("deputy@school.org", page(), "page-email:12:deputy@school.org")
    ids = [got.message["Message-ID"] for got in starttls_server.handler.received]
    assert first == again == ids[0] == ids[1] and other == ids[2] != first
    assert "counsellor" not in first  # the key is hashed: no address in the id


async def test_a_refused_recipient_is_permanent(starttls_server: Server) -> None:
    with pytest.raises(SendError) as error:
        await outlet(starttls_server).send("refused@school.org", page(), KEY)
    assert not isinstance(error.value, Retryable) and error.value.status == 550
    assert "no such user" in error.value.detail
    assert starttls_server.handler.received == []


async def test_a_busy_mailbox_is_retried(starttls_server: Server) -> None:
    with pytest.raises(Retryable) as error:
        await outlet(starttls_server).send("busy@school.org", page(), KEY)
    assert error.value.status == 451


async def test_a_wrong_password_is_permanent_and_not_repeated(starttls_server: Server) -> None:
    with pytest.raises(SendError) as error:
        await outlet(starttls_server, password=Secret("wrong")).send(
            "counsellor@school.org", page(), KEY
        )
    assert not isinstance(error.value, Retryable) and error.value.status == 535
    assert "authentication failed" in error.value.detail and "wrong" not in error.value.detail


async def test_an_untrusted_certificate_is_permanent(starttls_server: Server) -> None:
    with pytest.raises(SendError) as error:
        await outlet(starttls_server, tls_context=ssl.create_default_context()).send(
            "counsellor@school.org", page(), KEY
        )
    assert not isinstance(error.value, Retryable)
    assert "certificate is not trusted" in error.value.detail
    assert starttls_server.handler.received == []


async def test_tls_against_a_starttls_port_says_to_check_the_security(
    starttls_server: Server,
) -> None:
    with pytest.raises(SendError) as error:
        await outlet(starttls_server, "tls").send("counsellor@school.org", page(), KEY)
    assert not isinstance(error.value, Retryable) and "smtp_security" in error.value.detail


async def test_a_server_without_starttls_is_refused_not_sent_in_the_clear(
    client_tls: ssl.SSLContext,
) -> None:
    factory = lambda handler: SMTP(handler, hostname="mail.test")  # noqa: E731
    async with smtp_server(factory, client_tls) as server:
        with pytest.raises(SendError) as error:
            await outlet(server).send("counsellor@school.org", page(), KEY)
        assert not isinstance(error.value, Retryable) and "STARTTLS" in error.value.detail
        assert server.handler.received == []


async def test_plain_smtp_to_a_loopback_relay(client_tls: ssl.SSLContext) -> None:
    factory = lambda handler: SMTP(handler, hostname="relay.test")  # noqa: E731
    async with smtp_server(factory, client_tls) as server:
        sender = outlet(server, "none", username=None, password=None)
        await sender.send("counsellor@school.org", page(), KEY)
        (got,) = server.handler.received
        assert got.tls is None and not got.authenticated


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_server_that_is_down_is_retried(client_tls: ssl.SSLContext) -> None:
    down = Server(free_port(), Handler(), client_tls)
    with pytest.raises(Retryable) as error:
        await outlet(down).send("counsellor@school.org", page(), KEY)
    assert "could not reach the mail server" in error.value.detail


async def test_a_server_that_never_answers_times_out_and_is_retried(
    client_tls: ssl.SSLContext,
) -> None:
    connected = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connected.set()
        await reader.read()  # never greets; waits until the client gives up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        sender = outlet(Server(port, Handler(), client_tls), timeout_seconds=0.5)
        with pytest.raises(Retryable) as error:
            await sender.send("counsellor@school.org", page(), KEY)
        assert connected.is_set() and "in time" in error.value.detail
    finally:
        server.close()
        await server.wait_closed()


def test_plain_smtp_is_refused_beyond_loopback() -> None:
    with pytest.raises(ValueError, match="loopback"):
        EmailOutlet(
            host="smtp.school.org",
            port=25,
            security="none",
            from_address=SENDER,
            clock=FixedClock(NOW),
        )


async def test_from_settings(starttls_server: Server) -> None:
    paging = PagingSettings(
        on_call_emails=("counsellor@school.org",),
        smtp_host="127.0.0.1",
        smtp_port=starttls_server.port,
        smtp_username=USER,
        smtp_password=Secret(PASSWORD),
        from_address=SENDER,
    )
    sender = EmailOutlet.from_settings(
        paging, FixedClock(NOW), tls_context=starttls_server.client_tls
    )
    await sender.send("counsellor@school.org", page(), KEY)
    assert len(starttls_server.handler.received) == 1
    with pytest.raises(ValueError, match="smtp_host"):
        EmailOutlet.from_settings(PagingSettings(), FixedClock(NOW))


async def test_one_refused_address_does_not_hide_the_others(starttls_server: Server) -> None:
    paging = PagingSettings(
        on_call_emails=("counsellor@school.org", "refused@school.org", "deputy@school.org")
    )
    composed = compose_page(
        escalation_id=12, student_name="Alex", urgency="right_now", category="x", guild_id=1
    )
    sender, outcomes = outlet(starttls_server), []
    for prompt in page_prompts(paging, composed, student_user_id=1):
        assert prompt.address is not None
        try:
            outcomes.append(await sender.send(prompt.address, prompt.message, prompt.key))
        except SendError as error:
            outcomes.append(error.status)
    assert outcomes[1] == 550 and isinstance(outcomes[0], str) and isinstance(outcomes[2], str)
    assert [got.recipients for got in starttls_server.handler.received] == [
        ["counsellor@school.org"],
        ["deputy@school.org"],
    ]
