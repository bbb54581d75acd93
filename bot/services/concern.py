"""Concerning language in a student's free text (self-harm, suicide, abuse, violence,
bullying), from a curated list of phrases shipped with the package (``data/``).

Phrases match whole words only, case-insensitively, with any spacing between words; the
list's ``[ignore]`` idioms are blanked out first, so "this homework is killing me" or "I
bombed the test" do not fire. Matching is deliberately simple and explainable: staff see
which category fired, and a false alarm costs a look while a miss costs far more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

IGNORE = "ignore"
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


@dataclass(frozen=True)
class ConcernMatch:
    category: str
    phrase: str


@dataclass(frozen=True)
class Lexicon:
    patterns: tuple[tuple[str, str, re.Pattern[str]], ...]  # (category, phrase, pattern)
    ignore: re.Pattern[str] | None


def _pattern(phrase: str) -> str:
    words = (re.escape(word) for word in phrase.split())
    return r"(?<![\w'-])" + r"\s+".join(words) + r"(?![\w'-])"


def parse_lexicon(text: str) -> Lexicon:
    """Read the phrase list: ``[category]`` headings, one phrase a line, ``#`` comments."""
    category: str | None = None
    found: list[tuple[str, str, re.Pattern[str]]] = []
    ignore: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip().lower()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            category = line[1:-1].strip()
            continue
        if category is None:
            raise ValueError(f"line {number}: a phrase before any [category]")
        if category == IGNORE:
            ignore.append(_pattern(line))
        else:
            found.append((category, line, re.compile(_pattern(line))))
    joined = re.compile("|".join(ignore)) if ignore else None
    return Lexicon(tuple(found), joined)


@cache
def default_lexicon() -> Lexicon:
    data = resources.files("bot.services").joinpath("data/concern_phrases.txt")
    return parse_lexicon(data.read_text(encoding="utf-8"))


def normalise(text: str) -> str:
    return " ".join(text.translate(_QUOTES).lower().split())


def find_concerns(text: str, lexicon: Lexicon | None = None) -> list[ConcernMatch]:
    """Every (category, phrase) found in ``text``, one per category, in list order."""
    lexicon = lexicon or default_lexicon()
    clean = normalise(text)
    if lexicon.ignore is not None:
        clean = lexicon.ignore.sub(" ", clean)
    found: dict[str, ConcernMatch] = {}
    for category, phrase, pattern in lexicon.patterns:
        if category not in found and pattern.search(clean):
            found[category] = ConcernMatch(category, phrase)
    return list(found.values())
