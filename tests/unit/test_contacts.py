"""When a staff contact is due: twice in a match's first month, then monthly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.services.contacts import contact_due

START = datetime(2026, 9, 1, 15, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def test_the_first_contact_is_due_two_weeks_after_the_match_starts() -> None:
    assert contact_due(START, []) == START + 14 * DAY


def test_until_two_contacts_in_the_first_month_the_next_is_due_two_weeks_later() -> None:
    assert contact_due(START, [START + 10 * DAY]) == START + 24 * DAY
    assert contact_due(START, [START + 24 * DAY, START + 10 * DAY]) == START + 54 * DAY


def test_after_the_first_month_contacts_are_monthly() -> None:
    assert contact_due(START, [START + 31 * DAY]) == START + 61 * DAY
    assert contact_due(START, [START + 5 * DAY, START + 40 * DAY]) == START + 70 * DAY


def test_keeping_to_the_schedule_gives_two_contacts_in_the_first_month_then_monthly() -> None:
    made: list[datetime] = []
    while (due := contact_due(START, made)) < START + 120 * DAY:
        made.append(due)
    assert [(moment - START).days for moment in made] == [14, 28, 58, 88, 118]


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=6))
def test_the_next_contact_is_always_two_to_four_weeks_after_the_last(days: list[int]) -> None:
    made = [START + day * DAY for day in days]
    assert contact_due(START, made) - max(made) in (14 * DAY, 30 * DAY)
