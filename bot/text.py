"""Text a person typed, made safe to store.

Discord passes on what a client sends, and some of it no database takes: PostgreSQL refuses
NUL in text, and neither PostgreSQL nor SQLite can encode a lone UTF-16 surrogate (half of
an emoji cut in two; JSON decoding joins a whole pair into its character, so any surrogate
left in a str is a lone half). ``clean`` removes exactly those and keeps everything else as
it was written. It runs where input arrives (every slash-command option and form field) and
again on every text column as it is written (storage/models.py), so nothing can skip it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_REFUSED = re.compile("[\x00\ud800-\udfff]+")


def clean(text: str) -> str:
    """``text`` without NUL and lone surrogates."""
    if text.isascii() and "\x00" not in text:  # no surrogate is ASCII; isascii reads a flag
        return text
    return _REFUSED.sub("", text)


def clean_json(value: Any) -> Any:
    """``value`` with ``clean`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list | tuple):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_json(key): clean_json(item) for key, item in value.items()}
    return value


def clean_json_text(value: Any) -> str:
    """``value`` as JSON text, with ``clean`` applied to every string in it (keys too): the
    text is searched, not every string. ``orjson`` writes NUL as ``\\u0000`` and refuses a
    lone surrogate, so a text with neither is clean as it is. It reads back as ``json.dumps``
    would have written it (tuples as lists, keys as strings), with non-ASCII unescaped, and
    is written seven times faster (a fan-out writes one per prompt)."""
    try:
        text = orjson.dumps(value, default=_as_list, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a lone surrogate, or what orjson does not take (an int past 64 bits)
        return json.dumps(clean_json(value))
    if b"\\u0000" in text:
        return json.dumps(clean_json(value))
    return text.decode()


def _as_list(value: Any) -> list[Any]:
    """What orjson leaves to its caller that ``json.dumps`` writes: a tuple's subclass."""
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


#: Characters that show nothing: zero-width spaces and joiners, bidi marks and overrides,
#: the byte-order mark, word joiner and invisible operators, Hangul and braille blanks.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0]"
)
#: Bidi overrides and isolates: they reorder how the rest of a line is shown.
_REORDERING = re.compile("[\u202a-\u202e\u2066-\u2069]")
_MASKED_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?([^()\s<>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
#: A scheme with nothing after it counts too: Discord reads a link through backticks.
_URL = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*://|www\.)[^\s<>`|]*")
_TRAILING = ".,;:!?)]}'\""


def is_invisible(text: str) -> bool:
    """True when ``text`` shows nothing: only spaces and characters like zero-width ones."""
    return not _INVISIBLE.sub("", text).strip()


def _allowed(url: str, allowed_hosts: frozenset[str]) -> bool:
    scheme, _, rest = url.partition("://")
    if scheme.lower() != "https" or not rest:
        return False
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
    return host.lower().rstrip(".") in allowed_hosts


def plain_links(
    text: str, allowed_hosts: frozenset[str] = frozenset(), *, limit: int | None = None
) -> str:
    """``text`` as Discord should show it when the bot relays what a student wrote: masked
    links (``[label](url)``) written out as "label (url)", and every URL in inline code, so
    that nothing is clickable, except ``https`` links to ``allowed_hosts`` (lower case).
    In a text with a link, bidi overrides (which can disguise it) are removed and the
    text's own backticks are shown as a modifier grave accent (U+02CB), so that no code
    span of the text's can open or close one of these; a text without one is kept as is.
    With ``limit``, the end of ``text`` is left out until what is shown fits (cutting what
    is shown could leave a code span open)."""
    shown = _plain_links(text, allowed_hosts)
    while limit is not None and len(shown) > limit:
        text = text[: max(0, len(text) - (len(shown) - limit))]
        shown = _plain_links(text, allowed_hosts)
    return shown


def _plain_links(text: str, allowed_hosts: frozenset[str]) -> str:
    if not _URL.search(text):
        return text  # nothing to make plain: kept exactly as written
    text = _REORDERING.sub("", text).replace("`", "\u02cb")
    text = _MASKED_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)

    def shown(match: re.Match[str]) -> str:
        url = match.group(0)
        kept = url.rstrip(_TRAILING)
        tail = url[len(kept) :]
        if _allowed(kept, allowed_hosts):
            return kept + tail
        return f"`{kept}`{tail}"

    return _URL.sub(shown, text)
