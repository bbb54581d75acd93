"""Delivery queries at a school's scale, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from storage.db import Sessions
from storage.models import Delivery, DeliveryStatus
from storage.repositories import deliveries

NOW = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)


def rows(count: int, first: int = 1) -> list[dict[str, object]]:
    return [
        {
            "key": f"checkin:1:{user}",
            "kind": "checkin",
            "recipient_user_id": user,
            "created_at": NOW,
            "guild_id": 1,
            "priority": 2,
            "nonce": f"n{user}",
            "payload": {"content": "How is your goal going?"},
        }
        for user in range(first, first + count)
    ]


async def test_a_fan_out_of_6000_is_claimed_at_once_and_only_once(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        assert len(await deliveries.claim(session, rows(6000))) == 6000
    async with sessions.begin() as session:
        again = await deliveries.claim(session, rows(6001))  # one new student since
    assert again == {"checkin:1:6001"}
    async with sessions() as session:
        pending = (await deliveries.backlog(session)).count
        found = await deliveries.statuses(session, [f"checkin:1:{u}" for u in range(1, 6002)])
    assert pending == 6001 and set(found.values()) == {DeliveryStatus.PENDING}


async def test_dm_channels_are_remembered_for_a_whole_school(sessions: Sessions) -> None:
    channels = {user: user + 10**15 for user in range(1, 6001)}
    async with sessions.begin() as session:
        await deliveries.remember_dm_channels(session, channels, NOW)
        await deliveries.remember_dm_channels(session, {1: 5}, NOW)  # the first one stays
    async with sessions() as session:
        assert await deliveries.dm_channels(session, range(1, 6001)) == channels


async def test_an_outcome_keeps_attempts_and_error_and_drops_the_payload(
    sessions: Sessions,
) -> None:
    async with sessions.begin() as session:
        await deliveries.claim(session, rows(2))
        await deliveries.record(
            session,
            [
                deliveries.Outcome("checkin:1:1", DeliveryStatus.SENT, 1, None, 99),
                deliveries.Outcome("checkin:1:2", DeliveryStatus.FAILED, 5, "server error 500"),
            ],
            NOW,
        )
    async with sessions() as session:
        assert (await deliveries.backlog(session)).count == 0
        failed = await deliveries.recent_failures(session, 1, NOW, 5)
        counts = await deliveries.counts_since(session, 1, NOW)
    assert [(f.key, f.attempts, f.last_error, f.payload) for f in failed] == [
        ("checkin:1:2", 5, "server error 500", None)
    ]
    assert counts == {DeliveryStatus.SENT: 1, DeliveryStatus.FAILED: 1}


async def test_a_fan_outs_outcomes_are_written_together_each_in_its_state(
    sessions: Sessions,
) -> None:
    """2,500 outcomes of three shapes (sent, failed, waiting for a retry) in one write."""
    status = {0: DeliveryStatus.SENT, 1: DeliveryStatus.FAILED, 2: DeliveryStatus.PENDING}
    async with sessions.begin() as session:
        await deliveries.claim(session, rows(2500))
        await deliveries.record(
            session,
            [
                deliveries.Outcome(
                    f"checkin:1:{user}",
                    status[user % 3],
                    2,
                    None if user % 3 == 0 else "server error 500",
                    user if user % 3 == 0 else None,
                )
                for user in range(1, 2501)
            ],
            NOW,
        )
    async with sessions() as session:
        found = await deliveries.statuses(session, [f"checkin:1:{u}" for u in range(1, 2501)])
        last_id = (await deliveries.backlog(session)).last_id
        waiting = await deliveries.pending_page(session, (0, 0), last_id, 10_000)
        sent = await deliveries.message_id(session, "checkin:1:3")
    assert all(found[f"checkin:1:{u}"] is status[u % 3] for u in range(1, 2501))
    assert len(waiting) == 833 and all(w.payload is not None for w in waiting)  # resumable
    assert {w.attempts for w in waiting} == {2} and sent == 3


async def test_a_claimed_row_reads_back_as_the_orm_writes_it(sessions: Sessions) -> None:
    """The claim's values go through each column's type once per distinct value, not per
    row: what is stored is what an entity with the same values stores."""
    row = {
        **rows(1)[0],
        "key": "checkin:1:\x00a",  # cleaned on the way in, as every text column
        "created_at": NOW.astimezone(timezone(timedelta(hours=-5))),  # stored in UTC
        "expires_at": NOW + timedelta(days=2),
        "fallback_channel_id": 10**15,
        "payload": {"content": "Hola\x00", "language": "es"},
    }
    async with sessions.begin() as session:
        assert await deliveries.claim(session, [row, {**row, "key": "checkin:1:b"}]) == {
            "checkin:1:a",
            "checkin:1:b",
        }
        entity = {**row, "key": "checkin:1:c", "status": DeliveryStatus.PENDING, "attempts": 0}
        session.add(Delivery(**entity))
    columns = [c for c in Delivery.__table__.columns if c.name not in ("id", "key")]
    async with sessions() as session:
        found = {
            key: tuple(values)
            for key, *values in await session.execute(
                select(Delivery.key, *columns).order_by(Delivery.id)
            )
        }
    assert found["checkin:1:a"] == found["checkin:1:b"] == found["checkin:1:c"]
    claimed = dict(zip([c.name for c in columns], found["checkin:1:a"], strict=True))
    assert claimed["created_at"] == NOW and claimed["created_at"].tzinfo is UTC
    assert claimed["expires_at"] == NOW + timedelta(days=2)
    assert claimed["payload"] == {"content": "Hola", "language": "es"}
