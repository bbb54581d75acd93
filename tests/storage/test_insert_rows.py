"""``storage.batching.insert_rows`` through its callers, on SQLite and PostgreSQL: what is
stored is what the entity's columns store, defaults and all; a key taken is left as it is."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.db import Sessions
from storage.models import Checkin, Delivery, DeliveryStatus
from storage.repositories import deliveries, escalations
from tests.storage.test_long_lists import NOW, _pair


async def test_a_claimed_row_reads_back_as_its_entity_with_its_defaults(sessions: Sessions) -> None:
    row = {
        "key": "checkin:1:prompt",
        "kind": "checkin",
        "recipient_user_id": 2**62,  # a snowflake's size
        "created_at": NOW,
        "nonce": "n1",
        "payload": {"content": "Hi\x00 there \ud800", "components": []},
        "expires_at": NOW,
    }
    async with sessions.begin() as session:
        assert await deliveries.claim(session, [row, {**row, "key": "checkin:2:prompt"}]) == {
            "checkin:1:prompt",
            "checkin:2:prompt",
        }
        assert await deliveries.claim(session, [{**row, "kind": "other"}]) == set()
    async with sessions() as session:
        stored = await session.scalar(select(Delivery).where(Delivery.key == "checkin:1:prompt"))
    assert stored is not None
    assert (stored.kind, stored.recipient_user_id) == ("checkin", 2**62)  # not overwritten
    assert (stored.status, stored.attempts, stored.priority) == (DeliveryStatus.PENDING, 0, 1)
    assert stored.created_at == NOW and stored.expires_at == NOW  # aware, in UTC
    assert stored.payload == {"content": "Hi there ", "components": []}  # cleaned


async def test_a_checkin_opened_without_progress_takes_the_default_and_once_only(
    sessions: Sessions,
) -> None:
    await _pair(sessions)  # opens one check-in through open_many, its progress not given
    async with sessions() as session:
        (checkin,) = await session.scalars(select(Checkin))
        assert checkin.progress == [] and checkin.closes_at.tzinfo is not None


async def test_known_staff_reads_each_acting_person_once(sessions: Sessions) -> None:
    await _pair(sessions)  # one match, made by user 1
    async with sessions() as session:
        assert await escalations.known_staff(session, 1) == {1}


async def test_values_json_would_escape_read_back_exactly(sessions: Sessions) -> None:
    """Quotes, backslashes, new lines, emoji and non-Latin text in strings and in a JSON
    column, microseconds in a datetime: PostgreSQL reads the rows from one JSON text."""
    tricky = 'a "quoted" \\ back\\slash\nnew line 😀 ¡sí! 日本 \\u0000 text'
    when = NOW + timedelta(microseconds=123456)
    row = {
        "key": f"checkin:9:{tricky}"[:200],
        "kind": "checkin",
        "recipient_user_id": 7,
        "created_at": when,
        "nonce": None,
        "payload": {"content": tricky, "nested": {"list": [1, 2.5, True, None, tricky]}},
        "expires_at": None,
    }
    async with sessions.begin() as session:
        assert await deliveries.claim(session, [row]) == {row["key"]}
    async with sessions() as session:
        stored = await session.scalar(select(Delivery).where(Delivery.key == row["key"]))
    assert stored is not None
    assert stored.payload == row["payload"] and stored.created_at == when
    assert (stored.nonce, stored.expires_at) == (None, None)
