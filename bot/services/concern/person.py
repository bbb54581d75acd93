"""Whom a mentor's words are about: "he told me he wants to die" in a mentor's session note
is about their mentee, "honestly I want to die" is about the mentor, who is a student too.

``of_the_writer(text)`` is true only when the text speaks in the first person and names or
points to nobody else (no third-person pronoun, no "my mentee", no "she said"). Anything
else, mixed or unclear, stays about the mentee, who is the one the pair exists for; staff
read the words either way.
"""

from __future__ import annotations

from bot.services.concern import reading


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words of the writer themselves, after the normaliser ("I'm" reads "i am", "kms" "kill
#: myself"); Spanish verbs and clitics in the first person ("quiero", "matarme").
_FIRST = {
    "en": _words("i me my myself mine"),
    "es": _words(
        "yo me mi mis conmigo quiero estoy siento tengo puedo soy voy pienso odio aguanto "
        "matarme morirme cortarme suicidarme lastimarme"
    ),
}
#: Words that point to someone else: pronouns, the mentee, reported speech; Spanish third
#: persons and their clitics ("se quiere morir", "matarse").
_OTHER = {
    "en": _words(
        "he she him her his hers himself herself they them their theirs themselves mentee "
        "mentees kid student friend someone somebody told said says saying mentioned"
    ),
    "es": _words(
        "ella ellos ellas le les su sus se dice dijo conto comento cuenta mentee aprendiz "
        "chico chica chavo chava nino nina alumno alumna amigo amiga quiere tiene piensa "
        "siente puede matarse morirse cortarse suicidarse lastimarse"
    ),
}


def of_the_writer(text: str) -> bool:
    """Whether ``text`` is about the one who wrote it (see the module's docstring)."""
    language, normalised = reading(text)
    words = set(normalised.split())
    return bool(words & _FIRST[language]) and not words & _OTHER[language]
