"""Whom a mentor's words are about (``bot.services.concern.person``): their own first-person
words are theirs; anything that points to someone else, or is unclear, is the mentee's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.concern.person import of_the_writer


@pytest.mark.parametrize(
    "text",
    [
        "honestly I want to die, I'm so tired of everything",
        "idk if i can keep going, i think about killing myself",
        "kms fr",
        "ya no quiero vivir, estoy cansado de todo",
        "a veces pienso en matarme",
        "me corté otra vez anoche",
    ],
)
def test_first_person_words_are_the_writers(text: str) -> None:
    assert of_the_writer(text)


@pytest.mark.parametrize(
    "text",
    [
        "he told me he wants to die",
        "my mentee said she's been cutting again",
        "They said they wanna kms",
        "I'm worried, she talked about killing herself",
        "wants to die",  # nobody named: the mentee, as before
        "ella me dijo que se quiere morir",
        "dice q se quiere matar",
        "Él está pensando en suicidarse",
        "mi mentee quiere morirse y no sé qué hacer",
    ],
)
def test_words_about_someone_else_or_unclear_are_the_mentees(text: str) -> None:
    assert not of_the_writer(text)


@given(st.text(max_size=200))
def test_any_text_gets_an_answer(text: str) -> None:
    assert of_the_writer(text) in (True, False)
