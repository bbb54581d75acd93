"""The learned second opinion: a linear model that names a category the rules missed.

TF-IDF of the normalised text (``bot.services.concern.reading``: word 1-2 grams and
character 3-5 grams within words) feeds a linear SVM per class, one against the rest, for
every category and ``benign``, with probabilities calibrated on three folds. It is trained on
the development sentences only (``bot/services/data/concern_dev.tsv``; never on the held-out
parts), deterministically, the first time it is needed (``model()``: about 1-2 s, then kept
for the process). Nothing is pickled or logged.

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

import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

from bot.services.concern import reading
from bot.services.concern.lexicon import CATEGORIES
from bot.services.concern.normalise import SENTENCE

log = logging.getLogger(__name__)

BENIGN = "benign"
#: Chosen on the development sentences by cross-validation (see the module's docstring).
THRESHOLD = 0.94
_SEED = 0
#: A sentence shorter than this ("ok .", "lol .") is read only as part of the whole text.
_SHORTEST = 3
_BREAK = f" {SENTENCE} "


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
    features = make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2),
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


@dataclass(frozen=True)
class _Features:
    analyse: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int  # where its columns start in the joined features
    by_word: bool  # reads each word alone (char_wb): a text's counts are its words' summed

    def count(self, text: str) -> Counter[int]:
        """How often each of the vocabulary's terms is in ``text``, by column."""
        return Counter(
            index for term in self.analyse(text) if (index := self.vocabulary.get(term)) is not None
        )


class Reader:
    """A trained pipeline's arithmetic for one text at a time, without scikit-learn's
    per-call checks (which took 4 ms a text; this takes a tenth): TF-IDF per analyser
    (sublinear counts, L2 norm), the SVMs' decision values, the sigmoid calibration, then the
    mean over the calibration folds. ``tests/unit/test_concern_model.py`` holds it equal to
    ``predict_proba``."""

    def __init__(self, pipeline: Pipeline) -> None:
        union, calibrated = pipeline.steps[0][1], pipeline.steps[1][1]
        self.classes = [str(label) for label in calibrated.classes_]
        self.features: list[_Features] = []
        offset = 0
        for _name, vectoriser in union.transformer_list:
            vocabulary = {str(term): int(index) for term, index in vectoriser.vocabulary_.items()}
            self.features.append(
                _Features(
                    vectoriser.build_analyzer(),
                    vocabulary,
                    vectoriser.idf_,
                    offset,
                    vectoriser.analyzer == "char_wb",
                )
            )
            offset += len(vocabulary)
        folds = calibrated.calibrated_classifiers_
        self.weights = np.hstack([fold.estimator.coef_.T for fold in folds])
        self.intercepts = np.concatenate([fold.estimator.intercept_ for fold in folds])
        self.slopes = np.array([[c.a_ for c in fold.calibrators] for fold in folds])
        self.shifts = np.array([[c.b_ for c in fold.calibrators] for fold in folds])

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
    """The trained model's reader, trained on the first call and kept for the process."""
    return Reader(model())


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
