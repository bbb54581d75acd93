"""Queries on deliveries (every outbound prompt, keyed so none goes twice) and on the cache
of users' DM channels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.text import clean_json_text
from storage.batching import chunks, insert_rows
from storage.models import Delivery, DeliveryStatus, DmChannel, DmStatus, GuildSettings, Member

_TABLE = cast(Table, Delivery.__table__)


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def claim(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert each row (a dict of Delivery columns, ``key`` included) as pending; returns
    the keys that were new. A key recorded before is never claimed again.

    ``insert_rows``: one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` per thousand rows,
    in the caller's transaction (nothing is committed here). The payload is cleaned and
    serialized here, once per row (``clean_json_text``)."""
    pending = {"status": DeliveryStatus.PENDING, "attempts": 0}
    found = await insert_rows(
        session,
        _TABLE,
        [{**row, **pending, "payload": clean_json_text(row.get("payload"))} for row in rows],
        conflict=["key"],
        returning=["key"],
        given=frozenset({"payload"}),
    )
    return {key for (key,) in found}


@dataclass(frozen=True)
class Backlog:
    """The pending deliveries at one moment: how many, how many may have been sent (an
    attempt stamped), and the lowest and highest ids among them (0 with none)."""

    count: int
    stamped: int
    first_id: int
    last_id: int


async def backlog(session: AsyncSession) -> Backlog:
    """Count the pending deliveries, without reading them."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.count(Delivery.last_attempt_at),
                func.min(Delivery.id),
                func.max(Delivery.id),
            ).where(Delivery.status == DeliveryStatus.PENDING)
        )
    ).one()
    return Backlog(int(row[0]), int(row[1]), int(row[2] or 0), int(row[3] or 0))


async def expire_past(
    session: AsyncSession, after_id: int, last_id: int, now: datetime
) -> list[Outcome]:
    """End the pending deliveries with ids in (``after_id``, ``last_id``] whose deadline has
    passed, without reading them: ``expired``, or ``uncertain`` where an attempt was stamped
    (it may have been sent). One UPDATE over a range of the primary key; their payloads are
    dropped. Returns their outcomes."""
    status = case(
        (Delivery.last_attempt_at.is_(None), DeliveryStatus.EXPIRED),
        else_=DeliveryStatus.UNCERTAIN,
    )
    result = await session.execute(
        update(_TABLE)
        .where(
            _TABLE.c.id > after_id,
            _TABLE.c.id <= last_id,
            _TABLE.c.status == DeliveryStatus.PENDING,
            _TABLE.c.expires_at <= now,
        )
        .values(status=status, payload=None)
        .returning(_TABLE.c.key, _TABLE.c.status, _TABLE.c.attempts, _TABLE.c.kind)
    )
    return [
        Outcome(key, DeliveryStatus(status), attempts, kind=kind)
        for key, status, attempts, kind in result
    ]


async def pending_page(
    session: AsyncSession, after: tuple[int, int], last_id: int, limit: int
) -> list[Delivery]:
    """The next ``limit`` pending deliveries after ``after`` (priority, id) in (priority,
    id) order, among ids up to ``last_id``: one priority per query, so each is an ordered
    walk of ``ix_deliveries_status_priority``."""
    priority, after_id = after
    found: list[Delivery] = []
    top = await session.scalar(
        select(func.max(Delivery.priority)).where(
            Delivery.status == DeliveryStatus.PENDING, Delivery.id <= last_id
        )
    )
    while top is not None and priority <= top and len(found) < limit:
        rows = await session.scalars(
            select(Delivery)
            .where(
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.priority == priority,
                Delivery.id > after_id,
                Delivery.id <= last_id,
            )
            .order_by(Delivery.id)
            .limit(limit - len(found))
        )
        page = list(rows)
        found += page
        if len(found) < limit:
            priority, after_id = priority + 1, 0
    return found


async def pending_of(session: AsyncSession, keys: Sequence[str]) -> dict[str, Delivery]:
    """Those of these deliveries still pending, by key."""
    found: dict[str, Delivery] = {}
    for chunk in chunks(keys):
        rows = await session.scalars(
            select(Delivery).where(
                Delivery.key.in_(chunk), Delivery.status == DeliveryStatus.PENDING
            )
        )
        found.update({row.key: row for row in rows})
    return found


async def mark_attempting(session: AsyncSession, keys: Sequence[str], now: datetime) -> None:
    """Record that a request for each of these deliveries is about to leave (one UPDATE per
    thousand): from now on a restart treats them as possibly sent."""
    for chunk in chunks(keys):
        await session.execute(
            update(Delivery).where(Delivery.key.in_(chunk)).values(last_attempt_at=now)
        )


async def clear_attempts(session: AsyncSession, keys: Sequence[str]) -> None:
    """Forget the recorded attempt of pending deliveries known not to have been sent (their
    request never left): the next start sends them as new."""
    for chunk in chunks(keys):
        await session.execute(
            update(Delivery)
            .where(Delivery.key.in_(chunk), Delivery.status == DeliveryStatus.PENDING)
            .values(last_attempt_at=None)
        )


@dataclass(frozen=True)
class Outcome:
    key: str
    status: DeliveryStatus
    attempts: int
    error: str | None = None
    message_id: int | None = None
    kind: str = ""


async def record(session: AsyncSession, outcomes: Sequence[Outcome], now: datetime) -> None:
    """Write outcomes, one executemany per shape of update; a finished delivery drops its
    payload (nothing left to resume)."""
    table = _TABLE  # Core: executemany of a keyed UPDATE
    shapes: dict[tuple[bool, bool], list[dict[str, Any]]] = {}
    for outcome in outcomes:
        done = outcome.status is not DeliveryStatus.PENDING
        sent = outcome.status in (DeliveryStatus.SENT, DeliveryStatus.FALLBACK)
        shapes.setdefault((done, sent), []).append(
            {
                "b_key": outcome.key,
                "b_status": outcome.status,
                "b_attempts": outcome.attempts,
                "b_error": outcome.error[:200] if outcome.error else None,
                "b_message_id": outcome.message_id,
            }
        )
    for (done, sent), params in shapes.items():
        values: dict[str, Any] = {
            "status": bindparam("b_status"),
            "attempts": bindparam("b_attempts"),
            "last_error": bindparam("b_error"),
            "message_id": bindparam("b_message_id"),
        }
        if done:
            values["payload"] = None
        if sent:
            values["sent_at"] = now
        statement = update(table).where(table.c.key == bindparam("b_key")).values(values)
        for chunk in chunks(params):
            await session.execute(statement, list(chunk))


async def sent_for_escalations(
    session: AsyncSession, escalation_ids: Sequence[int]
) -> list[Delivery]:
    """The messages sent on Discord for these escalations (their staff posts, re-pings and
    DMs: keys ``escalation-...:{id}`` or ``escalation-...:{id}:...``), oldest first."""
    wanted = {str(i) for i in escalation_ids}
    found: list[Delivery] = []
    for chunk in chunks(sorted(wanted)):
        rows = await session.scalars(
            select(Delivery)
            .where(
                Delivery.status.in_((DeliveryStatus.SENT, DeliveryStatus.FALLBACK)),
                Delivery.message_id.is_not(None),
                or_(
                    *(Delivery.key.like(f"escalation-%:{i}") for i in chunk),
                    *(Delivery.key.like(f"escalation-%:{i}:%") for i in chunk),
                ),
            )
            .order_by(Delivery.id)
        )
        found += [row for row in rows if row.key.split(":")[1] in wanted]
    return found


async def statuses(session: AsyncSession, keys: Sequence[str]) -> dict[str, DeliveryStatus]:
    found: dict[str, DeliveryStatus] = {}
    for chunk in chunks(keys):
        rows = await session.execute(
            select(Delivery.key, Delivery.status).where(Delivery.key.in_(chunk))
        )
        found.update({key: status for key, status in rows})
    return found


async def message_id(session: AsyncSession, key: str) -> int | None:
    """The id of the message a delivery became (None until it was sent)."""
    found: int | None = await session.scalar(select(Delivery.message_id).where(Delivery.key == key))
    return found


async def counts_since(
    session: AsyncSession, guild_id: int, since: datetime
) -> dict[DeliveryStatus, int]:
    """How many of a server's deliveries created since ``since`` are in each state."""
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.guild_id == guild_id, Delivery.created_at >= since)
        .group_by(Delivery.status)
    )
    return {status: count for status, count in rows}


async def recent_failures(
    session: AsyncSession, guild_id: int, since: datetime, limit: int
) -> list[Delivery]:
    rows = await session.scalars(
        select(Delivery)
        .where(
            Delivery.guild_id == guild_id,
            Delivery.status == DeliveryStatus.FAILED,
            Delivery.created_at >= since,
        )
        .order_by(Delivery.id.desc())
        .limit(limit)
    )
    return list(rows)


async def dm_channels(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for chunk in chunks(list(set(user_ids))):
        rows = await session.execute(
            select(DmChannel.user_id, DmChannel.channel_id).where(DmChannel.user_id.in_(chunk))
        )
        found.update({int(u): int(c) for u, c in rows})
    return found


async def remember_dm_channels(
    session: AsyncSession, channels: dict[int, int], now: datetime
) -> None:
    for chunk in chunks(list(channels.items())):
        await session.execute(
            _insert(session)(DmChannel)
            .values(
                [
                    {"user_id": user_id, "channel_id": channel_id, "created_at": now}
                    for user_id, channel_id in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["user_id"])
        )


async def dms_closed(session: AsyncSession, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` marked DMs-closed (in any server)."""
    closed: set[int] = set()
    for chunk in chunks(list(set(user_ids))):
        rows = await session.scalars(
            select(Member.user_id).where(
                Member.user_id.in_(chunk), Member.dm_status == DmStatus.CLOSED
            )
        )
        closed.update(rows)
    return closed


async def set_dm_status(
    session: AsyncSession, user_ids: Iterable[int], status: DmStatus, now: datetime
) -> None:
    """Mark every member row of these users (in every server)."""
    for chunk in chunks(list(set(user_ids))):
        await session.execute(
            update(Member)
            .where(Member.user_id.in_(chunk), Member.dm_status != status)
            .values(dm_status=status, updated_at=now)
        )


async def program_channel(session: AsyncSession, guild_id: int) -> int | None:
    found: int | None = await session.scalar(
        select(GuildSettings.program_channel_id).where(GuildSettings.guild_id == guild_id)
    )
    return found


async def closed_members(session: AsyncSession, guild_id: int) -> list[int]:
    """User ids of the active members of a server with DMs closed."""
    rows = await session.scalars(
        select(Member.user_id)
        .where(
            Member.guild_id == guild_id,
            Member.active.is_(True),
            Member.dm_status == DmStatus.CLOSED,
        )
        .order_by(Member.id)
    )
    return list(rows)
