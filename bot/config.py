"""Settings: config.toml plus the environment, typed and validated.

Secrets come only from the environment (``DISCORD_TOKEN``, ``BRIDGES_SMTP_PASSWORD``,
``BRIDGES_WEBHOOK_SECRET``). Every problem found is reported
at once, each on one line naming the file (or variable), the key, what was found and what is
expected. The schema is declarative: a new key is one line in ``SCHEMA``.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.delivery import DeliverySettings
from bot.errors import InvalidInput
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.instance import InstanceSettings
from bot.paging.addresses import is_email_address, is_loopback
from bot.services.objectives import Objective, parse_objective
from bot.services.session_rules import parse_hours_range
from bot.services.support_hours import SupportHours, parse_support_hours
from bot.timeparse import resolve_zone

DEFAULT_CONFIG = "config.toml"
BUILT_IN = "built-in defaults"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
URL_EXPECTED = "expected sqlite+aiosqlite:///path.db or postgresql+asyncpg://user@host/dbname"
ZONE_EXPECTED = 'expected a name like "America/New_York" or "Europe/London"'
TOKEN_VARIABLE = "DISCORD_TOKEN"  # noqa: S105 - the variable's name, not a token
URL_VARIABLE = "BRIDGES_DATABASE_URL"
CONFIG_VARIABLE = "BRIDGES_CONFIG"
SMTP_PASSWORD_VARIABLE = "BRIDGES_SMTP_PASSWORD"  # noqa: S105 - the variable's name
WEBHOOK_SECRET_VARIABLE = "BRIDGES_WEBHOOK_SECRET"  # noqa: S105 - the variable's name


DEFAULT_FOLLOW_UP_HOURS: Mapping[str, int] = {"right_now": 2, "today": 24, "can_wait": 72}


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
class SessionSettings:
    allowed_start: time
    allowed_end: time
    default_minutes: int
    reminder_offsets_minutes: tuple[int, ...]
    attendance_delay_minutes: int
    holidays: tuple[date, ...]


@dataclass(frozen=True)
class EscalationSettings:
    """SLA limits are per urgency (``Urgency`` values); ``rules`` maps a signal kind to
    the urgency of the escalation it opens, or "off"."""

    sla_minutes: Mapping[str, int]
    tier2_minutes: Mapping[str, int]
    tier2_role_id: int | None
    on_call_user_ids: tuple[int, ...]
    #: The crisis resources a student reads, by language (``bot.i18n.LANGUAGES``).
    crisis_text: Mapping[str, str]
    show_claimer_name: bool
    no_session_days: int
    rules: Mapping[str, str]
    #: When staff answer, in the program's zone (unknown: nobody is told staff are away).
    staff_hours: SupportHours = field(default_factory=SupportHours)
    #: Hours a claimed escalation may go without a note or resolution, per urgency.
    follow_up_hours: Mapping[str, int] = field(
        default_factory=lambda: dict(DEFAULT_FOLLOW_UP_HOURS)
    )

    def crisis(self, language: str) -> str:
        """The crisis resources in ``language`` (English when there are none in it)."""
        return self.crisis_text.get(language) or self.crisis_text[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class CheckinSettings:
    window_days: int
    reminder_hours: int
    max_active_goals: int
    mentor_every_weeks: int
    allowed_start: time
    allowed_end: time


@dataclass(frozen=True)
class ReportSettings:
    objectives: tuple[Objective, ...]


@dataclass(frozen=True)
class SurveySettings:
    midpoint_weeks: int  # 0: no mid-point survey
    likert_questions: tuple[str, ...]


@dataclass(frozen=True)
class PrivacySettings:
    retention_days: int
    #: Matching waits until staff record a guardian's consent on file for each student.
    require_guardian_consent: bool = False
    #: Hosts whose ``https`` links stay clickable in what the bot relays from students.
    allowed_link_hosts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HoursSettings:
    """Service hours credited to mentors (``[hours]``)."""

    #: Minutes credited for each mentor check-in answered.
    mentor_checkin_minutes: int = 10
    #: The month (1-12) the school year starts: the default period of an export.
    school_year_start_month: int = 8


@dataclass(frozen=True)
class RecruitingSettings:
    """``[recruiting]``: who may run /invite besides matched mentors, and how often."""

    leader_role_ids: tuple[int, ...] = ()
    invites_per_day: int = 10


SMTP_SECURITY = ("starttls", "tls", "none")
SMTP_PORTS = {"starttls": 587, "tls": 465, "none": 25}
#: An HMAC key shorter than this is easy to guess; ``secrets.token_hex(32)`` gives 64.
WEBHOOK_SECRET_MIN = 32


@dataclass(frozen=True)
class PagingSettings:
    """Off-Discord paging (``[paging]``): email to ``on_call_emails`` and a signed POST to
    ``webhook_url``; each is off while unset. ``smtp_port`` is resolved (0 in the file means
    the port of ``smtp_security``)."""

    on_call_emails: tuple[str, ...] = ()
    webhook_url: str | None = None
    include_details: bool = False
    who_to_call: str = ""
    smtp_host: str | None = None
    smtp_port: int = SMTP_PORTS["starttls"]
    smtp_security: str = "starttls"
    smtp_username: str | None = None
    smtp_password: Secret | None = None
    from_address: str | None = None
    timeout_seconds: int = 15
    webhook_secret: Secret | None = None

    @property
    def email_enabled(self) -> bool:
        return bool(self.on_call_emails)

    @property
    def webhook_enabled(self) -> bool:
        return self.webhook_url is not None

    @property
    def enabled(self) -> bool:
        return self.email_enabled or self.webhook_enabled


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
    sessions: SessionSettings
    escalations: EscalationSettings
    checkins: CheckinSettings
    surveys: SurveySettings
    privacy: PrivacySettings
    report: ReportSettings
    delivery: DeliverySettings
    instance: InstanceSettings
    paging: PagingSettings = PagingSettings()
    recruiting: RecruitingSettings = RecruitingSettings()
    hours: HoursSettings = HoursSettings()

    def secret_values(self) -> list[str]:
        """Every secret's value, for the log formatter to scrub."""
        found = (self.token, self.paging.smtp_password, self.paging.webhook_secret)
        return [secret.reveal() for secret in found if secret is not None]

    def __repr__(self) -> str:
        """The generated repr, but with a database password masked."""
        parts = (
            f"{item.name}={_masked(value) if item.name == 'database_url' else value!r}"
            for item in fields(self)
            for value in [getattr(self, item.name)]
        )
        return f"Settings({', '.join(parts)})"


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
        datetime: "a date and time",
        date: "a date",
        time: "a time",
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


def _text(value: object, expected: str) -> str:
    """``value`` if it is a string; else ``expected`` (what would be right) and what was found."""
    if not isinstance(value, str):
        raise Invalid(f"{expected}; found {_kind(value)}")
    return value


def _choice(options: tuple[str, ...], *, upper: bool = False) -> Callable[[object], str]:
    def check(value: object) -> str:
        expected = f"expected one of {', '.join(options)}"
        text = _text(value, expected).strip()
        normal = text.upper() if upper else text.lower()
        if normal not in options:
            raise Invalid(expected)
        return normal

    return check


def _zone(value: object) -> str:
    name = _text(value, f"expected an IANA time zone in quotes; {ZONE_EXPECTED}")
    try:
        return resolve_zone(name).key
    except InvalidInput:
        raise Invalid(f"not a known IANA time zone; {ZONE_EXPECTED}") from None


def _weekday(value: object) -> int:
    return WEEKDAYS.index(_choice(WEEKDAYS)(value))


_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def _clock(value: object) -> time:
    expected = 'expected a 24-hour time "HH:MM", like "15:30"'
    if isinstance(value, time) and value.tzinfo is None and value.second == value.microsecond == 0:
        return value  # a TOML local time, 15:30:00
    match = _HHMM.fullmatch(_text(value, expected).strip())
    if match is None:
        raise Invalid(expected)
    return time(int(match[1]), int(match[2]))


def _hours(value: object) -> tuple[time, time]:
    expected = 'expected a range of 24-hour times "HH:MM-HH:MM", like "07:00-21:00"'
    try:
        return parse_hours_range(_text(value, expected))
    except ValueError as error:
        raise Invalid(str(error)) from None


def _offsets(value: object) -> tuple[int, ...]:
    expected = "expected a list of minutes before a session, like [1440, 15]"
    if not isinstance(value, list) or not value or len(value) > 5:
        raise Invalid(f"{expected} (1 to 5 of them)")
    minutes = _integer(1, 10_080, "minutes")
    try:
        return tuple(sorted({minutes(item) for item in value}, reverse=True))
    except Invalid:
        raise Invalid(f"{expected}, each from 1 to 10080") from None


#: Discord shows at most 45 characters in a select's label inside a modal.
LIKERT_QUESTION_MAX = 45
#: Both surveys ask them; the closure survey's form also holds a rating and a comment, and a
#: Discord form holds at most five parts.
LIKERT_QUESTIONS_MAX = 3
DEFAULT_LIKERT_QUESTIONS = [
    "I feel listened to in my pair",
    "Our meetings help me",
    "I would recommend the program to a friend",
]


def _likert_questions(value: object) -> tuple[str, ...]:
    expected = (
        f"expected a list of 1 to {LIKERT_QUESTIONS_MAX} short statements (each 1 to "
        f'{LIKERT_QUESTION_MAX} characters), like ["Our meetings help me"]'
    )
    if not isinstance(value, list) or not 1 <= len(value) <= LIKERT_QUESTIONS_MAX:
        raise Invalid(expected)
    questions = []
    for item in value:
        if not isinstance(item, str) or not 1 <= len(item.strip()) <= LIKERT_QUESTION_MAX:
            raise Invalid(expected)
        questions.append(" ".join(item.split()))
    if len(set(questions)) != len(questions):
        raise Invalid(f"{expected}, each different")
    return tuple(questions)


def _days(value: object) -> tuple[date, ...]:
    expected = 'expected a list of dates "YYYY-MM-DD", like ["2026-12-25"]'
    if not isinstance(value, list):
        raise Invalid(expected)
    found: list[date] = []
    for item in value:
        try:
            if isinstance(item, datetime):  # a date subclass, but a moment, not a day
                raise Invalid(expected)
            found.append(item if isinstance(item, date) else date.fromisoformat(_text(item, "")))
        except (ValueError, Invalid):
            raise Invalid(f"{_literal(item)} is not a date; {expected}") from None
    return tuple(sorted(set(found)))


URGENCIES = ("right_now", "today", "can_wait")
RULE_KINDS = (
    "two_no_shows",
    "no_session_7_days",
    "no_session_14_days",
    "low_mood_twice",
    "two_missed_checkins",
    "reach_out",
    "mentor_support",
    "mentor_concern",
)
DEFAULT_CRISIS_TEXT = (
    "If you are in danger right now, call 911. You can call or text 988 (Suicide & Crisis "
    "Lifeline) or text HOME to 741741 (Crisis Text Line), any time, for free."
)
DEFAULT_CRISIS_TEXT_ES = (
    "Si estás en peligro ahora mismo, llama al 911. Puedes llamar al 988 (Línea de "
    "Prevención del Suicidio y Crisis; para español, oprima 2) o enviar la palabra AYUDA por "
    "mensaje de texto al 741741, a cualquier hora y gratis."
)
#: The built-in crisis resources by language; a config may replace any of them.
DEFAULT_CRISIS_TEXTS: Mapping[str, str] = {"en": DEFAULT_CRISIS_TEXT, "es": DEFAULT_CRISIS_TEXT_ES}


def _per_urgency(value: object) -> dict[str, int]:
    expected = "expected a table of minutes per urgency, like {right_now = 10, today = 60}"
    if not isinstance(value, dict):
        raise Invalid(f"{expected}; found {_kind(value)}")
    unknown = sorted(set(value) - set(URGENCIES))
    if unknown:
        raise Invalid(f"unknown urgency {unknown[0]!r}; expected keys {', '.join(URGENCIES)}")
    if set(value) != set(URGENCIES):
        raise Invalid(f"{expected}; every one of {', '.join(URGENCIES)} is needed")
    minutes = _integer(1, 10_080, "a number of minutes from 1 to 10080")
    return {key: minutes(item) for key, item in value.items()}


def _support_hours(value: object) -> SupportHours:
    text = _text(value, 'expected the support hours in quotes, like "Mon-Fri 08:00-16:00"')
    try:
        return parse_support_hours(text)
    except ValueError as error:
        raise Invalid(str(error)) from None


def _hours_per_urgency(value: object) -> dict[str, int]:
    expected = "expected a table of hours per urgency, like {right_now = 2, today = 24}"
    if not isinstance(value, dict):
        raise Invalid(f"{expected}; found {_kind(value)}")
    unknown = sorted(set(value) - set(URGENCIES))
    if unknown:
        raise Invalid(f"unknown urgency {unknown[0]!r}; expected keys {', '.join(URGENCIES)}")
    if set(value) != set(URGENCIES):
        raise Invalid(f"{expected}; every one of {', '.join(URGENCIES)} is needed")
    hours = _integer(1, 720, "a number of hours from 1 to 720")
    return {key: hours(item) for key, item in value.items()}


def _user_ids(value: object) -> tuple[int, ...]:
    expected = "expected a list of Discord user ids (whole numbers), like [123456789012345678]"
    if not isinstance(value, list):
        raise Invalid(expected)
    check = _integer(1, 2**63 - 1, "a Discord user id")
    try:
        return tuple(check(item) for item in value)
    except Invalid:
        raise Invalid(expected) from None


def _role_ids(value: object) -> tuple[int, ...]:
    expected = "expected a list of Discord role ids (whole numbers), like [123456789012345678]"
    if not isinstance(value, list):
        raise Invalid(expected)
    check = _integer(1, 2**63 - 1, "a Discord role id")
    try:
        return tuple(check(item) for item in value)
    except Invalid:
        raise Invalid(expected) from None


_HOST = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def _hosts(value: object) -> frozenset[str]:
    expected = 'expected a list of host names, like ["meet.school.org"]'
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid(expected)
    hosts = [item.strip().lower().rstrip(".") for item in value]
    wrong = [host for host in hosts if not _HOST.fullmatch(host)]
    if wrong:
        raise Invalid(f"{expected}; {wrong[0]!r} is not a host name (no https:// nor path)")
    return frozenset(hosts)


def _crisis(value: object) -> dict[str, str]:
    """A table by language (``crisis_text.es = "..."``), or one text (older configs), which
    is the English one; a language not given keeps its built-in text."""
    expected = (
        'expected the crisis resources by language, like crisis_text.en = "..." and '
        'crisis_text.es = "..."'
    )
    if isinstance(value, str):
        value = {DEFAULT_LANGUAGE: value}
    if not isinstance(value, dict):
        raise Invalid(f"{expected}; found {_kind(value)}")
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        raise Invalid(f"unknown language {unknown[0]!r}; expected {', '.join(LANGUAGES)}")
    texts = dict(DEFAULT_CRISIS_TEXTS)
    for language, item in value.items():
        text = _text(item, "expected the crisis resources text in quotes").strip()
        if not 20 <= len(text) <= 1000:
            raise Invalid("expected the crisis resources text, 20 to 1000 characters")
        texts[language] = text
    return texts


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise Invalid(f"expected true or false, found {_kind(value)}")
    return value


def _rules(value: object) -> dict[str, str]:
    expected = 'expected a table of signal kind = urgency or "off", like {reach_out = "today"}'
    if not isinstance(value, dict):
        raise Invalid(f"{expected}; found {_kind(value)}")
    found = dict(DEFAULT_RULES)
    for kind, urgency in value.items():
        if kind not in RULE_KINDS:
            raise Invalid(f"unknown signal kind {kind!r}; expected one of {', '.join(RULE_KINDS)}")
        found[kind] = _choice((*URGENCIES, "off"))(urgency)
    return found


DEFAULT_RULES = {
    "two_no_shows": "today",
    "no_session_7_days": "off",
    "no_session_14_days": "can_wait",
    "low_mood_twice": "today",
    "two_missed_checkins": "today",
    "reach_out": "today",
    "mentor_support": "today",
    "mentor_concern": "today",
}


MAX_ON_CALL_EMAILS = 20


def _emails(value: object) -> tuple[str, ...]:
    expected = (
        'expected a list of email addresses like ["counsellor@school.org"] '
        f"(at most {MAX_ON_CALL_EMAILS})"
    )
    if not isinstance(value, list) or len(value) > MAX_ON_CALL_EMAILS:
        raise Invalid(expected)
    found: dict[str, str] = {}
    for item in value:
        address = _text(item, expected).strip()
        if not is_email_address(address):
            raise Invalid(f"{_literal(item)} is not an email address; {expected}")
        found.setdefault(address.lower(), address)
    return tuple(found.values())


def _webhook_url(value: object) -> str | None:
    expected = 'expected "" (off) or an https URL like "https://pager.school.org/bridges"'
    text = _text(value, expected).strip()
    if not text:
        return None
    try:
        url = urlsplit(text)
        host = url.hostname
        url.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise Invalid(f"not a URL; {expected}") from None
    if url.scheme not in ("https", "http") or not host or not text.isprintable() or " " in text:
        raise Invalid(f"not a URL; {expected}")
    if url.scheme == "http" and not is_loopback(host):
        raise Invalid(
            "http would send pages unencrypted; expected https (plain http only to 127.0.0.1, "
            "::1 or localhost)"
        )
    if url.username is not None or url.password is not None:
        raise Invalid(
            "no user or password in the URL; each webhook is signed with "
            f"{WEBHOOK_SECRET_VARIABLE} instead"
        )
    return text


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?")


def _smtp_host(value: object) -> str | None:
    expected = 'expected "" (no email) or the mail server\'s name, like "smtp.school.org"'
    text = _text(value, expected).strip().removeprefix("[").removesuffix("]")
    if not text:
        return None
    if _HOST.fullmatch(text) is None and not _ip_address(text):
        raise Invalid(f"not a host name; {expected}")
    return text


def _ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _one_line(limit: int, expected: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _text(value, expected).strip()
        if len(text) > limit or not text.isprintable():
            raise Invalid(f"{expected}, on one line of at most {limit} characters")
        return text

    return check


_SENDER = re.compile(r'(?:[^<>@",;]*?\s*<(?P<address>[^<>\s]+)>|(?P<bare>[^<>\s]+))')


def _from_address(value: object) -> str | None:
    expected = 'expected "" or the sender, like "Bridges <bridges@school.org>"'
    text = _one_line(200, expected)(value)
    if not text:
        return None
    match = _SENDER.fullmatch(text)
    if match is None or not is_email_address(match["address"] or match["bare"]):
        raise Invalid(f"not an email address; {expected}")
    return text


def _objectives(value: object) -> tuple[Objective, ...]:
    expected = 'expected a list like ["attendance_rate >= 90%"]'
    if not isinstance(value, list) or len(value) > 20:
        raise Invalid(f"{expected} (at most 20)")
    found = []
    for item in value:
        try:
            found.append(parse_objective(_text(item, expected)))
        except ValueError as error:
            raise Invalid(f"{_literal(item)}: {error}") from None
    return tuple(found)


def _database_url(value: object) -> str:
    text = _text(value, f"{URL_EXPECTED} in quotes")
    try:
        url: URL = make_url(text)
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise Invalid(f"not a database URL; {URL_EXPECTED}") from None
    if url.drivername not in DRIVERS:
        raise Invalid(f'unsupported database driver "{url.drivername}"; {URL_EXPECTED}')
    if url.drivername.startswith("postgresql") and not url.database:
        raise Invalid(f"no database name; {URL_EXPECTED}")
    return url.render_as_string(hide_password=False)


_PASSWORD = re.compile(r"(://[^:/]*:)[^@]*@")  # SQLAlchemy's own user:password@ shape
_TOKEN_SHAPE = re.compile(r"[\w-]{20,}\.[\w-]{6,}\.[\w-]{20,}")  # a Discord bot token


def _masked(value: object) -> str:
    """``value`` as text with any URL password replaced by ***."""
    text = value if isinstance(value, str) else str(value)
    try:
        return make_url(text).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _PASSWORD.sub(r"\1***@", text, count=1)


def _quote(text: str) -> str:
    """``text`` in double quotes, with every character that could break a line escaped."""
    return "".join(
        char
        if char.isprintable()
        else f"\\u{ord(char):04x}"
        if ord(char) < 0x10000
        else f"\\U{ord(char):08x}"
        for char in json.dumps(text, ensure_ascii=False)
    )


def _literal(value: object) -> str:
    """A value as TOML would write it, short and on one line, passwords and tokens masked."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = _TOKEN_SHAPE.sub("***", _masked(value))
        return _quote(text if len(text) <= 60 else text[:57] + "...")
    if isinstance(value, list):
        text = "[" + ", ".join(_literal(item) for item in value[:5]) + "]"
        text = text if len(value) <= 5 else text[:-1] + ", ...]"
    elif isinstance(value, dict):
        pairs = (f"{_oneline(str(key))} = {_literal(item)}" for key, item in value.items())
        text = "{" + ", ".join(pairs) + "}"
    elif isinstance(value, date | time):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= 100 else text[:97] + "..."


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
    "sessions": {
        "allowed_hours": ("07:00-21:00", _hours),
        "default_minutes": (45, _integer(15, 180, "a number of minutes")),
        "reminder_offsets_minutes": ([1440, 15], _offsets),
        "attendance_delay_minutes": (10, _integer(0, 1440, "a number of minutes")),
        "holidays": ([], _days),
    },
    "escalations": {
        "sla_minutes": ({"right_now": 10, "today": 60, "can_wait": 1440}, _per_urgency),
        "tier2_minutes": ({"right_now": 20, "today": 120, "can_wait": 2880}, _per_urgency),
        "tier2_role_id": (0, _integer(0, 2**63 - 1, "a whole number (a Discord role id)")),
        "on_call_user_ids": ([], _user_ids),
        "crisis_text": (DEFAULT_CRISIS_TEXTS, _crisis),
        "show_claimer_name": (True, _flag),
        "no_session_days": (14, _integer(2, 90, "a number of days")),
        "rules": ({}, _rules),
        "staff_hours": ("", _support_hours),
        "follow_up_hours": (DEFAULT_FOLLOW_UP_HOURS, _hours_per_urgency),
    },
    "checkins": {
        "window_days": (3, _integer(1, 6, "a number of days")),
        "reminder_hours": (24, _integer(1, 120, "a number of hours")),
        "max_active_goals": (3, _integer(1, 3, "a number of goals")),
        "mentor_every_weeks": (1, _integer(1, 2, "1 (every week) or 2 (every other week)")),
        "allowed_hours": ("07:00-21:00", _hours),
    },
    "surveys": {
        "midpoint_weeks": (8, _integer(0, 52, "a number of weeks (0 turns it off)")),
        "likert_questions": (DEFAULT_LIKERT_QUESTIONS, _likert_questions),
    },
    "privacy": {
        "retention_days": (365, _integer(1, 3650, "a number of days")),
        "require_guardian_consent": (False, _flag),
        "allowed_link_hosts": ([], _hosts),
    },
    "hours": {
        "mentor_checkin_minutes": (10, _integer(0, 120, "a number of minutes (0: not counted)")),
        "school_year_start_month": (8, _integer(1, 12, "a month, 1 (January) to 12")),
    },
    "recruiting": {
        "leader_role_ids": ([], _role_ids),
        "invites_per_day": (10, _integer(1, 100, "a number of invitations a day")),
    },
    "report": {
        "objectives": (
            [
                "attendance_rate >= 90%",
                "pairs_meeting_twice_a_month >= 100%",
                "contacts_overdue <= 0",
                "checkin_completion >= 80%",
            ],
            _objectives,
        ),
    },
    "delivery": {
        "rate_per_second": (46, _integer(1, 50, "requests per second (Discord allows 50)")),
        "max_attempts": (5, _integer(1, 10, "a number of attempts")),
        "concurrency": (8, _integer(1, 100, "a number of requests at once")),
        "nonce_window_seconds": (
            120,
            _integer(10, 300, "seconds (Discord remembers a message's nonce a few minutes)"),
        ),
        "drain_seconds": (5, _integer(1, 60, "seconds")),
    },
    "paging": {
        "on_call_emails": ([], _emails),
        "webhook_url": ("", _webhook_url),
        "include_details": (False, _flag),
        "who_to_call": ("", _one_line(200, 'expected who to call, like "Ms Rivera, 555-0100"')),
        "smtp_host": ("", _smtp_host),
        "smtp_port": (
            0,
            _integer(0, 65535, "a port (0: 587 for starttls, 465 for tls, 25 for none)"),
        ),
        "smtp_security": ("starttls", _choice(SMTP_SECURITY)),
        "smtp_username": ("", _one_line(254, 'expected the mail server login, or "" for none')),
        "from_address": ("", _from_address),
        "timeout_seconds": (15, _integer(1, 120, "a number of seconds")),
    },
    "instance": {
        "poll_seconds": (5, _integer(1, 60, "a number of seconds")),
        "heartbeat_seconds": (5, _integer(1, 60, "a number of seconds")),
    },
}


def resolve_config_path(cli_path: str | None, environ: Mapping[str, str]) -> Path | None:
    """--config wins, then $BRIDGES_CONFIG, then ./config.toml if present; else defaults."""
    if cli_path:
        return Path(cli_path)
    if environ.get(CONFIG_VARIABLE):
        return Path(environ[CONFIG_VARIABLE])
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
        raise ConfigError([f"{path}: cannot be read ({reason or type(error).__name__})"]) from None


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _oneline(name: str) -> str:
    """A key or section name from the file, quoted if empty or holding odd characters."""
    name = _TOKEN_SHAPE.sub("***", name)
    plain = name and name.isprintable() and not any(c in name for c in "\"' =[]")
    return name if plain else _quote(name)


def _unknown_key(key: str, names: list[str]) -> str:
    if "token" in key.lower():
        return f"unknown key; the bot token is read only from {TOKEN_VARIABLE}, never from a file"
    if "password" in key.lower() or "secret" in key.lower():
        return (
            f"unknown key; secrets are read only from the environment ({SMTP_PASSWORD_VARIABLE}, "
            f"{WEBHOOK_SECRET_VARIABLE}), never from a file"
        )
    return f"unknown key{_suggest(key, names)}; expected one of {', '.join(names)}"


def load_settings(path: Path | None, environ: Mapping[str, str]) -> Settings:
    """Validated settings from ``path`` (None: built-in defaults) and ``environ``."""
    raw = _read(path) if path is not None else {}
    where = str(path) if path is not None else BUILT_IN
    problems: list[str] = []
    values: dict[tuple[str, str], Any] = {}
    sections = sorted(SCHEMA)
    for section, content in raw.items():
        if section in SCHEMA:
            continue
        if isinstance(content, dict):
            problems.append(
                f"{where}: [{_oneline(section)}]: unknown section{_suggest(section, sections)}; "
                f"expected one of {', '.join(sections)}"
            )
            continue
        home = [name for name in sections if section in SCHEMA[name]]
        hint = f" (put it under [{home[0]}])" if home else ""
        problems.append(
            f"{where}: {_oneline(section)} = {_literal(content)}: key outside any section{hint}; "
            f"expected only the sections {', '.join(f'[{name}]' for name in sections)}"
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
                problems.append(f"{where}: [{section}] {_oneline(key)}: {_unknown_key(key, names)}")
        for key, (default, check) in keys.items():
            value = table.get(key, default)
            try:
                values[section, key] = check(value)
            except Invalid as error:
                problems.append(f"{where}: [{section}] {key} = {_literal(value)}: {error.expected}")
    url = environ.get(URL_VARIABLE, "")
    if url.strip():  # set and not blank: it wins over [database] url
        try:
            values["database", "url"] = _database_url(url.strip())
        except Invalid as error:
            problems.append(f"{URL_VARIABLE} = {_literal(url)}: {error.expected}")
    sla, tier2 = (
        values.get(("escalations", "sla_minutes")),
        values.get(("escalations", "tier2_minutes")),
    )
    if sla and tier2 and any(tier2[key] <= sla[key] for key in URGENCIES):
        problems.append(
            f"{where}: [escalations] tier2_minutes must each be above sla_minutes (the next "
            "tier is paged after the re-ping)"
        )
    window = values.get(("checkins", "window_days"), 3)
    if values.get(("checkins", "reminder_hours"), 0) >= window * 24:
        problems.append(
            f"{where}: [checkins] reminder_hours must be shorter than the window "
            f"({window} days = {window * 24} hours); expected fewer hours or a longer window"
        )
    if values.get(("matching", "min_grade"), 0) > values.get(("matching", "max_grade"), 99):
        problems.append(f"{where}: [matching] min_grade is above max_grade; expected min <= max")
    smtp_password = environ.get(SMTP_PASSWORD_VARIABLE, "")
    webhook_secret = environ.get(WEBHOOK_SECRET_VARIABLE, "").strip()
    problems += _paging_problems(where, values, bool(smtp_password), webhook_secret)
    token = environ.get(TOKEN_VARIABLE, "").strip()
    if problems:
        # Defence in depth: no line may carry a secret, wherever it was pasted.
        for secret in (token, smtp_password, webhook_secret):
            if len(secret) >= 4:
                problems = [line.replace(secret, "***") for line in problems]
        raise ConfigError(problems)
    security = values["paging", "smtp_security"]
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
        sessions=SessionSettings(
            allowed_start=values["sessions", "allowed_hours"][0],
            allowed_end=values["sessions", "allowed_hours"][1],
            default_minutes=values["sessions", "default_minutes"],
            reminder_offsets_minutes=values["sessions", "reminder_offsets_minutes"],
            attendance_delay_minutes=values["sessions", "attendance_delay_minutes"],
            holidays=values["sessions", "holidays"],
        ),
        escalations=EscalationSettings(
            sla_minutes=values["escalations", "sla_minutes"],
            tier2_minutes=values["escalations", "tier2_minutes"],
            tier2_role_id=values["escalations", "tier2_role_id"] or None,
            on_call_user_ids=values["escalations", "on_call_user_ids"],
            crisis_text=values["escalations", "crisis_text"],
            show_claimer_name=values["escalations", "show_claimer_name"],
            no_session_days=values["escalations", "no_session_days"],
            rules=values["escalations", "rules"],
            staff_hours=values["escalations", "staff_hours"],
            follow_up_hours=values["escalations", "follow_up_hours"],
        ),
        checkins=CheckinSettings(
            window_days=values["checkins", "window_days"],
            reminder_hours=values["checkins", "reminder_hours"],
            max_active_goals=values["checkins", "max_active_goals"],
            mentor_every_weeks=values["checkins", "mentor_every_weeks"],
            allowed_start=values["checkins", "allowed_hours"][0],
            allowed_end=values["checkins", "allowed_hours"][1],
        ),
        surveys=SurveySettings(
            midpoint_weeks=values["surveys", "midpoint_weeks"],
            likert_questions=values["surveys", "likert_questions"],
        ),
        privacy=PrivacySettings(
            retention_days=values["privacy", "retention_days"],
            require_guardian_consent=values["privacy", "require_guardian_consent"],
            allowed_link_hosts=values["privacy", "allowed_link_hosts"],
        ),
        recruiting=RecruitingSettings(
            leader_role_ids=values["recruiting", "leader_role_ids"],
            invites_per_day=values["recruiting", "invites_per_day"],
        ),
        hours=HoursSettings(
            mentor_checkin_minutes=values["hours", "mentor_checkin_minutes"],
            school_year_start_month=values["hours", "school_year_start_month"],
        ),
        report=ReportSettings(objectives=values["report", "objectives"]),
        delivery=DeliverySettings(
            rate_per_second=float(values["delivery", "rate_per_second"]),
            max_attempts=values["delivery", "max_attempts"],
            concurrency=values["delivery", "concurrency"],
            nonce_window_seconds=float(values["delivery", "nonce_window_seconds"]),
            drain_seconds=float(values["delivery", "drain_seconds"]),
        ),
        paging=PagingSettings(
            on_call_emails=values["paging", "on_call_emails"],
            webhook_url=values["paging", "webhook_url"],
            include_details=values["paging", "include_details"],
            who_to_call=values["paging", "who_to_call"],
            smtp_host=values["paging", "smtp_host"],
            smtp_port=values["paging", "smtp_port"] or SMTP_PORTS[security],
            smtp_security=security,
            smtp_username=values["paging", "smtp_username"] or None,
            smtp_password=Secret(smtp_password) if smtp_password else None,
            from_address=values["paging", "from_address"],
            timeout_seconds=values["paging", "timeout_seconds"],
            webhook_secret=Secret(webhook_secret) if webhook_secret else None,
        ),
        instance=InstanceSettings(
            poll_seconds=values["instance", "poll_seconds"],
            heartbeat_seconds=values["instance", "heartbeat_seconds"],
        ),
    )


def _paging_problems(
    where: str, values: Mapping[tuple[str, str], Any], has_password: bool, secret: str
) -> list[str]:
    """What ``[paging]`` needs together: a mail server and a sender for email, a password
    with a login, a signing secret for the webhook, encryption off only to a local relay."""
    get = values.get
    problems: list[str] = []
    host, username = get(("paging", "smtp_host")), get(("paging", "smtp_username"))
    if get(("paging", "on_call_emails")):
        if not host:
            problems.append(
                f"{where}: [paging] on_call_emails is set but smtp_host is empty; expected the "
                'mail server that sends the pages, like smtp_host = "smtp.school.org"'
            )
        if not get(("paging", "from_address")):
            problems.append(
                f"{where}: [paging] on_call_emails is set but from_address is empty; expected "
                'the sender, like from_address = "Bridges <bridges@school.org>"'
            )
    if host and get(("paging", "smtp_security")) == "none" and not is_loopback(host):
        problems.append(
            f'{where}: [paging] smtp_security = "none" would send pages and the password '
            f'unencrypted to {_literal(host)}; expected "starttls" or "tls" (plain SMTP only to '
            "a relay on 127.0.0.1, ::1 or localhost)"
        )
    if username and not has_password:
        problems.append(
            f"{SMTP_PASSWORD_VARIABLE} is not set but [paging] smtp_username is; put the mail "
            f"server password in the environment: export {SMTP_PASSWORD_VARIABLE}=..."
        )
    if has_password and not username:
        problems.append(
            f"{SMTP_PASSWORD_VARIABLE} is set but [paging] smtp_username is empty; expected "
            "both (to log in) or neither"
        )
    if get(("paging", "webhook_url")) and not secret:
        problems.append(
            f"{WEBHOOK_SECRET_VARIABLE} is not set but [paging] webhook_url is: every webhook "
            f"is signed with it; export {WEBHOOK_SECRET_VARIABLE}=<at least "
            f"{WEBHOOK_SECRET_MIN} random characters>"
        )
    if secret and len(secret) < WEBHOOK_SECRET_MIN:
        problems.append(
            f"{WEBHOOK_SECRET_VARIABLE} is {len(secret)} characters long; expected at least "
            f"{WEBHOOK_SECRET_MIN} random characters, like the output of "
            "python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return problems
