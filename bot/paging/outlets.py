"""From ``[paging]`` to what the delivery engine needs: the outlets it turns on, and the
prompts of one page (one per on-call address, one for the webhook), each under its own key
so the engine sends each exactly once."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from bot.clock import Clock
from bot.config import PagingSettings
from bot.delivery import Outlet, Priority, Prompt
from bot.paging.page import UNCLAIMED, Page
from bot.paging.webhook import WebhookOutlet

#: ``Prompt.via`` of each outlet, and the ``Prompt.kind`` of its pages.
EMAIL, WEBHOOK = "email", "webhook"
EMAIL_KIND, WEBHOOK_KIND = "page-email", "page-webhook"
#: ``deliveries.key`` holds at most 200 characters.
KEY_MAX = 200


def paging_outlets(paging: PagingSettings, clock: Clock) -> dict[str, Outlet]:
    """The outlets ``[paging]`` turns on, by ``via`` name (empty: paging is off)."""
    found: dict[str, Outlet] = {}
    if paging.email_enabled:
        from bot.paging.smtp import EmailOutlet  # aiosmtplib (0.2 s) only when email is on

        found[EMAIL] = EmailOutlet.from_settings(paging, clock)
    if paging.webhook_enabled:
        found[WEBHOOK] = WebhookOutlet.from_settings(paging, clock)
    return found


def paging_summary(paging: PagingSettings) -> str:
    """One line for ``bridges check-config``: where pages go, with no secret and no path
    (a webhook's path may hold a token)."""
    if not paging.enabled:
        return "off (no [paging] on_call_emails or webhook_url)"
    parts = []
    if paging.email_enabled:
        login = f", login {paging.smtp_username}" if paging.smtp_username else ""
        parts.append(
            f"email to {len(paging.on_call_emails)} address(es) via {paging.smtp_host}:"
            f"{paging.smtp_port} ({paging.smtp_security}{login})"
        )
    if paging.webhook_url is not None:
        url = urlsplit(paging.webhook_url)
        parts.append(f"signed webhook to {url.scheme}://{url.netloc}/...")
    return "; ".join(parts)


def page_prompts(
    paging: PagingSettings,
    page: Page,
    *,
    student_user_id: int,
    guild_id: int | None = None,
    expires_at: datetime | None = None,
) -> list[Prompt]:
    """The prompts that send ``page``: keys ``page-email:{escalation}:{address}`` and
    ``page-webhook:{escalation}`` (with ``:unclaimed`` after the number for the tier-2
    notice), all urgent; ``guild_id`` counts their failures in that server's /staff status."""
    occasion = (
        f"{page.data['escalation_id']}{':unclaimed' if page.data['kind'] == UNCLAIMED else ''}"
    )
    message = page.message()
    prompts = [
        Prompt(
            key=_key(f"{EMAIL_KIND}:{occasion}", address),
            kind=EMAIL_KIND,
            user_id=student_user_id,
            message=message,
            priority=Priority.URGENT,
            guild_id=guild_id,
            expires_at=expires_at,
            via=EMAIL,
            address=address,
        )
        for address in paging.on_call_emails
    ]
    if paging.webhook_url is not None:
        prompts.append(
            Prompt(
                key=f"{WEBHOOK_KIND}:{occasion}",
                kind=WEBHOOK_KIND,
                user_id=student_user_id,
                message=message,
                priority=Priority.URGENT,
                guild_id=guild_id,
                expires_at=expires_at,
                via=WEBHOOK,
                address=paging.webhook_url,
            )
        )
    return prompts


def _key(prefix: str, address: str) -> str:
    """``prefix:address``, or the address's digest when that would not fit the column."""
    key = f"{prefix}:{address.lower()}"
    if len(key) <= KEY_MAX:
        return key
    return f"{prefix}:{hashlib.sha256(address.lower().encode('utf-8')).hexdigest()[:32]}"
