"""Stand-ins for the cogs' ``compose`` callables in service tests: one plain prompt per
recipient, and the delivery rows a transaction wrote."""

from __future__ import annotations

from sqlalchemy import select

from bot.delivery import Message, Prompt
from bot.services.matches import Closed
from storage.db import Sessions
from storage.models import Delivery


def note(key: str, user_id: int) -> Prompt:
    """A DM under ``key`` (its kind is the key's first part)."""
    return Prompt(key=key, kind=key.split(":", 1)[0], user_id=user_id, message=Message("note"))


async def written(sessions: Sessions) -> list[tuple[str, int]]:
    """(key, recipient) of every delivery row, in the order they were written."""
    async with sessions() as session:
        rows = await session.execute(
            select(Delivery.key, Delivery.recipient_user_id).order_by(Delivery.id)
        )
        return [(key, user_id) for key, user_id in rows]


def closing_notes(closed: Closed) -> list[Prompt]:
    """A closed match's survey DMs, as ``PairChannels.closing_notices`` keys them."""
    match_id = closed.pair.match_id
    return [note(f"survey:{match_id}:{user_id}", user_id) for user_id in closed.survey_to]
