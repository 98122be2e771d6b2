"""One moment of a PostgreSQL database for plain synchronous code (backup, export): a connection inside one
REPEATABLE READ, READ ONLY transaction, driven by an event loop of its own, whose rows come in batches from a
server-side cursor (never a whole table in memory). Nothing is migrated or written."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from typing import Any

import asyncpg

from ...core.errors import StorageError
from .db import LATEST
from .url import shown

FAILED = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
_BATCH = 2000


class Snapshot:
    """`with Snapshot(url) as snap:` every read of `snap` sees the same committed state of the database."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.version = 0
        self._runner = asyncio.Runner()
        self._conn: Any = None

    def __enter__(self) -> Snapshot:
        try:
            self._conn = self._run(asyncpg.connect(self.url))
            self._run(self._conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            self.version = self._check()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self) -> int:
        """Refuse a database that is not quizbot's, or not at this quizbot's schema."""
        where = shown(self.url)
        if not self.value("SELECT to_regclass('quizbot_schema') IS NOT NULL"):
            raise StorageError(f"{where}: no quizbot data in this database")
        version = int(self.value("SELECT coalesce(max(version), 0) FROM quizbot_schema"))
        if version > LATEST:
            raise StorageError(
                f"{where}: written by a newer quizbot (schema {version}, this one knows {LATEST}); upgrade quizbot"
            )
        if version < LATEST:
            raise StorageError(
                f"{where}: schema {version} is older than this quizbot's ({LATEST}); start the bot once to upgrade it"
            )
        return version

    def value(self, sql: str, *args: Any) -> Any:
        """The first column of the first row."""
        return self._run(self._conn.fetchval(sql, *args))

    def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Every row of a small result."""
        return [tuple(r) for r in self._run(self._conn.fetch(sql, *args))]

    def rows(self, sql: str, *args: Any) -> Iterator[tuple[Any, ...]]:
        """The rows of `sql`, fetched a batch at a time through a cursor."""
        cursor = self._run(self._conn.cursor(sql, *args))
        while batch := self._run(cursor.fetch(_BATCH)):
            for row in batch:
                yield tuple(row)

    def _run(self, step: Awaitable[Any]) -> Any:
        try:
            return self._runner.run(_awaited(step))
        except FAILED as exc:
            line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StorageError(f"{shown(self.url)}: {line}") from exc

    def close(self) -> None:
        """End the transaction (nothing was written) and the connection."""
        try:
            if self._conn is not None:
                self._runner.run(self._conn.close(timeout=5))
        except (TimeoutError, *FAILED):
            pass
        finally:
            self._conn = None
            self._runner.close()


async def _awaited(step: Awaitable[Any]) -> Any:
    """Any awaitable as a coroutine (asyncpg's cursor factory is awaitable, not a coroutine)."""
    return await step
