"""The learned second opinion: a linear model that names a category the rules missed.

TF-IDF of the normalised text (``bot.services.concern.reading``: word 1-2 grams and
character 3-5 grams within words) feeds a linear SVM per class, one against the rest, for
every category and ``benign``, with probabilities calibrated on three folds. It is trained on
the development sentences only (``bot/services/data/concern_dev.tsv``; never on the held-out
parts), deterministically, the first time it is needed (``model()``: about 1-2 s, then kept
for the process). Nothing is pickled or logged.

The bot reads with ``reader()``, which trains in a child process (``python -m
bot.services.concern.model``) and takes back only the arithmetic as arrays (``np.savez``,
no pickle): term lists, IDF weights, the SVMs' coefficients and the calibration, kept on
disk for the next process with the same code and data (``stored``). Its own
process then never loads scikit-learn and SciPy, which with the training's leftovers held
about 135 MiB of a bot's resident memory for good. The analysers are this module's own
(``word_grams``, ``char_grams``), held equal to scikit-learn's by a test.

It reads a text whole and, when the text has several sentences, each sentence alone
(``passages``): a check-in answer that says one concerning thing among ordinary news is
diluted as a whole but not in its sentence. A text is flagged when the probability that one
of its passages is not benign reaches ``THRESHOLD``; its category is that passage's
likeliest non-benign one. ``THRESHOLD`` is the lowest that keeps false alarms on the
development check-in answers at or under 1% under five-fold cross-validation, read the same
way, passage by passage, with the rules' own alarms counted (``bench/bench_concern.py``
chooses it and prints the figures).
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bot.services.concern import reading, stored
from bot.services.concern.lexicon import CATEGORIES
from bot.services.concern.normalise import SENTENCE

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

log = logging.getLogger(__name__)

BENIGN = "benign"
#: Chosen on the development sentences by cross-validation (see the module's docstring).
THRESHOLD = 0.92
_SEED = 0
#: A sentence shorter than this ("ok .", "lol .") is read only as part of the whole text.
_SHORTEST = 3
_BREAK = f" {SENTENCE} "
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (3, 5)
#: scikit-learn's default token pattern: words of two or more word characters.
_WORDS = re.compile(r"(?u)\b\w\w+\b")
#: How long the child may take to train (about 2-4 s; far more on a loaded machine).
TRAIN_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class Opinion:
    """The likeliest category and the probability that the text is not benign."""

    category: str
    probability: float


def training_rows() -> list[tuple[str, str]]:
    """The development sentences as (text, label): tab-separated text, label, language,
    source; ``#`` lines are comments."""
    data = resources.files("bot.services").joinpath("data", "concern_dev.tsv")
    rows = []
    for line in data.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            text, label, _language, _source = line.split("\t")
            rows.append((text, label))
    return rows


def build() -> Pipeline:
    """The untrained model: features, then calibrated one-against-the-rest linear SVMs."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=WORD_NGRAMS, sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=2),
    )
    classifier = CalibratedClassifierCV(LinearSVC(C=0.5, random_state=_SEED), cv=3)
    return make_pipeline(features, classifier)


def flags(opinion: Opinion, negated: bool, threshold: float = THRESHOLD) -> bool:
    """Whether ``opinion`` adds a match: it reaches ``threshold`` and no rule's hit in the
    text was cancelled by a negation ("I would never kill myself": the model does not read
    negations, the rules do)."""
    return opinion.probability >= threshold and not negated


def passages(text: str) -> list[str]:
    """What the model reads of one normalised text: the whole text, then each of its
    sentences of at least ``_SHORTEST`` words when it has more than one."""
    sentences = [part for part in _sentences(text) if len(part.split()) >= _SHORTEST]
    # a sentence said twice reads the same: once is enough
    return [text, *dict.fromkeys(sentences)] if len(sentences) > 1 else [text]


def _sentences(text: str) -> list[str]:
    """Every sentence of a normalised text, short or repeated ones too, in its order."""
    return [f" {part.strip()} " for part in text.split(_BREAK)]


def strongest(opinions: Sequence[Opinion]) -> Opinion:
    """The opinion of a text read in passages: the passage likeliest not to be benign."""
    return max(opinions, key=lambda opinion: opinion.probability)


def opinions(pipeline: Pipeline, texts: list[str]) -> list[Opinion]:
    """Each normalised text's opinion, read in ``passages`` as ``Reader.opinion`` does."""
    read = [passages(text) for text in texts]
    flat = to_opinions(
        list(pipeline.classes_), pipeline.predict_proba([p for parts in read for p in parts])
    )
    result = []
    for parts in read:
        result.append(strongest(flat[: len(parts)]))
        flat = flat[len(parts) :]
    return result


def word_grams(text: str) -> list[str]:
    """The word 1-2 grams scikit-learn's word analyser yields (lower case, its pattern)."""
    words = _WORDS.findall(text.lower())
    return words + [" ".join(words[i : i + 2]) for i in range(len(words) - 1)]


def char_grams(text: str) -> list[str]:
    """The character 3-5 grams within words, each word padded with a space, that
    scikit-learn's ``char_wb`` analyser yields (a word shorter than n counted once)."""
    low, high = CHAR_NGRAMS
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(low, high + 1):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


#: Each feature block of the model, in ``build()``'s order: its name and its analyser.
ANALYSERS: tuple[tuple[str, Callable[[str], list[str]]], ...] = (
    ("word", word_grams),
    ("char", char_grams),
)


@dataclass(frozen=True)
class _Features:
    analyse: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # where its columns start in the joined features
    by_word: bool  # reads each word alone (char_grams): a text's counts are its words' summed

    def count(self, text: str) -> Counter[int]:
        """How often each of the vocabulary's terms is in ``text``, by column."""
        return Counter(
            index for term in self.analyse(text) if (index := self.vocabulary.get(term)) is not None
        )


def arrays_of(pipeline: Pipeline) -> dict[str, np.ndarray]:
    """A trained pipeline's arithmetic as plain arrays: what ``Reader`` needs."""
    union, calibrated = pipeline.steps[0][1], pipeline.steps[1][1]
    arrays = {"classes": np.array([str(label) for label in calibrated.classes_])}
    for (name, _), (_step, vectoriser) in zip(ANALYSERS, union.transformer_list, strict=True):
        arrays[f"{name}_terms"] = np.array([str(t) for t in vectoriser.get_feature_names_out()])
        arrays[f"{name}_idf"] = vectoriser.idf_
    folds = calibrated.calibrated_classifiers_
    arrays["weights"] = np.hstack([fold.estimator.coef_.T for fold in folds])
    arrays["intercepts"] = np.concatenate([fold.estimator.intercept_ for fold in folds])
    arrays["slopes"] = np.array([[c.a_ for c in fold.calibrators] for fold in folds])
    arrays["shifts"] = np.array([[c.b_ for c in fold.calibrators] for fold in folds])
    return arrays


class Reader:
    """A trained pipeline's arithmetic for one text at a time, without scikit-learn (its
    per-call checks took 4 ms a text; this takes a tenth): TF-IDF per analyser (sublinear
    counts, L2 norm), the SVMs' decision values, the sigmoid calibration, then the mean over
    the calibration folds. ``tests/unit/test_concern_model.py`` holds it equal to
    ``predict_proba``."""

    def __init__(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.classes = [str(label) for label in arrays["classes"]]
        self.features: list[_Features] = []
        offset = 0
        for name, analyse in ANALYSERS:
            terms = arrays[f"{name}_terms"]
            vocabulary = {str(term): index for index, term in enumerate(terms)}
            self.features.append(
                _Features(analyse, vocabulary, arrays[f"{name}_idf"], offset, analyse is char_grams)
            )
            offset += len(vocabulary)
        self.weights = arrays["weights"]
        self.intercepts = arrays["intercepts"]
        self.slopes = arrays["slopes"]
        self.shifts = arrays["shifts"]

    def probabilities(self, text: str) -> np.ndarray:
        """The class probabilities of one normalised text (columns in ``classes`` order)."""
        return self._probabilities([features.count(text) for features in self.features])

    def _probabilities(self, counted: list[Counter[int]]) -> np.ndarray:
        """The class probabilities of a text's term counts, one ``Counter`` per analyser."""
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for features, counts in zip(self.features, counted, strict=True):
            index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            n = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (1.0 + np.log(n)) * features.idf[index]
            norm = math.sqrt(float(weights @ weights)) or 1.0
            columns.append(index + features.offset)
            values.append(weights / norm)
        with np.errstate(invalid="ignore"):  # OpenBLAS may flag finite input; checked below
            decision = (
                np.concatenate(values) @ self.weights[np.concatenate(columns)] + self.intercepts
            )
        if not np.isfinite(decision).all():
            raise FloatingPointError("the concern model's decision is not finite")
        decision = decision.reshape(self.slopes.shape)
        calibrated = 1.0 / (1.0 + np.exp(self.slopes * decision + self.shifts))
        totals = calibrated.sum(axis=1, keepdims=True)
        uniform = np.full_like(calibrated, 1.0 / len(self.classes))
        calibrated = np.divide(calibrated, totals, out=uniform, where=totals != 0)
        return np.asarray(calibrated.mean(axis=0))

    def opinion(self, text: str) -> Opinion:
        """One normalised text's opinion, read in ``passages`` (as ``opinions``)."""
        read = passages(text)
        if len(read) == 1:
            rows = self.probabilities(text)[np.newaxis, :]
        else:
            counted = [self._passage_counts(features, text, read) for features in self.features]
            rows = np.vstack(
                [self._probabilities(list(each)) for each in zip(*counted, strict=True)]
            )
        return strongest(to_opinions(self.classes, rows))

    @staticmethod
    def _passage_counts(features: _Features, text: str, read: list[str]) -> list[Counter[int]]:
        """One analyser's counts for each of ``read`` (``passages(text)``). An analyser that
        reads word by word counts each sentence once, and the whole text as its sentences'
        counts and its breaks' summed: the same counts for about half the work."""
        if not features.by_word:
            return [features.count(passage) for passage in read]
        sentences = _sentences(text)
        counts = {sentence: features.count(sentence) for sentence in dict.fromkeys(sentences)}
        whole: Counter[int] = Counter()
        for sentence in sentences:
            whole.update(counts[sentence])
        for index, n in features.count(SENTENCE).items():
            whole[index] += n * (len(sentences) - 1)
        return [whole, *(counts[passage] for passage in read[1:])]


def to_opinions(classes: list[str], probabilities: np.ndarray) -> list[Opinion]:
    """Rows of class probabilities (columns in ``classes`` order) as opinions."""
    benign = classes.index(BENIGN)
    concerning = [index for index, label in enumerate(classes) if label != BENIGN]
    result = []
    for row in probabilities:
        best = max(concerning, key=lambda index: row[index])
        result.append(Opinion(str(classes[best]), float(1.0 - row[benign])))
    return result


@cache
def reader() -> Reader:
    """The trained model's reader, kept for the process: its arrays read from the cache
    (``stored``) or trained in a child process (see the module's docstring)."""
    began = time.perf_counter()
    try:
        trained = _read(stored.kept(_train_in_child))
    except (ValueError, OSError, zipfile.BadZipFile, KeyError):  # a damaged stored file
        trained = _read(stored.kept(_train_in_child, renew=True))
    log.info("concern model ready in %.1f s", time.perf_counter() - began)
    return trained


def _read(data: bytes) -> Reader:
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return Reader({name: arrays[name] for name in arrays.files})


def _train_in_child() -> bytes:
    """The arrays (``np.savez``), trained by ``python -m bot.services.concern.model``."""
    package_root = str(Path(__file__).resolve().parents[3])
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    done = subprocess.run(  # noqa: S603 - this very module, no outside input
        [sys.executable, "-m", __name__],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": path},
        timeout=TRAIN_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode != 0:
        failure = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"training the concern model failed:\n{failure}")
    return done.stdout


@cache
def model() -> Pipeline:
    """The trained model, trained on the first call and kept for the process."""
    began = time.perf_counter()
    rows = training_rows()
    texts = [reading(text)[1] for text, _ in rows]
    labels = [label for _, label in rows]
    unknown = set(labels) - {BENIGN, *CATEGORIES}
    if unknown:
        raise ValueError(f"concern_dev.tsv: unknown labels {sorted(unknown)}")
    pipeline = build().fit(texts, labels)
    log.info(
        "concern model trained on %d sentences in %.1f s", len(rows), time.perf_counter() - began
    )
    return pipeline


def _export() -> None:
    """The child's side of ``reader()``: train, write the arrays to stdout."""
    buffer = io.BytesIO()
    arrays: dict[str, Any] = arrays_of(model())  # numpy's stub reads a key as allow_pickle
    np.savez(buffer, allow_pickle=False, **arrays)
    sys.stdout.buffer.write(buffer.getvalue())


if __name__ == "__main__":
    _export()
