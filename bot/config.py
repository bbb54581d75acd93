"""Settings: config.toml plus the environment, typed and validated.

Secrets come only from the environment (``DISCORD_TOKEN``). Every problem found is reported
at once, each on one line naming the file (or variable), the key, what was found and what is
expected. The schema is declarative: a new key is one line in ``SCHEMA``.
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import InvalidInput
from bot.timeparse import resolve_zone

DEFAULT_CONFIG = "config.toml"
BUILT_IN = "built-in defaults"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
URL_EXPECTED = "expected sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/dbname"


class Invalid(Exception):
    """A value's problem: ``expected`` says what would be right."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


@dataclass(frozen=True)
class Secret:
    """A value that never shows itself in a repr, a string or a log."""

    _value: str

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"


@dataclass(frozen=True)
class ProgramDefaults:
    time_zone: str
    checkin_weekday: int
    checkin_time: time


@dataclass(frozen=True)
class MatchingSettings:
    training_minutes: int
    min_grade: int
    max_grade: int
    min_grade_gap: int
    mentor_capacity: int


@dataclass(frozen=True)
class Settings:
    source: str
    token: Secret | None
    dev_guild_id: int | None
    log_level: str
    database_url: str
    program: ProgramDefaults
    misfire_grace_seconds: int
    matching: MatchingSettings


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _kind(value: object) -> str:
    names = {
        bool: "true/false",
        int: "a whole number",
        float: "a decimal number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def _integer(low: int, high: int, meaning: str) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"expected {meaning}, found {_kind(value)}")
        if not low <= value <= high:
            raise Invalid(f"expected {meaning} from {low} to {high}")
        return value

    return check


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid(f"expected a string, found {_kind(value)}")
    return value


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _text(value).strip()
        normal = text.upper() if upper else text.lower()
        if normal not in options:
            raise Invalid(f"expected one of {', '.join(options)}")
        return normal

    return check


def _zone(value: object) -> str:
    try:
        return resolve_zone(_text(value)).key
    except InvalidInput:
        raise Invalid(
            'not a known IANA time zone; expected a name like "America/New_York" or "Europe/London"'
        ) from None


def _weekday(value: object) -> int:
    return WEEKDAYS.index(_choice(WEEKDAYS)(value))


_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def _clock(value: object) -> time:
    match = _HHMM.fullmatch(_text(value).strip())
    if match is None:
        raise Invalid('expected a 24-hour time "HH:MM", like "15:30"')
    return time(int(match[1]), int(match[2]))


def _database_url(value: object) -> str:
    try:
        url: URL = make_url(_text(value))
    except ArgumentError:
        raise Invalid(f"not a database URL; {URL_EXPECTED}") from None
    if url.drivername not in DRIVERS:
        raise Invalid(f'unsupported database driver "{url.drivername}"; {URL_EXPECTED}')
    if url.drivername.startswith("postgresql") and not url.database:
        raise Invalid(f"no database name; {URL_EXPECTED}")
    return url.render_as_string(hide_password=False)


def _masked(value: object) -> str:
    if isinstance(value, str):
        try:
            return make_url(value).render_as_string(hide_password=True)
        except ArgumentError:
            return value
    return str(value)


Check = Callable[[object], Any]
#: section -> key -> (default, check). Defaults are what a missing key means.
SCHEMA: dict[str, dict[str, tuple[object, Check]]] = {
    "bot": {
        "dev_guild_id": (0, _integer(0, 2**63 - 1, "a whole number (a Discord server id)")),
        "log_level": ("INFO", _choice(LOG_LEVELS, upper=True)),
    },
    "database": {
        "url": ("sqlite+aiosqlite:///bridges.db", _database_url),
    },
    "program": {
        "time_zone": ("America/New_York", _zone),
        "checkin_weekday": ("monday", _weekday),
        "checkin_time": ("15:30", _clock),
    },
    "scheduler": {
        "misfire_grace_seconds": (3600, _integer(1, 86_400, "a number of seconds")),
    },
    "matching": {
        "training_minutes": (120, _integer(0, 10_000, "a number of minutes")),
        "min_grade": (6, _integer(1, 13, "a grade")),
        "max_grade": (12, _integer(1, 13, "a grade")),
        "min_grade_gap": (2, _integer(0, 12, "a number of grades")),
        "mentor_capacity": (2, _integer(1, 10, "a number of mentees")),
    },
}


def resolve_config_path(cli_path: str | None, environ: Mapping[str, str]) -> Path | None:
    """--config wins, then $BRIDGES_CONFIG, then ./config.toml if present; else defaults."""
    if cli_path:
        return Path(cli_path)
    if environ.get("BRIDGES_CONFIG"):
        return Path(environ["BRIDGES_CONFIG"])
    default = Path(DEFAULT_CONFIG)
    return default if default.is_file() else None


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"{path}: not valid TOML: {error}"]) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ConfigError([f"{path}: cannot be read ({reason})"]) from None


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _shown(value: object) -> str:
    """A value as it may appear in a one-line message: short, escaped, passwords masked."""
    text = _masked(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return json.dumps(text, ensure_ascii=False) if isinstance(value, str) else _oneline(text)


def _oneline(name: str) -> str:
    """A key or section name from the file, escaped if it holds line breaks or quotes."""
    return name if name.isprintable() and '"' not in name else json.dumps(name)


def load_settings(path: Path | None, environ: Mapping[str, str]) -> Settings:
    """Validated settings from ``path`` (None: built-in defaults) and ``environ``."""
    raw = _read(path) if path is not None else {}
    where = str(path) if path is not None else BUILT_IN
    problems: list[str] = []
    values: dict[tuple[str, str], Any] = {}
    sections = sorted(SCHEMA)
    for section in raw:
        if section not in SCHEMA:
            problems.append(
                f"{where}: [{_oneline(section)}]: unknown section{_suggest(section, sections)}; "
                f"expected one of {', '.join(sections)}"
            )
    for section, keys in SCHEMA.items():
        table = raw.get(section, {})
        if not isinstance(table, dict):
            problems.append(
                f"{where}: {section}: expected a table [{section}], found {_kind(table)}"
            )
            table = {}
        names = sorted(keys)
        for key in table:
            if key not in keys:
                problems.append(
                    f"{where}: [{section}] {_oneline(key)}: unknown key{_suggest(key, names)}; "
                    f"expected one of {', '.join(names)}"
                )
        for key, (default, check) in keys.items():
            value = table.get(key, default)
            try:
                values[section, key] = check(value)
            except Invalid as error:
                problems.append(f"{where}: [{section}] {key} = {_shown(value)}: {error.expected}")
    if "BRIDGES_DATABASE_URL" in environ:
        value = environ["BRIDGES_DATABASE_URL"]
        try:
            values["database", "url"] = _database_url(value)
        except Invalid as error:
            problems.append(f"BRIDGES_DATABASE_URL = {_shown(value)}: {error.expected}")
    if values.get(("matching", "min_grade"), 0) > values.get(("matching", "max_grade"), 99):
        problems.append(f"{where}: [matching] min_grade is above max_grade; expected min <= max")
    if problems:
        raise ConfigError(problems)
    token = environ.get("DISCORD_TOKEN", "").strip()
    return Settings(
        source=where,
        token=Secret(token) if token else None,
        dev_guild_id=values["bot", "dev_guild_id"] or None,
        log_level=values["bot", "log_level"],
        database_url=values["database", "url"],
        program=ProgramDefaults(
            time_zone=values["program", "time_zone"],
            checkin_weekday=values["program", "checkin_weekday"],
            checkin_time=values["program", "checkin_time"],
        ),
        misfire_grace_seconds=values["scheduler", "misfire_grace_seconds"],
        matching=MatchingSettings(
            training_minutes=values["matching", "training_minutes"],
            min_grade=values["matching", "min_grade"],
            max_grade=values["matching", "max_grade"],
            min_grade_gap=values["matching", "min_grade_gap"],
            mentor_capacity=values["matching", "mentor_capacity"],
        ),
    )
