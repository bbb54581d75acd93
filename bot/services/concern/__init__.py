"""Concerning language in a student's free text: suicide risk (the steps of the Columbia
Suicide Severity Rating Scale), self-harm, hopelessness, abuse, violence to others and
bullying, in English and Spanish.

API (stable; other services call it)::

    Severity                 IntEnum LOW < MODERATE < HIGH < IMMINENT
    ConcernMatch             category, severity, phrase, language
    CATEGORIES               every category id, C-SSRS order then the rest
    LABELS                   category id -> words for staff ("Thoughts of suicide")
    find_concerns(text)      one match per category found, highest severity first;
                             ``learned=False`` for the rules alone
    rule_matches(text)       the rules' matches, and whether a negation cancelled a hit
    reading(text)            the guessed language and the normalised text the model reads
    highest(matches)         the highest severity, or None when nothing was found
    lexicons()               loads and checks the data (0.2-0.4 s, once per process; the
                             first find_concerns does it, a caller may do it at start)

Severities: IMMINENT for a method, an intent or plan, preparatory acts and violence to
others; HIGH for active ideation, self-harm, abuse and access to a gun; MODERATE for a wish
to be dead, passive ideation, hopelessness and bullying.

How it reads: the text is normalised (``normalise``: case, accents, invisible characters,
repeated letters, texting forms such as "wanna", "kms", "unalive", "kiero", leetspeak, and
misspelt key words through a fuzzy match), then each language's pattern families
(``bot/services/data/concern_en.toml`` and ``concern_es.toml``, written in the template
language of ``templates``: phrase families, then composable ones, a desire, a hope or a
thought, a window of a few words, then the harm) are searched, after idioms ("this homework
is killing me", "me muero de risa") are blanked out. An idiom only hides its own words, so a
real hit next to it still fires. A hit right after a negation ("I would never kill myself")
does not count. An ideation or method hit in the same sentence as a time or a plan
("tonight") adds ``intent_or_plan`` at ``IMMINENT``.

A false alarm costs staff a look; a miss can cost far more, so the families lean towards
firing. The text is never logged; ``phrase`` holds only the normalised words that matched.

Then a learned second opinion (``model``: a linear model on the normalised text, trained on
the development sentences the first time it is needed) reads a text in which the rules found
nothing, and adds the category it finds, with that category's severity (``SEVERITIES``) and
``MODEL_PHRASE`` as its phrase (when the rules found something, it named extra categories
that were mostly wrong, and no more sentences). It is imported only then, and it trains in
a child process, so neither the command line nor the bot's process loads scikit-learn.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from bot.i18n import Text
from bot.services.concern.lexicon import CATEGORIES, Lexicon, Severity, parse
from bot.services.concern.normalise import COMMA, SENTENCE, guess_language, tokens
from bot.services.concern.templates import NEGATORS

__all__ = [
    "CATEGORIES",
    "LABELS",
    "MODEL_PHRASE",
    "SEVERITIES",
    "ConcernMatch",
    "Severity",
    "find_concerns",
    "highest",
    "reading",
    "rule_matches",
]

LANGUAGES = ("en", "es")

#: What staff read for each category (rendered in the server's or the reader's language).
LABELS: dict[str, Text] = {
    "wish_to_be_dead": Text("Wish to be dead"),
    "passive_ideation": Text("Not wanting to be alive (passive suicidal thoughts)"),
    "active_ideation": Text("Thoughts of suicide"),
    "method": Text("Suicide method (means named)"),
    "intent_or_plan": Text("Suicide intent or plan"),
    "preparatory_acts": Text("Preparing for suicide (goodbyes, giving things away)"),
    "self_harm": Text("Self-harm"),
    "hopelessness_burden": Text("Hopelessness or feeling a burden"),
    "abuse": Text("Abuse or neglect"),
    "violence_to_others": Text("Threat of violence to others"),
    "bullying": Text("Bullying or harassment"),
}

#: Each category's severity when the learned model finds it (the rules' severity for it).
SEVERITIES: dict[str, Severity] = {
    "wish_to_be_dead": Severity.MODERATE,
    "passive_ideation": Severity.MODERATE,
    "active_ideation": Severity.HIGH,
    "method": Severity.IMMINENT,
    "intent_or_plan": Severity.IMMINENT,
    "preparatory_acts": Severity.IMMINENT,
    "self_harm": Severity.HIGH,
    "hopelessness_burden": Severity.MODERATE,
    "abuse": Severity.HIGH,
    "violence_to_others": Severity.IMMINENT,
    "bullying": Severity.MODERATE,
}
#: The phrase of a match the learned model found (it has no words to show).
MODEL_PHRASE = "(model)"

#: Categories that a time or a plan in the same sentence turns into ``intent_or_plan``.
_ESCALATES = frozenset(
    {"wish_to_be_dead", "passive_ideation", "active_ideation", "method", "preparatory_acts"}
)
_PLAN = "intent_or_plan"
_BLANK = "_ "
#: "I don't know why I'm still alive", "not sure I want to live", "can't stop thinking about
#: dying": a negation of these
#: words, right before a hit, does not negate the hit.
_NOT_NEGATING = frozenset(
    {"know", "sure", "understand", "remember", "get", "stop", "help", "se", "entiendo", "dejo"}
)
_LOOK_BACK = 2 * 45  # characters enough for two normalised words before a hit


@dataclass(frozen=True)
class ConcernMatch:
    """One category found: which, how severe, the words that matched, their language."""

    category: str  # one of CATEGORIES
    severity: Severity
    phrase: str
    language: str  # "en" or "es"


@cache
def lexicons() -> tuple[Lexicon, ...]:
    data = resources.files("bot.services").joinpath("data")
    return tuple(
        parse(data.joinpath(f"concern_{language}.toml").read_text(encoding="utf-8"))
        for language in LANGUAGES
    )


def find_concerns(text: str, *, learned: bool = True) -> list[ConcernMatch]:
    """Every category found in ``text``, one match each, highest severity first (then in
    ``CATEGORIES`` order): the rules', or when they found nothing the learned model's
    (unless ``learned`` is false, or a rule's hit was negated: the model does not read
    negations). Any string is accepted; nothing is logged."""
    raw = tokens(text)
    best, negated = _rules(raw)
    if learned and not best:
        from bot.services.concern import model  # numpy: only when a text is read

        language, normalised = _reading(raw)
        opinion = model.reader().opinion(normalised)
        if model.flags(opinion, negated):
            severity = SEVERITIES[opinion.category]
            best[opinion.category] = ConcernMatch(
                opinion.category, severity, MODEL_PHRASE, language
            )
    return _ordered(best)


def warm_up() -> None:
    """Train the learned model now (1-3 s, in a thread at start-up) rather than while the
    first student's words wait on the event loop."""
    from bot.services.concern import model

    model.reader()


def rule_matches(text: str) -> tuple[list[ConcernMatch], bool]:
    """The rules' matches alone (as ``find_concerns``), and whether a negation cancelled a
    hit (then the learned model is not asked)."""
    best, negated = _rules(tokens(text))
    return _ordered(best), negated


def _rules(raw: list[str]) -> tuple[dict[str, ConcernMatch], bool]:
    best: dict[str, ConcernMatch] = {}
    negated = False
    for lexicon in lexicons():
        matches, negation = _search(lexicon, raw)
        negated = negated or negation
        for match in matches:
            known = best.get(match.category)
            if known is None or match.severity > known.severity:
                best[match.category] = match
    return best, negated


def _ordered(best: dict[str, ConcernMatch]) -> list[ConcernMatch]:
    order = {category: index for index, category in enumerate(CATEGORIES)}
    return sorted(best.values(), key=lambda m: (-m.severity, order[m.category]))


def reading(text: str) -> tuple[str, str]:
    """``text``'s guessed language and the text as that language's normaliser reads it: what
    the learned model is trained on and reads."""
    return _reading(tokens(text))


def _reading(raw: list[str]) -> tuple[str, str]:
    language = guess_language(raw)
    (lexicon,) = [lexicon for lexicon in lexicons() if lexicon.language == language]
    return language, lexicon.normaliser.text(raw)


def highest(matches: Sequence[ConcernMatch]) -> Severity | None:
    """The highest severity among ``matches``; ``None`` when there are none."""
    return max((m.severity for m in matches), default=None)


def _search(lexicon: Lexicon, raw: list[str]) -> tuple[list[ConcernMatch], bool]:
    """The rules' matches in one language, and whether a hit was cancelled by a negation."""
    text = lexicon.normaliser.text(raw)
    words = set(text.split())
    for idiom in lexicon.ignore.candidates(words):
        text = idiom.pattern.sub(_BLANK, text)
    words = set(text.split())
    found: dict[str, tuple[ConcernMatch, int]] = {}
    negated = False
    for family in lexicon.families:
        known = found.get(family.category)
        if known is not None and known[0].severity >= family.severity:
            continue
        for template in family.templates.candidates(words):
            hit, negation = _first(template.pattern.finditer(text), text)
            negated = negated or negation
            if hit is not None:
                at, phrase = hit
                match = ConcernMatch(family.category, family.severity, phrase, lexicon.language)
                found[family.category] = (match, at)
                break
    matches = [match for match, _ in found.values()]
    plan = _escalation(lexicon, text, words, found)
    return (matches if plan is None else [*matches, plan]), negated


def _first(hits: Iterator[re.Match[str]], text: str) -> tuple[tuple[int, str] | None, bool]:
    """The first hit not right after a negation ("would never kill myself", "no me quiero
    morir"): its position and its words; and whether a negated hit came before it. The two
    words before a hit count, within its clause."""
    negation = False
    for hit in hits:
        before: list[str] = []
        for word in reversed(text[max(0, hit.start() - _LOOK_BACK) : hit.start()].split()):
            if word in (SENTENCE, COMMA) or len(before) == 2:
                break
            before.append(word)
        negated = not NEGATORS.isdisjoint(before) and before[0] not in _NOT_NEGATING
        if not negated:
            return (hit.start(), hit.group().strip()), negation
        negation = True
    return None, negation


def _escalation(
    lexicon: Lexicon, text: str, words: set[str], found: dict[str, tuple[ConcernMatch, int]]
) -> ConcernMatch | None:
    """``intent_or_plan`` when an ideation hit shares its sentence with a time or a plan."""
    ideation = [(m, at) for category, (m, at) in found.items() if category in _ESCALATES]
    if not ideation or _PLAN in found:
        return None
    for template in lexicon.escalate.candidates(words):
        for hit in template.pattern.finditer(text):
            for match, at in ideation:
                low, high = sorted((at, hit.start()))
                if f" {SENTENCE} " not in text[low:high]:
                    phrase = f"{match.phrase} … {hit.group().strip()}"
                    return ConcernMatch(_PLAN, Severity.IMMINENT, phrase, lexicon.language)
    return None
