"""The program report: figures, tables and chart data for one server over a period.

Each source of figures is one section function (``SECTIONS``) reading the database through
``storage.repositories.reports`` and returning its figures, tables and charts. Figures are
named as in ``objectives.METRICS`` so the config's objectives can be judged against them.

Definitions (all times UTC; "until" is the end of the period, normally now):
- active_matches: matches created by ``until`` and not ended by then.
- sessions_per_week: confirmed sessions that started in the period, per week of it.
- attendance_rate: of those sessions with an answer to "Did it happen?" other than
  "rescheduled", the share someone said happened.
- pairs_meeting_twice_a_month: of matches active at ``until`` and at least 30 days old,
  the share with two or more confirmed sessions in the 30 days before ``until``.
- pairs_without_contact_14d: matches active at ``until``, at least 14 days old, with no
  confirmed session in the 14 days before ``until``.
- survey_rating: mean overall rating (1 badly .. 5 great) of closure surveys answered in the
  period.
- midpoint_agreement / closure_agreement: mean of every answer (1 strongly disagree .. 5
  strongly agree) to the statements of the mid-point / closure surveys answered in the
  period; the ``survey_statements`` table gives both means and counts per statement, by the
  statement's text as it was asked.
- contacts_overdue: active matches whose staff contact (``contacts.contact_due``) is due
  before ``until``.
- checkin_completion: of the check-ins due in the period that closed (answered or missed;
  still-open ones are left out), the share answered; also per week of the check-in.
- mood_average: mean mood (1-5) of the check-ins due in the period that were answered; the
  mood trend is the same per week.
- goals_completed: goals marked done in the period.
- escalations_opened / escalations_resolved: opened / resolved in the period.
- escalations_open: opened before ``until`` and not resolved by then.
- minutes_to_claim: median minutes from opening to the first "claimed" event, of the
  escalations opened in the period and claimed by ``until``.
- signups / signups_invited: mentors and mentees who joined in the period / of them, those
  who came through an invitation (a staff post or a student leader's); the tables split
  them per source (``/join``, each invitation), per leader and per week.
- days_to_match_median / days_to_match_longest: of the mentees matched in the period, the
  days from joining to that match (only the first match after each joining counts).
- mentees_waiting / longest_wait_days: mentees on the waiting list when the report is made
  (active, no active match), and the longest of their waits so far.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import ReportSettings
from bot.errors import InvalidInput
from bot.i18n import Text
from bot.services.contacts import contact_due
from bot.services.objectives import Objective
from storage.db import Sessions
from storage.models import (
    CheckinStatus,
    ClosureSurvey,
    InvitationKind,
    MidpointSurvey,
    ProgramRole,
    Urgency,
)
from storage.repositories import contacts, members, recruiting
from storage.repositories import reports as rows

PERIODS = {"week": 7, "month": 30, "term": 90, "year": 365}
MAX_DAYS = 800


@dataclass(frozen=True)
class Scope:
    guild_id: int
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Table:
    """One CSV: ``name`` is its file stem."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class Chart:
    """A bar chart (one bar per label), or a line through the values when ``line``; a value
    of NaN is a gap."""

    name: str
    title: str
    x_label: str
    y_label: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    line: bool = False


@dataclass
class Section:
    figures: dict[str, float | None] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)


@dataclass(frozen=True)
class Judged:
    objective: Objective
    value: float | None
    met: bool | None


@dataclass(frozen=True)
class Report:
    scope: Scope
    figures: dict[str, float | None]
    objectives: tuple[Judged, ...]
    tables: tuple[Table, ...]
    charts: tuple[Chart, ...]
    #: user id -> display name, for the files (the tables keep user ids, for mentions)
    names: dict[int, str] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return next(table for table in self.tables if table.name == name)


SectionFunction = Callable[[AsyncSession, Scope], Awaitable[Section]]


def _percent(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _blank(value: float | None) -> object:
    """A figure for a CSV cell: empty when there is none."""
    return "" if value is None else value


def _gaps(values: list[float | None]) -> tuple[float, ...]:
    """A chart's values: NaN (a gap) where there is no figure."""
    return tuple(float("nan") if value is None else value for value in values)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weeks(scope: Scope) -> list[date]:
    """The Monday of every week the period touches."""
    mondays, monday = [], _monday(scope.since.date())
    while monday <= scope.until.date():
        mondays.append(monday)
        monday += timedelta(days=7)
    return mondays


async def matches_section(session: AsyncSession, scope: Scope) -> Section:
    active = await rows.active_at(session, scope.guild_id, scope.until)
    month_ago, fortnight_ago = scope.until - timedelta(days=30), scope.until - timedelta(days=14)
    last_month = await rows.sessions_per_match(session, scope.guild_id, month_ago, scope.until)
    old_enough = [m for m in active if m[3] <= month_ago]
    twice = sum(last_month.get(m[0], (0, None))[0] >= 2 for m in old_enough)
    quiet = [
        m
        for m in active
        if m[3] <= fortnight_ago and (m[0] not in last_month or last_month[m[0]][1] < fortnight_ago)
    ]
    last = await rows.last_starts(session, [m[0] for m in quiet], scope.until)
    return Section(
        figures={
            "active_matches": float(len(active)),
            "pairs_meeting_twice_a_month": _percent(twice, len(old_enough)),
            "pairs_without_contact_14d": float(len(quiet)),
        },
        tables=[
            Table(
                "pairs_without_contact_14d",
                ("match_id", "mentor_user_id", "mentee_user_id", "started", "last_session"),
                tuple(
                    (
                        match_id,
                        mentor,
                        mentee,
                        started.isoformat(),
                        last[match_id].isoformat() if match_id in last else "",
                    )
                    for match_id, mentor, mentee, started in quiet
                ),
            )
        ],
    )


async def sessions_section(session: AsyncSession, scope: Scope) -> Section:
    per_day = await rows.confirmed_per_day(session, scope.guild_id, scope.since, scope.until)
    weeks = dict.fromkeys(_weeks(scope), 0)
    for day, count in per_day.items():
        weeks[_monday(day)] = weeks.get(_monday(day), 0) + count
    held = sum(per_day.values())
    days = max((scope.until - scope.since).total_seconds() / 86_400, 1.0)
    happened, missed = await rows.attendance_outcomes(
        session, scope.guild_id, scope.since, scope.until
    )
    ordered = sorted(weeks.items())
    return Section(
        figures={
            "sessions_per_week": round(held / (days / 7), 2),
            "attendance_rate": _percent(happened, happened + missed),
        },
        tables=[
            Table(
                "sessions_per_week",
                ("week_starting", "sessions"),
                tuple((week.isoformat(), count) for week, count in ordered),
            ),
            Table(
                "attendance",
                ("happened", "no_show", "rate_percent"),
                ((happened, missed, _blank(_percent(happened, happened + missed))),),
            ),
        ],
        charts=[
            Chart(
                "sessions_per_week",
                Text("Sessions per week"),
                Text("week starting"),
                Text("sessions"),
                tuple(week.strftime("%b %d") for week, _ in ordered),
                tuple(float(count) for _, count in ordered),
            )
        ],
    )


def _per_statement(surveys: list[dict[str, int]]) -> dict[str, list[int]]:
    """Statement -> its answers, statements in the order first answered."""
    answers: dict[str, list[int]] = {}
    for survey in surveys:
        for statement, value in survey.items():
            answers.setdefault(statement, []).append(value)
    return answers


async def surveys_section(session: AsyncSession, scope: Scope) -> Section:
    ratings = await rows.survey_ratings(session, scope.guild_id, scope.since, scope.until)
    answered = sum(ratings.values())
    mean = round(sum(r * n for r, n in ratings.items()) / answered, 2) if answered else None
    since, until = scope.since, scope.until
    midpoint = _per_statement(
        await rows.survey_answers(session, MidpointSurvey, scope.guild_id, since, until)
    )
    closure = _per_statement(
        await rows.survey_answers(session, ClosureSurvey, scope.guild_id, since, until)
    )
    statements = list(midpoint) + [statement for statement in closure if statement not in midpoint]
    return Section(
        figures={
            "survey_rating": mean,
            "midpoint_agreement": _mean([v for values in midpoint.values() for v in values]),
            "closure_agreement": _mean([v for values in closure.values() for v in values]),
        },
        tables=[
            Table(
                "survey_statements",
                (
                    "statement",
                    "midpoint_mean",
                    "midpoint_answers",
                    "closure_mean",
                    "closure_answers",
                ),
                tuple(
                    (
                        statement,
                        _blank(_mean(midpoint.get(statement, []))),
                        len(midpoint.get(statement, [])),
                        _blank(_mean(closure.get(statement, []))),
                        len(closure.get(statement, [])),
                    )
                    for statement in statements
                ),
            ),
            Table(
                "closure_survey_ratings",
                ("rating", "answers"),
                tuple((rating, ratings.get(rating, 0)) for rating in range(1, 6)),
            ),
        ],
        charts=[
            Chart(
                "closure_survey_ratings",
                Text("Closure-survey ratings"),
                Text("rating (1 = badly, 5 = great)"),
                Text("answers"),
                tuple(str(rating) for rating in range(1, 6)),
                tuple(float(ratings.get(rating, 0)) for rating in range(1, 6)),
            )
        ],
    )


async def contacts_section(session: AsyncSession, scope: Scope) -> Section:
    active = await rows.active_at(session, scope.guild_id, scope.until)
    made = await contacts.times_for_active(session, scope.guild_id)
    overdue = []
    for match_id, mentor, mentee, started in active:
        times = [t for t in made.get(match_id, []) if t <= scope.until]
        due = contact_due(started, times)
        if due < scope.until:
            overdue.append((match_id, mentor, mentee, due, max(times, default=None)))
    overdue.sort(key=lambda item: item[3])
    return Section(
        figures={"contacts_overdue": float(len(overdue))},
        tables=[
            Table(
                "contacts_overdue",
                ("match_id", "mentor_user_id", "mentee_user_id", "due", "last_contact"),
                tuple(
                    (m, a, b, due.isoformat(), last.isoformat() if last else "")
                    for m, a, b, due, last in overdue
                ),
            )
        ],
    )


@dataclass
class _CheckinWeek:
    done: int = 0
    missed: int = 0
    mood_sum: int = 0
    moods: int = 0


async def checkins_section(session: AsyncSession, scope: Scope) -> Section:
    weeks = {monday: _CheckinWeek() for monday in _weeks(scope)}
    mood_counts: dict[int, int] = {}
    for monday, status, mood, count in await rows.checkin_counts(
        session, scope.guild_id, scope.since, scope.until
    ):
        week = weeks.setdefault(monday, _CheckinWeek())
        if status is CheckinStatus.MISSED:
            week.missed += count
        elif status is CheckinStatus.DONE:
            week.done += count
            if mood is not None:
                week.mood_sum += mood * count
                week.moods += count
                mood_counts[mood] = mood_counts.get(mood, 0) + count
    per_week = sorted(weeks.items())
    done = sum(week.done for week in weeks.values())
    missed = sum(week.missed for week in weeks.values())
    mood_sum = sum(week.mood_sum for week in weeks.values())
    moods = sum(week.moods for week in weeks.values())
    completion = [_percent(week.done, week.done + week.missed) for _, week in per_week]
    trend = [round(week.mood_sum / week.moods, 2) if week.moods else None for _, week in per_week]
    week_labels = tuple(monday.strftime("%b %d") for monday, _ in per_week)
    goals = await rows.goals_completed(session, scope.guild_id, scope.since, scope.until)
    return Section(
        figures={
            "checkin_completion": _percent(done, done + missed),
            "mood_average": round(mood_sum / moods, 2) if moods else None,
            "goals_completed": float(sum(goals.values())),
        },
        tables=[
            Table(
                "checkins_per_week",
                ("week_starting", "done", "missed", "completion_percent", "mood_average"),
                tuple(
                    (
                        monday.isoformat(),
                        week.done,
                        week.missed,
                        _blank(rate),
                        _blank(mood),
                    )
                    for (monday, week), rate, mood in zip(per_week, completion, trend, strict=True)
                ),
            ),
            Table(
                "mood_distribution",
                ("mood", "checkins"),
                tuple((mood, mood_counts.get(mood, 0)) for mood in range(1, 6)),
            ),
            Table(
                "goals_completed",
                ("focus_area", "goals"),
                tuple(sorted(goals.items())),
            ),
        ],
        charts=[
            Chart(
                "checkin_completion_per_week",
                Text("Check-in completion per week"),
                Text("week starting"),
                Text("% answered"),
                week_labels,
                _gaps(completion),
            ),
            Chart(
                "mood_trend",
                Text("Average check-in mood per week"),
                Text("week starting"),
                Text("mood (1 = low, 5 = great)"),
                week_labels,
                _gaps(trend),
                line=True,
            ),
            Chart(
                "mood_distribution",
                Text("Mood in check-ins"),
                Text("mood (1 = low, 5 = great)"),
                Text("check-ins"),
                tuple(str(mood) for mood in range(1, 6)),
                tuple(float(mood_counts.get(mood, 0)) for mood in range(1, 6)),
            ),
        ],
    )


def _median_minutes(waits: list[timedelta]) -> float | None:
    return round(statistics.median(w.total_seconds() for w in waits) / 60, 1) if waits else None


async def escalations_section(session: AsyncSession, scope: Scope) -> Section:
    found = await rows.escalation_times(session, scope.guild_id, scope.since, scope.until)
    per_urgency: list[tuple[object, ...]] = []
    totals: tuple[int, int, int, float | None] = (0, 0, 0, None)
    for urgency in (*Urgency, None):  # None: every urgency
        chosen = [e for e in found if urgency is None or e.urgency is urgency]
        opened = [e for e in chosen if e.opened >= scope.since]
        counts = (
            len(opened),
            sum(e.resolved is not None and e.resolved >= scope.since for e in chosen),
            sum(e.resolved is None for e in chosen),
            _median_minutes([e.first_claimed - e.opened for e in opened if e.first_claimed]),
        )
        if urgency is None:
            totals = counts
        else:
            per_urgency.append((urgency.value, *counts[:3], _blank(counts[3])))
    opened_n, resolved_n, open_n, minutes = totals
    return Section(
        figures={
            "escalations_opened": float(opened_n),
            "escalations_resolved": float(resolved_n),
            "escalations_open": float(open_n),
            "minutes_to_claim": minutes,
        },
        tables=[
            Table(
                "escalations_by_urgency",
                ("urgency", "opened", "resolved", "still_open", "median_minutes_to_claim"),
                tuple(per_urgency),
            )
        ],
    )


def _source(row: rows.SignupRow) -> str:
    return "join" if row.kind is None else row.kind.value


def _days(wait: timedelta) -> float:
    return round(wait.total_seconds() / 86_400, 1)


def _median_days(waits: list[timedelta]) -> float | None:
    if not waits:
        return None
    return round(statistics.median(w.total_seconds() for w in waits) / 86_400, 1)


def waits_to_match(
    joins: list[tuple[int, datetime]], starts: list[tuple[int, datetime]], scope: Scope
) -> list[tuple[datetime, timedelta]]:
    """(match start, wait since joining) of each mentee's first match after a sign-up, for
    the matches made in the period; a sign-up ends where the member's next one begins."""
    matched: dict[int, list[datetime]] = {}
    for member_id, created in starts:
        matched.setdefault(member_id, []).append(created)
    joined: dict[int, list[datetime]] = {}
    for member_id, at in joins:
        joined.setdefault(member_id, []).append(at)
    found = []
    for member_id, times in joined.items():
        times.sort()
        for number, at in enumerate(times):
            until = times[number + 1] if number + 1 < len(times) else scope.until
            first = min((m for m in matched.get(member_id, ()) if at <= m < until), default=None)
            if first is not None and scope.since <= first:
                found.append((first, first - at))
    return sorted(found)


async def recruiting_section(session: AsyncSession, scope: Scope) -> Section:
    joined = await rows.signups(session, scope.guild_id, scope.since, scope.until)
    weeks: dict[date, dict[str, int]] = {monday: {} for monday in _weeks(scope)}
    sources: dict[tuple[str, int | None, int | None], dict[ProgramRole, int]] = {}
    leaders: dict[int, dict[ProgramRole, int]] = {}
    for row in joined:
        week = weeks.setdefault(_monday(row.joined_at.date()), {})
        week[_source(row)] = week.get(_source(row), 0) + 1
        counts = sources.setdefault((_source(row), row.invitation_id, row.invited_by), {})
        counts[row.role] = counts.get(row.role, 0) + 1
        if row.kind is InvitationKind.LEADER and row.invited_by is not None:
            mine = leaders.setdefault(row.invited_by, {})
            mine[row.role] = mine.get(row.role, 0) + 1
    waits = waits_to_match(
        await rows.mentee_joins(session, scope.guild_id, scope.until),
        await rows.match_starts(session, scope.guild_id, scope.until),
        scope,
    )
    per_week: dict[date, list[timedelta]] = {monday: [] for monday in _weeks(scope)}
    for started, wait in waits:
        per_week.setdefault(_monday(started.date()), []).append(wait)
    waiting = await recruiting.waiting_mentees(session, scope.guild_id)
    mentor, mentee = ProgramRole.MENTOR, ProgramRole.MENTEE
    ordered_weeks = sorted(weeks.items())
    return Section(
        figures={
            "signups": float(len(joined)),
            "signups_invited": float(sum(row.kind is not None for row in joined)),
            "days_to_match_median": _median_days([wait for _, wait in waits]),
            "days_to_match_longest": _days(max(w for _, w in waits)) if waits else None,
            "mentees_waiting": float(len(waiting)),
            "longest_wait_days": _days(scope.until - waiting[0][1]) if waiting else None,
        },
        tables=[
            Table(
                "signups_by_source",
                ("source", "invitation_id", "invited_by_user_id", "mentors", "mentees"),
                tuple(
                    (source, _blank(invitation), _blank(by), c.get(mentor, 0), c.get(mentee, 0))
                    for (source, invitation, by), c in sorted(
                        sources.items(), key=lambda item: (item[0][1] or 0, item[0][0])
                    )
                ),
            ),
            Table(
                "signups_by_leader",
                ("leader_user_id", "signups", "mentors", "mentees"),
                tuple(
                    (leader, sum(c.values()), c.get(mentor, 0), c.get(mentee, 0))
                    for leader, c in sorted(
                        leaders.items(), key=lambda item: (-sum(item[1].values()), item[0])
                    )
                ),
            ),
            Table(
                "signups_per_week",
                ("week_starting", "join", "staff_invitation", "leader_invitation", "total"),
                tuple(
                    (
                        monday.isoformat(),
                        week.get("join", 0),
                        week.get(InvitationKind.STAFF.value, 0),
                        week.get(InvitationKind.LEADER.value, 0),
                        sum(week.values()),
                    )
                    for monday, week in ordered_weeks
                ),
            ),
            Table(
                "time_to_match_per_week",
                ("week_starting", "matched", "median_days", "longest_days"),
                tuple(
                    (
                        monday.isoformat(),
                        len(found),
                        _blank(_median_days(found)),
                        _blank(_days(max(found)) if found else None),
                    )
                    for monday, found in sorted(per_week.items())
                ),
            ),
            Table(
                "waiting_list",
                ("position", "mentee_user_id", "waiting_since", "days_waiting"),
                tuple(
                    (number, user_id, since.isoformat(), _days(scope.until - since))
                    for number, (user_id, since) in enumerate(waiting, start=1)
                ),
            ),
        ],
        charts=[
            Chart(
                "signups_per_week",
                Text("Sign-ups per week"),
                Text("week starting"),
                Text("sign-ups"),
                tuple(monday.strftime("%b %d") for monday, _ in ordered_weeks),
                tuple(float(sum(week.values())) for _, week in ordered_weeks),
            )
        ],
    )


SECTIONS: tuple[SectionFunction, ...] = (
    matches_section,
    sessions_section,
    surveys_section,
    contacts_section,
    checkins_section,
    escalations_section,
    recruiting_section,
)


class ReportService:
    def __init__(self, sessions: Sessions, clock: Clock, settings: ReportSettings) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings

    def scope_for_period(self, guild_id: int, period: str) -> Scope:
        if period not in PERIODS:
            raise InvalidInput(Text("Pick a period: {periods}.", periods=", ".join(PERIODS)))
        now = self._clock.now()
        return Scope(guild_id, now - timedelta(days=PERIODS[period]), now)

    def scope_since(self, guild_id: int, since: date) -> Scope:
        now = self._clock.now()
        start = datetime.combine(since, datetime.min.time(), tzinfo=now.tzinfo)
        if not now - timedelta(days=MAX_DAYS) <= start < now:
            raise InvalidInput(
                Text("Give a start date in the last {days} days, before today.", days=MAX_DAYS)
            )
        return Scope(guild_id, start, now)

    async def build(self, scope: Scope) -> Report:
        section = Section()
        async with self._sessions() as session:
            for compute in SECTIONS:
                part = await compute(session, scope)
                section.figures.update(part.figures)
                section.tables += part.tables
                section.charts += part.charts
            names = await members.display_names(session, scope.guild_id)
        judged = tuple(
            Judged(o, section.figures.get(o.metric), o.met(section.figures.get(o.metric)))
            for o in self._settings.objectives
        )
        objectives = Table(
            "objectives",
            ("objective", "figure", "met"),
            tuple((j.objective.text, _blank(j.value), _verdict(j.met)) for j in judged),
        )
        figures = Table(
            "figures",
            ("metric", "value"),
            tuple((name, _blank(v)) for name, v in section.figures.items()),
        )
        return Report(
            scope,
            section.figures,
            judged,
            (figures, objectives, *section.tables),
            tuple(section.charts),
            names,
        )


def _verdict(met: bool | None) -> str:
    return "no data" if met is None else "met" if met else "not met"
