"""Generic queries on personal data, driven by ``storage.personal`` and the foreign keys.

"Rows about a member" are their ``members`` row, every row with a foreign key to it, and
every row hanging off those by foreign key, transitively (their matches, the sessions and
surveys of those matches, the attendance of those sessions, ...). Nothing here names a
table, so a table added later is covered once its columns are classified.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    String,
    Table,
    TypeDecorator,
    cast,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, Match, MatchStatus
from storage.personal import Kind, kind_of

CHUNK = 500
Found = dict[str, set[int]]  # table name -> primary keys


def _pk(table: Table) -> Column[Any]:
    (column,) = table.primary_key.columns
    return column


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _columns(table: Table, kind: Kind) -> list[Column[Any]]:
    return [column for column in table.columns if kind_of(column) is kind]


async def descendants(session: AsyncSession, roots: Found) -> Found:
    """``roots`` and every row hanging off them by foreign key, transitively."""
    found: Found = {name: set(ids) for name, ids in roots.items()}
    fresh: Found = {name: set(ids) for name, ids in roots.items() if ids}
    while fresh:
        step: Found = {}
        for table in Base.metadata.sorted_tables:
            for key in table.foreign_keys:
                parents = fresh.get(key.column.table.name)
                if not parents or key.column is not _pk(key.column.table):
                    continue
                for chunk in _chunks(parents):
                    rows = await session.scalars(select(_pk(table)).where(key.parent.in_(chunk)))
                    new = set(rows) - found.setdefault(table.name, set())
                    found[table.name] |= new
                    step.setdefault(table.name, set()).update(new)
        fresh = {name: ids for name, ids in step.items() if ids}
    return {name: ids for name, ids in found.items() if ids}


async def about_member(session: AsyncSession, member_id: int) -> Found:
    """The member's row and every row about them, by foreign key."""
    return await descendants(session, {"members": {member_id}})


async def naming_user(session: AsyncSession, guild_id: int, user_id: int) -> Found:
    """Rows holding ``user_id`` in a user-id column (in the server, for tables that have one)."""
    found: Found = {}
    for table in Base.metadata.sorted_tables:
        for column in _columns(table, Kind.USER_ID):
            query = select(_pk(table)).where(column == user_id)
            query = query.where(*_in_server(table, guild_id))
            found.setdefault(table.name, set()).update(await session.scalars(query))
    return {name: ids for name, ids in found.items() if ids}


def _in_server(table: Table, guild_id: int) -> list[ColumnElement[bool]]:
    """Rows of this server, for a table that names one; a row whose server is not recorded
    (an older delivery) counts as everyone's."""
    if "guild_id" not in table.columns:
        return []
    column = table.columns["guild_id"]
    return [or_(column == guild_id, column.is_(None)) if column.nullable else column == guild_id]


def merge(*sets: Found) -> Found:
    merged: Found = {}
    for found in sets:
        for name, ids in found.items():
            merged.setdefault(name, set()).update(ids)
    return merged


async def read_rows(
    session: AsyncSession, found: Found, owner: int | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every column of the rows found, as JSON-ready values, by table then primary key.

    With ``owner`` (a member id), the free text of rows written by another member (a row
    pointing at members, none of it at the owner: the partner's survey or attendance note)
    is withheld, and the row lists the columns in ``withheld``.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    for table in Base.metadata.sorted_tables:
        ids = found.get(table.name)
        if not ids:
            continue
        people = [
            key.parent.name
            for key in table.foreign_keys
            if key.column is _pk(Base.metadata.tables["members"])
        ]
        texts = [column.name for column in _columns(table, Kind.FREE_TEXT)]
        rows: list[dict[str, Any]] = []
        for chunk in _chunks(ids):
            result = await session.execute(
                select(table).where(_pk(table).in_(chunk)).order_by(_pk(table))
            )
            for mapping in result.mappings():
                row = {k: _plain(v) for k, v in mapping.items()}
                authors = {row[name] for name in people} - {None}
                if owner is not None and texts and authors and owner not in authors:
                    row.update(dict.fromkeys(texts))
                    row["withheld"] = texts
                rows.append(row)
        out[table.name] = rows
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _emptied(column: Column[Any]) -> Any:
    if column.nullable:
        return None
    kind = column.type
    stored = kind.impl_instance if isinstance(kind, TypeDecorator) else kind  # cleaned JSON too
    return [] if isinstance(stored, JSON) else ""


async def clear(session: AsyncSession, found: Found, kinds: tuple[Kind, ...]) -> int:
    """Empty the columns of ``kinds`` in the rows found (NULL, or '' / [] where required);
    returns how many values held something."""
    changed = 0
    for table in Base.metadata.sorted_tables:
        ids = found.get(table.name)
        columns = [c for kind in kinds for c in _columns(table, kind)]
        if not ids or not columns:
            continue
        for column in columns:
            empty = _emptied(column)
            for chunk in _chunks(ids):
                query = update(table).where(_pk(table).in_(chunk), column.is_not(None))
                if empty is not None:
                    query = query.where(cast(column, String) != ("[]" if empty == [] else ""))
                result = await session.execute(query.values({column.name: empty}))
                changed += max(result.rowcount, 0)  # type: ignore[attr-defined]
    return changed


async def replace_user_id(
    session: AsyncSession, guild_id: int, user_id: int, pseudonym: int
) -> None:
    """Every stored copy of ``user_id`` becomes ``pseudonym``: user-id columns and the
    ':'-separated parts of keys, within the server for tables that name one. Tables without
    a server column (``training_completions``, ``dm_channels``) are rewritten everywhere."""
    for table in Base.metadata.sorted_tables:
        for column in _columns(table, Kind.USER_ID):
            query = update(table).where(column == user_id)
            query = query.where(*_in_server(table, guild_id))
            await session.execute(query.values({column.name: pseudonym}))
        for column in _columns(table, Kind.USER_KEY):
            text = str(user_id)
            keyed = select(_pk(table), column).where(column.contains(text, autoescape=True))
            keyed = keyed.where(*_in_server(table, guild_id))
            rows = await session.execute(keyed)
            for pk, value in rows:
                parts = [str(pseudonym) if part == text else part for part in value.split(":")]
                await session.execute(
                    update(table).where(_pk(table) == pk).values({column.name: ":".join(parts)})
                )


async def closed_before(session: AsyncSession, instant: datetime) -> set[int]:
    """Ids of matches, in every server, closed before ``instant``."""
    rows = await session.scalars(
        select(Match.id).where(Match.status == MatchStatus.CLOSED, Match.ended_at < instant)
    )
    return set(rows)
