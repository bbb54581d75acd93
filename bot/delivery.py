"""The one outbound path: every prompt is recorded under a unique key before it is sent.

``Deliveries.once(key, ...)`` claims the key in the database and only then sends, so a
retry, a double-fired job or a restart never sends the same prompt twice. The sending
itself is a callable from the Discord side (a DM, or a post in the pair's channel when DMs
are closed). This is at-most-once: a crash between the claim and the send leaves the row
pending rather than risking a duplicate; pacing, retries and resuming pending rows are the
delivery engine's next step.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.clock import Clock
from storage.db import Sessions
from storage.models import DeliveryStatus
from storage.repositories import deliveries

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prompt:
    """One message for one person, sent by ``send`` at most once under ``key``."""

    key: str
    kind: str
    user_id: int
    send: Callable[[], Awaitable[None]]


class Deliveries:
    def __init__(self, sessions: Sessions, clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock
        # Delivery records are written one transaction at a time: on SQLite, concurrent
        # writers otherwise sleep in its busy handler.
        self._writing = asyncio.Lock()

    async def once(self, prompt: Prompt) -> bool:
        """Send ``prompt`` unless its key was delivered (or attempted) before."""
        return await self.once_each([prompt]) == 1

    async def once_each(self, prompts: Sequence[Prompt]) -> int:
        """Claim every key in one transaction, send each claimed prompt, record the outcomes
        in one more; a failed send is logged and recorded, the others still go. Returns how
        many were sent."""
        now = self._clock.now()
        async with self._writing, self._sessions.begin() as session:
            new = await deliveries.claim(
                session, [(p.key, p.kind, p.user_id) for p in prompts], now
            )
        claimed = [prompt for prompt in prompts if prompt.key in new]
        for prompt in prompts:
            if prompt.key not in new:
                log.info("delivery %s already made; not sent again", prompt.key)
        outcomes: list[tuple[str, DeliveryStatus, str | None]] = []
        for prompt in claimed:
            try:
                await prompt.send()
                outcomes.append((prompt.key, DeliveryStatus.SENT, None))
            except Exception as exc:
                log.warning(
                    "delivery %s to user %s failed: %s",
                    prompt.key,
                    prompt.user_id,
                    type(exc).__name__,
                )
                outcomes.append((prompt.key, DeliveryStatus.FAILED, type(exc).__name__))
        if outcomes:
            sent = [key for key, status, _ in outcomes if status is DeliveryStatus.SENT]
            async with self._writing, self._sessions.begin() as session:
                await deliveries.mark(session, sent, DeliveryStatus.SENT, self._clock.now())
                for key, status, error in outcomes:
                    if status is DeliveryStatus.FAILED:
                        await deliveries.mark(session, [key], status, self._clock.now(), error)
        return sum(status is DeliveryStatus.SENT for _, status, _ in outcomes)
