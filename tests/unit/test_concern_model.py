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
