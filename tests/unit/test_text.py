"""clean(): what no database takes is removed, nothing else is touched; plain_links(): no
link a student wrote is clickable where the bot relays it; is_invisible()."""

from __future__ import annotations

import json
import re
from datetime import date
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.services.checkins import Entry, History, MentorEntry, MentorHistory
from bot.text import clean, clean_json, clean_json_text, is_invisible, plain_links
from cogs import checkin_texts
from storage.models import CheckinStatus

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


SCHOOL = frozenset({"meet.school.org"})
#: What Discord makes clickable: a URL outside inline code (trailing punctuation, such as
#: "." or "]" after it, is not part of the link), or a masked link.
CLICKABLE = re.compile(
    r"(?i)(?:https?|discord|steam)://[^\s`<>]*[^\s`<>.,;:!?)\]}'\"]|\]\(\s*<?[a-z]+://[^\s`<>)]"
)


def clickable(text: str) -> list[str]:
    outside_code = re.sub(r"`[^`]*`", "", text)
    return CLICKABLE.findall(outside_code)


def allowed(link: str) -> bool:
    """An https link whose host (as a browser reads it: a trailing dot is the same host,
    fully qualified) is the school's."""
    try:
        parts = urlsplit(link)
        return parts.scheme.lower() == "https" and (parts.hostname or "").rstrip(".") in SCHOOL
    except ValueError:
        return False


def test_a_masked_link_is_written_out_and_not_clickable() -> None:
    shown = plain_links("[verify your account](https://evil.example/login) now")
    assert shown == "verify your account (`https://evil.example/login`) now"
    assert plain_links("see https://evil.example/x, ok") == "see `https://evil.example/x`, ok"
    assert plain_links("<https://evil.example>") == "<`https://evil.example`>"


def test_only_https_links_to_allowed_hosts_stay_clickable() -> None:
    assert plain_links("https://meet.school.org/abc", SCHOOL) == "https://meet.school.org/abc"
    assert plain_links("http://meet.school.org/abc", SCHOOL) == "`http://meet.school.org/abc`"
    assert plain_links("https://meet.school.org.evil.example/", SCHOOL).startswith("`")
    assert plain_links("https://meet.school.org@evil.example/", SCHOOL).startswith("`")
    masked = plain_links("[join](https://meet.school.org/abc)", SCHOOL)
    assert masked == "join (https://meet.school.org/abc)"  # the destination is in plain view


def test_bidi_overrides_are_removed() -> None:
    assert plain_links("\u202egnp.exe https://x.example") == "gnp.exe `https://x.example`"


PIECES = ["[", "]", "(", ")", "<", ">", "`", " ", "a", ".", "/", ":", "https://", "x.y", "@"]
LINKY = st.lists(st.sampled_from([*PIECES, "meet.school.org"])).map("".join)


@given(st.one_of(ANYTHING, LINKY))
@example("[a](https://evil.example)")
@example("[https://meet.school.org](https://evil.example)")
@example("https://a.b`https://c.d")
@example("_https://evil.example")
@example("HTTP://<")
@example("](")
@example("https://meet.school.org./")
def test_nothing_relayed_is_clickable_but_allowed_links(text: str) -> None:
    shown = plain_links(clean(text), SCHOOL)
    for link in clickable(shown):
        assert allowed(link), (text, shown)


def test_invisible_text_is_recognised() -> None:
    assert is_invisible("\u200b\u200c\u200d\u2060\ufeff ")
    assert is_invisible("\u3164\u2800")  # Hangul filler, braille blank
    assert not is_invisible("a\u200b") and not is_invisible("😀")


@given(st.one_of(ANYTHING, LINKY), st.integers(0, 60))
@example("a https://evil.example/login and more words", 20)
def test_a_limit_is_kept_by_showing_less_never_by_cutting_a_code_span(
    text: str, limit: int
) -> None:
    shown = plain_links(clean(text), SCHOOL, limit=limit)
    assert len(shown) <= limit
    for link in clickable(shown):
        assert allowed(link), (text, shown)


@given(ANYTHING)
def test_a_text_without_a_link_is_kept_exactly(text: str) -> None:
    if "://" not in text and "www." not in text.lower():
        assert plain_links(text, SCHOOL) == text


def test_checkin_answers_shown_to_others_show_links_as_plain_text() -> None:
    """A mentee's answers in the history their mentor and staff read, and a mentor's
    concern in theirs, relay no clickable link."""
    masked = "[my grades](https://evil.example/login)"
    entry = Entry(date(2026, 11, 23), CheckinStatus.DONE, 3, (), masked, masked, masked, False)
    mentor = MentorEntry(date(2026, 11, 23), True, 4, False, masked)
    for shown in (
        checkin_texts.history(History(1, (entry,), 1)).render("en"),
        checkin_texts.mentor_history(MentorHistory(1, (mentor,))).render("en"),
    ):
        assert "](" not in shown
        assert "`https://evil.example/login`" in shown


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
@example({"content": "ok\x00 \ud800 \\u0000 \\ud83d", "tag": ["\U0001f600", "\udfff"]})
@example({"content": "¡Llegó tu seguimiento! <t:1:F>", "components": [{"label": "Empezar"}]})
@example({"id": 2**70, "big": [-(2**64)]})
def test_clean_json_text_is_the_cleaned_value_serialized(value: object) -> None:
    """Searching the serialized text gives what walking every string gives, and the text is
    one every database stores."""
    text = clean_json_text(value)
    assert json.loads(text) == clean_json(value)
    text.encode("utf-8")  # no lone surrogate
    assert "\x00" not in text


class _Row(tuple[dict[str, object], ...]):
    """Like a prompt's rendered components: a tuple's subclass."""


def test_clean_json_text_writes_tuples_and_their_subclasses_as_lists() -> None:
    value = {"components": _Row(({"custom_id": "a"},)), "ids": (1, 2), 7: "seven"}
    assert json.loads(clean_json_text(value)) == {
        "components": [{"custom_id": "a"}],
        "ids": [1, 2],
        "7": "seven",
    }


def test_clean_json_text_refuses_what_json_cannot_hold() -> None:
    with pytest.raises(TypeError):
        clean_json_text({"when": object()})
