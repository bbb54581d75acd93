"""Edits through the delivery engine on a real database (Discord is a scripted transport):
an edit of a post and of a DM, retried after a server error, done once under its key; a
message deleted since counts as done; a transport that cannot edit fails the delivery."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.clock import FixedClock
from bot.delivery import DeliveryEngine, DeliverySettings, Message, Prompt, Retryable, SendError
from cogs import delivery_texts
from storage.db import Sessions
from storage.models import Delivery, DeliveryStatus

NOW = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
CHANNEL, STUDENT, GONE = 50, 20, 404
QUICK = DeliverySettings(retry_base_seconds=0.01, max_attempts=3)
ERASED = Message(content="[erased]")


class Editable:
    """Posts nothing; edits, failing the first ``flaky`` with a 500; message GONE is gone."""

    def __init__(self, flaky: int = 0) -> None:
        self.flaky = flaky
        self.edits: list[tuple[int, int, str]] = []

    async def open_dm(self, user_id: int) -> int:
        return user_id + 10**9

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        raise AssertionError("an edit never posts")

    async def edit(self, channel_id: int, message_id: int, message: Message) -> None:
        if message_id == GONE:
            raise SendError("HTTP 404 code 10008", 404, 10008)
        if self.flaky:
            self.flaky -= 1
            raise Retryable("server error 500", 500)
        self.edits.append((channel_id, message_id, message.content))


class PostsOnly:
    async def open_dm(self, user_id: int) -> int:
        return user_id + 10**9

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        return 1


def edit(key: str, message_id: int, channel_id: int | None = CHANNEL) -> Prompt:
    return Prompt(
        key=key,
        kind="erase",
        user_id=STUDENT,
        message=ERASED,
        channel_id=channel_id,
        edit_message_id=message_id,
    )


async def rows(sessions: Sessions) -> dict[str, Delivery]:
    async with sessions() as session:
        return {row.key: row for row in await session.scalars(select(Delivery))}


async def test_edits_are_retried_and_made_once_in_a_channel_and_a_dm(sessions: Sessions) -> None:
    transport = Editable(flaky=1)
    engine = DeliveryEngine(sessions, FixedClock(NOW), transport, QUICK, delivery_texts.fallback)
    await engine.start()
    prompts = [edit("erase:1", 111), edit("erase:2", 222, channel_id=None)]
    assert await engine.deliver(prompts) == {
        "erase:1": DeliveryStatus.SENT,
        "erase:2": DeliveryStatus.SENT,
    }
    assert sorted(transport.edits) == [
        (CHANNEL, 111, "[erased]"),
        (STUDENT + 10**9, 222, "[erased]"),  # the recipient's DM channel
    ]
    await engine.deliver(prompts)  # the same keys again: nothing more is edited
    assert len(transport.edits) == 2
    found = await rows(sessions)
    assert found["erase:1"].message_id == 111 and found["erase:1"].payload is None
    await engine.stop()


async def test_a_deleted_message_is_done_and_a_transport_that_cannot_edit_fails(
    sessions: Sessions,
) -> None:
    engine = DeliveryEngine(sessions, FixedClock(NOW), Editable(), QUICK, delivery_texts.fallback)
    await engine.start()
    assert await engine.deliver([edit("erase:3", GONE)]) == {"erase:3": DeliveryStatus.SENT}
    await engine.stop()
    plain = DeliveryEngine(sessions, FixedClock(NOW), PostsOnly(), QUICK, delivery_texts.fallback)
    await plain.start()
    assert await plain.deliver([edit("erase:4", 444)]) == {"erase:4": DeliveryStatus.FAILED}
    assert (await rows(sessions))["erase:4"].last_error == "this transport cannot edit"
    await plain.stop()
