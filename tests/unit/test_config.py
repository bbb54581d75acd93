"""Config file + environment -> validated settings; every problem one clear line."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import (
    BUILT_IN,
    ConfigError,
    MatchingSettings,
    ProgramDefaults,
    Settings,
    load_settings,
    resolve_config_path,
)

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gq1w2e.a-very-distinctive-fake-token"
EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def problems_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ or {})
    return error.value.problems


def test_built_in_defaults() -> None:
    loaded = load_settings(None, {})
    assert loaded == Settings(
        source=BUILT_IN,
        token=None,
        dev_guild_id=None,
        log_level="INFO",
        database_url="sqlite+aiosqlite:///bridges.db",
        program=ProgramDefaults("America/New_York", 0, time(15, 30)),
        misfire_grace_seconds=3600,
        matching=MatchingSettings(120, 6, 12, 2, 2),
    )


def test_the_example_file_is_the_defaults() -> None:
    assert load_settings(EXAMPLE, {}) == replace(load_settings(None, {}), source=str(EXAMPLE))


def test_values_and_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[bot]\ndev_guild_id = 123456789012345678\nlog_level = "debug"\n'
        '[program]\ntime_zone = "europe/london"\ncheckin_weekday = "Thursday"\n'
        'checkin_time = "09:05"\n[scheduler]\nmisfire_grace_seconds = 60\n',
    )
    loaded = load_settings(
        path,
        {"DISCORD_TOKEN": TOKEN, "BRIDGES_DATABASE_URL": "postgresql+asyncpg://u:pw@h/db"},
    )
    assert loaded.source == str(path)
    assert loaded.token is not None and loaded.token.reveal() == TOKEN
    assert loaded.dev_guild_id == 123456789012345678
    assert loaded.log_level == "DEBUG"
    assert loaded.database_url == "postgresql+asyncpg://u:pw@h/db"
    assert loaded.program == ProgramDefaults("Europe/London", 3, time(9, 5))
    assert loaded.misfire_grace_seconds == 60


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[program]\ntime_zone = "Mars/Olympus"',
            ['[program] time_zone = "Mars/Olympus"', "America/New_York"],
        ),
        (
            '[bot]\ndev_guild_id = "abc"',
            ['[bot] dev_guild_id = "abc"', "whole number", "found a string"],
        ),
        ("[bot]\ndev_guild_id = true", ["[bot] dev_guild_id = True", "found true/false"]),
        ("[bot]\ndev_guild_id = -4", ["[bot] dev_guild_id = -4", "from 0"]),
        ('[bot]\nlog_level = "LOUD"', ['[bot] log_level = "LOUD"', "DEBUG, INFO, WARNING, ERROR"]),
        ('[program]\ncolour = "blue"', ["[program] colour: unknown key", "checkin_time"]),
        (
            '[program]\ntime_zon = "UTC"',
            ["[program] time_zon: unknown key (did you mean time_zone?)"],
        ),
        (
            "[banana]\nx = 1",
            ["[banana]: unknown section", "bot, database, matching, program, scheduler"],
        ),
        ("[programme]\nx = 1", ["[programme]: unknown section (did you mean program?)"]),
        ('program = "x"', ["program: expected a table [program], found a string"]),
        ('[program]\ncheckin_time = "25:00"', ['checkin_time = "25:00"', '"HH:MM"']),
        ('[program]\ncheckin_time = "3pm"', ['checkin_time = "3pm"', '"15:30"']),
        ('[program]\ncheckin_weekday = "someday"', ['checkin_weekday = "someday"', "monday"]),
        ("[program]\ncheckin_weekday = 1", ["checkin_weekday = 1", "found a whole number"]),
        (
            "[scheduler]\nmisfire_grace_seconds = 0",
            ["misfire_grace_seconds = 0", "from 1 to 86400"],
        ),
        ("[scheduler]\nmisfire_grace_seconds = 2.5", ["misfire_grace_seconds = 2.5", "decimal"]),
        (
            '[database]\nurl = "mysql://root@db/x"',
            ['unsupported database driver "mysql"', "sqlite+aiosqlite"],
        ),
        ('[database]\nurl = "not a url"', ['url = "not a url": not a database URL']),
        ('[database]\nurl = "postgresql+asyncpg://db"', ["no database name"]),
    ],
)
def test_each_problem_is_one_line_naming_file_key_found_and_expected(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 1
    (line,) = problems
    assert "\n" not in line and line.startswith(f"{path}: ")
    for part in expected:
        assert part in line


def test_grade_range_must_be_ordered(tmp_path: Path) -> None:
    path = write(tmp_path, "[matching]\nmin_grade = 9\nmax_grade = 7\n")
    assert problems_of(path) == [
        f"{path}: [matching] min_grade is above max_grade; expected min <= max"
    ]


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[bot]\nlog_level = 3\n[program]\ntime_zone = ""\nextra = 1\n[scheduler]\n'
        "misfire_grace_seconds = 100000\n",
    )
    assert len(problems_of(path, {"BRIDGES_DATABASE_URL": "redis://x"})) == 5


def test_file_problems(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "missing.toml") == [
        f"{tmp_path / 'missing.toml'}: file not found"
    ]
    broken = write(tmp_path, "[bot\n")
    (line,) = problems_of(broken)
    assert line.startswith(f"{broken}: not valid TOML: ")
    binary = write(tmp_path, "")
    binary.write_bytes(b"\xff\xfe\x00bad")
    (line,) = problems_of(binary)
    assert line.startswith(f"{binary}: ")


def test_environment_url_problem_names_the_variable_and_hides_the_password() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, {"BRIDGES_DATABASE_URL": "mysql://root:hunter2@db/x"})
    (line,) = error.value.problems
    assert line.startswith('BRIDGES_DATABASE_URL = "mysql://root:***@db/x"')
    assert "hunter2" not in str(error.value)


def test_the_token_never_shows(tmp_path: Path) -> None:
    loaded = load_settings(None, {"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in repr(loaded) and TOKEN not in str(loaded)
    assert str(loaded.token) == "***"
    with pytest.raises(ConfigError) as error:
        load_settings(write(tmp_path, "[bot]\nx = 1"), {"DISCORD_TOKEN": TOKEN})
    assert TOKEN not in str(error.value) and TOKEN not in repr(error.value)


def test_a_blank_token_is_no_token() -> None:
    assert load_settings(None, {"DISCORD_TOKEN": "  "}).token is None


def test_config_path_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_config_path(None, {}) is None
    (tmp_path / "config.toml").write_text("")
    assert resolve_config_path(None, {}) == Path("config.toml")
    assert resolve_config_path(None, {"BRIDGES_CONFIG": "/etc/b.toml"}) == Path("/etc/b.toml")
    assert resolve_config_path("cli.toml", {"BRIDGES_CONFIG": "/etc/b.toml"}) == Path("cli.toml")


_KEYS = [
    ("bot", "dev_guild_id"), ("bot", "log_level"), ("database", "url"),
    ("program", "time_zone"), ("program", "checkin_weekday"), ("program", "checkin_time"),
    ("scheduler", "misfire_grace_seconds"), ("bot", "unknown"), ("extra", "key"),
    ("bot", '"odd\\nkey"'), ('"odd\\nsection"', "x"),
]  # fmt: skip
_SCALARS = st.one_of(
    st.text(max_size=30), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(), st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return (
            '"'
            + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in value)
            + '"'
        )
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return repr(value)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6))
def test_any_values_load_or_give_config_error(
    tmp_path: Path, values: dict[tuple[str, str], object]
) -> None:
    sections: dict[str, list[str]] = {}
    for (section, key), value in values.items():
        sections.setdefault(section, []).append(f"{key} = {_toml(value)}")
    text = "\n".join(f"[{section}]\n" + "\n".join(lines) for section, lines in sections.items())
    path = write(tmp_path, text)
    try:
        load_settings(path, {"DISCORD_TOKEN": TOKEN})
    except ConfigError as error:
        assert error.problems and all("\n" not in line for line in error.problems)
        assert TOKEN not in str(error)
