"""clean(): what no database takes is removed, nothing else is touched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.text import clean, clean_json

ANYTHING = st.text(st.characters(exclude_categories=()))


@given(ANYTHING)
def test_what_is_left_is_storable_and_clean_again(text: str) -> None:
    cleaned = clean(text)
    cleaned.encode("utf-8")  # a lone surrogate would raise here
    assert "\x00" not in cleaned and clean(cleaned) == cleaned


@given(st.text())  # hypothesis leaves out surrogates by default; NUL it may draw
def test_text_without_nul_or_surrogates_is_kept_as_it_is(text: str) -> None:
    assert clean(text) == text.replace("\x00", "")


def test_only_the_refused_characters_go() -> None:
    assert clean("help\x00 me \ud83d please") == "help me  please"
    assert clean("café 😀 \t\n ok") == "café 😀 \t\n ok"
    assert clean("\x00\udfff\ud800") == ""


def test_json_values_are_cleaned_keys_and_all() -> None:
    assert clean_json({"a\x00": ["x\ud800", 3, None, {"k": "v\x00"}], "n": 1.5}) == {
        "a": ["x", 3, None, {"k": "v"}],
        "n": 1.5,
    }
