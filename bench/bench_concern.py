"""The concern detector on its labelled corpus (tests/unit/concern_corpus/): recall per
category and language, false alarms per language and source, for the development part
(tuned on) and the three held-out parts (never tuned on: one written before the tuning, one
after, one before the composable families); then its speed: texts per second over
the corpus, p99 per text, and a 1,000-character check-in answer.

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

from bot.services.concern import CATEGORIES, find_concerns, lexicons

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "unit" / "concern_corpus"
#: dev is tuned on; heldout was written with it, before tuning; heldout_late after tuning;
#: heldout_2 before the composable families (written from how teens say it, not the lists).
PARTS = ("dev", "heldout", "heldout_late", "heldout_2")
LANGUAGES = ("en", "es")
BENIGN = "benign"
#: The answers the false-alarm goal is about.
CHECKIN = "checkin"


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
    misses: list[tuple[Row, list[str]]] = field(default_factory=list)

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
    lines = (CORPUS / f"{part}.tsv").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#") or line.startswith("text\t"):
            continue
        text, label, language, source = line.split("\t")
        if (label != BENIGN and label not in CATEGORIES) or language not in LANGUAGES:
            raise ValueError(f"{part}.tsv line {number}: label {label!r}, language {language!r}")
        rows.append(Row(text, label, language, source))
    return rows


def score(rows: list[Row]) -> Score:
    result = Score()
    for row in rows:
        found = [match.category for match in find_concerns(row.text)]
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


def table(part: str, result: Score) -> None:
    print(f"\n{part}: recall (labelled category found), per category and language")
    print(f"  {'category':<22}{'en':>12}{'es':>12}{'all':>12}")
    for category in CATEGORIES:
        cells = [
            f"{result.recall(category, language):.2f} ({result.count(category, language)})"
            for language in (*LANGUAGES, None)
        ]
        print(f"  {category:<22}" + "".join(f"{cell:>12}" for cell in cells))
    overall = [f"{result.recall(None, language):.3f}" for language in (*LANGUAGES, None)]
    reach = [f"{result.reach(language):.3f}" for language in (*LANGUAGES, None)]
    print(f"  {'overall':<22}" + "".join(f"{cell:>12}" for cell in overall))
    print(f"  {'any category found':<22}" + "".join(f"{cell:>12}" for cell in reach))
    alarms = [f"{result.false_alarms(language):.3f}" for language in (*LANGUAGES, None)]
    checkins = [f"{result.false_alarms(language, CHECKIN):.3f}" for language in (*LANGUAGES, None)]
    print(f"  {'false alarms, benign':<22}" + "".join(f"{cell:>12}" for cell in alarms))
    print(f"  {'  check-in answers':<22}" + "".join(f"{cell:>12}" for cell in checkins))
    sizes = sum(result.benign.values()), sum(result.concerning.values())
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the dev sentences missed")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the corpus")
    args = parser.parse_args()
    for part in PARTS:
        result = score(read(part))
        table(part, result)
        if args.misses and part == "dev":
            for row, found in result.misses:
                print(f"  {row.label:<20} {row.text!r} -> {found}")
    speed([row for part in PARTS for row in read(part)], args.rounds)


if __name__ == "__main__":
    main()
