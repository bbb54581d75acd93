"""The email outlet: one plain-text message per address over SMTP (aiosmtplib).

Encryption is STARTTLS (port 587) or implicit TLS (465), with the server's certificate
checked; plain SMTP only to a relay on loopback. The ``Message-ID`` is derived from the
delivery's key, so a resend after a retry or a crash carries the same id and a mail client
shows one message. An SMTP 4xx, a timeout or a dropped connection is ``Retryable``; a 5xx
(a refused recipient, failed authentication), a certificate that is not trusted or a server
without STARTTLS is a ``SendError``: retrying would not help.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

import aiosmtplib

from bot.clock import Clock
from bot.config import PagingSettings, Secret
from bot.delivery import Message, Retryable, SendError
from bot.paging.addresses import is_email_address, is_loopback
from bot.paging.page import one_line

log = logging.getLogger(__name__)

SECURITY = ("starttls", "tls", "none")
#: Headers are written unfolded up to RFC 5322's hard limit: Python's folding at 78 can
#: drop a space between encoded words or leave one undecoded in a non-ASCII subject.
#: (The body is encoded when it is set, with the usual 76-character lines.)
WIRE = SMTP.clone(max_line_length=998)


def message_id_for(key: str, sender: str) -> str:
    """The same ``Message-ID`` for the same delivery key, at the sender's domain; the key
    (which names an address) is hashed, not shown."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
    domain = sender.rpartition("@")[2].rstrip(">").strip() or "bridges.invalid"
    return f"<page.{digest}@{domain}>"


class EmailOutlet:
    """``bot.delivery.Outlet`` for ``via="email"``: ``address`` is one email address."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: str,
        from_address: str,
        clock: Clock,
        username: str | None = None,
        password: Secret | None = None,
        timeout_seconds: float = 15.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        """``tls_context``: the certificates trusted (default: the system's)."""
        if security not in SECURITY:
            raise ValueError(f"security must be one of {', '.join(SECURITY)}")
        if security == "none" and not is_loopback(host):
            raise ValueError("plain SMTP only to a relay on loopback; use starttls or tls")
        if (username is None) != (password is None):
            raise ValueError("a username needs a password, and a password a username")
        self._host, self._port, self._security = host, port, security
        self._from, self._clock = from_address, clock
        self._sender = parseaddr(from_address)[1]  # the envelope's MAIL FROM
        self._username, self._password = username, password
        self._timeout = timeout_seconds
        self._tls = tls_context or ssl.create_default_context()

    @classmethod
    def from_settings(
        cls, paging: PagingSettings, clock: Clock, *, tls_context: ssl.SSLContext | None = None
    ) -> EmailOutlet:
        if paging.smtp_host is None or paging.from_address is None:
            raise ValueError("[paging] smtp_host and from_address are needed to send email")
        return cls(
            host=paging.smtp_host,
            port=paging.smtp_port,
            security=paging.smtp_security,
            from_address=paging.from_address,
            clock=clock,
            username=paging.smtp_username,
            password=paging.smtp_password,
            timeout_seconds=paging.timeout_seconds,
            tls_context=tls_context,
        )

    def compose(self, address: str, message: Message, key: str) -> bytes:
        """The email for one address, as sent: plain text, the subject from
        ``message.data["subject"]`` (else the first line), a ``Message-ID`` from ``key``."""
        data = message.data or {}
        first_line = message.content.strip().split("\n", 1)[0]
        email = EmailMessage(policy=SMTP)
        email["From"] = self._from
        email["To"] = address
        email["Subject"] = one_line(str(data.get("subject") or first_line), 200)
        email["Date"] = format_datetime(self._clock.now())
        email["Message-ID"] = message_id_for(key, self._from)
        email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
        email.set_content(message.content)
        return email.as_bytes(policy=WIRE)

    async def send(self, address: str, message: Message, key: str) -> str:
        """Send to ``address`` once; returns the ``Message-ID``."""
        if not is_email_address(address):
            raise SendError("not an email address; check [paging] on_call_emails")
        email = self.compose(address, message, key)
        message_id = message_id_for(key, self._from)
        try:
            async with asyncio.timeout(self._timeout):
                await aiosmtplib.send(
                    email,
                    sender=self._sender,
                    recipients=[address],
                    hostname=self._host,
                    port=self._port,
                    username=self._username,
                    password=self._password.reveal() if self._password else None,
                    use_tls=self._security == "tls",
                    start_tls=self._security == "starttls",
                    tls_context=self._tls,
                    timeout=self._timeout,
                )
        except (aiosmtplib.SMTPException, OSError) as error:
            raise _classified(error) from None
        log.info("email page accepted by the mail server (%s)", message_id)
        return message_id


def _classified(error: Exception) -> SendError:
    """An SMTP failure as the engine's ``Retryable`` or permanent ``SendError``."""
    cause = _tls_cause(error)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return SendError(
            f"the mail server's TLS certificate is not trusted: {cause.verify_message}"
        )
    if cause is not None:
        return SendError(
            f"TLS with the mail server failed ({cause.reason or 'handshake'}); check "
            "[paging] smtp_security and smtp_port"
        )
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPResponseException):
        what = (
            "authentication failed"
            if isinstance(error, aiosmtplib.SMTPAuthenticationError)
            else "refused"
        )
        detail = f"SMTP {error.code} {what}: {one_line(error.message, 200)}"
        if 400 <= error.code < 500:
            return Retryable(detail, status=error.code)
        return SendError(detail, status=error.code)
    if isinstance(error, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return Retryable("the mail server did not answer in time")
    if isinstance(error, OSError):  # refused, reset, unreachable, dropped
        return Retryable(f"could not reach the mail server: {one_line(str(error), 200)}")
    return SendError(f"SMTP: {one_line(str(error), 200)}")


def _tls_cause(error: BaseException) -> ssl.SSLError | None:
    """The TLS error behind ``error`` (aiosmtplib wraps it in a connect error), if any."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
