"""The concerning-language matcher on a corpus of sentences students might write; prints
its precision and recall (run with -s to see them)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.services.concern import find_concerns, parse_lexicon

CONCERNING = [
    ("I want to die", "suicide"),
    ("honestly i just wanna kms", "suicide"),
    ("I've been thinking about suicide a lot", "suicide"),
    ("sometimes I think everyone would be better off without me", "suicide"),
    ("I don’t want to live anymore", "suicide"),
    ("I want to end it all", "suicide"),
    ("I cut myself again last night", "self-harm"),
    ("I keep hurting myself when I'm sad", "self-harm"),
    ("I've started to self harm", "self-harm"),
    ("my stepdad hits me when he's drunk", "abuse"),
    ("I'm scared to go home tonight", "abuse"),
    ("he touched me and told me not to tell", "abuse"),
    ("my mom kicked me out", "abuse"),
    ("a kid said he's going to bring a gun to school", "violence"),
    ("I'm gonna kill him if he does that again", "violence"),
    ("they threatened me in the bathroom", "violence"),
    ("I'm being bullied every day at lunch", "bullying"),
    ("they keep making fun of me in the group chat", "bullying"),
    ("some seniors jumped me after practice", "bullying"),
    ("everyone hates me", "bullying"),
    # what a mentor writes about their mentee in the mentor check-in
    ("He told me he wants to kill himself", "suicide"),
    ("she said she wanted to die last week", "suicide"),
    ("I saw cuts, I think she has been cutting herself", "self-harm"),
    ("he told me he is scared to go home", "abuse"),
]
HARMLESS = [
    "this homework is killing me",
    "I'm dying to see the new movie",
    "I bombed the test lol",
    "my little brother is killing it at soccer",
    "I nearly died laughing at that video",
    "we're going to shoot some hoops after school",
    "I hurt myself laughing so hard",
    "the math quiz was brutal, I'm dead",
    "she said I should kill them with kindness",
    "I need to cut down on screen time",
    "my skills at chess are improving",
    "I want to learn how to cook",
    "that test was a bomb-ass time haha",  # no: "bomb" inside a longer word is not matched
    "the history teacher hates my handwriting",
    "I'm stressed about finals but okay",
    "my mom hit the jackpot at bingo",
    "the character in my book committed a crime",
    "we played dodgeball and I got hit in the face",
    "I'll shoot them an email about the project",
    "I'm so tired I could sleep for a week",
    "he hurt himself at football practice but he's fine",
    "she cut her hair and it looks great",
    "the ball hits her and she laughs it off",
    "he beats her at chess every week",
]


def test_precision_and_recall_on_the_corpus() -> None:
    found_concerning = [(text, find_concerns(text)) for text, _ in CONCERNING]
    found_harmless = [(text, find_concerns(text)) for text in HARMLESS]
    true_pos = sum(bool(found) for _, found in found_concerning)
    false_pos = [text for text, found in found_harmless if found]
    precision = true_pos / (true_pos + len(false_pos)) if true_pos + len(false_pos) else 1.0
    recall = true_pos / len(CONCERNING)
    print(
        f"\nconcern matcher: precision {precision:.2f}, recall {recall:.2f} "
        f"({len(CONCERNING)} concerning, {len(HARMLESS)} harmless sentences)"
    )
    assert false_pos == []
    assert recall == 1.0
    for (text, expected), (_, found) in zip(CONCERNING, found_concerning, strict=True):
        assert expected in {match.category for match in found}, text


@pytest.mark.parametrize(
    "text", ["this homework is killing me", "THIS HOMEWORK IS KILLING ME", "killing me softly"]
)
def test_the_homework_idiom_never_fires(text: str) -> None:
    assert find_concerns(text) == []


def test_word_boundaries_and_spacing() -> None:
    assert find_concerns("Skill myself up") == []
    assert find_concerns("I want   to\n die")[0].category == "suicide"
    assert find_concerns("therapist") == []  # "rape" is inside, but not a word


def test_a_phrase_before_any_category_is_refused() -> None:
    with pytest.raises(ValueError, match="line 1"):
        parse_lexicon("kill myself\n[suicide]\n")


@given(st.text(max_size=300))
def test_any_text_is_read_without_error(text: str) -> None:
    for match in find_concerns(text):
        assert match.category in {"suicide", "self-harm", "abuse", "violence", "bullying"}
