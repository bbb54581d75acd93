"""bot.services.matching: pair scores, blockers, suggestions and optimal cohort assignment.

Expected scores are worked out by hand from the formula in the module docstring. The
baseline pair below scores 15: nothing shared, no free time in common, a grade gap of 2
(5 points) and a mentor with all places free (10 points).

Offsets used: New York EDT -4 / EST -5 (EDT from 2026-03-08), Chicago CDT -5, London BST +1
/ GMT 0 (BST from 2026-03-29), Kolkata +5:30, Sydney AEST +10 (in June).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.availability import Window, parse_availability
from bot.services.matching import (
    FocusArea,
    MatchRules,
    Mentor,
    Person,
    Proposal,
    assign_cohort,
    explain,
    score_matrix,
    suggest,
)

NY = "America/New_York"
CHICAGO = "America/Chicago"
LONDON = "Europe/London"
KOLKATA = "Asia/Kolkata"
SYDNEY = "Australia/Sydney"
REFERENCE = datetime(2026, 10, 14, 12, tzinfo=UTC)  # a Wednesday; New York on EDT
RULES = MatchRules()
NONE_CLOSED: frozenset[tuple[int, int]] = frozenset()
A, C, S, L = (
    FocusArea.ACADEMICS,
    FocusArea.CAREER,
    FocusArea.SOCIAL_EMOTIONAL,
    FocusArea.LIFE_SKILLS,
)


def mentee(
    member_id: int = 1,
    *,
    grade: int = 8,
    interests: Iterable[str] = (),
    areas: Iterable[FocusArea] = (C,),
    subjects: Iterable[str] = (),
    free: str = "",
    zone: str = NY,
) -> Person:
    return Person(
        member_id=member_id,
        grade=grade,
        interests=frozenset(interests),
        focus_areas=frozenset(areas),
        subjects=frozenset(subjects),
        windows=parse_availability(free) if free else (),
        time_zone=zone,
    )


def mentor(
    member_id: int = 100,
    *,
    grade: int = 10,
    interests: Iterable[str] = (),
    areas: Iterable[FocusArea] = (A,),
    subjects: Iterable[str] = (),
    free: str = "",
    zone: str = NY,
    capacity: int = 1,
    load: int = 0,
    trained: bool = True,
) -> Mentor:
    person = mentee(
        member_id,
        grade=grade,
        interests=interests,
        areas=areas,
        subjects=subjects,
        free=free,
        zone=zone,
    )
    return Mentor(**person.__dict__, capacity=capacity, load=load, trained=trained)


def score(
    student: Person,
    candidate: Mentor,
    rules: MatchRules = RULES,
    closed: frozenset[tuple[int, int]] = NONE_CLOSED,
    reference: datetime = REFERENCE,
) -> float:
    return explain(student, candidate, rules, closed, reference).total


def test_baseline_pair_scores_15() -> None:
    assert score(mentee(), mentor()) == 15.0


def test_a_good_pair_with_its_reasons() -> None:
    student = mentee(
        grade=8,
        interests={"art", "music", "soccer", "chess"},
        areas={A, C},
        subjects={"math", "history"},
        free="Mon 4-6pm, Sat 10-12",
    )
    candidate = mentor(
        grade=11,
        interests={"soccer", "music", "art", "drama"},
        areas={A, S},
        subjects={"math", "art"},
        free="Mon 3-5pm, Tue 3-5pm",
        zone=CHICAGO,
        capacity=2,
        load=1,
    )
    found = explain(student, candidate, RULES, NONE_CLOSED, REFERENCE)
    # 30 interests + (10 half the areas + 5 subject) + 20 (2 h) + 5 grade + 5 load
    assert found.total == 75.0
    assert tuple(map(str, found.reasons)) == (
        "3 shared interests: art, music, soccer",
        "covers academics (math)",
        "doesn't cover career",
        "2 h a week free at the same time",
        "grade 11 with grade 8",
        "1 of 2 places taken",
    )
    assert [reason.render("es") for reason in found.reasons] == [
        "3 intereses en común: art, music, soccer",
        "cubre estudios (math)",
        "no cubre carrera profesional",
        "2 h libres a la semana a la misma hora",
        "grado 11 con grado 8",
        "1 de 2 lugares ocupados",
    ]
    assert found.blockers == ()


@pytest.mark.parametrize(
    ("student", "candidate", "expected"),
    [
        (mentee(interests={"art"}), mentor(interests={"art", "chess"}), 25.0),
        (mentee(interests="abcd"), mentor(interests="abcde"), 45.0),  # 4 shared: capped at 30
        (mentee(areas={A, C}), mentor(areas={A}), 25.0),  # half the areas: 10
        (mentee(areas={A, C, L}), mentor(areas={A, L, S}), 15.0 + 40 / 3),
        (mentee(areas={C}), mentor(areas={C, A}), 35.0),
        (mentee(subjects={"math"}), mentor(subjects={"math"}), 20.0),  # subject: +5
        (mentee(free="Mon 3-5pm"), mentor(free="Mon 3-5pm"), 35.0),  # 2 h: 20
        (mentee(free="Mon 3-3:30pm"), mentor(free="Mon 3-5pm"), 20.0),  # 30 min: 5
        (mentee(free="weekdays 3-5pm"), mentor(free="Mon-Thu 4-5pm"), 45.0),  # 4 h: cap 30
        (mentee(grade=8), mentor(grade=11), 15.0),  # gap 3: 5
        (mentee(grade=8), mentor(grade=12), 15.0),  # gap 4: 5
        (mentee(grade=6), mentor(grade=11), 14.0),  # gap 5: 4
        (mentee(grade=6), mentor(grade=12), 13.0),  # gap 6: 3
        (mentee(grade=1), mentor(grade=12), 10.0),  # gap 11: 0
        (mentee(), mentor(capacity=2, load=1), 10.0),  # half the places free: 5
        (mentee(), mentor(capacity=3, load=1), 5.0 + 20 / 3),
    ],
)
def test_each_part_of_the_score(student: Person, candidate: Mentor, expected: float) -> None:
    assert score(student, candidate) == pytest.approx(expected)


def test_grade_points_when_the_gap_rule_is_off() -> None:
    off = MatchRules(min_grade_gap=0)
    assert score(mentee(grade=8), mentor(grade=8), off) == 15.0  # gap 0 to 2: 5
    assert score(mentee(grade=8), mentor(grade=7), off) == 14.0
    assert score(mentee(grade=8), mentor(grade=11), off) == 14.0


def test_no_free_time_in_common_is_not_a_blocker() -> None:
    found = explain(
        mentee(free="Mon 3-5pm"), mentor(free="Tue 3-5pm"), RULES, NONE_CLOSED, REFERENCE
    )
    assert found.blockers == ()
    assert "no free time at the same time" in map(str, found.reasons)


@pytest.mark.parametrize(
    ("student", "candidate", "closed", "blocker"),
    [
        (mentee(), mentor(capacity=2, load=2), NONE_CLOSED, "full (2 of 2 places taken)"),
        (mentee(), mentor(capacity=0), NONE_CLOSED, "full"),
        (mentee(), mentor(trained=False), NONE_CLOSED, "training"),
        (mentee(grade=9), mentor(grade=10), NONE_CLOSED, "at least 2 grades above"),
        (mentee(grade=10), mentor(grade=9), NONE_CLOSED, "at least 2 grades above"),
        (mentee(7), mentor(7, grade=10), NONE_CLOSED, "same person"),
        (mentee(1), mentor(100), frozenset({(1, 100)}), "closed"),
    ],
)
def test_blocked_pairs_are_never_matched(
    student: Person, candidate: Mentor, closed: frozenset[tuple[int, int]], blocker: str
) -> None:
    found = explain(student, candidate, RULES, closed, REFERENCE)
    assert len(found.blockers) == 1
    assert blocker in str(found.blockers[0])
    assert suggest(student, [candidate], RULES, closed, REFERENCE) == []
    proposal = assign_cohort([student], [candidate], RULES, closed, REFERENCE)
    assert proposal == Proposal(pairs=(), total=0.0, unassigned=(student.member_id,))


def test_blockers_are_written_in_the_readers_language() -> None:
    found = explain(mentee(grade=9), mentor(grade=10, trained=False), RULES, NONE_CLOSED, REFERENCE)
    assert [blocker.render("es") for blocker in found.blockers] == [
        "el mentor/a no ha terminado la formación",
        "grado 10 con grado 9: el mentor/a debe estar al menos 2 grados más arriba",
    ]


def test_rules_can_allow_untrained_mentors_and_any_grades() -> None:
    relaxed = MatchRules(min_grade_gap=0, require_training=False)
    found = explain(
        mentee(grade=10), mentor(grade=9, trained=False), relaxed, NONE_CLOSED, REFERENCE
    )
    assert found.blockers == ()


def test_a_closed_pair_blocks_only_that_pair() -> None:
    closed = frozenset({(1, 100)})
    assert explain(mentee(2), mentor(100), RULES, closed, REFERENCE).blockers == ()
    assert explain(mentee(1), mentor(101), RULES, closed, REFERENCE).blockers == ()


# Time zones ------------------------------------------------------------------------------


def hours_together(student: Person, candidate: Mentor, reference: datetime = REFERENCE) -> str:
    reasons = explain(student, candidate, RULES, NONE_CLOSED, reference).reasons
    return next(reason for reason in reasons if "same time" in reason)


def test_chicago_is_an_hour_behind_new_york() -> None:
    student = mentee(free="Mon 4-6pm", zone=NY)  # 20:00-22:00 UTC
    same_instant = mentor(free="Mon 3-5pm", zone=CHICAGO)  # 20:00-22:00 UTC
    same_wall_clock = mentor(free="Mon 4-6pm", zone=CHICAGO)  # 21:00-23:00 UTC
    assert hours_together(student, same_instant) == "2 h a week free at the same time"
    assert hours_together(student, same_wall_clock) == "1 h a week free at the same time"
    assert score(student, same_instant) == 35.0
    assert score(student, same_wall_clock) == 25.0


def test_half_hour_zone() -> None:
    student = mentee(free="Mon 9:30pm-11:30pm", zone=KOLKATA)  # Mon 16:00-18:00 UTC
    candidate = mentor(free="Mon 11am-12:30pm", zone=NY)  # Mon 15:00-16:30 UTC
    assert hours_together(student, candidate) == "0.5 h a week free at the same time"


def test_windows_wrap_around_the_week() -> None:
    june = datetime(2026, 6, 17, tzinfo=UTC)
    student = mentee(free="Mon 8am-10am", zone=SYDNEY)  # Sun 22:00-24:00 UTC
    candidate = mentor(free="Sun 11pm-midnight", zone=LONDON)  # Sun 22:00-23:00 UTC
    assert hours_together(student, candidate, june) == "1 h a week free at the same time"


def test_the_reference_week_decides_daylight_saving() -> None:
    student = mentee(free="Mon 12pm-1pm", zone=NY)
    candidate = mentor(free="Mon 5pm-6pm", zone=LONDON)
    winter = datetime(2026, 3, 4, tzinfo=UTC)  # New York -5, London 0: both 17:00 UTC
    between = datetime(2026, 3, 18, tzinfo=UTC)  # New York -4 (16:00 UTC), London still 0
    summer = datetime(2026, 4, 1, tzinfo=UTC)  # New York -4, London +1: both 16:00 UTC
    assert hours_together(student, candidate, winter) == "1 h a week free at the same time"
    assert hours_together(student, candidate, between) == "no free time at the same time"
    assert hours_together(student, candidate, summer) == "1 h a week free at the same time"


def test_reference_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        score_matrix([mentee()], [mentor()], RULES, NONE_CLOSED, datetime(2026, 10, 14))  # noqa: DTZ001


# Suggestions and assignment --------------------------------------------------------------


def test_suggest_best_first_ties_by_member_id_and_only_feasible() -> None:
    student = mentee(interests={"art", "music"})
    mentors = [
        mentor(105, interests={"art"}),
        mentor(104, interests={"art", "music"}, trained=False),  # blocked
        mentor(103, interests={"art"}),
        mentor(102),
        mentor(101, interests={"art", "music"}),
    ]
    found = suggest(student, mentors, RULES, NONE_CLOSED, REFERENCE)
    assert [(m.member_id, s.total) for m, s in found] == [
        (101, 35.0),
        (103, 25.0),
        (105, 25.0),
        (102, 15.0),
    ]
    top_two = suggest(student, mentors, RULES, NONE_CLOSED, REFERENCE, top=2)
    assert [m.member_id for m, _ in top_two] == [101, 103]
    assert suggest(student, mentors, RULES, NONE_CLOSED, REFERENCE, top=0) == []
    assert suggest(student, [], RULES, NONE_CLOSED, REFERENCE) == []


def test_assignment_beats_best_first() -> None:
    # A-X 45, A-Y 35, B-X 35, B-Y 15. Best first takes A-X then B-Y (60); optimal is 70.
    a = mentee(1, interests={"p", "q", "r", "s", "t"})
    b = mentee(2, interests={"p", "q"})
    x = mentor(10, interests={"p", "q", "r"})
    y = mentor(11, interests={"s", "t"})
    proposal = assign_cohort([a, b], [x, y], RULES, NONE_CLOSED, REFERENCE)
    assert proposal == Proposal(pairs=((1, 11, 35.0), (2, 10, 35.0)), total=70.0, unassigned=())


def test_total_score_comes_before_the_number_of_pairs() -> None:
    # A-X 45, A-Y 15; B may only have X (B-Y was closed), B-X 15. Pairing both (A-Y, B-X)
    # totals 30; A-X alone totals 45, so B is left for staff to place by hand.
    a = mentee(1, interests={"p", "q", "r"})
    b = mentee(2)
    x = mentor(10, interests={"p", "q", "r"})
    y = mentor(11)
    proposal = assign_cohort([a, b], [x, y], RULES, frozenset({(2, 11)}), REFERENCE)
    assert proposal == Proposal(pairs=((1, 10, 45.0),), total=45.0, unassigned=(2,))


def test_assignment_fills_free_places_only() -> None:
    mentees = [mentee(n, interests="abc"[: 4 - n]) for n in (1, 2, 3)]  # scores 45, 35, 25
    roomy = mentor(100, interests="abc", capacity=3, load=1)  # two places free
    proposal = assign_cohort(mentees, [roomy], RULES, NONE_CLOSED, REFERENCE)
    assert [(pair[0], pair[1]) for pair in proposal.pairs] == [(1, 100), (2, 100)]
    assert proposal.unassigned == (3,)
    assert proposal.total == pytest.approx(sum(pair[2] for pair in proposal.pairs))


def test_assignment_of_nobody() -> None:
    assert assign_cohort([], [mentor()], RULES, NONE_CLOSED, REFERENCE) == Proposal((), 0.0, ())
    assert assign_cohort([mentee(1), mentee(2)], [], RULES, NONE_CLOSED, REFERENCE) == Proposal(
        (), 0.0, (1, 2)
    )


# Properties on random small cohorts -----------------------------------------------------

ZONES = [NY, CHICAGO, LONDON, KOLKATA, SYDNEY, "UTC"]


@st.composite
def windows(draw: st.DrawFn) -> tuple[Window, ...]:
    found = set()
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, 95))
        end = min(start + draw(st.integers(1, 16)), 96)
        found.add(Window(draw(st.integers(0, 6)), _quarter(start), _quarter(end)))
    return tuple(sorted(found))


def _quarter(quarter: int) -> time:
    return time(23, 59) if quarter == 96 else time(quarter // 4, quarter % 4 * 15)


@st.composite
def people(draw: st.DrawFn, member_id: int) -> Person:
    return Person(
        member_id=member_id,
        grade=draw(st.integers(6, 12)),
        interests=draw(st.frozensets(st.sampled_from("abcde"))),
        focus_areas=draw(st.frozensets(st.sampled_from(list(FocusArea)))),
        subjects=draw(st.frozensets(st.sampled_from(["math", "art", "biology"]))),
        windows=draw(windows()),
        time_zone=draw(st.sampled_from(ZONES)),
    )


REFERENCES = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
Cohort = tuple[list[Person], list[Mentor], MatchRules, frozenset[tuple[int, int]], datetime]


@st.composite
def cohorts(draw: st.DrawFn) -> Cohort:
    mentees = [draw(people(n)) for n in range(1, draw(st.integers(0, 7)) + 1)]
    mentors = []
    for n in range(draw(st.integers(0, 5))):
        member_id = draw(st.sampled_from([100 + n, n + 1]))  # n + 1 may be a mentee too
        mentors.append(
            Mentor(
                **draw(people(member_id)).__dict__,
                capacity=draw(st.integers(0, 3)),
                load=draw(st.integers(0, 3)),
                trained=draw(st.booleans()),
            )
        )
    closed: frozenset[tuple[int, int]] = frozenset()
    if mentees and mentors:
        pair = st.tuples(
            st.sampled_from([p.member_id for p in mentees]),
            st.sampled_from([m.member_id for m in mentors]),
        )
        closed = draw(st.frozensets(pair, max_size=4))
    rules = MatchRules(min_grade_gap=draw(st.integers(0, 3)), require_training=draw(st.booleans()))
    return mentees, mentors, rules, closed, draw(REFERENCES)


def greedy_total(mentors: Sequence[Mentor], scores: np.ndarray, feasible: np.ndarray) -> float:
    """Best remaining feasible cell first, while the mentee is free and the mentor has room."""
    places = [max(m.capacity - m.load, 0) for m in mentors]
    cells = sorted(np.argwhere(feasible).tolist(), key=lambda cell: -scores[cell[0], cell[1]])
    taken: set[int] = set()
    total = 0.0
    for row, column in cells:
        if row not in taken and places[column] > 0:
            taken.add(row)
            places[column] -= 1
            total += float(scores[row, column])
    return total


@settings(max_examples=150, deadline=None)
@given(cohorts())
def test_assignment_keeps_every_rule_and_beats_greedy(cohort: Cohort) -> None:
    mentees, mentors, rules, closed, reference = cohort
    proposal = assign_cohort(mentees, mentors, rules, closed, reference)
    scores, feasible = score_matrix(mentees, mentors, rules, closed, reference)
    mentee_grade = {p.member_id: p.grade for p in mentees}
    by_id = {m.member_id: m for m in mentors}

    paired = [mentee_id for mentee_id, _, _ in proposal.pairs]
    assert len(paired) == len(set(paired))  # every mentee at most once
    assert sorted(paired + list(proposal.unassigned)) == sorted(p.member_id for p in mentees)
    for mentor_id, count in Counter(mentor_id for _, mentor_id, _ in proposal.pairs).items():
        assert count <= by_id[mentor_id].capacity - by_id[mentor_id].load
    for mentee_id, mentor_id, pair_score in proposal.pairs:
        assert by_id[mentor_id].trained or not rules.require_training
        assert (mentee_id, mentor_id) not in closed
        assert mentee_id != mentor_id
        if rules.min_grade_gap:
            assert by_id[mentor_id].grade - mentee_grade[mentee_id] >= rules.min_grade_gap
        row = next(i for i, p in enumerate(mentees) if p.member_id == mentee_id)
        column = next(j for j, m in enumerate(mentors) if m.member_id == mentor_id)
        assert feasible[row, column]
        assert pair_score == scores[row, column]
    assert proposal.total == pytest.approx(sum(s for _, _, s in proposal.pairs))
    assert proposal.total >= greedy_total(mentors, scores, feasible) - 1e-9

    # Nobody is left out while a mentor they may have still has room.
    used = Counter(mentor_id for _, mentor_id, _ in proposal.pairs)
    for row, student in enumerate(mentees):
        if student.member_id in proposal.unassigned:
            for column, candidate in enumerate(mentors):
                room = candidate.capacity - candidate.load - used[candidate.member_id]
                assert not (feasible[row, column] and room > 0)


@settings(max_examples=60, deadline=None)
@given(cohorts())
def test_explain_agrees_with_the_matrix(cohort: Cohort) -> None:
    mentees, mentors, rules, closed, reference = cohort
    scores, feasible = score_matrix(mentees, mentors, rules, closed, reference)
    assert scores.shape == feasible.shape == (len(mentees), len(mentors))
    for row, student in enumerate(mentees):
        for column, candidate in enumerate(mentors):
            found = explain(student, candidate, rules, closed, reference)
            assert found.total == scores[row, column]  # exactly: one code path
            assert 0.0 <= found.total <= 100.0
            assert (not found.blockers) == feasible[row, column]


@settings(max_examples=60, deadline=None)
@given(cohorts())
def test_suggestions_are_feasible_and_best_first(cohort: Cohort) -> None:
    mentees, mentors, rules, closed, reference = cohort
    for student in mentees:
        found = suggest(student, mentors, rules, closed, reference, top=3)
        assert len(found) <= 3
        assert all(not verdict.blockers for _, verdict in found)
        keys = [(-verdict.total, candidate.member_id) for candidate, verdict in found]
        assert keys == sorted(keys)
        feasible = [
            m for m in mentors if not explain(student, m, rules, closed, reference).blockers
        ]
        assert len(found) == min(3, len(feasible))


def test_same_windows_in_another_zone_keep_their_length() -> None:
    candidate = replace(mentor(free="Mon 3-5pm"), time_zone=KOLKATA)
    student = mentee(free="Mon 3-5pm", zone=KOLKATA)
    assert hours_together(student, candidate) == "2 h a week free at the same time"
