"""Statement sizes that hold on every database: PostgreSQL takes at most 32,767 bind
parameters in one statement, SQLite 32,766 (999 on older builds). And many rows inserted
as one value (``insert_rows``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Dialect,
    String,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    column,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import NullType, TypeEngine

T = TypeVar("T")

#: Values per ``IN (...)`` list, and at most the rows per ``insert_rows`` statement.
IN_LIST = 1000
#: Bind parameters per statement (rows x columns).
PARAMETERS = 30_000


def chunks(values: Iterable[T], size: int = IN_LIST) -> Iterator[Sequence[T]]:
    """``values`` in consecutive slices of at most ``size``."""
    items = values if isinstance(values, Sequence) else list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def among(
    session: AsyncSession, column: Any, values: Sequence[Any]
) -> Iterator[ColumnElement[bool]]:
    """``column IN values`` as the conditions of one statement each: on PostgreSQL one, with
    all the values as one array parameter (``= ANY``: an IN list's values are each rendered
    and cast on every execution, which cost a fan-out at 50,000 mentees a second there);
    elsewhere an IN list per ``IN_LIST`` values."""
    if session.get_bind().dialect.name == "postgresql":
        array = bindparam(None, list(values), type_=ARRAY(column.type))
        yield cast("ColumnElement[bool]", column == any_(array))
        return
    for chunk in chunks(values):
        yield cast("ColumnElement[bool]", column.in_(chunk))


async def insert_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[str],
    returning: Sequence[str],
    given: frozenset[str] = frozenset(),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values by column name; a column a row leaves out takes its Python
    default, a callable one called once for all, else NULL), a row whose ``conflict``
    columns are taken left as it is; returns the ``returning`` columns of the rows
    inserted. In the caller's transaction. The values of the ``given`` columns are as the
    driver takes them already (a JSON column's text, serialized by the caller).

    At most ``IN_LIST`` rows per ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, with
    nothing built per row but its values: each column's own bind processing (its type's,
    for this dialect: UTC datetimes, cleaned strings, enums, JSON) runs once per distinct
    value of the column in a statement. PostgreSQL takes the rows as one JSON text that the
    server reads apart (``jsonb_array_elements``), SQLite as one multi-row ``VALUES`` given
    to the driver as it is (no per-row parameter dictionaries: that was most of a fan-out's
    client time)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect
    defaults = _defaults(table)
    given_names = set().union(*rows)
    names = tuple(sorted(given_names | set(defaults)))
    process = [None if name in given else _processor(table.c[name].type, dialect) for name in names]
    size = min(IN_LIST, PARAMETERS // len(names))
    insert = _insert_json if dialect.name == "postgresql" else _insert_values
    found: list[tuple[Any, ...]] = []
    for chunk in chunks(rows, size):
        by_name = _columns_of(chunk, given_names, defaults)
        values = [_column(by_name[name], step) for name, step in zip(names, process, strict=True)]
        found += await insert(session, table, names, values, tuple(conflict), tuple(returning))
    return found


def _columns_of(
    rows: Sequence[Mapping[str, Any]], names: set[str], defaults: Mapping[str, Any]
) -> dict[str, Sequence[Any]]:
    """The rows' values column by column (``names``: every column any row gives); a column
    no row gives, its default for all, and one a row leaves out, the default for that row."""
    found: dict[str, Sequence[Any]] = {
        name: [value] * len(rows) for name, value in defaults.items() if name not in names
    }
    ordered = sorted(names)
    if len(ordered) > 1 and all(len(row) == len(ordered) for row in rows):
        # Every row gives every column (the usual case): read in C, not row by row.
        columns = zip(*map(itemgetter(*ordered), rows), strict=True)
        found.update(zip(ordered, columns, strict=True))
        return found
    for name in ordered:
        default = defaults.get(name)
        found[name] = [row.get(name, default) for row in rows]
    return found


async def _insert_json(
    session: AsyncSession,
    table: Table,
    names: tuple[str, ...],
    values: list[list[Any]],
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """PostgreSQL: the rows as one JSON array of arrays (``values``, by column), written by
    orjson and read apart by the server: asyncpg encoding an array per column held the
    loop's thread 1.2 s of a fan-out at 50,000 mentees, checking each value for nesting."""
    statement = _from_json(table, names, conflict, returning)
    rows = orjson.dumps(list(zip(*values, strict=True))).decode()
    return [tuple(row) for row in await session.execute(statement, {"rows": rows})]


async def _insert_values(
    session: AsyncSession,
    table: Table,
    names: tuple[str, ...],
    values: list[list[Any]],
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
) -> list[tuple[Any, ...]]:
    """SQLite: the rows as one multi-row ``VALUES`` given to the driver as it is, what it
    returns read through the columns' types."""
    sql = _values(table, names, len(values[0]), conflict, returning)
    flat = tuple(chain.from_iterable(zip(*values, strict=True)))
    result = await (await session.connection()).exec_driver_sql(sql, flat)
    dialect = session.get_bind().dialect
    read = [_reader(table.c[name].type, dialect) for name in returning]
    return [
        tuple(value if r is None else r(value) for r, value in zip(read, row, strict=True))
        for row in result
    ]


def _defaults(table: Table) -> dict[str, Any]:
    """The Python-side default of each column that has one."""
    found = {}
    for column_ in table.c:
        default = column_.default
        if default is not None and (default.is_scalar or default.is_callable):
            found[column_.name] = default.arg(None) if default.is_callable else default.arg  # type: ignore[attr-defined]
    return found


def _processor(type_: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _column(values: Sequence[Any], process: Callable[[Any], Any] | None) -> list[Any]:
    """One column's values as the driver takes them, each distinct one processed once."""
    if process is None:
        return list(values)
    try:
        memo = {value: process(value) for value in set(values)}
    except TypeError:  # unhashable (a JSON list): each processed as it is
        return [process(value) for value in values]
    return list(map(memo.__getitem__, values))


class _AsStored(TypeDecorator[Any]):
    """A bind parameter given as the driver takes it: nothing runs on it here."""

    impl = NullType
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None


@cache
def _from_json(
    table: Table, names: tuple[str, ...], conflict: tuple[str, ...], returning: tuple[str, ...]
) -> Any:
    """PostgreSQL's ``insert_rows`` statement for rows of these columns: each row a JSON
    array, each value cast from its text (built once per shape). JSONB, parsed once: with
    JSON each ``->>`` parsed its row again, and the server took longer than the client had."""
    picked = []
    for n, name in enumerate(names):
        impl = _impl(table.c[name].type)
        # Strings as text (a VARCHAR(n) cast would cut a long one short: the insert refuses
        # it instead); a JSON value arrives as its text, cast where it is picked.
        if isinstance(impl, JSON):
            target = "JSON"
        elif isinstance(impl, String):
            target = "TEXT"
        else:
            target = impl.compile(_postgresql())
        picked.append(f"CAST(given.value ->> {n} AS {target}) AS {_quoted(name)}")
    source = text(
        f"SELECT {', '.join(picked)} FROM jsonb_array_elements(CAST(:rows AS JSONB)) AS given"  # noqa: S608 - positions, no values
    ).bindparams(bindparam("rows", type_=_AsStored()))
    return (
        pg_insert(table)
        .from_select(list(names), source.columns(*(column(name) for name in names)))
        .on_conflict_do_nothing(index_elements=list(conflict))
        .returning(*(table.c[name] for name in returning))
    )


@cache
def _values(
    table: Table,
    names: tuple[str, ...],
    count: int,
    conflict: tuple[str, ...],
    returning: tuple[str, ...],
) -> str:
    """SQLite's ``insert_rows`` statement for ``count`` rows of these columns."""
    row = "(" + ", ".join("?" * len(names)) + ")"
    return (
        f"INSERT INTO {_quoted(table.name)} ({', '.join(map(_quoted, names))}) "  # noqa: S608 - names, no values
        f"VALUES {', '.join([row] * count)} "
        f"ON CONFLICT ({', '.join(map(_quoted, conflict))}) DO NOTHING "
        f"RETURNING {', '.join(map(_quoted, returning))}"
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reader(type_: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    return type_.dialect_impl(dialect).result_processor(dialect, None)


def _impl(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_


@cache
def _postgresql() -> Dialect:
    return postgresql.dialect()  # type: ignore[no-untyped-call]
