"""The concern detector on its labelled corpus (development part
bot/services/data/concern_dev.tsv, held-out parts tests/unit/concern_corpus/): recall per
category and language, false alarms per language and source, for the rules alone and for
the rules with the learned second opinion, on the development part (tuned and trained on:
the model's figures there are five-fold cross-validated) and the eleven held-out parts
(never tuned or trained on: one written before the tuning, one after, one before the
composable families, one before the unseen-sentence work, seven split from independent
writers' training batches); the threshold the
cross-validation chooses; then the speed: texts per second over the corpus, p99 per text,
and a 1,000-character check-in answer.

``--misses`` lists the development sentences missed or falsely flagged (never held-out
ones: reading them would turn them into development sentences).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sklearn.model_selection import StratifiedKFold

from bot.services.concern import CATEGORIES, find_concerns, lexicons, reading, rule_matches
from bot.services.concern import model as learned

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "unit" / "concern_corpus"
#: The development part ships with the bot: the learned model is trained on it.
DEV = ROOT / "bot" / "services" / "data" / "concern_dev.tsv"
#: dev is tuned on; heldout was written with it, before tuning; heldout_late after tuning;
#: heldout_2 before the composable families (written from how teens say it, not the lists);
#: heldout_3 before the unseen-sentence work of issue 14 (means named plainly, "it" with a time);
#: heldout_4 is every third row of a training batch by an independent writer (t2), split off
#: unread before the rest of it went to dev; heldout_5 and heldout_6 the same of two later
#: writers' batches (t4, t3), heldout_7 of a fifth's (t5), heldout_8 and heldout_9 of a sixth's
#: and a seventh's (t6, t7), heldout_10 of an eighth's (t8), heldout_11 and heldout_12 of a ninth's
#: and a tenth's (t11, t12).
PARTS = (
    "dev",
    "heldout",
    "heldout_late",
    "heldout_2",
    "heldout_3",
    "heldout_4",
    "heldout_5",
    "heldout_6",
    "heldout_7",
    "heldout_8",
    "heldout_9",
    "heldout_10",
    "heldout_11",
    "heldout_12",
)
LANGUAGES = ("en", "es")
BENIGN = "benign"
#: The answers the false-alarm goal is about.
CHECKIN = "checkin"
#: The false-alarm goal on check-in answers, and the thresholds tried to meet it.
GOAL = 0.01
THRESHOLDS = [round(0.5 + step / 100, 2) for step in range(50)]


@dataclass(frozen=True)
class Row:
    text: str
    label: str  # a category id, or "benign"
    language: str
    source: str


@dataclass
class Score:
    """Counts per (category, language): sentences, their category found, any category found;
    per (language, source): benign sentences and false alarms."""

    concerning: Counter[tuple[str, str]] = field(default_factory=Counter)
    found: Counter[tuple[str, str]] = field(default_factory=Counter)
    reached: Counter[tuple[str, str]] = field(default_factory=Counter)
    benign: Counter[tuple[str, str]] = field(default_factory=Counter)
    alarms: Counter[tuple[str, str]] = field(default_factory=Counter)
    #: Kept out of the repr: a failing floor test would otherwise print held-out sentences.
    misses: list[tuple[Row, list[str]]] = field(default_factory=list, repr=False)

    def recall(self, category: str | None = None, language: str | None = None) -> float:
        keys = [k for k in self.concerning if _fits(k, category, language)]
        total = sum(self.concerning[k] for k in keys)
        return sum(self.found[k] for k in keys) / total if total else 1.0

    def reach(self, language: str | None = None) -> float:
        keys = [k for k in self.concerning if _fits(k, None, language)]
        total = sum(self.concerning[k] for k in keys)
        return sum(self.reached[k] for k in keys) / total if total else 1.0

    def false_alarms(self, language: str | None = None, source: str | None = None) -> float:
        keys = [k for k in self.benign if _fits(k, language, source)]
        total = sum(self.benign[k] for k in keys)
        return sum(self.alarms[k] for k in keys) / total if total else 0.0

    def count(self, category: str | None = None, language: str | None = None) -> int:
        return sum(n for k, n in self.concerning.items() if _fits(k, category, language))


def _fits(key: tuple[str, str], first: str | None, second: str | None) -> bool:
    return (first is None or key[0] == first) and (second is None or key[1] == second)


def read(part: str) -> list[Row]:
    """One part of the corpus: tab-separated text, label, language, source; ``#`` comments."""
    rows = []
    path = DEV if part == "dev" else CORPUS / f"{part}.tsv"
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#") or line.startswith("text\t"):
            continue
        text, label, language, source = line.split("\t")
        if (label != BENIGN and label not in CATEGORIES) or language not in LANGUAGES:
            raise ValueError(f"{part}.tsv line {number}: label {label!r}, language {language!r}")
        rows.append(Row(text, label, language, source))
    return rows


def detect(rows: list[Row]) -> list[list[str]]:
    """The categories the detector (rules and model) finds in each row."""
    return [[match.category for match in find_concerns(row.text)] for row in rows]


@dataclass(frozen=True)
class Rules:
    """The rules' categories per row, and whether a negation cancelled a hit there."""

    found: list[list[str]]
    negated: list[bool]


def rules(rows: list[Row]) -> Rules:
    results = [rule_matches(row.text) for row in rows]
    return Rules([[m.category for m in matches] for matches, _ in results], [n for _, n in results])


def cross_validated(rows: list[Row]) -> list[learned.Opinion]:
    """The model's opinion of each row by one trained on the other four fifths, read in
    passages as the detector reads a text (``model.opinions``)."""
    texts = [reading(row.text)[1] for row in rows]
    labels = [row.label for row in rows]
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    result: list[learned.Opinion | None] = [None] * len(rows)
    for train, test in folds.split(texts, labels):
        fitted = learned.build().fit([texts[i] for i in train], [labels[i] for i in train])
        for index, opinion in zip(
            test, learned.opinions(fitted, [texts[i] for i in test]), strict=True
        ):
            result[index] = opinion
    return [opinion for opinion in result if opinion is not None]


def combine(by_rules: Rules, opinions: list[learned.Opinion], threshold: float) -> list[list[str]]:
    """The rules' categories with the model's added, as ``find_concerns`` does."""
    combined = []
    for found, negated, opinion in zip(by_rules.found, by_rules.negated, opinions, strict=True):
        adds = not found and learned.flags(opinion, negated, threshold)
        combined.append([opinion.category] if adds else found)
    return combined


def choose(rows: list[Row], by_rules: Rules, opinions: list[learned.Opinion]) -> float:
    """The lowest threshold keeping false alarms on check-in answers within ``GOAL``."""
    for threshold in THRESHOLDS:
        if score(rows, combine(by_rules, opinions, threshold)).false_alarms(None, CHECKIN) <= GOAL:
            return threshold
    return 1.0


def score(rows: list[Row], detected: list[list[str]]) -> Score:
    result = Score()
    for row, found in zip(rows, detected, strict=True):
        if row.label == BENIGN:
            result.benign[row.language, row.source] += 1
            if found:
                result.alarms[row.language, row.source] += 1
                result.misses.append((row, found))
            continue
        result.concerning[row.label, row.language] += 1
        result.found[row.label, row.language] += row.label in found
        result.reached[row.label, row.language] += bool(found)
        if row.label not in found:
            result.misses.append((row, found))
    return result


def table(part: str, alone: Score, both: Score) -> None:
    """Recall and false alarms, each cell "rules alone -> rules and model"."""
    print(f"\n{part}: recall (labelled category found), rules alone -> rules and model")
    print(f"  {'category':<22}{'en':>17}{'es':>17}{'all':>17}")
    columns = (*LANGUAGES, None)
    for category in CATEGORIES:
        cells = [
            f"{alone.recall(category, language):.2f}->{both.recall(category, language):.2f}"
            f" ({alone.count(category, language)})"
            for language in columns
        ]
        print(f"  {category:<22}" + "".join(f"{cell:>17}" for cell in cells))
    for name, figures in (
        ("overall", [[s.recall(None, language) for s in (alone, both)] for language in columns]),
        (
            "any category found",
            [[s.reach(language) for s in (alone, both)] for language in columns],
        ),
        (
            "false alarms, benign",
            [[s.false_alarms(language) for s in (alone, both)] for language in columns],
        ),
        (
            "  check-in answers",
            [[s.false_alarms(language, CHECKIN) for s in (alone, both)] for language in columns],
        ),
    ):
        cells = ["{:.3f}->{:.3f}".format(*pair) for pair in figures]
        print(f"  {name:<22}" + "".join(f"{cell:>17}" for cell in cells))
    sizes = sum(alone.benign.values()), sum(alone.concerning.values())
    print(f"  ({sizes[1]} concerning and {sizes[0]} benign sentences)")


def speed(rows: list[Row], rounds: int) -> None:
    texts = [row.text for row in rows]
    began = time.perf_counter()
    for text in texts:  # compiles the templates these texts use (each once per process)
        find_concerns(text)
    print(f"\nfirst pass over the corpus (templates compiled): {time.perf_counter() - began:.2f} s")
    per_text: list[float] = []
    for _ in range(rounds):
        for text in texts:
            began = time.perf_counter()
            find_concerns(text)
            per_text.append(time.perf_counter() - began)
    ordered = sorted(per_text)
    print(
        f"speed over the corpus ({len(texts)} texts x {rounds}): "
        f"{len(per_text) / sum(per_text):,.0f} texts/s, median "
        f"{statistics.median(ordered) * 1e6:.0f} us, p99 "
        f"{ordered[int(len(ordered) * 0.99)] * 1e6:.0f} us per text"
    )
    answer = (
        "Good week, I finished my project and went to practice twice. My mentor helped me "
        "with math and we talked about college applications and my job at the store. "
    ) * 7
    answer = answer[:1000]
    wall: list[float] = []
    cpu: list[float] = []
    for round_ in range(rounds * 10):
        text = f"{answer[:-6]} {round_:05d}"  # a new word each time: not all words cached
        began, began_cpu = time.perf_counter(), time.process_time()
        find_concerns(text)
        cpu.append(time.process_time() - began_cpu)
        wall.append(time.perf_counter() - began)
    for name, times in (("wall clock", wall), ("CPU time", cpu)):
        times.sort()
        p99 = times[int(len(times) * 0.99)]
        print(
            f"a 1,000-character check-in answer ({name}): median "
            f"{statistics.median(times) * 1e6:.0f} us, p99 {p99 * 1e6:.0f} us"
        )


def main() -> None:
    began = time.perf_counter()
    lexicons()
    print(f"loading both languages' data: {(time.perf_counter() - began) * 1e3:.0f} ms")
    began = time.perf_counter()
    learned.model()
    print(f"training the model on the development part: {time.perf_counter() - began:.2f} s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the dev sentences missed")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the corpus")
    args = parser.parse_args()
    for part in PARTS:
        rows = read(part)
        by_rules = rules(rows)
        alone = score(rows, by_rules.found)
        if part == "dev":
            began = time.perf_counter()
            opinions = cross_validated(rows)
            chosen = choose(rows, by_rules, opinions)
            print(
                f"\nfive-fold cross-validation on dev ({time.perf_counter() - began:.1f} s): "
                f"threshold {chosen:.2f} keeps check-in false alarms <= {GOAL:.0%} "
                f"(the model uses {learned.THRESHOLD:.2f})"
            )
            both = score(rows, combine(by_rules, opinions, learned.THRESHOLD))
        else:
            both = score(rows, detect(rows))
        table(part, alone, both)
        if args.misses and part == "dev":
            for row, found in both.misses:
                print(f"  {row.label:<20} {row.text!r} -> {found}")
    speed([row for part in PARTS for row in read(part)], args.rounds)


if __name__ == "__main__":
    main()
