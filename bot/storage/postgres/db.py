"""The PostgreSQL connection pool: numbered migrations, ownership checks and transactions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from ...core.errors import StorageError
from ..db import migrations as bundled_migrations
from .url import shown

# Two bots starting together on a new database: the second waits for the first's migration (this key is
# quizbot's own, "QUIB" as in the SQLite application_id), then finds nothing left to do.
_MIGRATION_LOCK = 0x51554942
_VERSIONS = "quizbot_schema"  # one row per applied migration: the PostgreSQL twin of PRAGMA user_version


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled PostgreSQL migration, in order."""
    return bundled_migrations("bot.storage.postgres")


LATEST = len(migrations())


class PgDatabase:
    """An asyncpg pool. Every write runs inside `transaction()` on a connection of its own; reads go to the
    pool (`reader`) and see what is committed. PostgreSQL lets writers run side by side (rows are locked, not
    the database), so unlike the SQLite store nothing here serialises them."""

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self.pool = pool
        self.reader = pool
        self.url = url

    @classmethod
    async def open(
        cls, url: str, *, target_version: int = LATEST, min_size: int = 1, max_size: int = 10
    ) -> PgDatabase:
        """Connect and migrate; refuse a database that holds another program's tables or a newer schema."""
        try:
            pool = await asyncpg.create_pool(url, min_size=min_size, max_size=max_size)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StorageError(f"{shown(url)}: cannot connect: {exc}") from exc
        db = cls(pool, url)
        try:
            await db._migrate(target_version)
        except BaseException:
            await pool.close()
            raise
        return db

    async def _migrate(self, target_version: int) -> None:
        """All pending migrations in one transaction, each recorded: a failure leaves the database as it was."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            ours = await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", _VERSIONS)
            if not ours:
                tables = await conn.fetchval(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
                )
                if tables:
                    raise StorageError(
                        f"{shown(self.url)}: this database holds another program's tables; quizbot will not "
                        "modify it. Point QUIZBOT_DB at a new database."
                    )
                await conn.execute(
                    "CREATE TABLE quizbot_schema (version integer PRIMARY KEY, name text NOT NULL, "
                    "applied_at timestamptz NOT NULL DEFAULT now())"
                )
            version = int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM quizbot_schema"))
            if version > LATEST:
                raise StorageError(
                    f"{shown(self.url)}: written by a newer quizbot (schema {version}, this one knows {LATEST}); "
                    "upgrade quizbot instead. The database was not changed."
                )
            for number, name, sql in migrations():
                if version < number <= target_version:
                    await conn.execute(sql)  # no arguments: the simple protocol runs every statement
                    await conn.execute(
                        "INSERT INTO quizbot_schema (version, name) VALUES ($1, $2)", number, name
                    )

    async def version(self) -> int:
        """The schema version applied."""
        return await self.read_scalar("SELECT coalesce(max(version), 0) FROM quizbot_schema")

    async def read_scalar(self, sql: str, *args: object) -> int:
        """First column of the first row as an int (0 when there is none or it is NULL)."""
        value = await self.pool.fetchval(sql, *args)
        return int(value) if value is not None else 0

    @asynccontextmanager
    async def transaction(self, *, durable: bool = True, checked: bool = True) -> AsyncIterator[Any]:
        """A connection of the pool inside one transaction, committed or rolled back as a unit.

        `durable=False` commits without waiting for the WAL to reach the disk (synchronous_commit off, for
        this transaction only): as in the SQLite store, only for what a restart can find out by itself.
        `checked` is accepted for the same interface; PostgreSQL always checks foreign keys (cheaply)."""
        async with self.pool.acquire() as conn, conn.transaction():
            if not durable:
                await conn.execute("SET LOCAL synchronous_commit = off")
            yield conn

    async def close(self) -> None:
        """Close every connection of the pool."""
        await self.pool.close()
