"""Running a store-dependent suite on each store in one run: a fresh store of either kind, a data set built
once as a SQLite file and copied into PostgreSQL, and the figures of both merged side by side."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.storage import SqliteStore

from . import pg
from .common import Compared, Figure, Note, side_by_side

STORES = ("sqlite", "postgres")


def default_stores() -> tuple[str, ...]:
    """Both stores when a PostgreSQL server can be started here, else SQLite alone."""
    return STORES if pg.available() else ("sqlite",)


@dataclass
class Where:
    """One store kind for one suite: SQLite files in `tmp`, or databases on the server at `admin`."""

    kind: str
    tmp: Path
    admin: str = ""
    made: list[str] = field(default_factory=list)  # databases to drop when the suite is done

    @property
    def postgres(self) -> bool:
        return self.kind == "postgres"

    async def open(self, name: str) -> Any:
        """A new, migrated store named `name`."""
        if not self.postgres:
            return await SqliteStore.open(self.tmp / f"{name}.sqlite3")
        from bot.storage.postgres.store import PostgresStore

        return await PostgresStore.open(await self._database(name))

    async def built(self, name: str, sqlite_path: Path) -> Any:
        """The store holding what a suite built in the SQLite file `sqlite_path` (copied over on PostgreSQL)."""
        if not self.postgres:
            return await SqliteStore.open(sqlite_path)
        from bot.storage.postgres.store import PostgresStore

        url = await self._database(name)
        await (await PostgresStore.open(url)).close()  # our schema, migrated
        await pg.copy_from_sqlite(sqlite_path, url)
        return await PostgresStore.open(url)

    async def _database(self, name: str) -> str:
        self.made.append(f"bench_{name}")
        return await pg.fresh_database(self.admin, self.made[-1])

    async def drop(self) -> None:
        """Drop the databases this suite made (a server shared by the suites keeps only the running one's)."""
        for name in self.made:
            await pg.drop_database(self.admin, name)


async def built(where: Where, name: str, build: Callable[[Path], None]) -> tuple[Any, float]:
    """The suite's data set in a store, and the seconds it took: built as a SQLite file by `build(path)` (once
    per run: the SQLite run reads it in place), or copied from that file into a fresh PostgreSQL database
    (vacuumed and analysed, as autovacuum leaves a long-running one)."""
    path = where.tmp / f"{name}.sqlite3"
    took = 0.0
    if not path.exists():
        await (await SqliteStore.open(path)).close()  # our schema, migrated
        start = time.perf_counter()
        build(path)
        took = time.perf_counter() - start
    start = time.perf_counter()
    store = await where.built(name, path)
    return store, time.perf_counter() - start if where.postgres else took


async def count_answers(store: Any) -> int:
    """Committed answers in the store."""
    if type(store).__name__ == "PostgresStore":
        return int(await store.db.read_scalar("SELECT count(*) FROM answers"))
    return int(await store.db.scalar("SELECT count(*) FROM answers"))


@contextlib.contextmanager
def _server(stores: tuple[str, ...]) -> Iterator[str]:
    if "postgres" not in stores:
        yield ""
        return
    with pg.server() as admin:
        yield admin


def run_on(
    stores: tuple[str, ...], suite: Callable[[Where], Awaitable[list[Figure]]]
) -> list[Figure | Compared | Note]:
    """`suite` on each store in turn, in one process and one temporary folder; its figures side by side, after
    a line naming the PostgreSQL server's settings (unless python -m bench printed it for every suite)."""

    async def main() -> list[Figure | Compared | Note]:
        with tempfile.TemporaryDirectory() as tmp, _server(stores) as admin:
            results = {}
            for kind in stores:
                if admin:
                    await pg.checkpoint(admin)
                where = Where(kind, Path(tmp), admin)
                try:
                    results[kind] = await suite(where)
                finally:
                    await where.drop()
            shared = bool(os.environ.get(pg.ENV))  # python -m bench named the server once, at the top
            head: list[Figure | Compared | Note] = (
                [Note(await pg.settings(admin))] if admin and not shared else []
            )
            return head + list(side_by_side(results))

    return asyncio.run(main())
