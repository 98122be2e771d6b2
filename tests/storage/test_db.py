"""The database file: migrations recorded, strangers and newer files refused and left untouched."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.core.errors import StorageError
from bot.storage.db import APPLICATION_ID, LATEST, Database, migrations


async def test_new_file_is_migrated_marked_and_in_wal(db_path: Path) -> None:
    db = await Database.open(db_path)
    assert await db.scalar("PRAGMA user_version") == LATEST
    assert await db.scalar("PRAGMA application_id") == APPLICATION_ID
    assert await db.scalar("PRAGMA foreign_keys") == 1
    async with db.conn.execute("PRAGMA journal_mode") as cur:
        assert (await cur.fetchone())[0] == "wal"
    await db.close()
    again = await Database.open(db_path)  # reopening applies nothing twice
    assert await again.scalar("PRAGMA user_version") == LATEST
    await again.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_someone_elses_database_is_refused_and_untouched(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    before = _digest(db_path)
    with pytest.raises(StorageError, match="belongs to another program"):
        await Database.open(db_path)
    assert _digest(db_path) == before


async def test_newer_schema_is_refused_and_untouched(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    await db.close()
    before = _digest(db_path)
    with pytest.raises(StorageError, match="newer quizbot"):
        await Database.open(db_path)
    assert _digest(db_path) == before


async def test_not_sqlite_at_all_is_refused(db_path: Path) -> None:
    db_path.write_bytes(b"this is a text file, not a database\n" * 20)
    before = _digest(db_path)
    with pytest.raises(StorageError, match="not a SQLite database"):
        await Database.open(db_path)
    assert _digest(db_path) == before


def test_migrations_are_numbered_in_sequence() -> None:
    found = migrations()
    assert [n for n, _, _ in found] == list(range(1, len(found) + 1))


async def test_a_failed_transaction_leaves_nothing(db_path: Path) -> None:
    db = await Database.open(db_path)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', '1')")
            await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', '1')")
    assert await db.scalar("SELECT count(*) FROM communities") == 0
    await db.close()


async def _inside(db: Database, **kwargs: bool) -> tuple[int, int]:
    """(synchronous, foreign_keys) as a transaction with these settings sees them."""
    async with db.transaction(**kwargs):
        return await db.scalar("PRAGMA synchronous"), await db.scalar("PRAGMA foreign_keys")


async def test_each_transaction_runs_with_its_own_durability_whatever_ran_before(db_path: Path) -> None:
    """durable=False commits without an fsync (synchronous NORMAL); every other transaction waits for the disk
    (FULL), in any order and after a failed one: each sets what it needs with its BEGIN."""
    db = await Database.open(db_path)
    try:
        order = [True, False, False, True, True, False, True]
        seen = [(await _inside(db, durable=d))[0] for d in order]
        assert seen == [2 if d else 1 for d in order]  # FULL, NORMAL
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction(durable=False) as conn:
                await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', '1')")
                await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', '1')")
        assert await _inside(db) == (2, 1)
        assert await db.scalar("SELECT count(*) FROM communities") == 0
    finally:
        await db.close()


async def test_each_transaction_is_checked_unless_it_says_otherwise(db_path: Path) -> None:
    """checked=False (the answer writer's) skips foreign-key checks for that transaction only, failed or not."""
    db = await Database.open(db_path)
    orphan = "INSERT INTO players (community_id, external_id) VALUES (999, 'u1')"  # no community 999
    try:
        async with db.transaction(checked=False) as conn:
            assert await db.scalar("PRAGMA foreign_keys") == 0
            await conn.execute(orphan)
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO players (community_id, external_id) VALUES (998, 'u2')")
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction(checked=False) as conn:
                await conn.execute(orphan)  # the same player again: a unique key, still enforced
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            async with db.transaction(durable=False) as conn:
                await conn.execute("INSERT INTO players (community_id, external_id) VALUES (998, 'u2')")
        assert [await _inside(db, durable=d, checked=c) for d in (True, False) for c in (True, False)] == [
            (2, 1),
            (2, 0),
            (1, 1),
            (1, 0),
        ]
    finally:
        await db.close()


async def test_a_failed_commit_is_rolled_back_and_the_next_transaction_works(db_path: Path) -> None:
    """A COMMIT can fail and leave the transaction open (here: a deferred foreign-key check); it is rolled
    back, so nothing of it is stored and the connection is not stuck inside it."""
    db = await Database.open(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            async with db.transaction() as conn:
                await conn.execute("PRAGMA defer_foreign_keys = ON")  # the orphan is refused at COMMIT
                await conn.execute("INSERT INTO players (community_id, external_id) VALUES (999, 'u1')")
        assert not db.conn.in_transaction
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', '1')")
        assert await db.scalar("SELECT count(*) FROM players") == 0
        assert await db.scalar("SELECT count(*) FROM communities") == 1
    finally:
        await db.close()


async def test_a_transaction_cancelled_while_waiting_for_the_lock_leaves_nothing_open(db_path: Path) -> None:
    """Another program (the other bot on the same file) holds the write lock; a batch waiting in BEGIN is
    cancelled. aiosqlite still runs that BEGIN once the lock is free: it is rolled back, the next transaction runs with
    its own settings, and both programs can write again."""
    db = await Database.open(db_path)
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    try:
        other.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.4, lambda: other.execute("COMMIT"))
        release.start()

        async def batch() -> None:
            async with db.transaction(durable=False, checked=False) as conn:
                await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', 'lost')")

        task = asyncio.create_task(batch())
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        release.join()
        assert not db.conn.in_transaction
        assert await _inside(db) == (2, 1)  # whether the cancelled settings ran or not
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', 'kept')")
        other.execute("BEGIN IMMEDIATE")  # the file's write lock is free again
        other.execute("COMMIT")
        assert [r[0] for r in other.execute("SELECT external_id FROM communities")] == ["kept"]
    finally:
        other.close()
        await db.close()


async def test_a_transaction_cancelled_twice_is_still_rolled_back_before_the_next_one(db_path: Path) -> None:
    """A second cancel (a timeout, then shutdown) while the first cancel's rollback waits must not hand the
    connection on with the half-done transaction open: the next one would commit it (executescript, which
    sets the next transaction's settings, commits whatever is open first)."""
    db = await Database.open(db_path)
    try:
        started = asyncio.Event()

        async def half_done() -> None:
            async with db.transaction(durable=False) as conn:
                await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', 'half')")
                started.set()
                await asyncio.sleep(10)  # the rest of the work

        task = asyncio.create_task(half_done())
        await started.wait()
        task.cancel()
        for _ in range(3):  # into the rollback's first await
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not db.conn.in_transaction
        async with db.transaction() as conn:  # other settings than the cancelled one's
            await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', 'next')")
        rows = await db.conn.execute_fetchall("SELECT external_id FROM communities")
        assert [r[0] for r in rows] == ["next"]
    finally:
        await db.close()


async def test_reads_see_only_what_is_committed_and_never_write(db_path: Path) -> None:
    """Reads go through their own connection: not another coroutine's transaction half done, and no writes."""
    db = await Database.open(db_path)
    try:
        count = "SELECT count(*) FROM communities"
        inside, committed = asyncio.Event(), asyncio.Event()

        async def writing() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', '1')")
                inside.set()
                await committed.wait()

        task = asyncio.create_task(writing())
        await inside.wait()
        assert await db.scalar(count) == 1  # the writing connection sees its own transaction
        assert await db.read_scalar(count) == 0  # a read does not
        committed.set()
        await task
        assert await db.read_scalar(count) == 1  # and sees it once committed
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.reader.execute("INSERT INTO communities (platform, external_id) VALUES ('x', '2')")
    finally:
        await db.close()


async def test_a_transaction_left_open_is_never_committed_by_the_next_ones_settings(db_path: Path) -> None:
    """Should anything leave the connection inside a transaction, the next transaction with other settings
    refuses to start rather than let its settings script commit that leftover work."""
    db = await Database.open(db_path)
    try:
        await db.conn.execute("BEGIN")
        await db.conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', 'leftover')")
        with pytest.raises(StorageError, match="left open"):
            async with db.transaction(durable=False, checked=False):
                pass
        assert not db.conn.in_transaction  # rolled back, not committed
        assert await db.read_scalar("SELECT count(*) FROM communities") == 0
    finally:
        await db.close()
