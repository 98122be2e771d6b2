"""Background checkpoints: committed pages reach the database file itself without the bot's connection
copying them, a failing checkpointer costs nothing but a warning, and closing leaves one complete file."""

from __future__ import annotations

import logging
import shutil
import sqlite3
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
        except sqlite3.OperationalError:  # not even the schema has been copied into the file yet
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


async def test_a_checkpointer_that_cannot_open_the_file_only_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpointer = Checkpointer(str(tmp_path / "no-such-folder" / "db.sqlite3"), every=0.01)
    caplog.set_level(logging.WARNING, logger="bot.storage.checkpoint")
    checkpointer.committed()
    await until(lambda: "background checkpoint" in caplog.text)
    checkpointer.committed()  # it keeps going: the next commits are tried again
    await checkpointer.close()
    assert checkpointer.runs == 0
