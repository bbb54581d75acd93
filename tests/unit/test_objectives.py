"""Objectives from config: parsed strictly, judged against a figure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.objectives import METRICS, Objective, parse_objective


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("attendance_rate >= 90%", Objective("attendance_rate", ">=", 90)),
        ("  survey_rating>4.5 ", Objective("survey_rating", ">", 4.5)),
        ("contacts_overdue == 0", Objective("contacts_overdue", "==", 0)),
    ],
)
def test_objectives_parse(text: str, expected: Objective) -> None:
    assert parse_objective(text) == expected


def test_an_objective_is_judged_against_its_figure() -> None:
    objective = parse_objective("attendance_rate >= 90%")
    assert objective.text == "attendance_rate >= 90%"
    assert objective.met(90.0) is True and objective.met(89.9) is False
    assert objective.met(None) is None
    assert parse_objective("contacts_overdue <= 0").met(0.0) is True


@given(st.text(max_size=60))
def test_any_text_is_an_objective_or_a_clear_error(text: str) -> None:
    try:
        objective = parse_objective(text)
    except ValueError as error:
        assert "expected" in str(error) or "percentage" in str(error)
    else:
        assert objective.metric in METRICS
