"""Every migration from every earlier schema, on files with rows in every table: nothing is lost.

The rows are made generically from each table's columns, types, CHECK lists and foreign keys, so a new
migrations/NNNN_*.sql is covered without touching this file.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from graphlib import TopologicalSorter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.storage import Database, SqliteStore
from bot.storage import db as db_module
from bot.storage.db import APPLICATION_ID, LATEST

MIGRATIONS = Path(db_module.__file__).parent / "migrations"
Snapshot = dict[str, tuple[list[str], list[tuple[Any, ...]]]]
Opener = Callable[[Path], Awaitable[None]]

FUTURE_MIGRATION = """
-- A made-up next migration: a column with a default, a table with a foreign key and a CHECK list.
ALTER TABLE players ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
CREATE TABLE badges (
    id         INTEGER PRIMARY KEY,
    player_id  INTEGER NOT NULL REFERENCES players (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('streak', 'speed')),
    awarded_at REAL NOT NULL
);
"""

BROKEN_MIGRATION = """
CREATE TABLE half_done (id INTEGER PRIMARY KEY);
INSERT INTO half_done VALUES (1);
UPDATE players SET name = 'overwritten';
DELETE FROM answers;
INSERT INTO no_such_table VALUES (1);
"""


def _tables(conn: sqlite3.Connection) -> list[str]:
    """Ordinary tables, parents before children (virtual and shadow tables are SQLite's business)."""
    names = [
        r[1]
        for r in conn.execute("PRAGMA table_list")
        if r[0] == "main" and r[2] == "table" and not r[1].startswith("sqlite_")
    ]
    graph = {t: {r[2] for r in conn.execute(f"PRAGMA foreign_key_list({t})")} - {t} for t in names}
    return list(TopologicalSorter(graph).static_order())


def _value(table: str, sql: str, col: tuple[Any, ...], i: int) -> Any:
    """A value for column `col` (a table_info row) of row `i`: distinct per row, true to its type."""
    _, name, decl, notnull, default, pk = col
    allowed = re.search(rf"\b{name}\s+IN\s*\(([^)]*)\)", sql, re.IGNORECASE)
    if allowed:
        choices = re.findall(r"'((?:[^']|'')*)'", allowed.group(1))
        return choices[i % len(choices)].replace("''", "'")
    if not notnull and not pk and i == 1:
        return None
    decl = decl.upper()
    if "INT" in decl:
        return i + 1 if pk else (0, 2**40 + len(name), -7)[i]
    if any(t in decl for t in ("REAL", "FLOA", "DOUB")):
        return (0.5, 1_790_000_000.125, -1e-3)[i]
    if any(t in decl for t in ("CHAR", "CLOB", "TEXT")):
        if default in ("'{}'", "'[]'"):  # a JSON column: keep it valid JSON
            return json.dumps({"k": i} if default == "'{}'" else ["x", i])
        return f"{table}.{name} #{i} «ünï» 🧪 it's"
    return bytes([i, 0, 255]) + name.encode()


def fill(conn: sqlite3.Connection, rows: int = 3) -> None:
    """Put `rows` rows in every table, each foreign key pointing at a real parent row."""
    conn.execute("PRAGMA foreign_keys = ON")
    made: dict[str, list[dict[str, Any]]] = {}
    for table in _tables(conn):
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        cols = list(conn.execute(f"PRAGMA table_info({table})"))
        fks: dict[int, list[tuple[str, str, str | None]]] = {}
        for fk_id, _, parent, child, to, *_ in conn.execute(f"PRAGMA foreign_key_list({table})"):
            fks.setdefault(fk_id, []).append((parent, child, to))
        made[table] = []
        for i in range(rows):
            row = {c[1]: _value(table, sql, c, i) for c in cols}
            for links in fks.values():
                if all(row[child] is None for _, child, _ in links):
                    continue  # a nullable reference left empty on purpose
                parents = made[links[0][0]]
                pick = parents[i % len(parents)] if parents else None
                for parent, child, to in links:
                    key = to or next(c[1] for c in conn.execute(f"PRAGMA table_info({parent})") if c[5])
                    row[child] = pick[key] if pick else None
            names = ", ".join(row)
            conn.execute(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
            )
            made[table].append(row)
    conn.commit()


def snapshot(conn: sqlite3.Connection, columns: dict[str, list[str]] | None = None) -> Snapshot:
    """Every row of every table (or of `columns`' tables and columns), with each value's type."""
    out: Snapshot = {}
    if columns is None:
        columns = {t: [c[1] for c in conn.execute(f"PRAGMA table_info({t})")] for t in _tables(conn)}
    for table, cols in columns.items():
        rows = conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
        out[table] = (cols, sorted((tuple((type(v).__name__, v) for v in r) for r in rows), key=repr))
    return out


def _connect(path: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(path))


async def build(path: Path, version: int) -> Snapshot:
    """A file at schema `version` (0: an empty file) with rows in every table; return its rows."""
    if version == 0:
        path.touch()
        return {}
    db = await Database.open(path, target_version=version)
    await db.close()
    with _connect(path) as conn:
        fill(conn)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == version
        return snapshot(conn)


async def check_upgrade(path: Path, start: int, latest: int, open_latest: Opener) -> None:
    """Build at `start`, open with the bot, and check: latest schema, rows unchanged, file sound."""
    before = await build(path, start)
    assert all(rows for _, rows in before.values()), "the harness left a table empty"
    await open_latest(path)
    with _connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == latest
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        after = snapshot(conn, {t: cols for t, (cols, _) in before.items()})
        assert after == before
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


async def _open_with_store(path: Path) -> None:
    store = await SqliteStore.open(path)
    await store.close()


@pytest.mark.parametrize("start", range(LATEST + 1))
async def test_every_schema_upgrades_to_the_latest_with_every_row_intact(tmp_path: Path, start: int) -> None:
    await check_upgrade(tmp_path / f"v{start}.sqlite3", start, LATEST, _open_with_store)


def _migrations_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, extra: str) -> int:
    """Use a copy of the bundled migrations plus `extra` as the next one; return its number."""
    package = tmp_path / "package"
    shutil.copytree(MIGRATIONS, package / "migrations")
    number = LATEST + 1
    (package / "migrations" / f"{number:04d}_next.sql").write_text(extra, encoding="utf-8")
    monkeypatch.setattr(db_module, "resources", SimpleNamespace(files=lambda _name: package))
    monkeypatch.setattr(db_module, "LATEST", number)
    assert [n for n, _, _ in db_module.migrations()][-1] == number
    return number


@pytest.mark.parametrize("start", range(LATEST + 2))
async def test_a_future_migration_is_covered_by_the_same_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: int
) -> None:
    number = _migrations_with(monkeypatch, tmp_path, FUTURE_MIGRATION)

    async def open_latest(path: Path) -> None:
        db = await Database.open(path, target_version=number)
        await db.close()

    await check_upgrade(tmp_path / f"v{start}.sqlite3", start, number, open_latest)
    with _connect(tmp_path / f"v{start}.sqlite3") as conn:
        zones = {r[0] for r in conn.execute("SELECT timezone FROM players")}
        kinds = {r[0] for r in conn.execute("SELECT kind FROM badges")}
    if start == number:  # built at the new schema: its new table and column were filled too
        assert kinds == {"streak", "speed"} and len(zones) == 3
    elif start > 0:  # upgraded: old players got the new column's default
        assert zones == {"UTC"} and kinds == set()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("start", range(1, LATEST + 1))
async def test_a_failed_migration_leaves_the_file_exactly_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: int
) -> None:
    path = tmp_path / "quiz.sqlite3"
    rows = await build(path, start)
    before = _digest(path)
    number = _migrations_with(monkeypatch, tmp_path, BROKEN_MIGRATION)
    with pytest.raises(sqlite3.OperationalError, match="no such table: no_such_table"):
        await Database.open(path, target_version=number)
    assert _digest(path) == before
    with _connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == start
        assert snapshot(conn) == rows  # no half_done table, no overwritten names, answers all there


async def test_a_failed_first_migration_leaves_no_schema_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "quiz.sqlite3"
    path.touch()
    number = _migrations_with(monkeypatch, tmp_path, BROKEN_MIGRATION)
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        await Database.open(path, target_version=number)
    with _connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0
    await _open_with_store(path)  # and the bot still takes it as a new file
