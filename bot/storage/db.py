"""The SQLite connection: pragmas, numbered migrations, ownership checks and transactions."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import aiosqlite

from ..core.errors import StorageError
from .checkpoint import Checkpointer

APPLICATION_ID = 0x51554942  # "QUIB": marks a file as quizbot's, so a stranger's database is never touched.
_OPEN_ATTEMPTS = 20  # about ten seconds in all
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations(package: str = "bot.storage") -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration bundled in `package`'s migrations/ folder, in order (the
    PostgreSQL store keeps its own in bot.storage.postgres)."""
    found = []
    for item in resources.files(package).joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    for expected, (version, name, _) in enumerate(found, start=1):
        if version != expected:
            raise RuntimeError(f"migration {name} is out of sequence; expected {expected:04d}")
    return found


LATEST = len(migrations())


class Database:
    """The bot's aiosqlite connection, where every write runs inside `transaction()`, and a second one for
    reads (`reader`).

    Reads never share the writing connection: there they would see another coroutine's transaction half done
    (a board in the middle of a round's close), and wait behind every statement queued on its thread (a
    board during a burst of answers waited for whole batches, tens of ms). The reader sees what is committed,
    as of its statement, on its own thread. For ":memory:" (one database per connection) it is `conn`."""

    def __init__(self, conn: aiosqlite.Connection, path: str) -> None:
        self.conn = conn
        self.reader = conn
        self.path = path
        self._lock = asyncio.Lock()
        self._settings: tuple[bool, bool] | None = None  # (durable, checked) the connection is set to now
        self._checkpointer: Checkpointer | None = None  # a file's WAL checkpoints, off this connection

    @classmethod
    async def open(cls, path: str | Path, *, target_version: int = LATEST) -> Database:
        """Open (creating if needed) and migrate; refuse files that are not ours or are newer."""
        target = str(path)
        if target != ":memory:":
            Path(target).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"{target}: cannot open database: {exc}") from exc
        db = cls(conn, target)
        try:
            for attempt in range(_OPEN_ATTEMPTS):
                try:
                    await db._check_and_migrate(target_version)
                    break
                except sqlite3.OperationalError as exc:
                    # Two bots (Discord and Slack) starting on one new file: switching it to WAL needs it
                    # to themselves for a moment. Wait and look again.
                    if "locked" not in str(exc):
                        raise
                    if attempt == _OPEN_ATTEMPTS - 1:
                        raise StorageError(f"{target}: {exc}; is another program holding it?") from exc
                    await asyncio.sleep(0.05 * (attempt + 1))
            if target != ":memory:":
                db.reader = await _open_reader(target)
                db._checkpointer = await Checkpointer.start(conn, target)
        except BaseException:
            try:
                if db.reader is not conn:
                    await db.reader.close()
            finally:
                await conn.close()
            raise
        return db

    async def _check_and_migrate(self, target_version: int) -> None:
        await self.conn.execute("PRAGMA busy_timeout = 2000")
        try:
            app_id = await self.scalar("PRAGMA application_id")
            version = await self.scalar("PRAGMA user_version")
            tables = await self.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc):
                raise  # another bot is creating the file this moment: open() looks again
            raise StorageError(f"{self.path}: not a SQLite database ({exc}); refusing to touch it") from exc
        if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
            raise StorageError(
                f"{self.path}: this database belongs to another program; quizbot will not modify it. "
                "Point QUIZBOT_DB at a new file."
            )
        if version > LATEST:
            raise StorageError(
                f"{self.path}: written by a newer quizbot (schema {version}, this one knows {LATEST}); "
                "upgrade quizbot instead. The file was not changed."
            )
        await self.conn.execute("PRAGMA foreign_keys = ON")
        if self.path != ":memory:":
            # Before migrating: in WAL, a second bot starting on the same new file reads while this one
            # migrates, instead of both deadlocking on rollback-journal locks. (It writes the file header,
            # so a failed first migration leaves a valid file with no schema, not a 0-byte one.)
            await self.conn.execute("PRAGMA journal_mode = WAL")
        await self.conn.execute("PRAGMA synchronous = FULL")
        self._settings = (True, True)
        if any(version < m[0] <= target_version for m in migrations()):
            await self._migrate(target_version)

    async def _migrate(self, target_version: int) -> None:
        """All pending migrations in one transaction: a failure leaves the file as it was."""
        await self.conn.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: a second bot (the Slack one beside the Discord one) on the
            # same file may have migrated it while this one waited.
            version = await self.scalar("PRAGMA user_version")
            pending = [m for m in migrations() if version < m[0] <= target_version]
            for number, _, sql in pending:
                for statement in _statements(sql):
                    await self.conn.execute(statement)
                await self.conn.execute(f"PRAGMA user_version = {number:d}")
            await self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID:d}")
            await self.conn.execute("COMMIT")
        except BaseException:
            await self.conn.execute("ROLLBACK")
            raise

    async def scalar(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """First column of the first row, as an int (0 when there is no row or it is NULL), on the writing
        connection: its own settings, or inside a transaction."""
        return await _scalar(self.conn, sql, params)

    async def read_scalar(self, sql: str, params: tuple[object, ...] = ()) -> int:
        """The same through the reader: what is committed."""
        return await _scalar(self.reader, sql, params)

    @asynccontextmanager
    async def transaction(
        self, *, durable: bool = True, checked: bool = True
    ) -> AsyncIterator[aiosqlite.Connection]:
        """Serialise writers on the shared connection and commit or roll back as a unit.

        `durable=False` commits without waiting for the disk (no fsync): the change survives the bot's own
        crash but may be lost with the machine's power, and the next durable commit makes it durable too.
        Only for what a restart can find out again by itself.

        `checked=False` skips the foreign-key checks of this transaction's rows, for a writer that refers only
        to rows it knows exist (rounds and players are never deleted). Every other transaction is checked.

        Each transaction sets both in the same trip to the database thread as its BEGIN, when the one before
        left them otherwise (SQLite ignores both inside a transaction): a run of the writer's batches, or of
        ordinary transactions, pays nothing for them."""
        conn = self.conn
        async with self._lock:
            try:
                wanted = (durable, checked)
                if self._settings == wanted:
                    await conn.execute("BEGIN IMMEDIATE")
                else:
                    if durable and checked:
                        begin = _BEGIN_DURABLE_CHECKED
                    elif durable:
                        begin = _BEGIN_DURABLE_UNCHECKED
                    elif checked:
                        begin = _BEGIN_LAZY_CHECKED
                    else:
                        begin = _BEGIN_LAZY_UNCHECKED
                    self._settings = None  # unknown until the script has run
                    if conn.in_transaction:  # never: _abandon always finishes. executescript would COMMIT it
                        raise StorageError("a transaction was left open on the connection; not committing it")
                    await conn.executescript(begin)
                    self._settings = wanted
                yield conn
                await conn.execute("COMMIT")
                if self._checkpointer is not None:
                    self._checkpointer.committed()
            except BaseException:
                await _abandon(conn)
                raise

    async def close(self) -> None:
        """Close the reader, the background checkpoints and then the writing connection (the last connection
        empties the WAL), each even if closing the one before failed or was cancelled."""
        try:
            try:
                if self.reader is not self.conn:
                    await self.reader.close()
            finally:
                if self._checkpointer is not None:
                    await self._checkpointer.close()
        finally:
            await self.conn.close()


async def _open_reader(path: str) -> aiosqlite.Connection:
    try:
        reader = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot open database for reading: {exc}") from exc
    try:
        await reader.execute("PRAGMA busy_timeout = 2000")
        await reader.execute("PRAGMA query_only = ON")  # reads only, whatever a caller tries
    except BaseException:
        await reader.close()
        raise
    return reader


async def _scalar(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> int:
    async with conn.execute(sql, params) as cur:
        row = await cur.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


async def _abandon(conn: aiosqlite.Connection) -> None:
    """After an error or a cancel inside transaction(): roll back whatever is still open, before the lock is
    handed on, even if the caller is cancelled again meanwhile (it is then cancelled once the rollback is
    done). The caller sees its own error otherwise, not one from here."""
    rollback = asyncio.ensure_future(_roll_back(conn))
    cancelled = False
    while not rollback.done():
        try:
            await asyncio.shield(rollback)
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:  # before any error of the rollback's own: the cancel is not lost
        raise asyncio.CancelledError
    rollback.result()


async def _roll_back(conn: aiosqlite.Connection) -> None:
    """A cancelled BEGIN or COMMIT still runs on aiosqlite's thread, so first wait for everything queued (one
    more statement runs after them all); a COMMIT that went through is not rolled back."""
    with contextlib.suppress(sqlite3.Error, ValueError):  # ValueError: the connection is closed
        await conn.execute("SELECT 1")
        if conn.in_transaction:
            await conn.execute("ROLLBACK")


# A transaction's settings and its BEGIN, one script each (see Database.transaction).
_BEGIN_DURABLE_CHECKED = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; BEGIN IMMEDIATE"
_BEGIN_DURABLE_UNCHECKED = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE"
_BEGIN_LAZY_CHECKED = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; BEGIN IMMEDIATE"
_BEGIN_LAZY_UNCHECKED = "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; BEGIN IMMEDIATE"


def _statements(sql: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows where each ends)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip() and not all(ln.strip().startswith("--") for ln in buf.strip().splitlines()):
        out.append(buf.strip())
    return out
