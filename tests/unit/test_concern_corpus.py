"""The concern detector (rules and learned model) on its labelled corpus (development part
bot/services/data/concern_dev.tsv, held-out parts tests/unit/concern_corpus/): the
development part meets the goals per category; the held-out part, never tuned on, is held
to the overall goals. ``bench/bench_concern.py`` prints the full table."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.bench_concern import (
    BENIGN,
    CHECKIN,
    LANGUAGES,
    PARTS,
    Row,
    Score,
    detect,
    read,
    score,
)
from bot.services.concern import CATEGORIES


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    return {part: score(rows, detect(rows)) for part in PARTS if (rows := read(part))}


def test_the_corpus_is_large_and_covers_every_category_in_both_languages() -> None:
    rows: list[Row] = [row for part in PARTS for row in read(part)]
    concerning = [row for row in rows if row.label != BENIGN]
    assert len(rows) >= 400 and len(concerning) >= 150
    assert len(rows) - len(concerning) >= 250
    assert sum(row.language == "es" for row in concerning) >= 50
    per_category = Counter(row.label for row in concerning)
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 10
    assert {row.language for row in concerning} == set(LANGUAGES)
    assert len({row.text for row in rows}) == len(rows)  # no sentence twice


def test_the_development_part_meets_the_goals(scores: dict[str, Score]) -> None:
    dev = scores["dev"]
    low = {c: r for c in CATEGORIES if (r := dev.recall(c)) < 0.90}
    assert low == {}
    assert dev.recall() >= 0.95
    assert all(dev.recall(None, language) >= 0.95 for language in LANGUAGES)
    assert dev.false_alarms(None, CHECKIN) <= 0.01
    assert dev.false_alarms() <= 0.02


def test_the_held_out_part_meets_the_overall_goals(scores: dict[str, Score]) -> None:
    """Per category it has 6-11 sentences (one miss is 9-17 points), so only overall."""
    held = scores["heldout"]
    assert held.recall() >= 0.95
    assert held.reach() >= 0.95
    assert held.false_alarms(None, CHECKIN) <= 0.01
    assert held.false_alarms() <= 0.02


def test_the_third_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_2 was written for the generalisation work before its patterns and never tuned
    on; it is below the goals (bench/RESULTS.md has its table), so this only keeps the
    figure measured then from slipping back."""
    held = scores["heldout_2"]
    assert held.recall() >= 0.90
    assert held.reach() >= 0.90
    assert held.false_alarms() <= 0.03


def test_the_fourth_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_3 was written for issue 14's unseen-sentence work before its patterns, by the
    same hand that then tuned on dev (so it flatters the detector; bench/RESULTS.md says by
    how much): this only keeps the figure measured then from slipping back."""
    held = scores["heldout_3"]
    assert held.recall() >= 0.95
    assert held.reach() >= 0.95
    assert held.false_alarms() <= 0.05


def test_the_fifth_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_4 is every third row of an independent writer's training batch (t2), split off
    unread before the rest went to dev: the most honest of the parts, and far below the goals
    (recall 0.68, reach 0.74, false alarms 2 of 66 when measured; bench/RESULTS.md has its
    table). This only keeps those figures from slipping back."""
    held = scores["heldout_4"]
    assert held.recall() >= 0.68
    assert held.reach() >= 0.74
    assert held.false_alarms() <= 0.04


def test_the_sixth_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_5 is every third row of a third independent writer's batch (t4), split off
    unread before the rest went to dev. First measured (before any tuning on t4): recall
    0.68, reach 0.76, false alarms 5 of 50 (all hyperbole, none among check-in answers); the
    floors sit a few points under them."""
    held = scores["heldout_5"]
    assert held.recall() >= 0.64
    assert held.reach() >= 0.72
    assert held.false_alarms() <= 0.14
    assert held.false_alarms(None, CHECKIN) <= 0.04


def test_the_seventh_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_6 is every third row of a fourth independent writer's batch (t3), split off
    unread before the rest went to dev. First measured (before any tuning on t3): recall
    0.62, reach 0.69, no false alarm of 45; the floors sit a few points under them."""
    held = scores["heldout_6"]
    assert held.recall() >= 0.58
    assert held.reach() >= 0.65
    assert held.false_alarms() <= 0.03


def test_the_eighth_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_7 is every third row of a fifth independent writer's batch (t5, more Spanish,
    weighted to the weak categories), split off unread before the rest went to dev. First
    measured (before any tuning on t5): recall 0.79, reach 0.80, false alarms 2 of 42 (none
    among check-in answers); the floors sit a few points under them."""
    held = scores["heldout_7"]
    assert held.recall() >= 0.75
    assert held.reach() >= 0.77
    assert held.false_alarms() <= 0.08
    assert held.false_alarms(None, CHECKIN) <= 0.04


def test_the_ninth_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_8 is every third row of a sixth independent writer's batch (t6, 60% Spanish,
    weighted to the weak categories), split off unread before the rest went to dev. First
    measured (before any tuning on t6): recall 0.79, reach 0.86, no false alarm of 43; after
    round six 0.84 and 0.89. The floors sit a few points under the latter."""
    held = scores["heldout_8"]
    assert held.recall() >= 0.80
    assert held.reach() >= 0.86
    assert held.false_alarms() <= 0.03


def test_the_tenth_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_9 is every third row of a seventh independent writer's batch (t7, 55% Spanish),
    split off unread before the rest went to dev. First measured (before any tuning on t7):
    recall 0.74, reach 0.79, false alarms 3 of 41 (2 of 31 check-in answers); after round
    six 0.84 and 0.89, the same false alarms. The floors sit a few points under the latter."""
    held = scores["heldout_9"]
    assert held.recall() >= 0.80
    assert held.reach() >= 0.86
    assert held.false_alarms() <= 0.08
    assert held.false_alarms(None, CHECKIN) <= 0.07


def test_the_eleventh_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_10 is every third row of an eighth independent writer's batch (t8, 65% Spanish,
    weighted to method, self-harm, bullying and abuse), split off unread before the rest went
    to dev. First measured (before any tuning on t8): recall 0.69, reach 0.73, false alarms 2
    of 37 (2 of 28 check-in answers); after round seven 0.73 and 0.78, the same false alarms.
    The floors sit a few points under the latter."""
    held = scores["heldout_10"]
    assert held.recall() >= 0.70
    assert held.reach() >= 0.74
    assert held.false_alarms() <= 0.08
    assert held.false_alarms(None, CHECKIN) <= 0.10


def test_the_twelfth_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_11 is every third row of a ninth independent writer's batch (t11, 60% Spanish,
    weighted to intent or plan, preparatory acts, self-harm and violence to others), split off
    unread before the rest went to dev. First measured (before any tuning on t11): recall 0.86,
    reach 0.93, false alarms 2 of 40 (none of 21 check-in answers). The floors sit a few points
    under that."""
    held = scores["heldout_11"]
    assert held.recall() >= 0.82
    assert held.reach() >= 0.89
    assert held.false_alarms() <= 0.08
    assert held.false_alarms(None, CHECKIN) <= 0.05


def test_the_thirteenth_held_out_part_keeps_its_measured_floor(scores: dict[str, Score]) -> None:
    """heldout_12 is every third row of a tenth independent writer's batch (t12, half Spanish,
    long rambling check-in answers, the risk said indirectly), split off unread before the rest
    went to dev. First measured (before any tuning on t12): recall 0.93, reach 0.98, false
    alarms 4 of 45 (2 of 31 check-in answers). The floors sit a few points under that."""
    held = scores["heldout_12"]
    assert held.recall() >= 0.88
    assert held.reach() >= 0.94
    assert held.false_alarms() <= 0.12
    assert held.false_alarms(None, CHECKIN) <= 0.10
