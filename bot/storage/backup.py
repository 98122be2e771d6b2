"""Online backup: a consistent copy of the live database, checked before it replaces anything."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import StorageError
from .db import APPLICATION_ID
from .export import open_readonly, refuse_database_path


@dataclass(frozen=True)
class BackupResult:
    """What a backup wrote."""

    path: Path
    size: int
    version: int
    rounds: int
    answers: int
    players: int


def backup(source: Path, dest: Path, *, force: bool = False) -> BackupResult:
    """Copy `source` to `dest` with SQLite's online backup API; the bot may keep running and writing."""
    refuse_database_path(dest, source)
    check_destination(dest, force=force)
    with closing(open_readonly(source, need_latest=False)) as src:
        version = int(src.execute("PRAGMA user_version").fetchone()[0])

        def fill(tmp: Path) -> None:
            with closing(sqlite3.connect(tmp, isolation_level=None)) as out:
                # All pages in one step: one read transaction, so the copy is a single consistent
                # moment; in WAL mode it never blocks the bot's writers (stepwise copies restart on
                # every write made by another connection).
                src.backup(out)

        counts = write_checked(dest, fill, version)
    return BackupResult(dest, dest.stat().st_size, version, *counts)


def check_destination(dest: Path, *, force: bool) -> None:
    """Refuse a backup path that is a folder, exists (without force), has a journal beside it or no folder."""
    if dest.is_dir():
        raise StorageError(f"{dest}: is a folder; give the backup a file name")
    if dest.exists() and not force:
        raise StorageError(f"{dest}: already exists; pass --force to replace it")
    for side in ("-wal", "-shm", "-journal"):  # a stale journal would be replayed into the new copy
        if dest.with_name(dest.name + side).exists():
            raise StorageError(f"{dest}: has a {side} file beside it (in use?); choose another path")
    if not dest.parent.is_dir():
        raise StorageError(f"{dest.parent}: no such folder")


def write_checked(dest: Path, fill: Callable[[Path], None], version: int) -> tuple[int, int, int]:
    """Let `fill` write a database into a new file beside `dest`, check it (intact, quizbot's, schema
    `version`) and only then rename it over `dest`; return its rounds, answers and players."""
    try:
        fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".partial")
        os.close(fd)
    except OSError as exc:
        raise StorageError(f"{dest}: cannot write the backup: {exc.strerror}") from exc
    tmp = Path(name)
    try:
        fill(tmp)
        counts = _verify(tmp, version, dest)
        os.replace(tmp, dest)
        _sync_folder(dest.parent)
    except sqlite3.Error as exc:
        raise StorageError(f"{dest}: backup failed: {exc}") from exc
    except OSError as exc:
        raise StorageError(f"{dest}: cannot write the backup: {exc.strerror}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return counts


def _verify(path: Path, version: int, dest: Path) -> tuple[int, int, int]:
    """Check the copy: intact, marked as quizbot's at the same schema; return rounds, answers, players."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise StorageError(f"{dest}: the copy failed its integrity check: {problems[0]}")
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        copied = conn.execute("PRAGMA user_version").fetchone()[0]
        if (app_id, copied) != (APPLICATION_ID, version):
            raise StorageError(f"{dest}: the copy is not marked as quizbot schema {version}")
        rounds, answers, players = conn.execute(
            "SELECT (SELECT count(*) FROM rounds), (SELECT count(*) FROM answers), "
            "(SELECT count(*) FROM players)"
        ).fetchone()
    return int(rounds), int(answers), int(players)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
