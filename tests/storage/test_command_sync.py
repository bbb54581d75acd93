"""`bridges sync`: over HTTP only, against the loopback Discord, the command tree is sent
and its digest kept, so the next start does not send it again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.loopback import Loopback
from bot.__main__ import _sync_now
from bot.config import load_settings
from storage.db import Sessions
from storage.repositories import state
from tests.unit.test_cli import FAKE_TOKEN


@pytest.fixture
async def server() -> AsyncIterator[Loopback]:
    base = discord.http.Route.BASE
    loopback = Loopback(closed_share=0.0, error_share=0.0)
    await loopback.start()
    discord.http.Route.BASE = loopback.base_url
    try:
        yield loopback
    finally:
        discord.http.Route.BASE = base
        await loopback.stop()


async def test_sync_sends_the_tree_and_keeps_its_digest(
    server: Loopback, engine: AsyncEngine, sessions: Sessions, database_url: str
) -> None:
    settings = load_settings(None, {"BRIDGES_DATABASE_URL": database_url})
    assert await _sync_now(settings, FAKE_TOKEN) >= 10  # every top-level command
    async with sessions() as session:
        first = await state.get(session, "commands-digest:global")
    assert first is not None and len(first) == 64
    await _sync_now(settings, FAKE_TOKEN)  # forced: sent again, same digest
    async with sessions() as session:
        assert await state.get(session, "commands-digest:global") == first
