"""Text as the concern patterns read it: one lowercase ASCII word per token, clause breaks
as ``.`` (sentence) and ``,`` (comma) tokens.

The steps, in order: compatibility forms (full-width letters), look-alike Cyrillic and Greek
letters, laughing emoji and emoji for a means (pills, knife, gun, rope) mapped; invisible
characters (zero-width, bidi marks, soft hyphens, controls, lone surrogates) removed;
accents folded, so ``ñ`` reads as ``n`` (what a student types without a Spanish keyboard:
"daño" and "dano" match alike); apostrophes joined ("don't" -> "dont"); dotted or dashed
letters joined ("k.m.s" -> "kms"); leetspeak inside words ("k1ll", "$uicide"); then, per
token, letters repeated three times or more squeezed ("kiiill" -> "kill", "sooo" -> "so"),
texting forms expanded from the language's list ("wanna" -> "want to", "xq" -> "porque"), a
dropped final g restored ("thinkin"), words run together spaced out ("iwanttodie"), a word's
start respelt ("kiero" -> "quiero") and a misspelt key word mapped to its spelling by a
fuzzy match (``Fuzzy``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import OSA

#: Sentence and comma boundaries in the token stream: no pattern runs across them.
SENTENCE = "."
COMMA = ","

_LOOKALIKE = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "у": "y", "і": "i",
        "ј": "j", "ѕ": "s", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b", "ԁ": "d",
        "α": "a", "ε": "e", "ο": "o", "ι": "i", "κ": "k", "ν": "v", "τ": "t", "ρ": "p",
        "\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "´": "'",
        "💊": " pills ", "🔪": " knife ", "🔫": " gun ", "🪢": " rope ",
        "😂": " lol ", "🤣": " lol ", "😆": " lol ", "😹": " lol ", "💀": " lol ",
    }
)  # fmt: skip
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])(?:[a-z][.\-]){1,5}[a-z](?![a-z0-9])\.?")
_SPACED_HINT = re.compile(r"\b[a-z][.\-][a-z]\b")
_LEET_HINT = re.compile(r"[!|$@]")
_LEET_INSIDE = re.compile(r"(?<=[a-z0-9])[!|$@](?=[a-z0-9])|(?<![a-z0-9])[$@](?=[a-z])")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "$": "s", "@": "a", "!": "i", "|": "i"})  # fmt: skip
_TOKENS = re.compile(r"[a-z0-9]+|[.!?;:\n()\[\]]+|,")
_RUN = re.compile(r"(.)\1{2,}")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_APOSTROPHE = re.compile(r"(?<=[a-z])'(?=[a-z])")
_MAX_TOKEN = 40
#: Common words of each language, as ``tokens`` gives them (accents folded): the language
#: guess counts them.
_SPANISH = frozenset({
    "que", "de", "la", "el", "no", "me", "y", "en", "es", "mi", "mis", "te", "tu", "por",
    "lo", "un", "una", "con", "los", "se", "muy", "pero", "las", "para", "estoy", "quiero",
    "ya", "tengo", "nada", "yo", "soy", "mas", "todo", "como", "cuando", "porque", "si",
    "del", "al", "le", "hay", "esta", "eso"
})  # fmt: skip
_ENGLISH = frozenset({
    "the", "i", "to", "and", "my", "is", "it", "of", "in", "you", "im", "dont", "want", "not",
    "this", "that", "be", "with", "so", "just", "was", "for", "have", "me", "on", "at", "all",
    "but", "get", "like", "about", "can", "its"
})  # fmt: skip


@dataclass(frozen=True)
class Fuzzy:
    """Misspellings of a few key words ("suicde", "kil", "mysefl") read as the key word.

    A token is considered only when it is not a known word (``known``: every word the
    patterns use and the real words near a key word, such as "kiln", "skill", "piles"),
    has at least the key's minimum number of letters, starts with the key's first letter,
    and is one edit away (insertion, deletion, substitution or a swap of two neighbours).
    The key word then still has to sit in a pattern's frame ("kil myself") to count.
    """

    keys: Mapping[str, int]  # key word -> shortest token considered
    known: frozenset[str]

    def correct(self, token: str) -> str:
        if token in self.known:
            return token
        for key, shortest in self.keys.items():
            if (
                len(token) >= shortest
                and token[0] == key[0]
                and abs(len(token) - len(key)) <= 1
                and OSA.distance(token, key, score_cutoff=1) <= 1
            ):
                return key
        return token


class Normaliser:
    """One language's reading of a prepared text (its texting forms and key words)."""

    def __init__(
        self,
        texting: Mapping[str, str],
        phrases: Mapping[str, str],
        fuzzy: Fuzzy,
        respell: Mapping[str, str] | None = None,
        glued: Mapping[str, str] | None = None,
    ) -> None:
        self.texting = dict(texting)  # one token -> its expansion (one or more words)
        self.respell = dict(respell or {})  # a word's start -> its spelling ("ki" -> "qui")
        self.glued = dict(glued or {})  # words run together -> spaced ("iwanttodie")
        self.phrases = {f" {words} ": f" {form} " for words, form in phrases.items()}
        self._phrase = (  # multi-word forms ("sewer slide" -> "suicide"), in one pass
            re.compile("|".join(re.escape(words) for words in self.phrases)) if phrases else None
        )
        self.fuzzy = fuzzy
        self._word = lru_cache(maxsize=16384)(self._read_word)

    def text(self, raw: list[str]) -> str:
        """Tokens (from ``tokens``) read in this language, joined with a space before and
        after each: the form templates are matched against."""
        word = self._word
        joined = " " + " ".join([word(token) for token in raw]) + " "
        if self._phrase is not None:
            # a phrase's spaces are shared with its neighbours: two passes catch them all
            for _ in range(2):
                joined = self._phrase.sub(lambda m: self.phrases[m.group()], joined)
        return joined

    def _read_word(self, raw: str) -> str:
        if raw == COMMA:
            return COMMA
        if not raw[0].isalnum():
            return SENTENCE
        token = raw[:_MAX_TOKEN]
        if token in self.texting:
            return self.texting[token]
        if not token.isalpha() and not token.isdigit():
            token = token.replace("11", "ll").translate(_LEET)
        token = self._squeeze(token)
        if token in self.texting:
            return self.texting[token]
        if len(token) >= 5 and token.endswith("in") and token + "g" in self.fuzzy.known:
            return token + "g"
        if token not in self.fuzzy.known:
            for glue, words in self.glued.items():
                if glue in token:
                    return " ".join(token.replace(glue, f" {words} ").split())
            for start, spelling in self.respell.items():
                if token.startswith(start):
                    token = spelling + token[len(start) :]
                    break
        return self.fuzzy.correct(token)

    def _squeeze(self, token: str) -> str:
        if not _RUN.search(token):
            return token
        two = _RUN.sub(r"\1\1", token)
        if two in self.fuzzy.known or two in self.texting:
            return two
        return _RUN.sub(r"\1", token)


def tokens(text: str) -> list[str]:
    """Any text as raw tokens: words, runs of sentence punctuation, commas."""
    return _TOKENS.findall(prepare(text))


def guess_language(raw: list[str]) -> str:
    """``"es"`` when more of the tokens are common Spanish words than common English ones,
    else ``"en"`` (right for 95% of the development sentences)."""
    spanish = sum(token in _SPANISH for token in raw)
    english = sum(token in _ENGLISH for token in raw)
    return "es" if spanish > english else "en"


def prepare(text: str) -> str:
    """Language-independent cleaning: lowercase ASCII letters, digits and punctuation."""
    if text.isascii():
        text = _CONTROL.sub(" ", text.lower())
    else:
        text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates -> "?"
        text = unicodedata.normalize("NFKC", text).lower().translate(_LOOKALIKE)
        text = "".join(_fold(char) for char in unicodedata.normalize("NFKD", text))
    if "'" in text:
        text = _APOSTROPHE.sub("", text)
    if _SPACED_HINT.search(text):
        text = _SPACED_LETTERS.sub(lambda m: m.group().replace(".", "").replace("-", ""), text)
    if _LEET_HINT.search(text):
        text = _LEET_INSIDE.sub(lambda m: m.group().translate(_LEET), text)
    return text


@lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """One character without its accent; invisible and control characters dropped."""
    if unicodedata.combining(char):
        return ""
    kind = unicodedata.category(char)
    if kind in ("Cf", "Cs", "Co", "Cn"):
        return ""  # zero-width, bidi marks, soft hyphen, surrogates, private use, unassigned
    if kind == "Cc":
        return "\n" if char == "\n" else " "
    return char
