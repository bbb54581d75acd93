"""The concern detector's learned second opinion (``bot.services.concern.model``): trained
deterministically on the development sentences, read fast and exactly, silent on idioms and
negations, adding what the rules miss with its category's severity, its threshold the one
cross-validation chooses, and scikit-learn out of the command line's start and out of the
bot's process (the reader is trained in a child, its analysers are the module's own)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.bench_concern import choose, cross_validated, read, rules
from bot.services.concern import (
    CATEGORIES,
    MODEL_PHRASE,
    SEVERITIES,
    ConcernMatch,
    find_concerns,
    model,
    reading,
    rule_matches,
)

#: Written for these tests (in no part of the corpus): the rules find nothing in it.
MISSED_BY_RULES = "i keep looking up how much of it would be too much"
#: An ordinary check-in answer around it (also written for these tests).
LONG_ANSWER = (
    "Good week, I finished my project and went to practice twice. My mentor helped me with "
    f"math and we talked about college applications. {MISSED_BY_RULES}. Next week I want "
    "to study more for the chemistry test."
)


def test_training_is_deterministic() -> None:
    texts = [reading(text)[1] for text, _ in model.training_rows()]
    labels = [label for _, label in model.training_rows()]
    sample = texts[::97]
    again = model.build().fit(texts, labels).predict_proba(sample)
    assert np.array_equal(model.model().predict_proba(sample), again)


def test_the_reader_computes_what_the_pipeline_does() -> None:
    texts = [reading(row.text)[1] for part in ("heldout", "heldout_2") for row in read(part)]
    expected = model.model().predict_proba(texts)
    got = np.vstack([model.reader().probabilities(text) for text in texts])
    assert model.reader().classes == list(model.model().classes_)
    assert np.allclose(got, expected, rtol=0, atol=1e-12)


def _sklearn_analysers() -> list[object]:
    union = model.model().steps[0][1]
    return [vectoriser.build_analyzer() for _name, vectoriser in union.transformer_list]


def test_the_analysers_are_scikit_learns_on_every_sentence_of_the_corpus() -> None:
    theirs = _sklearn_analysers()
    texts = [reading(row.text)[1] for part in ("dev", "heldout") for row in read(part)]
    texts += [row.text for row in read("heldout_2")]  # raw too: case, accents, punctuation
    for (name, ours), analyse in zip(model.ANALYSERS, theirs, strict=True):
        for text in texts:
            assert ours(text) == analyse(text), (name, text)  # type: ignore[operator]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_the_analysers_are_scikit_learns_on_any_text(text: str) -> None:
    for (name, ours), analyse in zip(model.ANALYSERS, _sklearn_analysers(), strict=True):
        assert ours(text) == analyse(text), name  # type: ignore[operator]


def test_the_bot_reads_with_the_model_without_loading_scikit_learn_or_scipy() -> None:
    code = (
        "import sys, bot.app, cogs.checkins; from bot.services.concern import find_concerns; "
        f"found = find_concerns({MISSED_BY_RULES!r}); "
        "print(bool(found), 'sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.split() == ["True", "False", "False"]


@pytest.mark.parametrize(
    "text",
    [
        "this homework is killing me",
        "I'd die for pizza",
        "me muero de risa",
        "me está matando este examen",
        "Good week, I finished my project and went to practice twice",
    ],
)
def test_a_benign_idiom_stays_benign(text: str) -> None:
    assert find_concerns(text) == [], text


def test_a_paraphrase_the_rules_miss_is_caught_with_its_category() -> None:
    assert rule_matches(MISSED_BY_RULES) == ([], False)
    assert find_concerns(MISSED_BY_RULES, learned=False) == []
    assert find_concerns(MISSED_BY_RULES) == [
        ConcernMatch("method", SEVERITIES["method"], MODEL_PHRASE, "en")
    ]


def test_a_long_answer_is_read_sentence_by_sentence() -> None:
    """Read whole, the ordinary sentences dilute the concerning one below the threshold;
    read sentence by sentence, it is caught."""
    normalised = reading(LONG_ANSWER)[1]
    reader = model.reader()
    (whole,) = model.to_opinions(reader.classes, reader.probabilities(normalised)[np.newaxis])
    assert whole.probability < model.THRESHOLD
    assert reader.opinion(normalised).probability >= model.THRESHOLD
    assert find_concerns(LONG_ANSWER) == [
        ConcernMatch("method", SEVERITIES["method"], MODEL_PHRASE, "en")
    ]


def test_the_passages_are_the_whole_text_then_each_sentence_of_three_words_or_more() -> None:
    one = reading("i keep looking up how much of it would be too much")[1]
    assert model.passages(one) == [one]
    several = reading("ok. good week at school. ok. good week at school. lol it was fun")[1]
    assert model.passages(several) == [
        several,
        " good week at school ",
        " lol it was fun ",
    ]
    short = reading("ok. fine. good week at school")[1]
    assert model.passages(short) == [short]


def test_the_chooser_reads_passages_as_the_detector_does() -> None:
    """``opinions`` (what cross-validation scores, each passage analysed alone) and
    ``Reader.opinion`` (what ``find_concerns`` asks, a long text's counts summed from its
    sentences') agree on every text, long or short."""
    texts = [reading(text)[1] for text, _ in model.training_rows()]
    long = [text for text in texts if len(model.passages(text)) > 1]
    texts = [*texts[::41], *long[::4], reading(LONG_ANSWER)[1], " . . a b c . . "]
    assert len(long) >= 200
    batch = model.opinions(model.model(), texts)
    one_by_one = [model.reader().opinion(text) for text in texts]
    assert [o.category for o in batch] == [o.category for o in one_by_one]
    assert np.allclose(
        [o.probability for o in batch], [o.probability for o in one_by_one], rtol=0, atol=1e-12
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("le regalé todas mis cosas a mis primos", "es"),
        ("ya no quiero estar aquí", "es"),
        ("i gave all my stuff to my cousins", "en"),
        ("kms", "en"),
    ],
)
def test_the_language_is_guessed_from_common_words(text: str, language: str) -> None:
    assert reading(text)[0] == language


def test_the_model_is_not_asked_when_a_negation_cancelled_a_rule() -> None:
    """The model alone reads "I would never kill myself" as ideation; the rules' negation
    wins."""
    text = "I would never kill myself"
    opinion = model.reader().opinion(reading(text)[1])
    assert opinion.probability >= model.THRESHOLD
    assert rule_matches(text) == ([], True)
    assert not model.flags(opinion, negated=True)
    assert find_concerns(text) == []


def test_every_category_has_a_severity_for_the_model() -> None:
    assert set(SEVERITIES) == set(CATEGORIES)
    assert set(model.model().classes_) == {model.BENIGN, *CATEGORIES}


def test_the_threshold_is_the_one_cross_validation_chooses() -> None:
    rows = read("dev")
    assert choose(rows, rules(rows), cross_validated(rows)) == model.THRESHOLD


def test_the_command_line_starts_without_scikit_learn() -> None:
    code = (
        "import sys, bot.__main__, bot.app, cogs.staff, cogs.checkins, cogs.sessions, "
        "bot.services.concern; print('sklearn' in sys.modules)"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
