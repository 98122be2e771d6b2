"""`quizbot migrate-db`: a SQLite database copied into an empty PostgreSQL database, in one transaction.

The SQLite file is opened read-only, inside one read transaction (one moment of it, even if a bot still
writes). On the PostgreSQL side the migrations are applied first (PgDatabase.open); then one transaction
locks the tables, refuses a database that holds any rows, copies every table with COPY (parents first, see
bot/storage/tables.py), moves the identity sequences past the copied ids, and checks before committing: each
table's row count equals the source's, and the kept totals equal totals recomputed from the copied answers
(totals_check.py). Any failure rolls the copy back: the database holds the empty schema only."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from ...core.errors import StorageError
from ..export import open_readonly
from ..tables import (
    PG_SCHEMA,
    SEEDED,
    Plan,
    any_row_sql,
    count_sql,
    delete_sql,
    max_sql,
    pg_schema,
    plan,
    quoted,
    select_sql,
    sqlite_schema,
)
from .db import PgDatabase
from .totals_check import check_totals
from .url import shown

_FAILED = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
_FOREIGN_KEYS = (
    "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
    "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.relname = ANY($1::text[]) "
    "ORDER BY c.relname, k.conname"
)


@dataclass(frozen=True)
class Copied:
    """One table copied: its rows, and the seconds the copy took."""

    table: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class Checked:
    """The whole copy, committed: tables, rows, rows of totals recomputed, seconds from start to commit."""

    tables: int
    rows: int
    totals: int
    seconds: float


async def migrate_db(source: Path, url: str, copied: Callable[[Copied], None]) -> Checked:
    """Copy the quizbot database at `source` (SQLite) into the empty PostgreSQL database at `url`, calling
    `copied` after each table; raise StorageError (nothing committed) if anything fails or does not check."""
    start = time.perf_counter()
    with closing(open_readonly(source)) as src:  # refuses a missing, foreign or older file in one line
        try:
            src.execute("BEGIN")  # one read transaction: every table from the same moment of the file
            source_tables = sqlite_schema(src)
        except sqlite3.Error as exc:
            raise StorageError(f"{source}: cannot read it: {exc}") from exc
        db = await PgDatabase.open(url, min_size=1, max_size=1)
        try:
            async with db.pool.acquire() as conn:
                try:
                    async with conn.transaction():
                        steps = plan(source_tables, pg_schema(await conn.fetch(PG_SCHEMA)))
                        rows = await _copy_all(src, conn, steps, url, copied)
                        totals = await check_totals(conn)
                except StorageError as exc:
                    raise StorageError(f"{exc}; nothing was copied") from exc
                except _FAILED as exc:
                    raise StorageError(f"{shown(url)}: {_first_line(exc)}; nothing was copied") from exc
                except sqlite3.Error as exc:
                    raise StorageError(f"{source}: cannot read it: {exc}; nothing was copied") from exc
        finally:
            await db.close()
    return Checked(len(steps), rows, totals, time.perf_counter() - start)


async def _copy_all(
    src: sqlite3.Connection, conn: Any, steps: Plan, url: str, copied: Callable[[Copied], None]
) -> int:
    names = [t for t, _ in steps]
    # No bot and no second migrate-db writes meanwhile (they wait); readers go on.
    await conn.execute("LOCK TABLE " + ", ".join(map(quoted, names)) + " IN SHARE ROW EXCLUSIVE MODE")
    held = await conn.fetch(" UNION ALL ".join(f"({any_row_sql(t)})" for t in names if t not in SEEDED))
    if held:
        raise StorageError(
            f"{shown(url)}: not empty (it holds {', '.join(r[0] for r in held)}); migrate-db copies into an "
            "empty database only"
        )
    # Bulk load: the foreign keys are dropped for the copy and added back after it, which checks every row at
    # once (a million answers: 0.3 s, against about 9 s of checks row by row), and teams.members is counted
    # once at the end instead of by its trigger per member. Both in this transaction: a failure undoes them.
    foreign = await conn.fetch(_FOREIGN_KEYS, names)
    for table, name, _ in foreign:
        await conn.execute(f"ALTER TABLE {quoted(table)} DROP CONSTRAINT {quoted(name)}")
    await conn.execute("ALTER TABLE team_members DISABLE TRIGGER USER")
    total = 0
    for table, columns in steps:
        began = time.perf_counter()
        if table in SEEDED:
            await conn.execute(delete_sql(table))
        expected = src.execute(count_sql(table)).fetchone()[0]
        cursor = src.execute(select_sql(table, columns))
        status = await conn.copy_records_to_table(table, records=_rows(cursor), columns=columns)
        written = int(status.split()[-1])
        found = await conn.fetchval(count_sql(table))
        if not written == found == expected:
            raise StorageError(f"table {table}: {expected:,} rows in the source, {found:,} after the copy")
        total += found
        copied(Copied(table, found, time.perf_counter() - began))
    await conn.execute("ALTER TABLE team_members ENABLE TRIGGER USER")
    await conn.execute(
        "UPDATE teams t SET members = c.n FROM (SELECT team_id, count(*) AS n FROM team_members GROUP BY team_id) c "
        "WHERE c.team_id = t.id"
    )
    for table, name, definition in foreign:
        await conn.execute(f"ALTER TABLE {quoted(table)} ADD CONSTRAINT {quoted(name)} {definition}")
    identities = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name = ANY($1::text[])",
        names,
    )
    for table, column in identities:  # the next id after the highest copied, as SQLite would give it
        top = await conn.fetchval(max_sql(table, column))
        await conn.execute(
            "SELECT setval(pg_get_serial_sequence($1, $2), $3, false)", quoted(table), column, (top or 0) + 1
        )
    return total


def _rows(cursor: sqlite3.Cursor) -> Iterator[tuple[Any, ...]]:
    """The cursor's rows in batches: COPY reads them as it sends, never the whole table in memory."""
    while batch := cursor.fetchmany(5000):
        yield from batch


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
