"""Text a person typed, made safe to store.

Discord passes on what a client sends, and some of it no database takes: PostgreSQL refuses
NUL in text, and neither PostgreSQL nor SQLite can encode a lone UTF-16 surrogate (half of
an emoji cut in two; JSON decoding joins a whole pair into its character, so any surrogate
left in a str is a lone half). ``clean`` removes exactly those and keeps everything else as
it was written. It runs where input arrives (every slash-command option and form field) and
again on every text column as it is written (storage/models.py), so nothing can skip it.
"""

from __future__ import annotations

import re
from typing import Any

_REFUSED = re.compile("[\x00\ud800-\udfff]+")


def clean(text: str) -> str:
    """``text`` without NUL and lone surrogates."""
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
