"""Open the store a database setting names: a path is a SQLite file, a postgresql:// URL a PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .postgres.url import is_postgres_url
from .store import SqliteStore

if TYPE_CHECKING:
    from .postgres.store import PostgresStore


async def open_store(target: str | Path) -> SqliteStore | PostgresStore:
    """Open and migrate the database `target` names; asyncpg is imported only for a PostgreSQL URL."""
    if is_postgres_url(target):
        from .postgres.store import PostgresStore

        return await PostgresStore.open(str(target))
    return await SqliteStore.open(target)
