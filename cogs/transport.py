"""The Discord side of the delivery engine: discord.py's HTTP client as a ``Transport``.

Three requests: create (or get) a DM channel, edit a message, and post one with a nonce and
``enforce_nonce`` (discord.py 2.7 sends both when ``nonce`` is given; with enforce_nonce,
Discord answers a repeated nonce with the message it already created instead of a second
one). discord.py's own handling stays in place: it waits out per-route buckets from the
X-RateLimit headers and retries some 5xx and 429s itself; what it gives up on comes back
here as a ``SendError``. ``health_trace`` feeds every 401/403/429 answer to ``Health``.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient, Route

from bot.delivery import DmsClosed, Health, Message, Retryable, SendError

#: Discord's JSON error code for "Cannot send messages to this user".
CANNOT_DM = 50007


class DiscordTransport:
    def __init__(self, http: Callable[[], HTTPClient]) -> None:
        self._http = http  # read on each call: the client may swap its HTTP client at login

    async def open_dm(self, user_id: int) -> int:
        data = await self._call(self._http().start_private_message(user_id))
        return int(data["id"])

    async def post(self, channel_id: int, message: Message, nonce: str) -> int:
        payload: dict[str, Any] = {
            "content": message.content,
            "allowed_mentions": {
                "parse": [],
                "users": [str(i) for i in message.mention_user_ids],
                "roles": [str(i) for i in message.mention_role_ids],
            },
            "nonce": nonce,
            "enforce_nonce": True,
        }
        if message.embeds:
            payload["embeds"] = list(message.embeds)
        if message.components:
            payload["components"] = list(message.components)
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
        data = await self._call(self._http().request(route, json=payload))
        return int(data["id"])

    async def edit(self, channel_id: int, message_id: int, message: Message) -> None:
        """Replace a sent message's content, embeds and components (empty ones clear it)."""
        payload: dict[str, Any] = {
            "content": message.content,
            "embeds": list(message.embeds),
            "components": list(message.components),
            "allowed_mentions": {"parse": []},
        }
        route = Route(
            "PATCH",
            "/channels/{channel_id}/messages/{message_id}",
            channel_id=channel_id,
            message_id=message_id,
        )
        await self._call(self._http().request(route, json=payload))

    @staticmethod
    async def _call(request: Any) -> Any:
        try:
            return await request
        except discord.RateLimited as error:
            raise Retryable("rate limited", 429, error.retry_after) from None
        except discord.DiscordServerError as error:
            raise Retryable(f"server error {error.status}", error.status) from None
        except discord.HTTPException as error:
            if error.status == 403 and error.code == CANNOT_DM:
                raise DmsClosed("DMs closed", 403, CANNOT_DM) from None
            if error.status == 429:
                raise Retryable("rate limited", 429, 1.0) from None
            if error.status >= 500:
                raise Retryable(f"server error {error.status}", error.status) from None
            raise SendError(
                f"HTTP {error.status} code {error.code}", error.status, error.code
            ) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            raise Retryable(f"connection: {type(error).__name__}") from None


def health_trace(health: Health) -> aiohttp.TraceConfig:
    """An aiohttp trace that counts every invalid (401/403/429) answer toward ``health``."""

    async def on_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        health.record(params.response.status)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_end)
    return trace
