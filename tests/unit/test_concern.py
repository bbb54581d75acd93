"""The concern detector's rules: normalisation, fuzzy key words, idioms, negation, severity,
the data files' own checks, and any input at all. The corpus figures are in
test_concern_corpus.py."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.services.concern import (
    CATEGORIES,
    LABELS,
    ConcernMatch,
    Severity,
    find_concerns,
    highest,
    lexicons,
)
from bot.services.concern.lexicon import parse
from bot.services.concern.normalise import tokens


def read(text: str, language: str = "en") -> str:
    """``text`` as one language's templates read it."""
    (lexicon,) = [lexicon for lexicon in lexicons() if lexicon.language == language]
    return lexicon.normaliser.text(tokens(text)).strip()


def categories(text: str, *, learned: bool = True) -> set[str]:
    return {match.category for match in find_concerns(text, learned=learned)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm gonna KMS", "i am going to kill myself"),
        ("i wanna\u200b die", "i want to die"),  # zero-width space
        ("ki\u200dll my\u00adself", "kill myself"),  # zero-width joiner, soft hyphen
        ("kiiill myselfff", "kill myself"),
        ("sooo done", "so done"),
        ("k.m.s", "kill myself"),
        ("K-Y-S", "kill yourself"),
        ("i want to k1ll myself", "i want to kill myself"),
        ("i want to d1e", "i want to die"),
        ("thinking about $uicide", "thinking about suicide"),
        ("k\u0456ll myself", "kill myself"),  # a Cyrillic i
        ("ｋｉｌｌ　ｍｙｓｅｌｆ", "kill myself"),  # full-width
        ("i wanna unalive myself", "i want to kill myself"),
        ("sewer slide", "suicide"),
        ("idk, im not ok rn", "i do not know , i am not ok right now"),
        ("i might kll myself", "i might kill myself"),
        ("i'm thinkin about it", "i am thinking about it"),
        ("I don’t want to be here", "i do not want to be here"),
        ("u ok? ur sad", "you ok . your sad"),
        ("i want to die 😂", "i want to die lol"),
        ("iwanttodie", "i want to die"),  # words run together
        ("im gonna take all my 💊", "i am going to take all my pills"),  # emoji for a means
        ("ill be gone", "i will be gone"),  # "ill" alone stays "ill" ("i feel ill")
        ("i feel ill", "i feel ill"),
        ("dunno, itll pass", "do not know , it will pass"),
    ],
)
def test_english_is_normalised_before_matching(text: str, expected: str) -> None:
    assert read(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Me quiero morír", "me quiero morir"),
        ("kiero morirme", "quiero morirme"),
        ("nadie me kiere", "nadie me quiere"),
        ("toy triste xq nadie me entiende", "estoy triste porque nadie me entiende"),
        ("q onda, ntp", "que onda , no te preocupes"),
        ("fui x la tarea", "fui por la tarea"),
        ("me hago daño", "me hago dano"),  # ñ reads as n, as typed without a Spanish keyboard
        ("me hago dano", "me hago dano"),
        ("me boy a matar", "me voy a matar"),
        ("me hacen bulling", "me hacen bullying"),
        ("pienso en suisidarme", "pienso en suicidarme"),
        ("quiero aorcarme", "quiero ahorcarme"),  # a dropped h, through the fuzzy match
    ],
)
def test_spanish_is_normalised_before_matching(text: str, expected: str) -> None:
    assert read(text, "es") == expected


@pytest.mark.parametrize(
    "text",
    [
        "i might kil myself",
        "i want to kiil myself",
        "i want to klil myself",  # two letters swapped
        "gonna kilk myself",
        "i want to kill mysefl",
        "i think about suicde every day",
        "ive been feeling suicdal",
        "i want to take all my pils",
        "me quiero suicidarne",
    ],
)
def test_a_misspelt_key_word_in_its_frame_fires(text: str) -> None:
    assert find_concerns(text), text


@pytest.mark.parametrize(
    "text",
    [
        "Skill myself up",
        "my skills at chess are improving",
        "we fired pots in the kiln",
        "a kilo of flour",
        "he wore a kilt",
        "i will myself to finish the essay",
        "i forgot to take my pill",
        "i'm on a diet for wrestling",
        "i want to dye my hair blue",
        "my puppy is so cute",
        "the dead line is friday",
        "piles of homework",
        "he overdoes it at the gym",
        "the kid killed it at the recital",
        "therapist",
    ],
)
def test_real_words_near_key_words_stay_themselves(text: str) -> None:
    assert find_concerns(text) == [], text


def test_the_fuzzy_match_needs_one_edit_the_first_letter_and_a_long_enough_word() -> None:
    (english, _) = lexicons()
    fuzzy = english.normaliser.fuzzy
    assert fuzzy.correct("kll") == "kill"
    assert fuzzy.correct("suicde") == "suicide"
    assert fuzzy.correct("mysefl") == "myself"
    assert fuzzy.correct("kiln") == "kiln"  # a real word
    assert fuzzy.correct("skill") == "skill"
    assert fuzzy.correct("bill") == "bill"
    assert fuzzy.correct("ki") == "ki"  # too short
    assert fuzzy.correct("kxxl") == "kxxl"  # two edits
    assert fuzzy.correct("ill") == "ill"  # another first letter


@pytest.mark.parametrize(
    "text",
    [
        "this homework is killing me",
        "I'd die for pizza",
        "I'm dying to see it",
        "killed it at practice",
        "dead tired",
        "I bombed the test",
        "kill the lights",
        "shoot me a text",
        "I killed the boss",
        "got shot in Fortnite",
        "my character died",
        "cut the onions",
        "kill the heat",
        "my mom is going to kill me",
        "i'm so dead if my mom finds out",
        "me muero de risa",
        "me muero de hambre",
        "me está matando este examen",
        "me mata de la risa",
        "qué muerto estoy",
        "mi mamá me va a matar si llego tarde",
        "me corté el pelo",
        "me toca presentar el lunes",
        "en tutoría hablamos de prevenir el suicidio",
    ],
)
def test_idioms_games_sports_and_cooking_do_not_fire(text: str) -> None:
    assert find_concerns(text) == [], text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("this test is killing me and honestly I want to kill myself", "active_ideation"),
        ("lol this homework is killing me. i want to die", "wish_to_be_dead"),
        ("me muero de risa pero en serio me quiero morir", "wish_to_be_dead"),
        ("me está matando este examen y me quiero matar", "active_ideation"),
    ],
)
def test_an_idiom_does_not_mask_a_real_hit_next_to_it(text: str, category: str) -> None:
    assert category in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "I would never kill myself",
        "i don't want to die",
        "i'm not suicidal, just tired",
        "no me quiero morir",
        "nunca me haría daño",
    ],
)
def test_a_negation_right_before_a_hit_cancels_it(text: str) -> None:
    assert find_concerns(text) == [], text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("i want to fucking die", "wish_to_be_dead"),  # an intensifier between the slots
        ("i keep praying that i die", "wish_to_be_dead"),  # a hope, a window, the harm
        ("if i died tomorrow i wouldnt even mind", "wish_to_be_dead"),
        ("she told me she hopes she dies soon", "wish_to_be_dead"),  # a mentor's words
        ("idk if i wanna live anymore", "passive_ideation"),
        ("it would be easier if i just vanished", "passive_ideation"),
        ("nothing i do matters", "hopelessness_burden"),
        ("im scared of what i might do to myself", "active_ideation"),
        ("she said she wants to stab the girl who posted about her", "violence_to_others"),
        ("they call her names and push her around", "bullying"),
        ("ojala algo me pasara y ya no despertara", "wish_to_be_dead"),
        ("siento que no pertenezco a este mundo", "passive_ideation"),
        ("mi mama me dice inutil y me pega", "abuse"),
        ("me sacaron del grupo y hablan mal de mi", "bullying"),
    ],
)
def test_composable_families_catch_ways_the_phrase_lists_do_not_name(
    text: str, category: str
) -> None:
    assert category in categories(text), text


@pytest.mark.parametrize(
    "text",
    [
        "im not sure i want to live in the dorms next year",
        "it would be easier to not be around my little brother when hes annoying",
        "nothing i do matters to my coach lol",
        "i want to take my dads gun to the range with him",
        "i was so embarrassed i wanted to disappear",
        "she talked about jumping off the high dive at the pool",
        "this is goodbye to summer break",
        "dijo que se queria morir de la risa con el video",
        "se sigue cortando el pelo muy corto",
        "mi mama me hace cosas ricas de comer",
    ],
)
def test_the_composable_families_leave_ordinary_sentences_alone(text: str) -> None:
    assert find_concerns(text) == [], text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("im gonna do it tonight", "intent_or_plan"),  # "it" with a time, nothing named before
        ("i cant do this anymore. tomorrow is the day", "intent_or_plan"),  # distress, then a time
        ("ya no aguanto, mañana lo hago", "intent_or_plan"),
        ("lo voy a hacer este finde", "intent_or_plan"),
        ("how many sleeping pills would it take", "method"),  # means named plainly
        ("where can i get a pistol", "method"),
        ("cuantas pastillas para no volver a despertar", "method"),
        ("mi padrastro guarda una pistola en el closet", "method"),
        ("im stockpiling my meds in my closet", "preparatory_acts"),  # named beside the method
        ("nobody has been home for three days", "abuse"),
    ],
)
def test_it_with_a_time_and_means_named_plainly_fire(text: str, category: str) -> None:
    assert category in categories(text, learned=False), text


@pytest.mark.parametrize(
    "text",
    [
        "im gonna do it tonight, the lab report",  # "it" named after it
        "the lab report is due, im gonna do it tonight",  # named before it
        "i'll do it tomorrow, i promise",
        "tonight is the night, the premiere",
        "lo hago mañana, la tarea de fisica",
        "how many eggs would it take to bake a cake",
        "cuantas tazas de arroz se necesitan para la receta",
        "where can i get a new phone case",
        "im saving my allowance for a bike",
    ],
)
def test_the_same_shapes_about_homework_and_errands_do_not_fire(text: str) -> None:
    assert find_concerns(text, learned=False) == [], text


def test_a_template_can_hold_the_text_start_and_a_clause_break() -> None:
    data = (
        'language = "en"\n[slots]\n[[family]]\ncategory = "intent_or_plan"\nseverity = "imminent"\n'
        'patterns = ["^ i am going to do it tonight $", "i am done / tonight is the night"]\n'
    )
    lexicon = parse(data)
    templates = lexicon.families[0].templates.templates
    texts = {template.source: template.pattern for template in templates}
    start, gap = texts["^ i am going to do it tonight $"], texts["i am done / tonight is the night"]
    assert start.search(" i am going to do it tonight ")
    assert not start.search(" the essay , i am going to do it tonight ")
    assert gap.search(" i am done . tonight is the night ")
    assert not gap.search(" i am done tonight is the night ")


def test_a_negation_of_knowing_is_not_a_negation_of_the_hit() -> None:
    assert categories("idk why i'm still alive") == {"passive_ideation"}
    assert "passive_ideation" in categories("no sé para qué sigo viva")


def test_a_parent_hitting_is_abuse_a_sibling_needs_more() -> None:
    assert categories("my mom hits me") == {"abuse"}
    assert categories("my sister hit me because i took her charger lol") == set()
    assert categories("my brother beats me when no one is home") == {"abuse"}
    # who, and how often, is not said: no rule fires (the learned model reads it as bullying)
    assert categories("they hit me", learned=False) == set()
    assert categories("they keep hitting me") == {"bullying"}


def test_a_negation_in_another_clause_does_not() -> None:
    assert categories("not really. i want to die") == {"wish_to_be_dead"}
    assert categories("no, i want to die") == {"wish_to_be_dead"}
    assert categories("I don't want to be here anymore") == {"passive_ideation"}


def test_severity_is_ordered_and_the_highest_comes_first() -> None:
    assert Severity.LOW < Severity.MODERATE < Severity.HIGH < Severity.IMMINENT
    assert highest([]) is None
    found = find_concerns("everyone makes fun of me and i want to take all my pills")
    assert [m.category for m in found] == ["method", "bullying"]
    assert highest(found) is Severity.IMMINENT
    assert [m.severity for m in found] == sorted((m.severity for m in found), reverse=True)


def test_ideation_with_a_time_escalates_to_intent() -> None:
    (first, second) = find_concerns("I want to kill myself tonight")
    assert (first.category, first.severity) == ("intent_or_plan", Severity.IMMINENT)
    assert "tonight" in first.phrase
    assert (second.category, second.severity) == ("active_ideation", Severity.HIGH)
    assert find_concerns("me voy a matar mañana")[0].category == "intent_or_plan"
    # a time in another sentence is only a time
    assert "intent_or_plan" not in categories("I want to die. See you tomorrow at the meeting")


def test_a_match_says_which_words_in_which_language() -> None:
    (match,) = find_concerns("honestly i just wanna kms")
    assert match == ConcernMatch("active_ideation", Severity.HIGH, "kill myself", "en")
    (match,) = find_concerns("Ya no quiero vivir")
    assert (match.category, match.language) == ("passive_ideation", "es")
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.category = "other"  # type: ignore[misc]


def test_one_match_per_category() -> None:
    found = find_concerns("i want to kill myself. I want to kill myself. quiero matarme")
    assert [m.category for m in found] == ["active_ideation"]


def test_categories_and_labels() -> None:
    assert CATEGORIES[:6] == (
        "wish_to_be_dead",
        "passive_ideation",
        "active_ideation",
        "method",
        "intent_or_plan",
        "preparatory_acts",
    )
    assert len(set(CATEGORIES)) == len(CATEGORIES) == 11
    assert all(c.isidentifier() and c == c.lower() for c in CATEGORIES)
    assert set(LABELS) == set(CATEGORIES)
    families = {f.category for lexicon in lexicons() for f in lexicon.families}
    assert families == set(CATEGORIES)


GOOD = """
language = "en"
[slots]
me = ["me", "myself"]
[[family]]
category = "self_harm"
severity = "high"
patterns = ["hurt {me}"]
"""


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (('"self_harm"', '"sadness"'), "unknown category 'sadness'"),
        (('"high"', '"urgent"'), "unknown severity 'urgent'"),
        (("hurt {me}", "hurt {you}"), "no slot {you}"),
        (('"me", "myself"', '"{me}"'), "refers to itself"),
        (("hurt {me}", "hurt im"), "'im' is read as 'i am'"),
        (("hurt {me}", "hurt? ~2"), "nothing required"),
        (("hurt {me}", "(hurt {me}"), "without its '\\)'"),
        (("hurt {me}", "hurt Me!"), "not a plain word"),
        (('["hurt {me}"]', "3"), "'patterns' should be a list"),
        (('"hurt {me}"', "3"), "should be a string"),
    ],
)
def test_a_data_file_mistake_is_named(change: tuple[str, str], error: str) -> None:
    parse(GOOD)  # the unchanged file is fine
    texting = '[texting]\nim = "i am"\n'
    with pytest.raises(ValueError, match=error):
        parse(texting + GOOD.replace(*change))


@given(st.text(st.characters(exclude_categories=()), max_size=400))
@example("")
@example("\x00")
@example("\ud800 kill myself \udfff")  # lone surrogates
@example("k\x00ill myself")
@example("💀" * 500)
@example("a" * 5000 + " i want to die")
@example("." * 3000)
@example("i " * 3000)
def test_any_text_gives_a_list_without_error(text: str) -> None:
    found = find_concerns(text)
    assert isinstance(found, list)
    for match in found:
        assert match.category in CATEGORIES and match.language in ("en", "es")
        assert isinstance(match.severity, Severity) and match.phrase


def test_a_huge_text_is_read_to_its_end() -> None:
    text = "good week, finished my project. " * 20_000 + "honestly i want to die"
    assert categories(text) == {"wish_to_be_dead"}
