"""The webhook outlet: a page POSTed as JSON to a school's SMS or pager service, signed.

The scheme, for whoever receives it:

- The body is UTF-8 JSON: ``{"key": ..., "text": ..., "page": {...}}``; ``key`` is the
  delivery's unique key (also in the ``Idempotency-Key`` header): a retry or a resend after
  a crash repeats it, so drop a key seen before. ``page`` holds the fields of
  ``bot.paging.page.compose_page`` (``kind``, ``escalation_id``, ``student``, ``urgency``,
  ``category``, ``link``, ``who_to_call``; ``details`` only with ``include_details``).
- ``X-Bridges-Timestamp`` is the time of sending in Unix seconds, and
  ``X-Bridges-Signature`` is ``sha256=`` and the hex HMAC-SHA256, under
  ``BRIDGES_WEBHOOK_SECRET``, of the timestamp, a full stop and the exact body bytes. Check
  the signature with a constant-time comparison, and refuse a timestamp more than five
  minutes from your clock: a captured request cannot be replayed later.

Any 2xx is success. 408, 425, 429 (``Retry-After`` honoured), 5xx, a timeout and a dropped
connection are ``Retryable``; any other answer (a redirect too: it is not followed) is a
``SendError``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import ssl
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import aiohttp

from bot.clock import Clock
from bot.config import PagingSettings, Secret
from bot.delivery import Message, Retryable, SendError
from bot.paging.addresses import is_loopback

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Bridges-Signature"
TIMESTAMP_HEADER = "X-Bridges-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
#: Answers worth another try besides 5xx: request timeout, too early, too many requests.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
#: A longer Retry-After is taken as this (the engine's own backoff and deadline still apply).
MAX_RETRY_AFTER = 300.0


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 under ``secret`` of ``timestamp``, ".", ``body``."""
    signed = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def page_body(message: Message, key: str) -> bytes:
    """The exact bytes POSTed (and signed)."""
    payload = {"key": key, "text": message.content, "page": message.data or {}}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class WebhookOutlet:
    """``bot.delivery.Outlet`` for ``via="webhook"``: ``address`` is the URL to POST to.
    Holds one HTTP session, opened on the first send; ``close()`` it at shutdown. Each page
    opens its own connection (no keep-alive): pages are rare, and an idle connection held
    open would only be dropped by the receiver in between."""

    def __init__(
        self,
        *,
        secret: Secret,
        clock: Clock,
        timeout_seconds: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``ssl_context``: the certificates trusted (default: the system's)."""
        self._secret, self._clock = secret, clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._ssl = ssl_context or ssl.create_default_context()
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def from_settings(
        cls, paging: PagingSettings, clock: Clock, *, ssl_context: ssl.SSLContext | None = None
    ) -> WebhookOutlet:
        if paging.webhook_secret is None:
            raise ValueError("BRIDGES_WEBHOOK_SECRET is needed to sign webhooks")
        return cls(
            secret=paging.webhook_secret,
            clock=clock,
            timeout_seconds=paging.timeout_seconds,
            ssl_context=ssl_context,
        )

    async def send(self, address: str, message: Message, key: str) -> None:
        """POST the page to ``address`` once (the receiver drops a repeated key)."""
        _check_url(address)
        body = page_body(message, key)
        timestamp = str(int(self._clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(self._secret.reveal(), timestamp, body),
        }
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(ssl=self._ssl, force_close=True),
            )
        try:
            async with self._session.post(
                address, data=body, headers=headers, allow_redirects=False
            ) as response:
                status, reason = response.status, response.reason or ""
                retry_after = response.headers.get("Retry-After")
        except aiohttp.ClientSSLError as error:
            raise SendError(f"TLS with the webhook failed: {type(error).__name__}") from None
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise Retryable(f"could not reach the webhook: {type(error).__name__}") from None
        detail = f"webhook answered HTTP {status} {reason}".strip()
        if 200 <= status < 300:
            log.info("webhook page accepted (HTTP %d)", status)
            return
        if status >= 500 or status in RETRYABLE_STATUSES:
            raise Retryable(detail, status=status, retry_after=self._seconds(retry_after))
        if 300 <= status < 400:
            raise SendError(
                f"{detail}: a redirect, not followed; set [paging] webhook_url to "
                "the address it points to",
                status=status,
            )
        raise SendError(detail, status=status)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _seconds(self, retry_after: str | None) -> float:
        """``Retry-After`` (seconds or an HTTP date) as seconds from now, 0 if absent."""
        if not retry_after:
            return 0.0
        try:
            seconds = float(retry_after)
        except ValueError:
            try:
                until: datetime = parsedate_to_datetime(retry_after)
            except (TypeError, ValueError):
                return 0.0
            if until.tzinfo is None:
                return 0.0
            seconds = (until - self._clock.now()).total_seconds()
        return 0.0 if math.isnan(seconds) else min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _check_url(address: str) -> None:
    """https, or http to loopback only (the config checks it too; a row may be older)."""
    try:
        url = urlsplit(address)
        host = url.hostname or ""
    except ValueError:
        raise SendError("not a URL; check [paging] webhook_url") from None
    if url.scheme == "https" and host:
        return
    if url.scheme == "http" and is_loopback(host):
        return
    raise SendError("webhook_url must be https (plain http only to loopback)")
