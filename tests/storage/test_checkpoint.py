"""Background checkpoints: committed pages reach the database file itself without the bot's connection
copying them, a failing checkpointer costs nothing but a warning, and closing leaves one complete file."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bot.storage.checkpoint import Checkpointer
from bot.storage.db import Database
from tests.conftest import until


def _in_the_file_alone(db_path: Path, tmp_path: Path) -> int:
    """Communities in the database file without its WAL, as a copy of that one file shows them."""
    copy = tmp_path / "file-alone.sqlite3"
    copy.unlink(missing_ok=True)
    shutil.copyfile(db_path, copy)
    with sqlite3.connect(copy) as conn:
        try:
            (n,) = conn.execute("SELECT count(*) FROM communities").fetchone()
        except sqlite3.DatabaseError:  # no schema in the file yet, or copied while a checkpoint wrote it
            n = -1
    conn.close()
    return int(n)


async def _add(db: Database, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO communities (platform, external_id) VALUES ('x', ?)", (str(i),))


async def test_commits_reach_the_database_file_in_the_background(db_path: Path, tmp_path: Path) -> None:
    """A few commits are far below the bot's own checkpoint mark (10,000 pages): only the background checkpoint
    can have copied them out of the WAL into the file."""
    db = await Database.open(db_path)
    try:
        await _add(db, 5)
        assert await db.scalar("PRAGMA wal_autocheckpoint") == 10_000
        await until(lambda: _in_the_file_alone(db_path, tmp_path) == 5)
        await _add(db, 3, start=5)  # and again, for later commits
        await until(lambda: _in_the_file_alone(db_path, tmp_path) == 8)
        assert Path(f"{db_path}-wal").exists()  # the bot is still running in WAL mode
    finally:
        await db.close()
    assert not Path(f"{db_path}-wal").exists()  # closed: everything is in the one file
    assert _in_the_file_alone(db_path, tmp_path) == 8


async def test_a_failing_checkpoint_only_warns_and_the_database_still_closes(
    db_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(self: Checkpointer) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Checkpointer, "_checkpoint", full_disk)
    caplog.set_level(logging.WARNING, logger="bot.storage.checkpoint")
    db = await Database.open(db_path)
    await _add(db, 1)
    await until(lambda: "No space left on device" in caplog.text)
    await _add(db, 1, start=1)  # commits go on; the next checkpoint is tried again
    await until(lambda: caplog.text.count("No space left on device") == 2)
    await db.close()
    assert not Path(f"{db_path}-wal").exists()  # the bot's own connection, the last, emptied the WAL
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM communities").fetchone() == (2,)
    conn.close()


async def test_a_close_cancelled_during_a_checkpoint_still_closes_the_connection(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    running = threading.Event()
    slow_disk = Checkpointer._checkpoint

    def slow(self: Checkpointer) -> None:
        running.set()
        time.sleep(1.0)  # a slow disk: the close is cancelled well within it
        slow_disk(self)

    monkeypatch.setattr(Checkpointer, "_checkpoint", slow)
    db = await Database.open(db_path)
    await _add(db, 1)
    await until(running.is_set)
    closing = asyncio.create_task(db.close())
    await asyncio.sleep(0.05)
    closing.cancel()  # a shutdown timeout, or a second Ctrl-C
    with pytest.raises(asyncio.CancelledError):
        await closing
    with pytest.raises(ValueError, match="no active connection"):
        await db.conn.execute("SELECT 1")  # the bot's connection is closed all the same
    await db.close()  # and closing again is harmless
