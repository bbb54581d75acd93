"""Optimal cohort assignment at district scale: 2,000 mentees x 1,000 mentors (capacity 2).

Prints, for a first and a second run of ``assign_cohort`` (the first also fills caches) and
for a run with every mentor trained (a square 2,000 x 2,000 problem, the slowest shape),
the time to build the score matrix, the time for linear_sum_assignment and the total; then
peak memory (traced in a separate run, since tracing slows it), how many were paired, and
the optimal total against a greedy one (best remaining allowed pair first).
"""

from __future__ import annotations

import os
import random
import time
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from datetime import time as clock
from typing import Any
from unittest.mock import patch

import numpy as np
from scipy.optimize import linear_sum_assignment

from bot.services import matching
from bot.services.availability import Window
from bot.services.matching import (
    FocusArea,
    MatchRules,
    Mentor,
    Person,
    assign_cohort,
    score_matrix,
)

MENTEES = 2_000
MENTORS = 1_000
CAPACITY = 2
SEED = 20_260_914
VOCABULARY = [f"interest-{n}" for n in range(40)]
SUBJECTS = ["math", "english", "biology", "chemistry", "history", "spanish", "art", "music"]
ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
REFERENCE = datetime(2026, 9, 14, 12, tzinfo=UTC)
RULES = MatchRules()


def windows(rng: random.Random) -> tuple[Window, ...]:
    """Two to six afternoon or weekend windows, 30 minutes to 3 hours, on the quarter hour."""
    found: list[Window] = []
    for weekday in rng.sample(range(7), rng.randint(2, 6)):
        start = rng.randrange(14 * 4, 19 * 4) if weekday < 5 else rng.randrange(9 * 4, 17 * 4)
        end = start + rng.randint(2, 12)
        found.append(Window(weekday, clock(*divmod(start * 15, 60)), clock(*divmod(end * 15, 60))))
    return tuple(sorted(found))


def person(rng: random.Random, member_id: int, grades: range) -> Person:
    return Person(
        member_id=member_id,
        grade=rng.choice(grades),
        interests=frozenset(rng.sample(VOCABULARY, rng.randint(1, 6))),
        focus_areas=frozenset(rng.sample(list(FocusArea), rng.randint(1, 3))),
        subjects=frozenset(rng.sample(SUBJECTS, rng.randint(0, 3))),
        windows=windows(rng),
        time_zone=rng.choice(ZONES),
    )


def cohort() -> tuple[list[Person], list[Mentor]]:
    rng = random.Random(SEED)
    mentees = [person(rng, n, range(6, 11)) for n in range(1, MENTEES + 1)]
    mentors = [
        Mentor(
            **person(rng, 100_000 + n, range(8, 13)).__dict__,
            capacity=CAPACITY,
            load=0,
            trained=rng.random() < 0.9,
        )
        for n in range(MENTORS)
    ]
    return mentees, mentors


def greedy_total(scores: np.ndarray, feasible: np.ndarray, mentors: list[Mentor]) -> float:
    """Best remaining allowed pair first, until no mentee or place is left."""
    places = [m.capacity - m.load for m in mentors]
    taken: set[int] = set()
    total = 0.0
    cells = np.argwhere(feasible)
    for row, column in cells[np.argsort(-scores[feasible], kind="stable")].tolist():
        if row not in taken and places[column] > 0:
            taken.add(row)
            places[column] -= 1
            total += float(scores[row, column])
    return total


def main() -> None:
    mentees, mentors = cohort()
    closed: frozenset[tuple[int, int]] = frozenset()
    timings: dict[str, float] = {}
    shapes: list[tuple[int, int]] = []

    # Time the two steps inside assign_cohort by wrapping the names it calls.
    def timed_scores(*args: Any) -> tuple[np.ndarray, np.ndarray]:
        began = time.perf_counter()
        result = score_matrix(*args)
        timings["matrix"] = time.perf_counter() - began
        return result

    def timed_solve(gains: np.ndarray, *, maximize: bool) -> tuple[np.ndarray, np.ndarray]:
        shapes.append(gains.shape)
        began = time.perf_counter()
        result: tuple[np.ndarray, np.ndarray] = linear_sum_assignment(gains, maximize=maximize)
        timings["solve"] = time.perf_counter() - began
        return result

    print(
        f"cohort: {MENTEES} mentees x {MENTORS} mentors (capacity {CAPACITY}); "
        f"{os.cpu_count()} CPUs"
    )
    with (
        patch.object(matching, "score_matrix", timed_scores),
        patch.object(matching, "linear_sum_assignment", timed_solve),
    ):
        everyone_trained = [replace(m, trained=True) for m in mentors]
        runs = [("first run", mentors), ("second run", mentors)]
        runs.append(("everyone trained (square)", everyone_trained))
        for run, cohort_mentors in runs:
            began = time.perf_counter()
            found = assign_cohort(mentees, cohort_mentors, RULES, closed, REFERENCE)
            total = time.perf_counter() - began
            print(
                f"{run}: score matrix {timings['matrix']:.2f} s, linear_sum_assignment "
                f"{timings['solve']:.2f} s ({shapes[-1][0]} x {shapes[-1][1]} slots), "
                f"assign_cohort total {total:.2f} s (goal < 2 s); "
                f"{len(found.pairs)} paired, {len(found.unassigned)} not"
            )

    tracemalloc.start()
    assign_cohort(mentees, mentors, RULES, closed, REFERENCE)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory (traced run): {peak / 2**20:.0f} MiB")

    proposal = assign_cohort(mentees, mentors, RULES, closed, REFERENCE)
    scores, feasible = score_matrix(mentees, mentors, RULES, closed, REFERENCE)
    greedy = greedy_total(scores, feasible, mentors)
    print(f"pairs assigned: {len(proposal.pairs)}, unassigned: {len(proposal.unassigned)}")
    print(
        f"total score: optimal {proposal.total:.1f}, greedy {greedy:.1f} "
        f"(+{(proposal.total - greedy) / greedy:.1%}); "
        f"mean per pair {proposal.total / max(len(proposal.pairs), 1):.1f}"
    )


if __name__ == "__main__":
    main()
