"""A loopback server speaking enough of Discord's REST API for discord.py's HTTP client.

It enforces what Discord enforces on a bot: 50 requests per second globally (429 with
``global: true``; interaction callbacks are exempt, as on Discord), 5 messages per 5 s per
channel (X-RateLimit headers on every answer, 429 past them), 403 / 50007 for users with DMs
closed, an optional share of 500s, and ``enforce_nonce`` (a repeated nonce in a channel
returns the message already created, for ``nonce_memory`` seconds: Discord forgets after a few
minutes). It counts what it answered and every message each
recipient got, so a run can be judged: delivered, duplicates, lost.

Point discord.py at it with ``discord.http.Route.BASE = server.base_url``. ``fail_next`` and
``drop_next`` make it answer 500, or drop the connection after creating the message, for
the next few requests (the fault test).

For the whole bot over HTTP (the crash harness, ``tests/crash/``) it also answers login
(the application), the command sync, and what a match does: create and list a server's
channels, fetch a channel or a member, set a channel's permission overwrite, edit a
message (``_server_routes``). Created channels are kept in ``channels``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import multiprocessing
import random
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 900_000_000_000_000_001
DM_OFFSET = 10**15  # a user's DM channel id is their id plus this
GLOBAL_LIMIT = 50
CHANNEL_LIMIT = 5
CHANNEL_WINDOW = 5.0


@dataclass
class Stats:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    global_429: int = 0
    channel_429: int = 0
    dms_closed: int = 0
    server_errors: int = 0
    dropped: int = 0
    create_dm: int = 0
    messages: Counter[int] = field(default_factory=Counter)  # recipient -> messages
    callbacks: int = 0
    nonce_repeats: int = 0  # sends answered with the message an earlier nonce created
    channel_posts: Counter[int] = field(default_factory=Counter)  # channel -> messages
    started: float = field(default_factory=time.monotonic)
    last: float = 0.0

    @property
    def invalid(self) -> int:
        return sum(self.statuses[s] for s in (401, 403, 429))


class Loopback:
    def __init__(
        self,
        *,
        closed_share: float = 0.10,
        error_share: float = 0.01,
        seed: int = 7,
        global_limit: int = GLOBAL_LIMIT,
        nonce_memory: float | None = None,
    ) -> None:
        self.closed_share, self.error_share = closed_share, error_share
        self.global_limit = global_limit
        #: Seconds a nonce is remembered (Discord: a few minutes); None: forever.
        self.nonce_memory = nonce_memory
        self._random = random.Random(seed)
        self.stats = Stats()
        self._global: deque[float] = deque()
        self._buckets: dict[int, tuple[float, int]] = {}  # channel -> (reset at, used)
        self._nonces: dict[tuple[int, str], tuple[float, dict[str, Any]]] = {}
        self._next_id = 1_000_000
        self._fail_next = 0
        self._drop_next = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        #: channel id -> its payload, for channels created through the API
        self.channels: dict[int, dict[str, Any]] = {}
        self.overwrites: dict[tuple[int, int], dict[str, Any]] = {}

    # ------------------------------------------------------------------ control

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def closed(self, user_id: int) -> bool:
        """Whether this user has DMs closed: a fixed share of users, by id."""
        digest = hashlib.sha256(str(user_id).encode()).digest()
        return digest[0] / 256 < self.closed_share

    def fail_next(self, requests: int) -> None:
        """Answer the next ``requests`` requests with 500."""
        self._fail_next = requests

    def drop_next(self, messages: int) -> None:
        """Create the next ``messages`` messages but drop the connection before answering."""
        self._drop_next = messages

    def forget_nonces(self) -> None:
        """Forget every nonce seen so far, as Discord does after a few minutes."""
        self._nonces.clear()

    def reset(self) -> None:
        self.stats = Stats()
        self._global.clear()
        self._buckets.clear()
        self._nonces.clear()

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self._me)
        app.router.add_post("/api/v10/users/@me/channels", self._create_dm)
        app.router.add_post("/api/v10/channels/{channel_id}/messages", self._message)
        app.router.add_post(
            "/api/v10/interactions/{interaction_id}/{token}/callback", self._callback
        )
        self._server_routes(app.router)
        app.router.add_get("/_bench/stats", self._stats)
        app.router.add_post("/_bench/reset", self._reset)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ limits

    def _answer(
        self, status: int, body: Any = None, headers: dict[str, str] | None = None
    ) -> web.Response:
        self.stats.statuses[status] += 1
        self.stats.last = time.monotonic()
        if body is None:
            return web.Response(status=status, headers=headers)
        # discord.py reads JSON only when the content type is exactly this (no charset)
        return web.Response(
            status=status,
            body=json.dumps(body).encode(),
            headers={**(headers or {}), "Content-Type": "application/json"},
        )

    def _limited(self, *, exempt: bool = False) -> web.Response | None:
        """Count the request; a 429 (global) or a 500 when one is due."""
        self.stats.requests += 1
        now = time.monotonic()
        if exempt:
            return None
        while self._global and self._global[0] <= now - 1.0:
            self._global.popleft()
        if len(self._global) >= self.global_limit:
            self.stats.global_429 += 1
            wait = round(self._global[0] + 1.0 - now, 3) + 0.001
            return self._answer(
                429,
                {"message": "You are being rate limited.", "retry_after": wait, "global": True},
                {
                    "Via": "1.1 google",
                    "X-RateLimit-Global": "true",
                    "X-RateLimit-Scope": "global",
                    "Retry-After": str(max(1, round(wait))),
                },
            )
        self._global.append(now)
        failing = self._fail_next > 0
        self._fail_next -= failing
        if failing or (self.error_share and self._random.random() < self.error_share):
            self.stats.server_errors += 1
            return self._answer(500, {"message": "500: Internal Server Error", "code": 0})
        return None

    def _bucket(self, channel_id: int) -> tuple[dict[str, str], bool]:
        now = time.monotonic()
        reset_at, used = self._buckets.get(channel_id, (now + CHANNEL_WINDOW, 0))
        if now >= reset_at:
            reset_at, used = now + CHANNEL_WINDOW, 0
        allowed = used < CHANNEL_LIMIT
        if allowed:
            used += 1
        self._buckets[channel_id] = (reset_at, used)
        headers = {
            "X-RateLimit-Limit": str(CHANNEL_LIMIT),
            "X-RateLimit-Remaining": str(CHANNEL_LIMIT - used),
            "X-RateLimit-Reset": f"{time.time() + reset_at - now:.3f}",
            "X-RateLimit-Reset-After": f"{reset_at - now:.3f}",
            "X-RateLimit-Bucket": "channel-messages",
        }
        return headers, allowed

    # ------------------------------------------------------------------ routes

    async def _me(self, _request: web.Request) -> web.Response:
        limited = self._limited()
        if limited is not None:
            return limited
        return self._answer(200, _user(BOT_ID, "bridges", bot=True))

    async def _create_dm(self, request: web.Request) -> web.Response:
        body = await request.json()
        limited = self._limited()
        if limited is not None:
            return limited
        self.stats.create_dm += 1
        user_id = int(body["recipient_id"])
        # A roomy bucket of its own: without headers discord.py would send one at a time.
        headers = {
            "X-RateLimit-Limit": "1000",
            "X-RateLimit-Remaining": "999",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": "create-dm",
        }
        return self._answer(
            200,
            {
                "id": str(user_id + DM_OFFSET),
                "type": 1,
                "last_message_id": None,
                "recipients": [_user(user_id, f"student{user_id}")],
            },
            headers,
        )

    async def _message(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        limited = self._limited()
        if limited is not None:
            return limited
        channel_id = int(request.match_info["channel_id"])
        headers, allowed = self._bucket(channel_id)
        if not allowed:
            self.stats.channel_429 += 1
            retry = float(headers["X-RateLimit-Reset-After"])
            return self._answer(
                429,
                {"message": "You are being rate limited.", "retry_after": retry, "global": False},
                {**headers, "Via": "1.1 google", "X-RateLimit-Scope": "user"},
            )
        is_dm = channel_id >= DM_OFFSET
        if is_dm and self.closed(channel_id - DM_OFFSET):
            self.stats.dms_closed += 1
            return self._answer(
                403, {"message": "Cannot send messages to this user", "code": 50007}, headers
            )
        nonce = body.get("nonce")
        known = self._remembered(channel_id, nonce) if body.get("enforce_nonce") else None
        if known is not None:
            self.stats.nonce_repeats += 1
            return self._answer(200, known, headers)
        message = self._create(channel_id, body)
        if nonce:
            self._nonces[channel_id, nonce] = (time.monotonic(), message)
        recipients = (
            [channel_id - DM_OFFSET]
            if is_dm
            else [int(u) for u in body.get("allowed_mentions", {}).get("users", [])[:1]]
        )
        for user in recipients:
            self.stats.messages[user] += 1
        self.stats.channel_posts[channel_id] += 1
        if self._drop_next > 0:
            self._drop_next -= 1
            self.stats.dropped += 1
            transport = request.transport
            if transport is not None:
                transport.close()
            await asyncio.sleep(0)
            raise ConnectionResetError("dropped on purpose")
        return self._answer(200, message, headers)

    # ------------------------------------------------------------------ a server's channels

    def _server_routes(self, router: web.UrlDispatcher) -> None:
        base = "/api/v10"
        router.add_get(f"{base}/oauth2/applications/@me", self._application)
        router.add_put(f"{base}/applications/{{application_id}}/commands", self._sync)
        router.add_get(f"{base}/guilds/{{guild_id}}/channels", self._guild_channels)
        router.add_post(f"{base}/guilds/{{guild_id}}/channels", self._create_channel)
        router.add_get(f"{base}/guilds/{{guild_id}}/members/{{user_id}}", self._member)
        router.add_get(f"{base}/channels/{{channel_id}}", self._channel)
        router.add_put(f"{base}/channels/{{channel_id}}/permissions/{{target_id}}", self._overwrite)
        router.add_patch(f"{base}/channels/{{channel_id}}/messages/{{message_id}}", self._edit)

    async def _application(self, _request: web.Request) -> web.Response:
        limited = self._limited()
        if limited is not None:
            return limited
        owner = _user(BOT_ID + 1, "owner")
        return self._answer(
            200,
            {
                "id": str(BOT_ID),
                "name": "bridges",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "flags": 0,
            },
        )

    async def _sync(self, _request: web.Request) -> web.Response:
        limited = self._limited()
        return limited if limited is not None else self._answer(200, [])

    async def _guild_channels(self, request: web.Request) -> web.Response:
        limited = self._limited()
        if limited is not None:
            return limited
        guild_id = request.match_info["guild_id"]
        return self._answer(200, [c for c in self.channels.values() if c["guild_id"] == guild_id])

    async def _create_channel(self, request: web.Request) -> web.Response:
        body = await request.json()
        limited = self._limited()
        if limited is not None:
            return limited
        self._next_id += 1
        channel = {
            "id": str(self._next_id),
            "type": int(body.get("type", 0)),
            "guild_id": request.match_info["guild_id"],
            "name": body.get("name") or "channel",
            "topic": body.get("topic"),
            "parent_id": str(body["parent_id"]) if body.get("parent_id") else None,
            "position": len(self.channels),
            "permission_overwrites": body.get("permission_overwrites") or [],
            "nsfw": False,
        }
        self.channels[self._next_id] = channel
        return self._answer(201, channel)

    async def _member(self, request: web.Request) -> web.Response:
        limited = self._limited()
        if limited is not None:
            return limited
        user_id = int(request.match_info["user_id"])
        return self._answer(
            200,
            {
                "user": _user(user_id, f"student{user_id}"),
                "nick": None,
                "roles": [],
                "joined_at": "2026-11-23T10:00:00+00:00",
                "deaf": False,
                "mute": False,
            },
        )

    async def _channel(self, request: web.Request) -> web.Response:
        limited = self._limited()
        if limited is not None:
            return limited
        channel_id = int(request.match_info["channel_id"])
        known = self.channels.get(channel_id)
        if known is None:
            known = {"id": str(channel_id), "type": 0, "guild_id": "1", "name": "channel"}
            known.update({"position": 0, "permission_overwrites": [], "nsfw": False})
        return self._answer(200, known)

    async def _overwrite(self, request: web.Request) -> web.Response:
        body = await request.json()
        limited = self._limited()
        if limited is not None:
            return limited
        key = int(request.match_info["channel_id"]), int(request.match_info["target_id"])
        self.overwrites[key] = body
        return self._answer(204)

    async def _edit(self, request: web.Request) -> web.Response:
        body = await request.json()
        limited = self._limited()
        if limited is not None:
            return limited
        message_id, channel_id = (int(request.match_info[k]) for k in ("message_id", "channel_id"))
        return self._answer(200, self._payload(message_id, channel_id, body))

    def _remembered(self, channel_id: int, nonce: str | None) -> dict[str, Any] | None:
        """The message an earlier send with this nonce created, while it is remembered."""
        if not nonce or (channel_id, nonce) not in self._nonces:
            return None
        at, message = self._nonces[channel_id, nonce]
        if self.nonce_memory is not None and time.monotonic() - at > self.nonce_memory:
            del self._nonces[channel_id, nonce]
            return None
        return message

    async def _callback(self, _request: web.Request) -> web.Response:
        self._limited(exempt=True)
        self.stats.callbacks += 1
        return self._answer(204)

    async def _stats(self, _request: web.Request) -> web.Response:
        """The counts so far, for a benchmark running in another process (not counted)."""
        stats = self.stats
        body = {
            "requests": stats.requests - stats.callbacks,
            "callbacks": stats.callbacks,
            "statuses": {str(k): v for k, v in stats.statuses.items()},
            "invalid": stats.invalid,
            "global_429": stats.global_429,
            "channel_429": stats.channel_429,
            "dms_closed": stats.dms_closed,
            "server_errors": stats.server_errors,
            "create_dm": stats.create_dm,
            "messages": {str(k): v for k, v in stats.messages.items()},
        }
        return web.Response(body=json.dumps(body).encode(), content_type="application/json")

    async def _reset(self, _request: web.Request) -> web.Response:
        self.reset()
        return web.Response(status=204)

    def _create(self, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        return self._payload(self._next_id, channel_id, body)

    @staticmethod
    def _payload(message_id: int, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": 0,
            "author": _user(BOT_ID, "bridges", bot=True),
            "content": body.get("content") or "",
            "timestamp": "2026-11-23T10:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "nonce": body.get("nonce"),
        }


def _user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": None,
        "avatar": None,
        "bot": bot,
    }


def serve(port: int, ready: Any) -> None:
    """Run a server until killed (in its own process, so it does not load the bot's loop)."""

    async def main() -> None:
        server = Loopback()
        await server.start(port)
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(main())


@contextlib.contextmanager
def serving(port: int) -> Iterator[None]:
    """The loopback Discord in its own process while the block runs."""
    ready = multiprocessing.Event()
    process = multiprocessing.Process(target=serve, args=(port, ready), daemon=True)
    process.start()
    ready.wait(10)
    try:
        yield
    finally:
        process.terminate()
