"""DMs open or closed, and what staff see of deliveries in /staff status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.delivery import DeliveryEngine, EngineStatus, Message, Priority, Prompt
from storage.db import Sessions
from storage.models import DeliveryStatus, DmStatus
from storage.repositories import deliveries

STATUS_PERIOD = timedelta(days=1)
FAILURES_SHOWN = 5
#: The recipient of a post meant for a channel's readers rather than one person (staff
#: told their channel's privacy changed): such a delivery is named by its channel.
NOBODY = 0


@dataclass(frozen=True)
class Failure:
    kind: str
    user_id: int
    error: str | None
    at: datetime
    channel_id: int | None = None

    @property
    def for_nobody(self) -> bool:
        """A post for a channel's readers (``NOBODY``), not for one person."""
        return self.user_id == NOBODY


@dataclass(frozen=True)
class DeliveryOverview:
    """One server's deliveries over the last day, and the engine's state right now."""

    engine: EngineStatus
    counts: dict[DeliveryStatus, int]
    failures: tuple[Failure, ...]
    dms_closed: tuple[int, ...]
    loop_lag_p50: float
    loop_lag_p99: float


class DeliveryService:
    def __init__(self, sessions: Sessions, clock: Clock, engine: DeliveryEngine) -> None:
        self._sessions, self._clock, self._engine = sessions, clock, engine

    async def recheck_dms(self, user_id: int, check: Message, occurrence: int) -> DmStatus:
        """The user says DMs are open again: forget "closed" and try one DM (``check``).

        ``occurrence`` tells one request from another (the interaction's id). OPEN when the
        DM arrived, CLOSED when Discord still refuses, UNKNOWN when it could not be tried."""
        now = self._clock.now()
        async with self._sessions.begin() as session:
            await deliveries.set_dm_status(session, [user_id], DmStatus.UNKNOWN, now)
        self._engine.reopen(user_id)
        key = f"dms-check:{user_id}:{occurrence}"
        prompt = Prompt(key, "dms-check", user_id, check, priority=Priority.NORMAL)
        outcome = (await self._engine.deliver([prompt]))[key]
        if outcome is DeliveryStatus.SENT:
            return DmStatus.OPEN
        async with self._sessions() as session:
            closed = await deliveries.dms_closed(session, [user_id])
        return DmStatus.CLOSED if closed else DmStatus.UNKNOWN

    async def overview(self, guild_id: int, lag_p50: float, lag_p99: float) -> DeliveryOverview:
        since = self._clock.now() - STATUS_PERIOD
        async with self._sessions() as session:
            counts = await deliveries.counts_since(session, guild_id, since)
            failed = await deliveries.recent_failures(session, guild_id, since, FAILURES_SHOWN)
            closed = await deliveries.closed_members(session, guild_id)
        return DeliveryOverview(
            engine=self._engine.status(),
            counts=counts,
            failures=tuple(
                Failure(
                    row.kind, row.recipient_user_id, row.last_error, row.created_at, row.channel_id
                )
                for row in failed
            ),
            dms_closed=tuple(closed),
            loop_lag_p50=lag_p50,
            loop_lag_p99=lag_p99,
        )
