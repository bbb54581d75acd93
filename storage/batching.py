"""Statement sizes that hold on every database: PostgreSQL takes at most 32,767 bind
parameters in one statement, SQLite 32,766 (999 on older builds)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Values per ``IN (...)`` list.
IN_LIST = 1000
#: Bind parameters per multi-row INSERT (rows x columns).
PARAMETERS = 30_000


def chunks(values: Iterable[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``."""
    items = values if isinstance(values, Sequence) else list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def rows_per_insert(columns: int) -> int:
    """How many rows of ``columns`` values one INSERT may carry."""
    return max(1, PARAMETERS // max(1, columns))
