"""`quizbot backup` of a PostgreSQL database: a SQLite file of the same kind a SQLite backup writes (the
reverse of migrate-db, which restores it), read in one REPEATABLE READ, READ ONLY transaction, so it is one
moment of the database even while bots write. The file gets SQLite's own migrations, every table's rows
(bot/storage/tables.py), and is checked before it replaces anything: intact, quizbot's, each table holding as
many rows as the snapshot."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from ...core.errors import StorageError
from ..backup import BackupResult, check_destination, write_checked
from ..db import APPLICATION_ID, migrations
from ..db import LATEST as SQLITE_LATEST
from ..tables import (
    PG_SCHEMA,
    SEEDED,
    count_sql,
    delete_sql,
    insert_sql,
    pg_schema,
    plan,
    select_sql,
    sqlite_schema,
)
from .snapshot import Snapshot


def backup_postgres(url: str, dest: Path, *, force: bool = False) -> tuple[BackupResult, int]:
    """Write the database at `url` as a SQLite file at `dest`; return what was written and the PostgreSQL
    schema version it was read at."""
    check_destination(dest, force=force)
    with Snapshot(url) as snap:

        def fill(tmp: Path) -> None:
            with closing(sqlite3.connect(tmp, isolation_level=None)) as out:
                _create(out)
                _copy(snap, out)

        counts = write_checked(dest, fill, SQLITE_LATEST)
        version = snap.version
    return BackupResult(dest, dest.stat().st_size, SQLITE_LATEST, *counts), version


def _create(out: sqlite3.Connection) -> None:
    """The SQLite store's schema, every migration applied, marked as quizbot's."""
    script = "".join(sql + "\n" for _, _, sql in migrations())
    out.executescript(
        f"BEGIN;\n{script}\nPRAGMA user_version = {SQLITE_LATEST:d};\n"
        f"PRAGMA application_id = {APPLICATION_ID:d};\nCOMMIT;"
    )


def _copy(snap: Snapshot, out: sqlite3.Connection) -> None:
    steps = plan(pg_schema(snap.fetch(PG_SCHEMA)), sqlite_schema(out))
    out.execute("BEGIN")
    for table, columns in steps:
        if table in SEEDED:
            out.execute(delete_sql(table))
        out.executemany(insert_sql(table, columns), snap.rows(select_sql(table, columns)))
        expected = snap.value(count_sql(table))
        found = out.execute(count_sql(table)).fetchone()[0]
        if found != expected:
            raise StorageError(f"table {table}: {expected:,} rows in the database, {found:,} in the copy")
    out.execute("COMMIT")
