"""Background WAL checkpoints: copying committed pages back into the database file, off the bot's connection.

In WAL mode every commit appends pages to the -wal file, and by default the commit that takes the WAL past
1000 pages also copies them into the database file and fsyncs it (a checkpoint), on the bot's one database
thread: the writer's batches and the closes waited for it (about a sixth of the writer's time in the bench).
Here a second connection, on a worker thread, runs a PASSIVE checkpoint shortly after commits. PASSIVE never
waits for or blocks anyone: it copies what no reader still needs and leaves the rest for the next one. The
bot's connection keeps SQLite's own checkpoint as a backstop, at a higher mark (_BACKSTOP), should this one
fall behind or fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

import aiosqlite

log = logging.getLogger(__name__)

# The bot's own connection checkpoints only past 10,000 pages of WAL (about 40 MB; SQLite's default is 1000),
# and a WAL emptied by a checkpoint is cut back to 64 MiB on disk.
_BACKSTOP = "PRAGMA wal_autocheckpoint = 10000"
_WAL_KEPT = "PRAGMA journal_size_limit = 67108864"


class Checkpointer:
    """Runs `PRAGMA wal_checkpoint(PASSIVE)` from its own connection, at most once per `every` seconds while
    commits come, and never while nothing was committed."""

    def __init__(self, path: str, *, every: float = 0.2) -> None:
        self._path = path
        self._every = every
        self._conn: sqlite3.Connection | None = None
        self._due = asyncio.Event()
        self._stop = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())
        self._running = False  # a checkpoint is under way on a worker thread
        self._orphaned = False  # the task ended during that checkpoint: its thread closes the connection

    @classmethod
    async def start(cls, conn: aiosqlite.Connection, path: str) -> Checkpointer:
        """Move the checkpoints of `conn` (the bot's connection to `path`) to a new Checkpointer."""
        await conn.execute(_BACKSTOP)
        await conn.execute(_WAL_KEPT)
        return cls(path)

    def committed(self) -> None:
        """The bot's connection committed: pages are waiting in the WAL."""
        self._due.set()

    async def _run(self) -> None:
        try:
            while True:
                await self._due.wait()
                with contextlib.suppress(TimeoutError):  # gather the commits of the next moment into one
                    await asyncio.wait_for(self._stop.wait(), self._every)
                if self._stop.is_set():
                    return
                self._due.clear()
                self._running = True
                try:
                    await asyncio.to_thread(self._checkpoint)
                except Exception as exc:  # the bot's own connection still checkpoints at _BACKSTOP
                    log.warning("background checkpoint of %s failed: %s", self._path, exc)
                self._running = False
        finally:
            if self._running:  # cancelled (the loop shutting down) while the worker thread uses it
                self._orphaned = True  # the thread closes it; closing it here would block the loop
            else:
                self._close_connection()

    def _checkpoint(self) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            self._conn.execute("PRAGMA synchronous = FULL")  # the database file is fsynced after copying
        try:
            self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            if self._orphaned:
                self._close_connection()

    def _close_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    async def close(self) -> None:
        """Let a checkpoint under way finish, then close the connection (before the bot's own closes, so that
        one, the last, empties the WAL). A cancelled close leaves the checkpointer to stop by itself."""
        self._stop.set()
        self._due.set()
        await asyncio.shield(self._task)
