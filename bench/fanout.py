"""Build a real delivery engine against the loopback server (tests and the benchmark)."""

from __future__ import annotations

import asyncio

import discord
from discord.http import HTTPClient

from bench.loopback import Loopback
from bot.clock import SystemClock
from bot.delivery import DeliveryEngine, DeliverySettings, Health, Message, Priority, Prompt
from cogs import delivery_texts
from cogs.transport import DiscordTransport, health_trace
from storage.db import Sessions

PAIR_CHANNEL_OFFSET = 5 * 10**14  # mentee i's pair channel id is i plus this


async def login(server: Loopback, health: Health | None = None) -> HTTPClient:
    """discord.py's HTTP client, pointed at the loopback server and logged in."""
    discord.http.Route.BASE = server.base_url
    http = HTTPClient(
        asyncio.get_running_loop(), http_trace=health_trace(health) if health else None
    )
    await http.static_login("loopback-token")
    return http


def engine_for(
    sessions: Sessions, http: HTTPClient, health: Health, settings: DeliverySettings
) -> DeliveryEngine:
    return DeliveryEngine(
        sessions,
        SystemClock(),
        DiscordTransport(lambda: http),
        settings,
        delivery_texts.fallback,
        health=health,
    )


def checkins(user_ids: range, week: int = 1) -> list[Prompt]:
    """One weekly check-in prompt per mentee, each with a pair channel to fall back on."""
    return [
        Prompt(
            key=f"checkin:{week}:{user_id}",
            kind="checkin",
            user_id=user_id,
            message=Message(content=f"Week {week}: how are you doing with your goal?"),
            priority=Priority.BULK,
            fallback_channel_id=user_id + PAIR_CHANNEL_OFFSET,
        )
        for user_id in user_ids
    ]
