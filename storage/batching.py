"""Statement sizes that hold on every database: PostgreSQL takes at most 32,767 bind
parameters in one statement, SQLite 32,766 (999 on older builds). And rows written in bulk
as the driver takes them (``stored``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Dialect, Table, TypeDecorator
from sqlalchemy.types import NullType

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


class AsStored(TypeDecorator[Any]):
    """A bind parameter whose value is given as the driver takes it (``stored`` ran its
    column's own bind processing already): nothing runs on it per row."""

    impl = NullType
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


def stored(
    table: Table, dialect: Dialect, rows: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """``rows`` (values by column name) as the driver takes them, for a statement whose
    parameters are ``AsStored``: each column's own bind processing (its type's, for this
    dialect: UTC datetimes, cleaned strings, enums, JSON) run once per distinct value of
    that column, not once per row (a fan-out's rows share their times, kinds and status).
    The values written are those SQLAlchemy writes through the column's type."""
    processors: dict[str, Callable[[Any], Any] | None] = {}
    memo: dict[tuple[str, Any], Any] = {}
    found: list[dict[str, Any]] = []
    for row in rows:
        values: dict[str, Any] = {}
        for name, value in row.items():
            if name not in processors:
                processors[name] = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            process = processors[name]
            if process is None:
                values[name] = value
                continue
            try:
                values[name] = memo[name, value]
            except KeyError:
                values[name] = memo[name, value] = process(value)
            except TypeError:  # unhashable (a JSON list): processed as it is
                values[name] = process(value)
        found.append(values)
    return found
