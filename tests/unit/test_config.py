"""Config file + environment -> validated settings; every problem one clear line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import (
    BUILT_IN,
    DEFAULT_CRISIS_TEXT_ES,
    DEFAULT_CRISIS_TEXTS,
    DEFAULT_RULES,
    CheckinSettings,
    ConfigError,
    EscalationSettings,
    MatchingSettings,
    PrivacySettings,
    ProgramDefaults,
    ReportSettings,
    SessionSettings,
    Settings,
    SurveySettings,
    load_settings,
    resolve_config_path,
)
from bot.delivery import DeliverySettings
from bot.instance import InstanceSettings
from bot.services.objectives import Objective

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
        sessions=SessionSettings(time(7), time(21), 45, (1440, 15), 10, ()),
        escalations=EscalationSettings(
            sla_minutes={"right_now": 10, "today": 60, "can_wait": 1440},
            tier2_minutes={"right_now": 20, "today": 120, "can_wait": 2880},
            tier2_role_id=None,
            on_call_user_ids=(),
            crisis_text=DEFAULT_CRISIS_TEXTS,
            show_claimer_name=True,
            no_session_days=14,
            rules=DEFAULT_RULES,
        ),
        checkins=CheckinSettings(3, 24, 3, 1, time(7), time(21)),
        surveys=SurveySettings(
            8,
            (
                "I feel listened to in my pair",
                "Our meetings help me",
                "I would recommend the program to a friend",
            ),
        ),
        privacy=PrivacySettings(365),
        report=ReportSettings(
            (
                Objective("attendance_rate", ">=", 90),
                Objective("pairs_meeting_twice_a_month", ">=", 100),
                Objective("contacts_overdue", "<=", 0),
                Objective("checkin_completion", ">=", 80),
            )
        ),
        delivery=DeliverySettings(),
        instance=InstanceSettings(poll_seconds=5, heartbeat_seconds=5),
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
        ("[bot]\ndev_guild_id = true", ["[bot] dev_guild_id = true", "found true/false"]),
        ("[bot]\ndev_guild_id = -4", ["[bot] dev_guild_id = -4", "from 0"]),
        ('[bot]\nlog_level = "LOUD"', ['[bot] log_level = "LOUD"', "DEBUG, INFO, WARNING, ERROR"]),
        ('[program]\ncolour = "blue"', ["[program] colour: unknown key", "checkin_time"]),
        (
            '[program]\ntime_zon = "UTC"',
            ["[program] time_zon: unknown key (did you mean time_zone?)"],
        ),
        (
            "[banana]\nx = 1",
            [
                "[banana]: unknown section",
                "bot, checkins, database, delivery, escalations, hours, instance, matching, "
                "paging, privacy, program, recruiting, report, scheduler, sessions",
            ],
        ),
        ("[programme]\nx = 1", ["[programme]: unknown section (did you mean program?)"]),
        ('program = "x"', ["program: expected a table [program], found a string"]),
        ('[program]\ncheckin_time = "25:00"', ['checkin_time = "25:00"', '"HH:MM"']),
        ('[program]\ncheckin_time = "3pm"', ['checkin_time = "3pm"', '"15:30"']),
        ('[program]\ncheckin_weekday = "someday"', ['checkin_weekday = "someday"', "monday"]),
        (
            "[program]\ncheckin_weekday = 1",
            ["checkin_weekday = 1", "monday", "found a whole number"],
        ),
        ("[bot]\nlog_level = [3]", ["log_level = [3]", "ERROR; found a list"]),
        ("[program]\ntime_zone = 5", ["time_zone = 5", "America/New_York", "found a whole number"]),
        ("[program]\ncheckin_time = 15:30:15", ["checkin_time = 15:30:15", "found a time"]),
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
        (
            '[database]\nurl = "postgresql+asyncpg://u:pw@h:abc/db"',
            ['"postgresql+asyncpg://u:***@h'],
        ),
        ("[database]\nurl = {a = 1}", ["url = {a = 1}", "found a table"]),
        ('[bot]\ntoken = "abc"', ["[bot] token: unknown key", "only from DISCORD_TOKEN"]),
        (
            'log_level = "DEBUG"',
            ['log_level = "DEBUG": key outside any section (put it under [bot])'],
        ),
        ('[bot]\nlog_level = "\u2028"', ['log_level = "\\u2028"']),
        ('[bot]\n"" = 1', ['[bot] "": unknown key']),
    ],
)
def test_each_problem_is_one_line_naming_file_key_found_and_expected(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert len(problems) == 1
    (line,) = problems
    assert len(line.splitlines()) == 1 and line.startswith(f"{path}: ")
    for part in expected:
        assert part in line


def test_session_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[sessions]\nallowed_hours = "08:30 - 24:00"\nreminder_offsets_minutes = [15, 60, 15]\n'
        'holidays = ["2026-12-25", 2026-11-26]\n',
    )
    sessions = load_settings(path, {}).sessions
    assert (sessions.allowed_start, sessions.allowed_end) == (time(8, 30), time(23, 59))
    assert sessions.reminder_offsets_minutes == (60, 15)
    assert [day.isoformat() for day in sessions.holidays] == ["2026-11-26", "2026-12-25"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('allowed_hours = "21:00-07:00"', "end must be after the start"),
        ('allowed_hours = "9-5"', '"HH:MM-HH:MM"'),
        ("reminder_offsets_minutes = []", "1 to 5"),
        ("reminder_offsets_minutes = [0]", "each from 1 to 10080"),
        ('holidays = ["someday"]', '"someday" is not a date'),
        ('holidays = "2026-12-25"', "expected a list of dates"),
        ("holidays = [2026-12-25, 2026-12-24T10:00:00]", "2026-12-24T10:00:00 is not a date"),
    ],
)
def test_bad_session_settings(tmp_path: Path, text: str, expected: str) -> None:
    (line,) = problems_of(write(tmp_path, f"[sessions]\n{text}\n"))
    assert "[sessions]" in line and expected in line


def test_checkin_settings_defaults_and_values(tmp_path: Path) -> None:
    defaults = load_settings(None, {}).checkins
    assert (defaults.window_days, defaults.reminder_hours, defaults.max_active_goals) == (3, 24, 3)
    assert defaults.mentor_every_weeks == 1
    assert (defaults.allowed_start, defaults.allowed_end) == (time(7), time(21))
    path = write(
        tmp_path,
        "[checkins]\nwindow_days = 5\nreminder_hours = 48\nmentor_every_weeks = 2\n"
        'allowed_hours = "09:00-20:00"\n',
    )
    checkins = load_settings(path, {}).checkins
    assert (checkins.window_days, checkins.reminder_hours, checkins.mentor_every_weeks) == (
        5,
        48,
        2,
    )
    assert (checkins.allowed_start, checkins.allowed_end) == (time(9), time(20))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("window_days = 0", "from 1 to 6"),
        ("max_active_goals = 4", "from 1 to 3"),
        ("mentor_every_weeks = 3", "every other week"),
        ('allowed_hours = "evenings"', "HH:MM-HH:MM"),
        ("window_days = 1\nreminder_hours = 24", "shorter than the window"),
    ],
)
def test_bad_checkin_settings(tmp_path: Path, text: str, expected: str) -> None:
    (line,) = problems_of(write(tmp_path, f"[checkins]\n{text}\n"))
    assert "[checkins]" in line and expected in line


def test_survey_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[surveys]\nmidpoint_weeks = 0\nlikert_questions = ["  I feel  heard ", "I like it"]\n',
    )
    assert load_settings(path, {}).surveys == SurveySettings(0, ("I feel heard", "I like it"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("midpoint_weeks = -1", "a number of weeks (0 turns it off)"),
        ("midpoint_weeks = 53", "a number of weeks (0 turns it off)"),
        ('midpoint_weeks = "8"', "a number of weeks"),
        ("likert_questions = []", "1 to 3 short statements"),
        ('likert_questions = ["a", "b", "c", "d"]', "1 to 3 short statements"),
        ('likert_questions = ["   "]', "1 to 3 short statements"),
        (f'likert_questions = ["{"x" * 46}"]', "each 1 to 45 characters"),
        ("likert_questions = [3]", "1 to 3 short statements"),
        ('likert_questions = "My mentor listens"', "1 to 3 short statements"),
        ('likert_questions = ["Same", "Same"]', "each different"),
    ],
)
def test_bad_survey_settings(tmp_path: Path, text: str, expected: str) -> None:
    (line,) = problems_of(write(tmp_path, f"[surveys]\n{text}\n"))
    assert "[surveys]" in line and expected in line


def test_guardian_consent_and_service_hours(tmp_path: Path) -> None:
    defaults = load_settings(None, {})
    assert defaults.privacy.require_guardian_consent is False
    assert (defaults.hours.mentor_checkin_minutes, defaults.hours.school_year_start_month) == (
        10,
        8,
    )
    path = write(
        tmp_path,
        "[privacy]\nrequire_guardian_consent = true\n"
        "[hours]\nmentor_checkin_minutes = 0\nschool_year_start_month = 2\n",
    )
    loaded = load_settings(path, {})
    assert loaded.privacy.require_guardian_consent is True
    assert (loaded.hours.mentor_checkin_minutes, loaded.hours.school_year_start_month) == (0, 2)
    bad = write(
        tmp_path,
        '[privacy]\nrequire_guardian_consent = "yes"\n'
        "[hours]\nmentor_checkin_minutes = 500\nschool_year_start_month = 13\n",
    )
    lines = problems_of(bad)
    assert len(lines) == 3
    assert any("require_guardian_consent" in line and "true or false" in line for line in lines)
    assert any("mentor_checkin_minutes = 500" in line for line in lines)
    assert any("school_year_start_month = 13" in line and "a month" in line for line in lines)


def test_privacy_retention_days(tmp_path: Path) -> None:
    assert load_settings(None, {}).privacy.retention_days == 365
    path = write(tmp_path, "[privacy]\nretention_days = 30\n")
    assert load_settings(path, {}).privacy.retention_days == 30


@pytest.mark.parametrize("value", ["0", "3651", '"a year"', "true"])
def test_bad_retention_days(tmp_path: Path, value: str) -> None:
    (line,) = problems_of(write(tmp_path, f"[privacy]\nretention_days = {value}\n"))
    assert "[privacy] retention_days" in line and "a number of days" in line


def test_report_objectives(tmp_path: Path) -> None:
    path = write(tmp_path, '[report]\nobjectives = ["survey_rating>=4", "active_matches > 10"]\n')
    assert load_settings(path, {}).report.objectives == (
        Objective("survey_rating", ">=", 4),
        Objective("active_matches", ">", 10),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('["attendance >= 90%"]', 'unknown metric "attendance"'),
        ('["attendance_rate at least 90"]', 'expected "metric >= number"'),
        ('["active_matches >= 5%"]', "not a percentage"),
        ('"attendance_rate >= 90%"', "expected a list"),
        ("[90]", "expected a list"),
    ],
)
def test_bad_objectives(tmp_path: Path, value: str, expected: str) -> None:
    (line,) = problems_of(write(tmp_path, f"[report]\nobjectives = {value}\n"))
    assert "[report] objectives" in line and expected in line


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


def test_a_toml_time_is_a_check_in_time(tmp_path: Path) -> None:
    path = write(tmp_path, "[program]\ncheckin_time = 16:45:00\n")
    assert load_settings(path, {}).program.checkin_time == time(16, 45)


def test_a_blank_database_variable_is_unset(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite+aiosqlite:///other.db"\n')
    assert load_settings(path, {"BRIDGES_DATABASE_URL": " "}).database_url.endswith("other.db")


def test_the_settings_repr_masks_the_database_password() -> None:
    loaded = load_settings(None, {"BRIDGES_DATABASE_URL": "postgresql+asyncpg://u:hunter2@h/db"})
    assert loaded.database_url == "postgresql+asyncpg://u:hunter2@h/db"
    assert "hunter2" not in repr(loaded) and "hunter2" not in str(loaded)
    assert "database_url='postgresql+asyncpg://u:***@h/db'" in repr(loaded)


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
    assert problems_of(tmp_path) == [f"{tmp_path}: cannot be read (Is a directory)"]


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


@pytest.mark.parametrize("environ", [{"DISCORD_TOKEN": TOKEN}, {}])
def test_a_token_pasted_into_the_file_is_not_repeated(
    tmp_path: Path, environ: dict[str, str]
) -> None:
    text = f'[bot]\nlog_level = "{TOKEN}"\n[program]\ntime_zone = "x{TOKEN}"\n{TOKEN} = 1\n'
    problems = problems_of(write(tmp_path, text), environ)
    assert len(problems) == 3
    assert not any(TOKEN in line or TOKEN[-20:] in line for line in problems)


def test_a_token_shaped_key_is_not_repeated(tmp_path: Path) -> None:
    (line,) = problems_of(write(tmp_path, f'[bot]\n"{TOKEN}" = 1\n'))
    assert TOKEN[-20:] not in line and "[bot] ***: unknown key" in line


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
    ("scheduler", "misfire_grace_seconds"), ("matching", "min_grade"),
    ("matching", "max_grade"), ("sessions", "allowed_hours"),
    ("sessions", "reminder_offsets_minutes"), ("sessions", "holidays"),
    ("privacy", "retention_days"), ("report", "objectives"),
    ("bot", "unknown"), ("extra", "key"), ("bot", '"odd\\u2028key"'), ('"odd\\nsection"', "x"),
]  # fmt: skip
_MOMENTS = st.one_of(
    st.dates(date(1900, 1, 1), date(2100, 1, 1)), st.times(),
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),  # noqa: DTZ001 - TOML local times
)  # fmt: skip
_SCALARS = st.one_of(
    st.text(max_size=30), st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(), st.floats(), _MOMENTS,
    st.sampled_from(["monday", "Europe/London", "07:00-21:00", "2026-12-25", "pg://u:pw@h:x/d"]),
)  # fmt: skip
_VALUES = st.one_of(
    _SCALARS, st.lists(_SCALARS, max_size=6),
    st.dictionaries(st.text(max_size=5), _SCALARS, max_size=2),
)  # fmt: skip


def _toml(value: object) -> str:
    """``value`` written as TOML (strings fully escaped, so any text is valid)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = (f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in value)
        return '"' + "".join(escaped) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, date | time):
        return value.isoformat()
    return repr(value)  # ints; floats, including inf and nan, as TOML spells them


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=6),
    st.one_of(st.none(), st.text(max_size=30), st.just("mysql://u:pw@h/d")),
)
def test_any_values_load_or_give_config_error(
    tmp_path: Path, values: dict[tuple[str, str], object], url: str | None
) -> None:
    sections: dict[str, list[str]] = {}
    for (section, key), value in values.items():
        sections.setdefault(section, []).append(f"{key} = {_toml(value)}")
    text = "\n".join(f"[{section}]\n" + "\n".join(lines) for section, lines in sections.items())
    path = write(tmp_path, text)
    environ = {"DISCORD_TOKEN": TOKEN} | ({} if url is None else {"BRIDGES_DATABASE_URL": url})
    try:
        load_settings(path, environ)
    except ConfigError as error:
        assert error.problems and all(len(line.splitlines()) == 1 for line in error.problems)
        assert TOKEN not in str(error) and ":pw@" not in str(error)


def test_escalation_settings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[escalations]\nsla_minutes = {right_now = 5, today = 30, can_wait = 600}\n"
        "tier2_minutes = {right_now = 15, today = 90, can_wait = 1200}\n"
        "tier2_role_id = 42\non_call_user_ids = [7, 8]\nshow_claimer_name = false\n"
        'rules = {reach_out = "RIGHT_NOW", two_no_shows = "off"}\n'
        'staff_hours = "Mon-Fri 08:00-16:00"\n'
        "follow_up_hours = {right_now = 1, today = 12, can_wait = 48}\n",
    )
    loaded = load_settings(path, {}).escalations
    assert loaded.staff_hours.known and len(loaded.staff_hours.spans) == 5
    assert loaded.follow_up_hours == {"right_now": 1, "today": 12, "can_wait": 48}
    assert loaded.sla_minutes["right_now"] == 5 and loaded.tier2_minutes["can_wait"] == 1200
    assert loaded.tier2_role_id == 42 and loaded.on_call_user_ids == (7, 8)
    assert not loaded.show_claimer_name
    assert loaded.rules["reach_out"] == "right_now" and loaded.rules["two_no_shows"] == "off"
    assert loaded.rules["low_mood_twice"] == "today"  # the default where not set


def test_crisis_text_by_language(tmp_path: Path) -> None:
    built_in = load_settings(None, {}).escalations
    assert "911" in built_in.crisis("en") and "oprima 2" not in built_in.crisis("en")
    assert built_in.crisis("es") == DEFAULT_CRISIS_TEXT_ES
    assert "oprima 2" in DEFAULT_CRISIS_TEXT_ES and "AYUDA" in DEFAULT_CRISIS_TEXT_ES
    assert "741741" in DEFAULT_CRISIS_TEXT_ES and "911" in DEFAULT_CRISIS_TEXT_ES
    own = "Call the school counsellor line, 555-0100, any time."
    old = load_settings(write(tmp_path, f'[escalations]\ncrisis_text = "{own}"\n'), {})
    assert old.escalations.crisis("en") == own  # a plain string, as older configs have it
    assert old.escalations.crisis("es") == DEFAULT_CRISIS_TEXT_ES
    spanish = "Llama a la línea de la escuela, 555-0100, a cualquier hora."
    table = write(
        tmp_path, f'[escalations]\ncrisis_text.en = "{own}"\ncrisis_text.es = "{spanish}"\n'
    )
    loaded = load_settings(table, {}).escalations
    assert loaded.crisis("en") == own and loaded.crisis("es") == spanish
    assert loaded.crisis("fr") == own  # a language with no text: English


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("sla_minutes = {right_now = 10}", "every one of right_now, today, can_wait"),
        ("sla_minutes = {soon = 10}", "unknown urgency 'soon'"),
        ("sla_minutes = {right_now = 0, today = 60, can_wait = 1440}", "from 1 to 10080"),
        ("tier2_minutes = {right_now = 5, today = 120, can_wait = 2880}", "above sla_minutes"),
        ('on_call_user_ids = ["me"]', "Discord user ids"),
        ('crisis_text = "call"', "20 to 1000 characters"),
        ('crisis_text.es = "llama"', "20 to 1000 characters"),
        ('crisis_text.fr = "Appelez le 3114, à toute heure."', "unknown language 'fr'"),
        ("crisis_text = 988", "crisis resources by language"),
        ('show_claimer_name = "yes"', "true or false"),
        ('rules = {moody = "today"}', "unknown signal kind 'moody'"),
        ('rules = {reach_out = "asap"}', "right_now, today, can_wait, off"),
        ("no_session_days = 1", "from 2 to 90"),
        ('staff_hours = "weekdays 9 to 5"', 'like "Mon-Fri 08:00-16:00"'),
        ("staff_hours = 9", "in quotes"),
        ("follow_up_hours = {right_now = 2}", "every one of right_now, today, can_wait"),
        ("follow_up_hours = {right_now = 0, today = 24, can_wait = 72}", "from 1 to 720"),
    ],
)
def test_bad_escalation_settings_are_named(tmp_path: Path, content: str, expected: str) -> None:
    path = write(tmp_path, f"[escalations]\n{content}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(path, {})
    assert len(raised.value.problems) == 1 and expected in raised.value.problems[0]


def test_delivery_settings_have_defaults_and_are_checked(tmp_path: Path) -> None:
    defaults = load_settings(None, {}).delivery
    assert (defaults.rate_per_second, defaults.max_attempts, defaults.concurrency) == (46, 5, 8)
    path = tmp_path / "config.toml"
    path.write_text("[delivery]\nrate_per_second = 30\nmax_attempts = 3\n")
    chosen = load_settings(path, {}).delivery
    assert (chosen.rate_per_second, chosen.max_attempts) == (30, 3)
    path.write_text("[delivery]\nrate_per_second = 60\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(path, {})
    (line,) = raised.value.problems
    assert "[delivery] rate_per_second = 60" in line and "Discord allows 50" in line


def test_allowed_link_hosts(tmp_path: Path) -> None:
    assert load_settings(None, {}).privacy.allowed_link_hosts == frozenset()
    path = write(tmp_path, '[privacy]\nallowed_link_hosts = ["Meet.School.org", "zoom.us"]\n')
    assert load_settings(path, {}).privacy.allowed_link_hosts == {"meet.school.org", "zoom.us"}
    for wrong in ('"meet.school.org"', '["https://meet.school.org/x"]', "[3]"):
        lines = problems_of(write(tmp_path, f"[privacy]\nallowed_link_hosts = {wrong}\n"))
        assert len(lines) == 1 and "allowed_link_hosts" in lines[0] and "host names" in lines[0]
