"""Free-text lists ("Soccer, art;  Video   games") -> tidy tags ("soccer", "art", "video games").

Used for interests and school subjects, so matching can compare them exactly.
"""

from __future__ import annotations

import re

from bot.errors import InvalidInput
from bot.i18n import Text

__all__ = ["normalise_tags"]

_SEPARATOR_RE = re.compile(r"[,;\n]")


def normalise_tags(text: str, *, max_tags: int = 10, max_length: int = 30) -> tuple[str, ...]:
    """The tags in ``text``, split on commas, semicolons and new lines.

    Each tag is case-folded with its inner whitespace collapsed to one space; empty tags are
    dropped and repeats removed, keeping the first order. Empty text gives ``()``. More than
    ``max_tags`` tags, or one longer than ``max_length`` characters, raises ``InvalidInput``
    naming the limit and the tags over it.
    """
    tags: dict[str, None] = {}
    for piece in _SEPARATOR_RE.split(text):
        tag = " ".join(piece.casefold().split())
        if tag:
            tags.setdefault(tag)
    too_long = [tag for tag in tags if len(tag) > max_length]
    if too_long:
        shown = ", ".join(f'"{_shortened(tag, max_length)}"' for tag in too_long)
        raise InvalidInput(
            Text(
                "Keep each one to {limit} characters or fewer; too long: {shown}. Separate them "
                "with commas.",
                limit=max_length,
                shown=shown,
            )
        )
    if len(tags) > max_tags:
        extra = ", ".join(f'"{tag}"' for tag in list(tags)[max_tags:])
        raise InvalidInput(
            Text(
                "That's {count}; give at most {most}. Over the limit: {extra}.",
                count=len(tags),
                most=max_tags,
                extra=extra,
            )
        )
    return tuple(tags)


def _shortened(tag: str, length: int) -> str:
    return tag[:length].rstrip() + "…"
