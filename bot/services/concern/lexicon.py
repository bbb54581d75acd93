"""One language's concern data (``bot/services/data/concern_<lang>.toml``) compiled: its
normaliser, pattern families, idioms to ignore and the words that escalate a hit.

A data file holds ``language``, ``near_words`` (real words the fuzzy matcher must leave
alone), ``[texting]`` (one token -> its expansion), ``[glued]`` (words run together ->
spaced), ``[phrases]`` (several words -> one form), ``[respell]`` (a word's start -> its
spelling), ``[fuzzy]`` (key word -> shortest token considered), ``[slots]``, one
``[[family]]`` per group of templates with its ``category`` and ``severity``,
``[ignore]`` templates (idioms blanked before matching) and ``[escalate]`` templates
(a time or a plan: next to an ideation hit they add ``intent_or_plan``). Templates are
described in ``templates``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from bot.services.concern.normalise import Fuzzy, Normaliser, tokens
from bot.services.concern.templates import Compiler, Index


class Severity(IntEnum):
    """How urgent a hit is, ordered: compare with ``<`` and ``max``."""

    LOW = 1
    MODERATE = 2
    HIGH = 3
    IMMINENT = 4


#: Every category id, in the Columbia (C-SSRS) order of its steps, then the rest.
CATEGORIES: tuple[str, ...] = (
    "wish_to_be_dead",
    "passive_ideation",
    "active_ideation",
    "method",
    "intent_or_plan",
    "preparatory_acts",
    "self_harm",
    "hopelessness_burden",
    "abuse",
    "violence_to_others",
    "bullying",
)


@dataclass(frozen=True)
class Family:
    category: str
    severity: Severity
    templates: Index


@dataclass(frozen=True)
class Lexicon:
    language: str
    normaliser: Normaliser
    families: tuple[Family, ...]
    ignore: Index
    escalate: Index


def parse(text: str) -> Lexicon:
    """A data file's text compiled; a ``ValueError`` names what is wrong in it."""
    data = tomllib.loads(text)
    language = _get(data, "language", str)
    compiler = Compiler(_get(data, "slots", dict))
    families = []
    for number, family in enumerate(_get(data, "family", list), start=1):
        category = _get(family, "category", str)
        if category not in CATEGORIES:
            raise ValueError(f"family {number}: unknown category {category!r}")
        severity = _get(family, "severity", str)
        if severity.upper() not in Severity.__members__:
            raise ValueError(f"family {number}: unknown severity {severity!r}")
        templates = Index([compiler.compile(_text(t)) for t in _get(family, "patterns", list)])
        families.append(Family(category, Severity[severity.upper()], templates))
    ignore = Index([compiler.compile(_text(t)) for t in _section(data, "ignore")])
    escalate = Index([compiler.compile(_text(t)) for t in _section(data, "escalate")])
    texting: Mapping[str, str] = _get(data, "texting", dict)
    phrases: Mapping[str, str] = _get(data, "phrases", dict)
    known = frozenset(compiler.words | set(_get(data, "near_words", list)))
    known |= {w for expansion in (*texting.values(), *phrases.values()) for w in expansion.split()}
    glued: Mapping[str, str] = _get(data, "glued", dict)
    known |= {w for words in glued.values() for w in words.split()}
    fuzzy = Fuzzy(_get(data, "fuzzy", dict), known)
    normaliser = Normaliser(texting, phrases, fuzzy, _get(data, "respell", dict), glued)
    _check_words(normaliser, compiler.words, language)
    return Lexicon(language, normaliser, tuple(families), ignore, escalate)


def _check_words(normaliser: Normaliser, words: set[str], language: str) -> None:
    """A template word the normaliser would rewrite ("im", "u") could never match."""
    wrong = [
        f"{word!r} is read as {read!r}"
        for word in sorted(words)
        if (read := normaliser.text(tokens(word)).strip()) != word
    ]
    if wrong:
        raise ValueError(f"{language}: template words that never match: " + ", ".join(wrong))


def _section(data: Mapping[str, Any], key: str) -> list[Any]:
    patterns = _get(data, key, dict).get("patterns", [])
    if not isinstance(patterns, list):
        raise ValueError(f"[{key}] patterns should be a list")
    return patterns


def _text(template: object) -> str:
    if not isinstance(template, str):
        raise ValueError(f"template {template!r} should be a string")
    return template


def _get(data: Mapping[str, Any], key: str, kind: type) -> Any:
    value = data.get(key, kind())
    if not isinstance(value, kind):
        raise ValueError(f"{key!r} should be a {kind.__name__}")
    return value
