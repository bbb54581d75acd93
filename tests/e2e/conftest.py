"""The real bot against simcord's simulated Discord, on a real database and scheduler.

The bot's Clock follows simcord's virtual time, so `world.env.advance_time(s)` moves the
bot, APScheduler and Discord together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, replace

import discord
import pytest
import simcord
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle, GuildHandle, RoleHandle

from bot.app import BridgesBot, discover_extensions
from bot.clock import FollowingClock
from bot.config import Settings, load_settings
from bot.errors import UserError
from bot.scheduler import Scheduler
from storage.db import Sessions

#: What a person can cause on purpose; the bot answers these and they are not bugs.
EXPECTED_ERRORS = (UserError, discord.app_commands.CheckFailure)


@dataclass
class World:
    env: simcord.Env
    bot: BridgesBot
    guild: GuildHandle
    general: ChannelHandle
    escalations: ChannelHandle
    mentoring: ChannelHandle
    staff_role: RoleHandle
    admin: MemberActor
    staff: MemberActor
    student: MemberActor


def _unwrap(error: BaseException) -> BaseException:
    return getattr(error, "original", error)


#: What simcord's ``env.inject_error`` makes Discord answer; a test that injects it expects it.
INJECTED = "(injected by test)"


def _expected(error: BaseException) -> bool:
    cause = _unwrap(error)
    injected = isinstance(cause, discord.HTTPException) and INJECTED in str(cause)
    return injected or isinstance(cause, EXPECTED_ERRORS)


def build_bot(
    database_url: str,
    sessions: Sessions,
    env_cell: list[simcord.Env],
    extra_extensions: Sequence[str] = (),
    bot_class: type[BridgesBot] = BridgesBot,
    adjust: Callable[[Settings], Settings] | None = None,
) -> BridgesBot:
    settings = load_settings(None, {"BRIDGES_DATABASE_URL": database_url})
    if adjust is not None:
        settings = adjust(settings)
    # simcord's settlement cannot wait out the delivery pacer's short sleeps (a prompt that
    # waits 22 ms for its slot never settles), so the simulated bot is never paced here;
    # pacing is tested against the loopback Discord in tests/storage/test_delivery_engine.py.
    unpaced = replace(settings.delivery, burst=100_000, channel_burst=100_000)
    settings = replace(settings, delivery=unpaced)
    clock = FollowingClock(lambda: env_cell[0].now())
    return bot_class(
        settings=settings,
        sessions=sessions,
        scheduler=Scheduler(clock, misfire_grace_seconds=settings.misfire_grace_seconds),
        clock=clock,
        extensions=[*discover_extensions(), *extra_extensions],
        watch_loop=False,  # a forever-sleeping sampler would keep virtual time busy
    )


SETTLE_SECONDS = 30.0


@pytest.fixture
def adjust_settings() -> Callable[[Settings], Settings] | None:
    """How the bot's settings differ from the defaults: a test module overrides this
    fixture to run the bot with, say, ``[privacy] require_guardian_consent = true``."""
    return None


@pytest.fixture
async def sim_env(
    database_url: str,
    sessions: Sessions,
    adjust_settings: Callable[[Settings], Settings] | None,
) -> AsyncIterator[simcord.Env]:
    """The real bot, started in simcord. (simcord's pytest hook gives the test body the
    simulator's clock when a test's fixtures include an Env.)"""
    cell: list[simcord.Env] = []
    # simcord waits this long in real time for the bot to settle; its 5 s default is short
    # for a database on a loaded CI machine (a job's queries took longer and the test failed).
    bot = build_bot(database_url, sessions, cell, adjust=adjust_settings)
    env = simcord.Env(bot, settle_timeout=SETTLE_SECONDS)
    cell.append(env)
    await env.start()
    try:
        yield env
    finally:
        bot = env.bot
        assert isinstance(bot, BridgesBot)
        bot.scheduler.shutdown()
        await env.shutdown()
        unexpected = [e for e in env.errors if not _expected(e)]
        assert not unexpected, f"the bot raised unexpected errors: {unexpected!r}"


@pytest.fixture
def world(sim_env: simcord.Env) -> World:
    """A school's server: an admin, a staff member, a student, and the program's channels."""
    env = sim_env
    with env.time_context():
        guild = env.create_guild("Eastside Alternative School")
        staff_role = guild.create_role("Staff", mentionable=True)
        admin_role = guild.create_role("Admin", permissions=discord.Permissions(manage_guild=True))
        hidden = discord.PermissionOverwrite(view_channel=False)
        world = World(
            env=env,
            bot=env.bot,  # type: ignore[arg-type]
            guild=guild,
            general=guild.create_text_channel("general"),
            escalations=guild.create_text_channel(
                "staff-alerts",
                overwrites={
                    guild.default_role: hidden,
                    staff_role: discord.PermissionOverwrite(view_channel=True),
                    guild.me: discord.PermissionOverwrite(view_channel=True),
                },
            ),
            mentoring=guild.create_category("Mentoring"),
            staff_role=staff_role,
            admin=guild.add_member(env.create_user("principal"), roles=[admin_role, staff_role]),
            staff=guild.add_member(env.create_user("ms_rivera"), roles=[staff_role]),
            student=guild.add_member(env.create_user("jordan")),
        )
        # The step /setup explains: Integrations -> Bridges -> /staff -> allow the staff role.
        open_staff_menu(world, staff_role)
        return world


def open_staff_menu(world: World, *allowed: RoleHandle | MemberActor) -> None:
    """Let these roles or members see `/staff` in their menu, as an admin does under Server
    Settings -> Integrations (the bot still checks, server-side, who is staff)."""
    command = world.env.backend.find_command("staff", world.guild.id)
    assert command is not None, "/staff was not synced"
    backend = world.env.backend
    kept = backend.get_command_permissions(world.guild.id, int(command["id"])) or []
    world.guild.set_command_permissions(int(command["id"]), dict.fromkeys(allowed, True))
    added = backend.get_command_permissions(world.guild.id, int(command["id"]))
    backend.set_command_permissions(world.guild.id, int(command["id"]), [*kept, *added])
