"""The `bridges` command line: run, demo, commands, report, jobs, db upgrade, check-config,
invite-url."""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import logging
import os
import signal
import sys
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import aiohttp
import discord
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot import instance
from bot.app import BridgesBot, invite_url
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings, load_settings, resolve_config_path
from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.interpreter import hand_over_sooner
from bot.jobs import HORIZON, KINDS, PLAN_EVERY
from bot.logs import configure_logging
from bot.paging.outlets import paging_summary
from bot.report_files import render
from bot.scheduler import Scheduler
from bot.services.programs import ProgramService
from bot.services.reports import Report, ReportService
from cogs import reference
from cogs.program_checks import online_problems
from cogs.report_texts import summary_lines
from storage.db import Sessions, create_engine, create_sessions
from storage.migrate import upgrade
from storage.repositories import guilds

log = logging.getLogger("bridges")
T = TypeVar("T")

EXIT_OK, EXIT_PROBLEM, EXIT_CONFIG = 0, 1, 2
LOGIN_MISSING = (
    "DISCORD_TOKEN is not set. Put the bot token from the Discord developer portal "
    "(Bot > Reset Token) in the environment: export DISCORD_TOKEN=..."
)
LOGIN_REFUSED = (
    "Discord refused the token in DISCORD_TOKEN; copy a fresh one from the developer portal."
)
LOCK_LOST = (
    "stopped: this instance lost its lock in the database (did the database restart?), so it "
    "could no longer be sure it was the only one sending; start it again (a standby, if one "
    "runs, has taken over)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bridges", description="Bridges: a Discord bot for school peer-mentoring programs."
    )
    config_help = (
        "config file (default: $BRIDGES_CONFIG, else ./config.toml if present, "
        "else built-in defaults)"
    )
    parser.add_argument("--config", metavar="PATH", help=config_help)
    # `--config PATH` after the command too; SUPPRESS keeps one given before it.
    takes_config = argparse.ArgumentParser(add_help=False)
    takes_config.add_argument(
        "--config", metavar="PATH", default=argparse.SUPPRESS, help=config_help
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "run",
        parents=[takes_config],
        help="run the bot (needs DISCORD_TOKEN)",
        description="Become the active instance (or wait as a standby while another is), "
        "apply database migrations, then connect to Discord and run the bot until SIGINT or "
        "SIGTERM.",
    )
    demo = sub.add_parser(
        "demo",
        parents=[takes_config],
        help="try Bridges offline in a browser (needs the demo extra)",
        description="Run the real bot against a simulated Discord with a demo school and serve "
        "it on 127.0.0.1, where you act as any member and move the clock. No token, no network.",
    )
    demo.add_argument(
        "--script", action="store_true", help="print a narrated week instead of serving the page"
    )
    demo.add_argument(
        "--port", type=int, default=8765, help="port of the demo page (default 8765; 0: any free)"
    )
    demo.add_argument(
        "--language",
        choices=list(LANGUAGES),
        default=DEFAULT_LANGUAGE,
        help="the language of the demo school's members and of the story (default: en)",
    )
    demo.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help="where the demo's SQLite file goes (default: a temporary folder, removed after)",
    )
    reference = sub.add_parser(
        "commands",
        parents=[takes_config],
        help="print the slash-command reference (Markdown)",
        description="Render the reference of every slash command from the registered commands.",
    )
    reference.add_argument(
        "--readme",
        type=Path,
        metavar="PATH",
        help="rewrite the reference section of this README instead of printing it",
    )
    db = sub.add_parser(
        "db",
        parents=[takes_config],
        help="database maintenance",
        description="Database maintenance.",
    )
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser(
        "upgrade",
        parents=[takes_config],
        help="apply all migrations",
        description="Apply every pending migration to the configured database.",
    )
    check = sub.add_parser(
        "check-config",
        parents=[takes_config],
        help="validate the configuration",
        description="Validate the config file and environment offline; with --online also log "
        "in and check each set-up server's channel, role and the bot's permissions.",
    )
    check.add_argument("--online", action="store_true", help="also check against Discord")
    sub.add_parser(
        "sync",
        parents=[takes_config],
        help="send the slash commands to Discord now (needs DISCORD_TOKEN)",
        description="Sync the slash commands with Discord even if they are unchanged. `run` "
        "syncs them only when the commands changed since the last sync (Discord rate-limits "
        "syncs); use this after commands were removed by hand or a sync failed.",
    )
    invite = sub.add_parser(
        "invite-url",
        parents=[takes_config],
        help="print the URL that adds the bot to a server",
        description="Print the OAuth2 URL with exactly the permissions Bridges needs.",
    )
    invite.add_argument(
        "--application-id",
        type=int,
        metavar="ID",
        help="the application id (default: read from DISCORD_TOKEN)",
    )
    report = sub.add_parser(
        "report",
        parents=[takes_config],
        help="write the program report (CSVs, charts, summary) to a folder",
        description="Write one server's program report from DATE until now: a CSV per table, "
        "a PNG per chart and summary.txt with the figures and objectives.",
    )
    report.add_argument("--guild", type=int, required=True, metavar="ID", help="the server id")
    report.add_argument(
        "--since", required=True, metavar="DATE", help="first day, YYYY-MM-DD (UTC)"
    )
    report.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    jobs = sub.add_parser(
        "jobs",
        parents=[takes_config],
        help="list the jobs the bot plans now, from the database",
        description="Derive the scheduler jobs from the database as the bot does on start "
        "(without Discord): kind, when in UTC and in the program's zone, and how many. The "
        "bot plans one set of jobs for all its servers (many grouped by instant).",
    )
    jobs.add_argument(
        "--guild", type=int, metavar="ID", help="show times in this server's program zone"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(resolve_config_path(args.config, os.environ), os.environ)
    except ConfigError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level, settings.secret_values())
    if args.command == "run":
        return _run(settings)
    if args.command == "demo":
        return _demo(settings, args)
    if args.command == "commands":
        return asyncio.run(_commands(settings, args.readme))
    if args.command == "db":
        return asyncio.run(_upgrade(settings))
    if args.command == "check-config":
        return _check_config(settings, online=args.online)
    if args.command == "sync":
        return _sync(settings)
    if args.command == "report":
        return _report(settings, args.guild, args.since, Path(args.out))
    if args.command == "jobs":
        return asyncio.run(_jobs(settings, args.guild))
    return _invite_url(settings, args.application_id)


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    # The demo's own output is what the visitor reads; the bot's routine log lines are not
    # (nor discord.py's notices about voice support, some logged when simcord is imported).
    root = logging.getLogger()
    root.setLevel(max(logging.WARNING, root.level))
    logging.getLogger("discord").setLevel(logging.ERROR)
    try:
        from bot.demo import run
    except ImportError as error:
        print(
            f"the demo needs the demo extra ({error.name} is missing): pip install -e '.[demo]'",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    return run.main(
        settings,
        script=args.script,
        data_dir=args.data_dir,
        port=args.port,
        language=args.language,
    )


async def _commands(settings: Settings, readme: Path | None) -> int:
    logging.getLogger("discord").setLevel(logging.ERROR)  # no voice-support notices here
    text = reference.render(await reference.command_tree(settings))
    if readme is None:
        print(text, end="")
        return EXIT_OK
    try:
        changed = reference.update_readme(readme, text)
    except (OSError, ValueError) as error:
        print(f"could not update {readme}: {error}", file=sys.stderr)
        return EXIT_PROBLEM
    print(f"{readme}: command reference {'updated' if changed else 'already up to date'}")
    return EXIT_OK


async def _jobs(settings: Settings, guild_id: int | None) -> int:
    logging.getLogger("discord").setLevel(logging.ERROR)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # "adding job tentatively"
    engine = create_engine(settings.database_url)
    try:
        for line in await planned_jobs(settings, create_sessions(engine), guild_id):
            print(line)
    except (SQLAlchemyError, OSError) as error:
        print(
            f"could not read the database ({type(error).__name__}); run `bridges db upgrade` first",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    finally:
        await engine.dispose()
    return EXIT_OK


async def planned_jobs(
    settings: Settings, sessions: Sessions, guild_id: int | None, clock: Clock | None = None
) -> list[str]:
    """The jobs every cog plans from rows (its ``plan_from_rows``, as on start), into a
    scheduler that is never started: one line per kind and instant, with the count."""
    clock = clock or SystemClock()
    scheduler = Scheduler(clock, misfire_grace_seconds=settings.misfire_grace_seconds)
    bot = BridgesBot(settings=settings, sessions=sessions, scheduler=scheduler, clock=clock)
    await bot.load_commands()
    await bot.plan_from_rows()
    zone: tzinfo = UTC
    if guild_id is not None:
        async with sessions() as session:
            row = await guilds.get(session, guild_id)
        if row is None:
            return [f"server {guild_id} is not set up (run /setup there first)"]
        zone = ZoneInfo(row.time_zone)
    counts: Counter[tuple[datetime, str]] = Counter()
    for kind in KINDS:
        for when in scheduler.planned(kind).values():
            counts[(when, kind.name)] += 1
    lines = [f"{'kind':<24} {'UTC':<17} {zone!s:<24} count"]
    for (when, name), count in sorted(counts.items()):
        local = when.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
        lines.append(f"{name:<24} {when:%Y-%m-%d %H:%M} {local:<24} {count}")
    hours = HORIZON // timedelta(hours=1), PLAN_EVERY // timedelta(hours=1)
    lines.append(
        f"{sum(counts.values())} jobs: what is due within {hours[0]} h, "
        f"planned further every {hours[1]} h"
    )
    return lines


async def _upgrade(settings: Settings) -> int:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
    except (SQLAlchemyError, OSError) as error:
        print(f"could not migrate the database: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_PROBLEM
    finally:
        await engine.dispose()
    print("database is up to date")
    return EXIT_OK


def _run(settings: Settings) -> int:
    if settings.token is None:
        print(LOGIN_MISSING, file=sys.stderr)
        return EXIT_CONFIG
    try:
        lost = asyncio.run(_serve(settings, settings.token.reveal()))
    except discord.LoginFailure:
        print(LOGIN_REFUSED, file=sys.stderr)
        return EXIT_CONFIG
    except (OSError, aiohttp.ClientError) as error:
        print(f"could not reach Discord or the database: {type(error).__name__}", file=sys.stderr)
        return EXIT_PROBLEM
    if lost:
        print(LOCK_LOST, file=sys.stderr)
        return EXIT_PROBLEM
    return EXIT_OK


async def _serve(settings: Settings, token: str) -> bool:
    """Run the bot while this process is the active instance; True if it lost the lock."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    clock = SystemClock()
    async with instance.active_instance(
        settings.database_url, settings.instance, clock, stopping
    ) as active:
        if active is None:
            log.info("stopped while a standby")
            return False
        hand_over_sooner()  # the database's threads wait less for the interpreter lock
        engine = create_engine(settings.database_url)
        await upgrade(engine)
        bot = BridgesBot(
            settings=settings,
            sessions=create_sessions(engine),
            scheduler=Scheduler(clock, misfire_grace_seconds=settings.misfire_grace_seconds),
            clock=clock,
            on_close=engine.dispose,
            freeze_heap=True,  # this process hosts this one bot for its life
        )
        closer = asyncio.create_task(_close_when(stopping, bot))
        try:
            from bot.services.concern import warm_up

            await asyncio.to_thread(warm_up)  # before any interaction can arrive
            async with bot:
                await bot.start(token)
        finally:
            if stopping.is_set():
                await closer  # close() is still disposing of the database
            else:
                closer.cancel()
    log.info("stopped cleanly")
    return active.lost


class _Refused(Exception):
    """The command cannot go on; the reason is printed, ``code`` is its exit status."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _logged_in(settings: Settings, work: Callable[[Settings, str], Coroutine[Any, Any, T]]) -> T:
    """``work`` run with the token; ``_Refused`` when there is none, when Discord refuses it
    or when the database cannot be read."""
    if settings.token is None:
        print(LOGIN_MISSING, file=sys.stderr)
        raise _Refused(EXIT_CONFIG)
    try:
        return asyncio.run(work(settings, settings.token.reveal()))
    except discord.LoginFailure:
        print(LOGIN_REFUSED, file=sys.stderr)
        raise _Refused(EXIT_CONFIG) from None
    except SQLAlchemyError as error:
        print(
            f"could not read the database ({type(error).__name__}); run `bridges db upgrade` first",
            file=sys.stderr,
        )
        raise _Refused(EXIT_PROBLEM) from None


def _sync(settings: Settings) -> int:
    try:
        count = _logged_in(settings, _sync_now)
    except _Refused as refused:
        return refused.code
    except discord.app_commands.MissingApplicationID:
        print("could not read the application id from DISCORD_TOKEN", file=sys.stderr)
        return EXIT_CONFIG
    except (OSError, aiohttp.ClientError, discord.HTTPException) as error:
        print(f"could not sync the commands: {type(error).__name__}", file=sys.stderr)
        return EXIT_PROBLEM
    print(f"synced {count} commands")
    return EXIT_OK


async def _sync_now(settings: Settings, token: str) -> int:
    """Log in over HTTP only (no gateway), load the cogs and sync their commands."""
    engine = create_engine(settings.database_url)
    clock = SystemClock()
    bot = BridgesBot(
        settings=settings,
        sessions=create_sessions(engine),
        scheduler=Scheduler(clock, misfire_grace_seconds=settings.misfire_grace_seconds),
        clock=clock,
        application_id=_application_id_of(token),
    )
    try:
        await bot.http.static_login(token)
        await bot.load_commands()
        await bot.sync_commands(force=True)
        return len(bot.tree.get_commands())
    finally:
        await bot.http.close()
        await engine.dispose()


async def _close_when(stopping: asyncio.Event, bot: BridgesBot) -> None:
    await stopping.wait()
    await bot.close()


def _report(settings: Settings, guild_id: int, since: str, out: Path) -> int:
    try:
        first_day = date.fromisoformat(since)
    except ValueError:
        print(f"--since {since!r}: expected a date like 2026-09-01", file=sys.stderr)
        return EXIT_CONFIG
    try:
        report = asyncio.run(_build_report(settings, guild_id, first_day))
    except UserError as error:
        print(error.message, file=sys.stderr)
        return EXIT_PROBLEM
    except SQLAlchemyError as error:
        print(
            f"could not read the database ({type(error).__name__}); run `bridges db upgrade` first",
            file=sys.stderr,
        )
        return EXIT_PROBLEM
    figures, objectives = summary_lines(report)
    summary = "\n".join(
        [
            f"Program report for server {guild_id}: {report.scope.since:%Y-%m-%d} to "
            f"{report.scope.until:%Y-%m-%d %H:%M} UTC",
            "",
            *figures,
            "",
            "Objectives:",
            *(objectives or ["none set ([report] objectives in the config)"]),
        ]
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, body in render(report):
            (out / name).write_bytes(body)
        (out / "summary.txt").write_text(summary + "\n", encoding="utf-8")
    except OSError as error:
        print(f"could not write to {out}: {error.strerror}", file=sys.stderr)
        return EXIT_PROBLEM
    print(summary)
    print(f"report written to {out}")
    return EXIT_OK


async def _build_report(settings: Settings, guild_id: int, first_day: date) -> Report:
    engine = create_engine(settings.database_url)
    try:
        sessions = create_sessions(engine)
        async with sessions() as session:
            if await guilds.get(session, guild_id) is None:
                raise UserError(f"No program in server {guild_id}: has /setup been run there?")
        service = ReportService(sessions, SystemClock(), settings.report)
        return await service.build(service.scope_since(guild_id, first_day))
    finally:
        await engine.dispose()


def _check_config(settings: Settings, *, online: bool) -> int:
    print(f"config: {settings.source}: OK")
    print(f"database: {_masked(settings.database_url)}")
    print(f"DISCORD_TOKEN: {'set' if settings.token is not None else 'not set'}")
    print(f"paging: {paging_summary(settings.paging)}")
    if not online:
        return EXIT_OK
    try:
        problems = _logged_in(settings, _online_problems)
    except _Refused as refused:
        return refused.code
    for problem in problems:
        print(problem)
    if problems:
        return EXIT_PROBLEM
    print("online: every set-up server is ready")
    return EXIT_OK


async def _online_problems(settings: Settings, token: str) -> list[str]:
    engine = create_engine(settings.database_url)
    client = discord.Client(intents=discord.Intents.none())
    try:
        sessions = create_sessions(engine)
        async with sessions() as session:
            guild_ids = await guilds.configured_guild_ids(session)
        await client.login(token)
        programs = ProgramService(sessions, SystemClock(), settings.program)
        problems: list[str] = []
        for guild_id in guild_ids:
            tier2 = settings.escalations.tier2_role_id
            problems += await online_problems(
                client, await programs.get(guild_id), (tier2,) if tier2 else ()
            )
        if not guild_ids:
            problems.append("no server has run /setup yet; invite the bot and run /setup")
        return problems
    finally:
        await client.close()
        await engine.dispose()


def _masked(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _invite_url(settings: Settings, application_id: int | None) -> int:
    if application_id is None:
        application_id = _application_id_from(settings)
    if application_id is None:
        print(
            "Pass --application-id (Discord developer portal > General Information > "
            "Application ID), or set DISCORD_TOKEN.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    print(invite_url(application_id))
    return EXIT_OK


def _application_id_from(settings: Settings) -> int | None:
    return None if settings.token is None else _application_id_of(settings.token.reveal())


def _application_id_of(token: str) -> int | None:
    """A bot token starts with the bot's user id (its application id), base64-encoded."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


if __name__ == "__main__":
    sys.exit(main())
