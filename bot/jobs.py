"""Every kind of scheduler job the bot plans: what runs when, and from which rows.

Jobs live in memory only and are derived from rows (see ``bot/scheduler.py``). Only what is
due within ``HORIZON`` is put in the scheduler: on start each cog's ``reconcile()`` plans
everything due by ``now + HORIZON`` (what was missed while the bot was down runs at once),
and the ``horizon`` job, every ``PLAN_EVERY``, plans what has come within ``HORIZON`` since.
A command that creates or moves a row inside the horizon plans its job at once. Because
``PLAN_EVERY`` < ``HORIZON``, every row's moment is reached by a planner run before it is due.

"Grouped" kinds have one job per instant, whose handler reads from rows what is due then:
a row cancelled or moved is simply not found (its old instant's job needs no removal).

What runs when (``KINDS`` below; a test keeps this list in step):

- ``reminder:{unix}:{label}`` runs ``SessionCog.remind`` (grouped):
  confirmed sessions starting at unix + offset
- ``attendance:{unix}`` runs ``SessionCog.ask_attendance`` (grouped):
  confirmed sessions ending at unix - delay
- ``attendance-missed`` runs ``SessionCog.ask_missed`` (grouped):
  sessions whose question passed while the bot was down (start only)
- ``first-session-nudge:{unix}`` runs ``SessionCog.first_session_check`` (grouped):
  active matches made at unix - 48 h without a session
- ``first-session-deadline:{unix}`` runs ``SessionCog.first_session_check`` (grouped):
  active matches made at unix - 7 days without a session
- ``quiet-check:{unix}`` runs ``SessionCog.quiet_check`` (grouped):
  active matches whose last session began no_session_days before (unix - SPAN, unix]
- ``quiet-check-missed`` runs ``SessionCog.quiet_check`` (grouped):
  active matches whose quiet mark passed while the bot was down (start only)
- ``checkin-due:{unix}`` runs ``CheckinCog.due`` (grouped):
  members' next check-in instants
- ``checkin-remind:{unix}`` runs ``CheckinCog.remind`` (grouped):
  open check-ins due at unix
- ``checkin-close:{unix}`` runs ``CheckinCog.close`` (grouped):
  open check-ins due at unix
- ``checkin-plan`` runs ``CheckinCog.replan``:
  hourly: the check-in instants (only the difference is changed)
- ``midpoint:{unix}`` runs ``SurveyCog.send`` (grouped):
  active matches not asked yet whose mid-point survey falls in (unix - SPAN, unix]
- ``midpoint-missed`` runs ``SurveyCog.send`` (grouped):
  active matches not asked yet whose mid-point survey passed within the late grace
- ``escalation-sla:{escalation}:{stage}`` runs ``EscalationCog.sla``:
  unclaimed escalations
- ``escalation-follow-up:{escalation}:{stage}`` runs ``EscalationCog.follow_up``:
  claimed escalations without a note since the claim
- ``retention:daily`` runs ``PrivacyCog.purge``:
  the retention settings (daily)
- ``staff-channel-check:daily`` runs ``StaffChannelCog.check_all``:
  set-up servers (daily)
- ``horizon`` runs ``BridgesBot.extend_horizon``:
  every PLAN_EVERY: the rows whose moment has come within HORIZON
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

#: How far ahead jobs are put in the scheduler.
HORIZON = timedelta(hours=48)
#: How often the ``horizon`` job plans what has come within ``HORIZON``.
PLAN_EVERY = timedelta(hours=6)
#: The span of one job of a kind grouped by span (``quiet-check``, ``midpoint``): a pair's
#: moment days away is acted on within this of it, and the horizon holds at most
#: HORIZON / SPAN such jobs of a kind, whatever the number of pairs.
SPAN = timedelta(minutes=15)
#: Jobs running at once (each takes a database connection; after a restart thousands may be
#: due together): the others wait their turn. ``urgent`` kinds do not wait behind them.
JOBS_AT_ONCE = 3
#: Urgent jobs running at once, a bound of their own: at a restart every open escalation's
#: re-ping may be due together (500 at 50,000 mentees), and all at once they held every
#: pooled connection until the rest timed out. Jobs hold at most the sum of both.
URGENT_AT_ONCE = 4

_FIELD = re.compile(r"\{([a-z]+)\}")


@dataclass(frozen=True)
class JobKind:
    name: str
    #: The id with its row keys in braces, e.g. ``reminder:{unix}:{label}``.
    pattern: str
    derived_from: str
    runs: str
    grouped: bool
    #: Runs as soon as it is due, not behind other jobs (see ``JOBS_AT_ONCE``).
    urgent: bool = False
    _shape: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.pattern.startswith(self.name) or ":" in self.name:
            raise ValueError(f"bad job kind {self.name!r} / {self.pattern!r}")
        shape = _FIELD.sub("[^:]+", re.escape(self.pattern).replace(r"\{", "{").replace(r"\}", "}"))
        object.__setattr__(self, "_shape", re.compile(shape))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(_FIELD.findall(self.pattern))

    def id(self, *parts: object) -> str:
        """The job id of this kind for these row keys, in the pattern's order."""
        if len(parts) != len(self.fields):
            raise ValueError(f"{self.pattern} takes {len(self.fields)} parts, got {parts!r}")
        values = iter(parts)
        return _FIELD.sub(lambda _: str(next(values)), self.pattern)

    def prefix(self, *parts: object) -> str:
        """The start of the ids of this kind whose first row keys are ``parts``."""
        return ":".join([self.name, *(str(part) for part in parts)]) + ":"

    def matches(self, job_id: str) -> bool:
        return self._shape.fullmatch(job_id) is not None


REMINDER = JobKind(
    "reminder",
    "reminder:{unix}:{label}",
    "confirmed sessions starting at unix + offset",
    "SessionCog.remind",
    grouped=True,
)
ATTENDANCE = JobKind(
    "attendance",
    "attendance:{unix}",
    "confirmed sessions ending at unix - delay",
    "SessionCog.ask_attendance",
    grouped=True,
)
ATTENDANCE_MISSED = JobKind(
    "attendance-missed",
    "attendance-missed",
    "sessions whose question passed while the bot was down (start only)",
    "SessionCog.ask_missed",
    grouped=True,
)
FIRST_SESSION_NUDGE = JobKind(
    "first-session-nudge",
    "first-session-nudge:{unix}",
    "active matches made at unix - 48 h without a session",
    "SessionCog.first_session_check",
    grouped=True,
)
FIRST_SESSION_DEADLINE = JobKind(
    "first-session-deadline",
    "first-session-deadline:{unix}",
    "active matches made at unix - 7 days without a session",
    "SessionCog.first_session_check",
    grouped=True,
)
QUIET_CHECK = JobKind(
    "quiet-check",
    "quiet-check:{unix}",
    "active matches whose last session began no_session_days before (unix - SPAN, unix]",
    "SessionCog.quiet_check",
    grouped=True,
)
QUIET_CHECK_MISSED = JobKind(
    "quiet-check-missed",
    "quiet-check-missed",
    "active matches whose quiet mark passed while the bot was down (start only)",
    "SessionCog.quiet_check",
    grouped=True,
)
CHECKIN_DUE = JobKind(
    "checkin-due",
    "checkin-due:{unix}",
    "members' next check-in instants",
    "CheckinCog.due",
    grouped=True,
)
CHECKIN_REMIND = JobKind(
    "checkin-remind",
    "checkin-remind:{unix}",
    "open check-ins due at unix",
    "CheckinCog.remind",
    grouped=True,
)
CHECKIN_CLOSE = JobKind(
    "checkin-close",
    "checkin-close:{unix}",
    "open check-ins due at unix",
    "CheckinCog.close",
    grouped=True,
)
CHECKIN_PLAN = JobKind(
    "checkin-plan",
    "checkin-plan",
    "hourly: the check-in instants (only the difference is changed)",
    "CheckinCog.replan",
    grouped=False,
)
MIDPOINT = JobKind(
    "midpoint",
    "midpoint:{unix}",
    "active matches not asked yet whose mid-point survey falls in (unix - SPAN, unix]",
    "SurveyCog.send",
    grouped=True,
)
MIDPOINT_MISSED = JobKind(
    "midpoint-missed",
    "midpoint-missed",
    "active matches not asked yet whose mid-point survey passed within the late grace",
    "SurveyCog.send",
    grouped=True,
)
ESCALATION_SLA = JobKind(
    "escalation-sla",
    "escalation-sla:{escalation}:{stage}",
    "unclaimed escalations",
    "EscalationCog.sla",
    grouped=False,
    urgent=True,
)
ESCALATION_FOLLOW_UP = JobKind(
    "escalation-follow-up",
    "escalation-follow-up:{escalation}:{stage}",
    "claimed escalations without a note since the claim",
    "EscalationCog.follow_up",
    grouped=False,
    urgent=True,
)
RETENTION = JobKind(
    "retention",
    "retention:daily",
    "the retention settings (daily)",
    "PrivacyCog.purge",
    grouped=False,
)
STAFF_CHANNEL_CHECK = JobKind(
    "staff-channel-check",
    "staff-channel-check:daily",
    "set-up servers (daily)",
    "StaffChannelCog.check_all",
    grouped=False,
)
HORIZON_PLAN = JobKind(
    "horizon",
    "horizon",
    "every PLAN_EVERY: the rows whose moment has come within HORIZON",
    "BridgesBot.extend_horizon",
    grouped=False,
)

KINDS: tuple[JobKind, ...] = (
    REMINDER,
    ATTENDANCE,
    ATTENDANCE_MISSED,
    FIRST_SESSION_NUDGE,
    FIRST_SESSION_DEADLINE,
    QUIET_CHECK,
    QUIET_CHECK_MISSED,
    CHECKIN_DUE,
    CHECKIN_REMIND,
    CHECKIN_CLOSE,
    CHECKIN_PLAN,
    MIDPOINT,
    MIDPOINT_MISSED,
    ESCALATION_SLA,
    ESCALATION_FOLLOW_UP,
    RETENTION,
    STAFF_CHANNEL_CHECK,
    HORIZON_PLAN,
)
_BY_NAME = {kind.name: kind for kind in KINDS}


def kind_of(job_id: str) -> JobKind | None:
    """The declared kind this id is of (its name and shape), or None."""
    kind = _BY_NAME.get(job_id.split(":", 1)[0])
    return kind if kind is not None and kind.matches(job_id) else None


def unix(instant: datetime) -> int:
    """The whole second of an instant, as grouped job ids carry it."""
    return int(instant.timestamp())


def span_end(instant: datetime, every: timedelta) -> int:
    """The unix second that ends the span of ``every`` holding ``instant``: spans end on
    whole multiples of ``every`` and hold their end, (end - every, end]."""
    step = int(every.total_seconds())
    return -(-math.ceil(instant.timestamp()) // step) * step


@dataclass(frozen=True)
class Window:
    """The moments to plan now: after ``since`` (None on start: everything missed too) up
    to and including ``until``."""

    since: datetime | None
    until: datetime

    def holds(self, at: datetime) -> bool:
        return at <= self.until and (self.since is None or at > self.since)
