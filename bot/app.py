"""BridgesBot: the Discord client, wired from the dependencies it is given."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import json
import logging
import pkgutil
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

import discord
from discord.ext import commands

import cogs
from bot.clock import Clock
from bot.config import Settings
from bot.delivery import DeliveryEngine, Health, LoopLag, Outlet, log_health
from bot.heap import freeze_start_up
from bot.jobs import HORIZON, HORIZON_PLAN, PLAN_EVERY, Window
from bot.paging.outlets import paging_outlets
from bot.scheduler import Scheduler
from bot.services.names import NameService
from cogs import delivery_texts
from cogs.errors import BridgesTree
from cogs.translator import CatalogTranslator
from cogs.transport import DiscordTransport, health_trace
from storage.db import Sessions
from storage.repositories import state

log = logging.getLogger(__name__)

#: Everything the bot needs from a server, and why. `bridges invite-url` asks for exactly these.
REQUIRED_PERMISSIONS = discord.Permissions(
    view_channel=True,  # see the channels it posts in
    send_messages=True,  # escalations, welcomes, fallbacks for closed DMs
    send_messages_in_threads=True,  # fallback threads in a pair's channel
    create_private_threads=True,  # fallback threads in a pair's channel
    embed_links=True,  # escalation and summary embeds
    attach_files=True,  # charts, CSV reports, calendar files
    read_message_history=True,  # edit its own escalation posts
    mention_everyone=True,  # ping the staff role even when it is not mentionable
    manage_channels=True,  # private channel per mentoring pair
    manage_roles=True,  # permission overwrites on those private channels
)

#: No privileged intents: the bot works through slash commands, buttons and modals.
INTENTS = discord.Intents(guilds=True)


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(
        application_id,
        permissions=REQUIRED_PERMISSIONS,
        scopes=("bot", "applications.commands"),
    )


@runtime_checkable
class Reconciles(Protocol):
    """A cog that derives scheduler jobs from database rows."""

    async def reconcile(self) -> int:
        """Rebuild this cog's jobs from the database; returns how many were scheduled."""
        ...


@runtime_checkable
class PlansJobs(Protocol):
    """A cog whose ``reconcile()`` plans its jobs through ``plan_from_rows``, which reads
    and plans only (``bridges jobs`` runs it without Discord)."""

    async def plan_from_rows(self) -> int:
        """Plan this cog's jobs from rows; returns how many were planned."""
        ...


@runtime_checkable
class PlansAhead(Protocol):
    """A cog whose jobs are planned only within ``HORIZON`` and extended by the planner."""

    async def extend(self, window: Window) -> int:
        """Plan the jobs whose moment is in ``window``; returns how many were added."""
        ...


@runtime_checkable
class Closes(Protocol):
    """An outlet holding a connection to close at shutdown (the webhook's HTTP session)."""

    async def close(self) -> None: ...


@runtime_checkable
class HasPersistentViews(Protocol):
    """A cog whose buttons must keep working after a restart."""

    def persistent_views(self) -> Sequence[discord.ui.View]: ...


async def commands_digest(
    tree: discord.app_commands.CommandTree[commands.Bot],
    guild: discord.abc.Snowflake | None,
    application_id: int | None,
) -> str:
    """A hash of exactly what ``tree.sync(guild=guild)`` would send, localizations included."""
    translator = tree.translator
    payload = [
        await command.get_translated_payload(tree, translator)
        if translator is not None
        else command.to_dict(tree)
        for command in tree.get_commands(guild=guild)
    ]
    payload.sort(key=lambda command: (command.get("type", 1), command["name"]))
    scope = {"application": application_id, "guild": guild.id if guild else None}
    blob = json.dumps([scope, payload], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def discover_extensions() -> list[str]:
    """Every module in ``cogs/`` that defines ``setup(bot)``: each is one cog."""
    found = []
    for module in pkgutil.iter_modules(cogs.__path__, prefix=f"{cogs.__name__}."):
        if module.ispkg:
            continue
        if callable(getattr(importlib.import_module(module.name), "setup", None)):
            found.append(module.name)
    return sorted(found)


class BridgesBot(commands.Bot):
    def __init__(
        self,
        *,
        settings: Settings,
        sessions: Sessions,
        scheduler: Scheduler,
        clock: Clock,
        extensions: Sequence[str] | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
        watch_loop: bool = True,
        always_sync: bool = False,
        application_id: int | None = None,
        freeze_heap: bool = False,
    ) -> None:
        health = Health()
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=INTENTS,
            tree_cls=BridgesTree,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            http_trace=health_trace(health),
        )
        if application_id is not None:  # else read from Discord at login
            self._connection.application_id = application_id
        self.settings = settings
        self.sessions = sessions
        self.scheduler = scheduler
        self.clock = clock
        #: The one outbound path for DMs and staff posts (see bot/delivery.py).
        self.delivery = DeliveryEngine(
            sessions,
            clock,
            DiscordTransport(lambda: self.http),
            settings.delivery,
            delivery_texts.fallback,
            health=health,
        )
        #: Off-Discord paging (``[paging]``): email and the signed webhook, when configured.
        self.outlets: dict[str, Outlet] = paging_outlets(settings.paging, clock)
        for name, outlet in self.outlets.items():
            self.delivery.add_outlet(name, outlet)
        #: Members' display names as seen on their interactions.
        self.names = NameService(sessions)
        self.loop_lag = LoopLag()
        self._watch_loop = watch_loop
        self._watcher: asyncio.Task[None] | None = None
        self._starter: asyncio.Task[None] | None = None
        self._draining = False
        self._extensions = list(extensions) if extensions is not None else discover_extensions()
        self._on_close = on_close
        #: Sync the commands on every start, for a Discord that starts empty (the demo).
        self._always_sync = always_sync
        #: Freeze the heap once started (``bot.heap``): only for a process hosting one bot.
        self._freeze_heap = freeze_heap

    async def setup_hook(self) -> None:
        """Cogs, persistent views and commands; the work itself starts once the gateway is
        ready (``_start_when_ready``), once per process."""
        await self.load_commands()
        for cog in self.cogs.values():
            if isinstance(cog, HasPersistentViews):
                for view in cog.persistent_views():
                    self.add_view(view)
        await self.sync_commands(force=self._always_sync)
        self._starter = asyncio.create_task(self._start_when_ready(), name="start-when-ready")
        self._starter.add_done_callback(self._start_failed)

    async def _start_when_ready(self) -> None:
        """Resume deliveries, start the scheduler and rebuild every cog's jobs, only once
        the gateway has sent the servers: before that the channel cache is empty, and a job
        due at start would find no staff channel to ping."""
        await self.wait_until_ready()
        await self.start_work()

    async def start_work(self) -> None:
        """What the bot does once the gateway is ready: resume deliveries, watch the loop,
        start the scheduler, plan every cog's jobs; then freeze the heap if asked to."""
        await self.delivery.start()
        if self._watch_loop:
            self._watcher = asyncio.create_task(
                self.loop_lag.run(lambda lag: log_health(self.delivery, lag)), name="loop-lag"
            )
        self.scheduler.start()
        await self.reconcile()
        if self._freeze_heap:
            freeze_start_up()

    async def reconcile(self) -> None:
        """Every cog's jobs from rows, and the planner that extends the horizon. No job
        starts until all are planned (after a restart thousands are due at once, and would
        compete with the planning for connections), and the loop is given back between
        two cogs."""
        with self.scheduler.batch():
            for name, cog in self.cogs.items():
                if isinstance(cog, Reconciles):
                    count = await cog.reconcile()
                    log.info("reconciled %s: %d jobs scheduled", name, count)
                    await asyncio.sleep(0)
            self.scheduler.run_at(
                HORIZON_PLAN.id(), self.clock.now() + PLAN_EVERY, self.extend_horizon
            )

    async def plan_from_rows(self) -> int:
        """What ``reconcile()`` plans, with nothing else done (for ``bridges jobs``)."""
        count = 0
        for cog in self.cogs.values():
            if isinstance(cog, PlansJobs):
                count += await cog.plan_from_rows()
        self.scheduler.run_at(HORIZON_PLAN.id(), self.clock.now() + PLAN_EVERY, self.extend_horizon)
        return count + 1

    async def extend_horizon(self) -> None:
        """The planner job: plan what has come within ``HORIZON`` since the last run (its
        next run is planned first, so one that fails does not stop the next)."""
        now = self.clock.now()
        self.scheduler.run_at(HORIZON_PLAN.id(), now + PLAN_EVERY, self.extend_horizon)
        window = Window(now, now + HORIZON)
        for name, cog in self.cogs.items():
            if isinstance(cog, PlansAhead):
                count = await cog.extend(window)
                log.info("extended the horizon of %s: %d jobs added", name, count)

    def _start_failed(self, task: asyncio.Task[None]) -> None:
        """Running without jobs would lose every reminder silently: stop instead."""
        if task.cancelled() or task.exception() is None:
            return
        log.critical("start-up failed; stopping", exc_info=task.exception())
        asyncio.get_running_loop().create_task(self.close(), name="close-after-failed-start")

    async def text_channel(self, channel_id: int | None) -> discord.TextChannel | None:
        """The text channel with this id: from the cache, else fetched (the cache is empty
        until the gateway has sent the server); None when it is gone or not visible."""
        if channel_id is None:
            return None
        channel = self.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.fetch_channel(channel_id)
            except (discord.NotFound, discord.Forbidden):
                return None
        return channel if isinstance(channel, discord.TextChannel) else None

    async def load_commands(self) -> None:
        """Every cog, with the translator that localizes command names at sync."""
        await self.tree.set_translator(CatalogTranslator())
        for extension in self._extensions:
            await self.load_extension(extension)

    async def sync_commands(self, *, force: bool) -> bool:
        """Send the command tree to Discord, unless it is the one synced last time (Discord
        rate-limits syncs); ``force`` sends it anyway. True if it was sent."""
        guild_id = self.settings.dev_guild_id
        guild = None if guild_id is None else discord.Object(id=guild_id)
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        key = f"commands-digest:{guild_id or 'global'}"
        digest = await commands_digest(self.tree, guild, self.application_id)
        if not force:
            async with self.sessions() as session:
                if await state.get(session, key) == digest:
                    log.info("commands unchanged since the last sync; not syncing")
                    return False
        synced = await self.tree.sync(guild=guild)
        async with self.sessions.begin() as session:
            await state.put(session, key, digest, now=self.clock.now())
        where = "globally" if guild_id is None else f"to the development server {guild_id}"
        log.info("synced %d commands %s", len(synced), where)
        return True

    async def close(self) -> None:
        """Drain, then disconnect: no job starts from now on, deliveries already on their
        way finish and are recorded (whoever waits on one is told it is pending), running
        jobs finish, all within about ``[delivery] drain_seconds``; what is left stays in
        the database for the next start."""
        if not self._draining:
            self._draining = True
            if self._starter is not None:
                self._starter.cancel()
            if self._watcher is not None:
                self._watcher.cancel()
            self.scheduler.pause()
            loop = asyncio.get_running_loop()
            began, budget = loop.time(), self.settings.delivery.drain_seconds
            await self.delivery.stop()
            # Jobs waiting on a delivery were just told "pending": they end quickly now.
            await self.scheduler.stop(max(1.0, budget - (loop.time() - began)))
            for outlet in self.outlets.values():
                if isinstance(outlet, Closes):
                    await outlet.close()
        try:
            await super().close()
        finally:
            if self._on_close is not None:
                on_close, self._on_close = self._on_close, None
                await on_close()
