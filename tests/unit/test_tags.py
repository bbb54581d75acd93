"""bot.services.tags: free-text interests and subjects -> tidy, comparable tags."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.services.tags import normalise_tags


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Soccer, ART;  Video   games\nart", ("soccer", "art", "video games")),
        ("  math ,\tMath, MATH  ", ("math",)),
        ("drawing;\n;,, music", ("drawing", "music")),
        ("Straße", ("strasse",)),  # casefold, not just lower
        ("", ()),
        (" , ;\n ", ()),
    ],
)
def test_normalises(text: str, expected: tuple[str, ...]) -> None:
    assert normalise_tags(text) == expected


def test_limits_are_inclusive_and_repeats_do_not_count() -> None:
    ten = ", ".join(f"tag {n}" for n in range(10))
    assert len(normalise_tags(ten + ", TAG 0, tag  1")) == 10
    assert normalise_tags("x" * 30) == ("x" * 30,)


def test_too_many_tags_names_the_limit_and_the_extra_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_tags(", ".join(f"tag {n}" for n in range(12)))
    message = caught.value.message
    assert "at most 10" in message
    assert '"tag 10"' in message and '"tag 11"' in message
    assert '"tag 9"' not in message


def test_a_tag_too_long_is_named_with_the_limit() -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_tags("art, soccer basketball video games drawing, music")
    message = caught.value.message
    assert "30 characters" in message
    assert '"soccer basketball video games…"' in message
    assert "commas" in message


def test_custom_limits() -> None:
    assert normalise_tags("a, b", max_tags=2) == ("a", "b")
    with pytest.raises(InvalidInput, match="at most 2"):
        normalise_tags("a, b, c", max_tags=2)
    with pytest.raises(InvalidInput, match="5 characters"):
        normalise_tags("abcdef", max_length=5)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_tidy_tags_or_invalid_input(text: str) -> None:
    try:
        tags = normalise_tags(text)
    except InvalidInput as problem:
        assert problem.message
        return
    assert len(tags) <= 10
    assert len(set(tags)) == len(tags)
    for tag in tags:
        assert 0 < len(tag) <= 30
        assert tag == " ".join(tag.split())
        assert not {",", ";", "\n"} & set(tag)
