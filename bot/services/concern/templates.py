"""Pattern templates: the small language the concern data files are written in.

A template is words separated by spaces, read against normalised text (``normalise``):

- ``die`` a word; ``die|dead`` one of these words
- ``{want}`` one of the slot's templates (slots may use other slots)
- ``(could be|would be)`` one of these templates (several words each)
- a suffix ``?`` makes a word or slot optional, ``*`` allows it up to twice ("really just")
- ``~3`` up to three other words, none of them a negation, inside the clause
- ``$`` the clause ends here; ``^`` the text starts here (nothing before it: "i am going
  to do it tonight" with no homework named before); ``/`` a clause or sentence break
  ("i am done . tonight is the night"), ``/?`` one or none;
- ``!at|in`` the next word is neither "at" nor "in";
  ``!(at the|lol)`` what follows is neither "at the" nor "lol"

Each template compiles to one regular expression, and to the word sets it *needs*: each
a set of words one of which every match contains, so a text missing one of them is not
searched at all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

#: Words that end a clause's meaning for the gap ``~N`` and the negation check.
NEGATORS = frozenset({"not", "never", "no", "nunca", "jamas", "ni", "tampoco"})
#: Words too common to rule a text out: sets holding one are checked last.
_COMMON = frozenset(
    " ".join(
        (
            "i a an to me my the am is are was be been it of and or you your he she they",
            "them him her his we our us in on at for with about from by as so but if when",
            "then than that this what how why who do does did not no have has had will would",
            "can could just really like get got go going all some one up out now time day",
            "class school people kids bus lunch de que la el en y lo se mi un una por para con",
            "los las del al le les te su mas es esta estoy ya muy pero como todo todos cuando",
            "porque si hoy clase escuela",
        )
    ).split()
)
_WORD = re.compile(r"[a-z0-9]+")
_GAP = re.compile(r"~([1-9])")
_NOT_NEGATION = "(?!(?:" + "|".join(sorted(NEGATORS)) + ") )"
_END = r"(?=[.,] |$)"
_END_MARK = "$"
_START_MARK = "^"
_START = "(?<=^ )"
_BREAK_MARK = "/"
_BREAK = "[.,] "


@dataclass(frozen=True)
class Compiled:
    """A template's expression and the word sets that every match holds a word of, the
    rarest first (none: search every text). The expression is compiled when first
    searched: most templates' words are absent from most texts, and compiling all of them
    up front would cost about a second at start."""

    source: str
    expression: str
    needs: tuple[frozenset[str], ...]

    def may_match(self, words: set[str]) -> bool:
        """False when a word the template needs is absent (it cannot match then)."""
        return not any(need.isdisjoint(words) for need in self.needs)

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.expression)


class Index:
    """Templates looked up by the words of their rarest need: a text tries only those it
    could match, found with a few dictionary look-ups instead of a check per template."""

    def __init__(self, templates: Sequence[Compiled]) -> None:
        self.templates = tuple(templates)
        self._always: list[int] = []
        self._by_word: dict[str, list[int]] = {}
        for number, template in enumerate(self.templates):
            if not template.needs:
                self._always.append(number)
            for word in template.needs[0] if template.needs else ():
                self._by_word.setdefault(word, []).append(number)

    def candidates(self, words: set[str]) -> list[Compiled]:
        """The templates, in their order, whose needed words are all in ``words``."""
        numbers = set(self._always)
        for word in words & self._by_word.keys():
            numbers.update(self._by_word[word])
        chosen = (self.templates[number] for number in sorted(numbers))
        return [template for template in chosen if template.may_match(words)]


@dataclass(frozen=True)
class _Piece:
    regex: str
    must: frozenset[str] | None  # words of which every match holds one, if known
    optional: bool


class Compiler:
    """Compiles templates against one language's slots; ``words`` collects every literal."""

    def __init__(self, slots: Mapping[str, Sequence[str]]) -> None:
        self._slots = slots
        self._done: dict[str, _Piece] = {}
        self._busy: set[str] = set()
        self.words: set[str] = set()

    def compile(self, template: str) -> Compiled:
        pieces = self._pieces(template)
        required = {p.must for p in pieces if not p.optional and p.must}
        needs = sorted(required, key=lambda m: (bool(m & _COMMON), len(m)))
        return Compiled(template, "(?<= )" + "".join(p.regex for p in pieces), tuple(needs))

    def _pieces(self, template: str) -> list[_Piece]:
        pieces = [self._piece(token, template) for token in _split(template)]
        if not pieces or all(p.optional for p in pieces):
            raise ValueError(f"template {template!r}: nothing required to match")
        return pieces

    def _sequence(self, template: str) -> tuple[str, frozenset[str] | None]:
        """A template's expression and one set of words every match holds one of."""
        pieces = self._pieces(template)
        required = [p.must for p in pieces if not p.optional and p.must]
        rare = [m for m in required if not m & _COMMON]
        choice = min(rare or required, key=len) if required else None
        return "".join(p.regex for p in pieces), choice

    def _piece(self, token: str, template: str) -> _Piece:
        if token == _END_MARK:
            return _Piece(_END, None, True)
        if token == _START_MARK:
            return _Piece(_START, None, True)
        if token == _BREAK_MARK:
            return _Piece(_BREAK, None, False)
        if token == _BREAK_MARK + "?":
            return _Piece(f"(?:{_BREAK})?", None, True)
        if gap := _GAP.fullmatch(token):
            return _Piece(f"(?:{_NOT_NEGATION}[^ .,]+ ){{0,{gap.group(1)}}}", None, True)
        if token.startswith("!"):
            ahead = self._piece(token[1:], template)
            return _Piece(f"(?!{ahead.regex})", None, True)
        repeat = token[-1] if token[-1] in "?*" else ""
        body = token[:-1] if repeat else token
        if body.startswith("(") and body.endswith(")"):
            piece = self._group(_alternatives(body[1:-1]), template)
        else:
            piece = self._choice(body, template)
        if repeat == "?":
            return _Piece(f"(?:{piece.regex})?", piece.must, True)
        if repeat == "*":
            return _Piece(f"(?:{piece.regex}){{0,2}}", piece.must, True)
        return piece

    def _choice(self, body: str, template: str) -> _Piece:
        """``a|{slot}|b``: one of the words or one of the slot's templates."""
        regexes: list[str] = []
        must: set[str] | None = set()
        for part in body.split("|"):
            if part == _END_MARK:
                regexes.append(_END)
                must = None
            elif part.startswith("{") and part.endswith("}"):
                slot = self._slot(part[1:-1], template)
                regexes.append(slot.regex)
                must = None if must is None or slot.must is None else must | slot.must
            else:
                (word,) = self._words(part, template)
                regexes.append(word + " ")
                must = None if must is None else must | {part}
        frozen = None if must is None else frozenset(must)
        return _Piece(_either(regexes), frozen, False)

    def _words(self, body: str, template: str) -> list[str]:
        words = body.split("|")
        for word in words:
            if not _WORD.fullmatch(word):
                raise ValueError(f"template {template!r}: {word!r} is not a plain word")
        self.words.update(words)
        return [re.escape(w) for w in words]

    def _slot(self, name: str, template: str) -> _Piece:
        if name in self._done:
            return self._done[name]
        if name not in self._slots:
            raise ValueError(f"template {template!r}: no slot {{{name}}}")
        if name in self._busy:
            raise ValueError(f"slot {{{name}}} refers to itself")
        self._busy.add(name)
        piece = self._group(self._slots[name], template)
        self._busy.discard(name)
        self._done[name] = piece
        return piece

    def _group(self, alternatives: Sequence[str], template: str) -> _Piece:
        parts = [
            (_END, None) if alternative.strip() == _END_MARK else self._sequence(alternative)
            for alternative in alternatives
        ]
        musts = [must for _, must in parts]
        must = None if any(m is None for m in musts) else frozenset().union(*musts)  # type: ignore[arg-type]
        return _Piece(_either([regex for regex, _ in parts]), must, False)


def _either(regexes: list[str]) -> str:
    """One of ``regexes``; a single one as it is (smaller expressions compile faster)."""
    return regexes[0] if len(regexes) == 1 else "(?:" + "|".join(regexes) + ")"


def _split(template: str) -> list[str]:
    """The template's tokens; a ``(...)`` group (with its suffix) is one token."""
    tokens: list[str] = []
    depth = 0
    current = ""
    for char in template:
        if char.isspace() and depth == 0:
            if current:
                tokens.append(current)
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        if depth < 0:
            raise ValueError(f"template {template!r}: a ')' without its '('")
        current += char
    if depth:
        raise ValueError(f"template {template!r}: a '(' without its ')'")
    return [*tokens, current] if current else tokens


def _alternatives(body: str) -> list[str]:
    """``a b|c d`` split on the ``|`` outside inner groups: ["a b", "c d"]."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in body:
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]
