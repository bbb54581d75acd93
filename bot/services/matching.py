"""Who suits whom: a score for each mentee-mentor pair, suggestions, and cohort assignment.

The score of a pair is 0-100, the sum of five parts, each shown to staff as a reason:

- interests: 10 per shared interest, at most 30;
- focus: 20 x the share of the mentee's focus areas the mentor also covers, plus 5 when they
  share a school subject (at most 25);
- time: 10 per hour a week both are free at the same time, at most 30. Each person's windows
  are placed in the week (Monday-Sunday, UTC) of ``reference`` in their own time zone,
  converted to UTC and counted in quarter hours (window edges round to the nearest quarter);
- grade: 5 when the mentor is ``min_grade_gap`` to ``min_grade_gap + 2`` grades above the
  mentee (0-2 when the rule is off), 1 less per grade outside that range, at least 0;
- load: 10 x the share of the mentor's places still free (10 for a mentor with no mentee).

A pair is blocked, never suggested or assigned, when the mentor is full (load >= capacity),
untrained while ``require_training``, fewer than ``min_grade_gap`` grades above the mentee
(0 turns that rule off), the same member as the mentee, or when the two were matched before
and that match was closed. No free time in common is not a blocker; it scores 0 for time.

``score_matrix`` scores every pair at once with numpy (multi-hot tags and a 672 quarter-hour
free-time vector per person, then matrix products); ``explain`` runs it on a single pair, so
its total is the matrix's, and adds the reasons; ``suggest`` and ``assign_cohort`` use it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from bot.i18n import Joined, Plural, Text
from bot.services.availability import Window, window_minutes
from bot.timeparse import resolve_zone

__all__ = [
    "FocusArea",
    "MatchRules",
    "Mentor",
    "Person",
    "Proposal",
    "Score",
    "assign_cohort",
    "explain",
    "score_matrix",
    "suggest",
]

QUARTERS_PER_DAY = 24 * 4
QUARTERS_PER_WEEK = 7 * QUARTERS_PER_DAY

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


class FocusArea(enum.StrEnum):
    ACADEMICS = "academics"
    SOCIAL_EMOTIONAL = "social-emotional"
    CAREER = "career"
    COLLEGE_PREP = "college-prep"
    LIFE_SKILLS = "life-skills"


AREA_NAMES = {
    FocusArea.ACADEMICS: Text("academics"),
    FocusArea.SOCIAL_EMOTIONAL: Text("social-emotional"),
    FocusArea.CAREER: Text("career"),
    FocusArea.COLLEGE_PREP: Text("college prep"),
    FocusArea.LIFE_SKILLS: Text("life skills"),
}
"""Each focus area's name inside a reason shown to staff ("covers academics, career")."""


@dataclass(frozen=True)
class Person:
    """A mentee or a mentor, as matching sees them."""

    member_id: int
    grade: int
    interests: frozenset[str]
    focus_areas: frozenset[FocusArea]
    subjects: frozenset[str]  # academic subjects, lower-case
    windows: tuple[Window, ...]
    time_zone: str


@dataclass(frozen=True)
class Mentor(Person):
    capacity: int
    load: int  # active matches
    trained: bool


@dataclass(frozen=True)
class MatchRules:
    min_grade_gap: int = 2  # mentor grade - mentee grade must be at least this; 0 disables
    require_training: bool = True


@dataclass(frozen=True)
class Score:
    """A pair's score (0-100), why, and what blocks it; blocked pairs are never matched."""

    total: float
    reasons: tuple[Text, ...]
    blockers: tuple[Text, ...]


@dataclass(frozen=True)
class Proposal:
    """A cohort assignment: (mentee_id, mentor_id, score) pairs and who got no mentor."""

    pairs: tuple[tuple[int, int, float], ...]
    total: float
    unassigned: tuple[int, ...]


def score_matrix(
    mentees: Sequence[Person],
    mentors: Sequence[Mentor],
    rules: MatchRules,
    closed: frozenset[tuple[int, int]],
    reference: datetime,
) -> tuple[Floats, Flags]:
    """Scores of every (mentee, mentor) pair and whether each pair may be matched.

    Both arrays have shape ``(len(mentees), len(mentors))``; see the module docstring for
    the formula and the blockers. ``closed`` holds (mentee_id, mentor_id) pairs.
    """
    week = _week_start(reference)
    quarters = _overlap(_free_time(mentees, week), _free_time(mentors, week))
    shared_interests = _shared([p.interests for p in mentees], [m.interests for m in mentors])
    shared_subjects = _shared([p.subjects for p in mentees], [m.subjects for m in mentors])
    wanted_areas, offered_areas = _areas(mentees), _areas(mentors)
    covered = _overlap(wanted_areas, offered_areas)
    wanted = np.maximum(wanted_areas.sum(axis=1, keepdims=True, dtype=np.float64), 1.0)
    gap = (
        np.array([m.grade for m in mentors], dtype=np.int64)[np.newaxis, :]
        - np.array([p.grade for p in mentees], dtype=np.int64)[:, np.newaxis]
    )
    capacity = np.array([m.capacity for m in mentors], dtype=np.float64)
    load = np.array([m.load for m in mentors], dtype=np.float64)

    scores = np.minimum(10.0 * shared_interests, 30.0)
    scores += 20.0 * covered / wanted
    scores += 5.0 * (shared_subjects > 0)
    scores += np.minimum(2.5 * quarters.astype(np.float64), 30.0)
    smallest = int(gap.min(initial=0))  # points for each possible gap, looked up per pair
    scores += _grade_points(np.arange(smallest, gap.max(initial=0) + 1), rules)[gap - smallest]
    free_share = np.clip(capacity - load, 0.0, None) / np.maximum(capacity, 1.0)
    scores += 10.0 * free_share[np.newaxis, :]

    open_mentors = load < capacity
    if rules.require_training:
        open_mentors &= np.array([m.trained for m in mentors], dtype=np.bool_)
    feasible = np.broadcast_to(open_mentors[np.newaxis, :], scores.shape).copy()
    if rules.min_grade_gap > 0:
        feasible &= gap >= rules.min_grade_gap
    mentee_ids = np.array([p.member_id for p in mentees], dtype=np.int64)
    mentor_ids = np.array([m.member_id for m in mentors], dtype=np.int64)
    feasible &= mentee_ids[:, np.newaxis] != mentor_ids[np.newaxis, :]
    rows, columns = _positions(mentees), _positions(mentors)
    for mentee_id, mentor_id in closed:
        for row in rows.get(mentee_id, ()):
            feasible[row, columns.get(mentor_id, [])] = False
    return scores, feasible


def explain(
    mentee: Person,
    mentor: Mentor,
    rules: MatchRules,
    closed: frozenset[tuple[int, int]],
    reference: datetime,
) -> Score:
    """The score of one pair with the reasons for it and anything that blocks it."""
    scores, _ = score_matrix([mentee], [mentor], rules, closed, reference)
    week = _week_start(reference)
    quarters = float(_overlap(_free_time([mentee], week), _free_time([mentor], week))[0, 0])
    return Score(
        total=float(scores[0, 0]),
        reasons=_reasons(mentee, mentor, hours=quarters / 4),
        blockers=_blockers(mentee, mentor, rules, closed),
    )


def suggest(
    mentee: Person,
    mentors: Sequence[Mentor],
    rules: MatchRules,
    closed: frozenset[tuple[int, int]],
    reference: datetime,
    top: int = 5,
) -> list[tuple[Mentor, Score]]:
    """The ``top`` best mentors ``mentee`` may be matched with, best first (ties by id)."""
    scores, feasible = score_matrix([mentee], mentors, rules, closed, reference)
    candidates = sorted(
        np.flatnonzero(feasible[0]).tolist(),
        key=lambda column: (-scores[0, column], mentors[column].member_id),
    )
    return [
        (mentors[column], explain(mentee, mentors[column], rules, closed, reference))
        for column in candidates[: max(top, 0)]
    ]


def assign_cohort(
    mentees: Sequence[Person],
    mentors: Sequence[Mentor],
    rules: MatchRules,
    closed: frozenset[tuple[int, int]],
    reference: datetime,
) -> Proposal:
    """The assignment with the highest total score; each mentor takes at most its free places.

    Each mentor becomes (capacity - load) identical slot columns and
    ``linear_sum_assignment`` picks at most one cell per mentee and per slot. A blocked cell
    counts 0, exactly like leaving the mentee out, and any blocked cell chosen is dropped:
    so no blocked pair is ever proposed and the total is the best possible. (A large cost
    for blocked cells would instead put the number of pairs first, which can give a lower
    total than a greedy choice.) Every unblocked score is above 0 (the load part), so a
    mentee is left out only when the places of every mentor they may have went to others.
    """
    scores, feasible = score_matrix(mentees, mentors, rules, closed, reference)
    free = np.array([max(m.capacity - m.load, 0) for m in mentors], dtype=np.int64)
    rows = np.flatnonzero(feasible.any(axis=1))
    useful = np.flatnonzero(feasible.any(axis=0) & (free > 0))
    slots = np.repeat(useful, free[useful])  # slot column -> mentor index
    pairs: list[tuple[int, int, float]] = []
    if rows.size and slots.size:
        gains = np.where(feasible, scores, 0.0)[np.ix_(rows, slots)]
        from scipy.optimize import linear_sum_assignment  # 0.3 s to import: only when used

        chosen_rows, chosen_slots = linear_sum_assignment(gains, maximize=True)
        for row, slot in zip(rows[chosen_rows].tolist(), slots[chosen_slots].tolist(), strict=True):
            if feasible[row, slot]:
                pairs.append(
                    (mentees[row].member_id, mentors[slot].member_id, float(scores[row, slot]))
                )
    assigned = {mentee_id for mentee_id, _, _ in pairs}
    return Proposal(
        pairs=tuple(pairs),
        total=sum((score for _, _, score in pairs), 0.0),
        unassigned=tuple(p.member_id for p in mentees if p.member_id not in assigned),
    )


def _week_start(reference: datetime) -> datetime:
    """Monday 00:00 UTC of the week (in UTC) that holds ``reference``."""
    if reference.tzinfo is None or reference.utcoffset() is None:
        raise ValueError("reference must be a timezone-aware datetime")
    day = reference.astimezone(UTC).date()
    return datetime.combine(day - timedelta(days=day.weekday()), time(), UTC)


def _free_time(people: Sequence[Person], week: datetime) -> npt.NDArray[np.float32]:
    """One row per person: 1.0 for each quarter hour of ``week`` (UTC) they are free."""
    marks = np.zeros((len(people), QUARTERS_PER_WEEK + 1), dtype=np.int32)
    rows: list[int] = []
    edges: list[int] = []
    steps: list[int] = []
    for row, person in enumerate(people):
        zone = resolve_zone(person.time_zone)
        for window in person.windows:
            day = week.date() + timedelta(days=window.weekday)
            start, end = window_minutes(window)
            first = window.weekday * QUARTERS_PER_DAY + _utc_quarter(zone, day, start)
            last = window.weekday * QUARTERS_PER_DAY + _utc_quarter(zone, day, end)
            if last <= first:
                continue
            shift = first // QUARTERS_PER_WEEK * QUARTERS_PER_WEEK  # wrap into the week
            first, last = first - shift, last - shift
            spans = [(first, min(last, QUARTERS_PER_WEEK))]
            if last > QUARTERS_PER_WEEK:
                spans.append((0, last - QUARTERS_PER_WEEK))
            for begin, stop in spans:
                rows += [row, row]
                edges += [begin, stop]
                steps += [1, -1]
    np.add.at(marks, (rows, edges), steps)
    return (np.cumsum(marks[:, :-1], axis=1) > 0).astype(np.float32)


@lru_cache(maxsize=16384)
def _utc_quarter(zone: ZoneInfo, day: date, minute: int) -> int:
    """Quarter hours from ``day`` 00:00 UTC to ``minute`` past local midnight of ``day``."""
    local = datetime.combine(day, time(), zone) + timedelta(minutes=minute)  # wall clock
    minutes = (local - datetime.combine(day, time(), UTC)) // timedelta(minutes=1)
    return (minutes + 7) // 15  # nearest quarter (never a tie: minutes are whole)


def _grade_points(gaps: npt.NDArray[np.int64], rules: MatchRules) -> Floats:
    """5 for a gap of ``min_grade_gap`` to 2 more (0-2 when off), 1 less per grade outside."""
    low = max(rules.min_grade_gap, 0)
    outside = np.maximum(gaps - (low + 2), 0) + np.maximum(low - gaps, 0)
    return np.clip(5.0 - outside, 0.0, 5.0)


def _shared(left: Sequence[frozenset[str]], right: Sequence[frozenset[str]]) -> Floats:
    """How many tags each left set shares with each right set."""
    vocabulary = {tag: index for index, tag in enumerate(sorted(set().union(*right)))}
    return _overlap(_multi_hot(left, vocabulary), _multi_hot(right, vocabulary))


def _overlap(left: npt.NDArray[np.float32], right: npt.NDArray[np.float32]) -> Floats:
    """For 0/1 rows, how many columns each left row shares with each right row.

    The product runs in BLAS, and some OpenBLAS kernels set the FPU's "invalid" flag on
    finite input (numpy issues 13173 and 24067), which numpy reports as a warning after the
    call. The inputs here are 0 and 1 only, so that flag cannot mean a real NaN; it is
    silenced for this product alone rather than failing a staff member's command.
    """
    with np.errstate(invalid="ignore"):
        return (left @ right.T).astype(np.float64)


def _multi_hot(
    sets: Sequence[Iterable[str]], vocabulary: dict[str, int]
) -> npt.NDArray[np.float32]:
    matrix = np.zeros((len(sets), len(vocabulary)), dtype=np.float32)
    cells = [
        (row, vocabulary[tag]) for row, tags in enumerate(sets) for tag in tags if tag in vocabulary
    ]
    if cells:
        matrix[tuple(zip(*cells, strict=True))] = 1.0
    return matrix


def _areas(people: Sequence[Person]) -> npt.NDArray[np.float32]:
    areas = list(FocusArea)
    return np.array(
        [[area in person.focus_areas for area in areas] for person in people],
        dtype=np.float32,
    ).reshape(len(people), len(areas))


def _positions(people: Sequence[Person]) -> dict[int, list[int]]:
    """Row numbers by member id."""
    positions: dict[int, list[int]] = {}
    for index, person in enumerate(people):
        positions.setdefault(person.member_id, []).append(index)
    return positions


def _reasons(mentee: Person, mentor: Mentor, *, hours: float) -> tuple[Text, ...]:
    reasons: list[Text] = []
    interests = sorted(mentee.interests & mentor.interests)
    if interests:
        reasons.append(
            Plural(
                "{count} shared interest: {interests}",
                "{count} shared interests: {interests}",
                len(interests),
                interests=", ".join(interests),
            )
        )
    subjects = sorted(mentee.subjects & mentor.subjects)
    covered = [area for area in FocusArea if area in mentee.focus_areas & mentor.focus_areas]
    if covered:
        areas = Joined(
            (
                Text("{area} ({subjects})", area=AREA_NAMES[area], subjects=", ".join(subjects))
                if area is FocusArea.ACADEMICS and subjects
                else AREA_NAMES[area]
                for area in covered
            ),
            ", ",
        )
        reasons.append(Text("covers {areas}", areas=areas))
    if subjects and FocusArea.ACADEMICS not in covered:
        reasons.append(
            Plural(
                "shared subject: {subjects}",
                "shared subjects: {subjects}",
                len(subjects),
                subjects=", ".join(subjects),
            )
        )
    missing = [area for area in FocusArea if area in mentee.focus_areas - mentor.focus_areas]
    if missing:
        missed = Joined((AREA_NAMES[area] for area in missing), ", ")
        reasons.append(Text("doesn't cover {areas}", areas=missed))
    together = f"{hours:g}"
    reasons.append(
        Text("{hours} h a week free at the same time", hours=together)
        if hours
        else Text("no free time at the same time")
    )
    reasons.append(
        Text("grade {mentor} with grade {mentee}", mentor=mentor.grade, mentee=mentee.grade)
    )
    reasons.append(
        Text("{load} of {capacity} places taken", load=mentor.load, capacity=mentor.capacity)
    )
    return tuple(reasons)


def _blockers(
    mentee: Person, mentor: Mentor, rules: MatchRules, closed: frozenset[tuple[int, int]]
) -> tuple[Text, ...]:
    blockers: list[Text] = []
    if mentor.load >= mentor.capacity:
        blockers.append(
            Text(
                "mentor is full ({load} of {capacity} places taken)",
                load=mentor.load,
                capacity=mentor.capacity,
            )
        )
    if rules.require_training and not mentor.trained:
        blockers.append(Text("mentor hasn't finished training"))
    if rules.min_grade_gap > 0 and mentor.grade - mentee.grade < rules.min_grade_gap:
        blockers.append(
            Plural(
                "grade {mentor} with grade {mentee}: the mentor must be at least {count} grade "
                "above",
                "grade {mentor} with grade {mentee}: the mentor must be at least {count} grades "
                "above",
                rules.min_grade_gap,
                mentor=mentor.grade,
                mentee=mentee.grade,
            )
        )
    if mentee.member_id == mentor.member_id:
        blockers.append(Text("mentee and mentor are the same person"))
    if (mentee.member_id, mentor.member_id) in closed:
        blockers.append(Text("they were matched before and that match was closed"))
    return tuple(blockers)
