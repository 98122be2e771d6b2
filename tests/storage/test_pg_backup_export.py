"""`quizbot backup` and `quizbot export` on PostgreSQL: the backup is a SQLite file holding every row of one
moment of the database (migrate-db restores it), and export writes what it writes from SQLite, byte for byte."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.core.bank import Bank
from bot.storage.db import APPLICATION_ID
from bot.storage.db import LATEST as SQLITE_LATEST
from bot.storage.postgres.db import LATEST as PG_LATEST
from bot.storage.postgres.snapshot import Snapshot
from bot.storage.postgres.url import shown
from bot.storage.tables import COPIED
from tests.cli.test_migrate_db import cli, one_line, rows_at
from tests.pg_server import PgServer, fresh_database
from tests.storage.realistic_db import build


@pytest.fixture
async def url(pg_server: PgServer) -> AsyncIterator[str]:
    async with fresh_database(pg_server) as made:
        yield made


@pytest.fixture
async def filled(url: str, mini_bank: Bank) -> str:
    """A PostgreSQL database a bot filled (every table holds rows)."""
    await build(url, mini_bank, seed=2)
    return url


async def test_a_backup_of_postgresql_is_a_checked_sqlite_file_with_every_row(
    filled: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.sqlite3"
    code, out, err = await cli(capsys, "backup", str(copy), "--db", filled)
    assert code == 0, err
    expected = await rows_at(filled)
    size = f"{copy.stat().st_size:,}"
    assert out == (
        f"wrote {copy}: {size} bytes, schema {SQLITE_LATEST}, {len(expected['rounds'])} rounds, "
        f"{len(expected['answers'])} answers, {len(expected['players'])} players (integrity ok) "
        f"(SQLite, of {shown(filled)} at its schema {PG_LATEST})\n"
    )
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SQLITE_LATEST
    copied = await rows_at(copy)  # the bot opens it as its own
    for table in COPIED:
        assert copied[table] == expected[table], table
    assert all(copied[t] for t in COPIED)
    assert [p.name for p in tmp_path.iterdir()] == ["copy.sqlite3"]  # no partial file left

    code, _, err = await cli(capsys, "backup", str(copy), "--db", filled)
    assert code == 1
    one_line(err, "already exists; pass --force")


async def test_backup_then_migrate_db_restores_every_row(
    filled: str, pg_server: PgServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.sqlite3"
    assert (await cli(capsys, "backup", str(copy), "--db", filled))[0] == 0
    async with fresh_database(pg_server) as restored:
        code, out, err = await cli(capsys, "migrate-db", "--db", str(copy), "--to", restored)
        assert code == 0, err
        assert out.splitlines()[-1].startswith("checked: ")
        assert await rows_at(restored) == await rows_at(filled)


async def _write_meanwhile(url: str) -> None:
    """What a bot commits while the backup reads: rows in tables the backup has not reached yet."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO question_reports (player_id, question_id, reason, reported_at) "
            "SELECT min(id), 't-tr-1', 'late', 1 FROM players"
        )
        await conn.execute("UPDATE team_scores SET points = points + 5")
        await conn.execute("UPDATE recaps SET claimed_at = claimed_at + 1")
    finally:
        await conn.close()


async def test_the_backup_is_one_moment_of_a_database_being_written(
    filled: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = await rows_at(filled)
    original = Snapshot.rows
    wrote: list[str] = []

    def rows(self: Snapshot, sql: str, *args: Any) -> Iterator[tuple[Any, ...]]:
        if not wrote:  # after the snapshot began, before the first table is read
            wrote.append(sql)
            asyncio.run(_write_meanwhile(self.url))
        yield from original(self, sql, *args)

    monkeypatch.setattr(Snapshot, "rows", rows)
    copy = tmp_path / "copy.sqlite3"
    code, _, err = await cli(capsys, "backup", str(copy), "--db", filled)
    assert code == 0, err
    assert wrote and "communities" in wrote[0]
    after = await rows_at(filled)
    assert (
        after["question_reports"] != before["question_reports"]
        and after["team_scores"] != before["team_scores"]
    )
    assert await rows_at(copy) == before  # nothing of what was committed meanwhile


async def test_export_from_postgresql_is_what_sqlite_exports(
    tmp_path: Path, url: str, mini_bank: Bank, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "quiz.sqlite3"
    await build(source, mini_bank, seed=3)
    assert (await cli(capsys, "migrate-db", "--db", str(source), "--to", url))[0] == 0
    for options in (["--format", "json"], ["--format", "csv"], ["--format", "csv", "--what", "scores"]):
        code, sqlite_out, err = await cli(capsys, "export", *options, "--db", str(source))
        assert code == 0, err
        code, pg_out, err = await cli(capsys, "export", *options, "--db", url)
        assert code == 0, err
        assert pg_out == sqlite_out and len(pg_out.splitlines()) > 20, options
    assert "competition:Team cup" in pg_out  # a competition by its name
    folder = tmp_path / "out"
    code, out, err = await cli(
        capsys, "export", "--format", "csv", "--what", "all", "--out", str(folder), "--db", url
    )
    assert code == 0, err
    assert out.startswith(f"wrote {folder / 'answers.csv'}: ") and f"wrote {folder / 'scores.csv'}: " in out
    assert (folder / "scores.csv").read_text() == sqlite_out


async def test_backup_and_export_refuse_a_database_that_is_not_quizbots_or_not_this_schema(
    url: str, pg_server: PgServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.sqlite3"
    bare = pg_server.uri("postgres")  # the server's own database: no quizbot schema (only read here)
    for argv in (["backup", str(copy)], ["export", "--format", "json"]):
        code, out, err = await cli(capsys, *argv, "--db", bare)
        assert (code, out) == (1, "")
        one_line(err, "no quizbot data in this database")
    conn = await asyncpg.connect(url)
    try:  # as if the last migration were not applied yet (put back after: the database is reused)
        name = await conn.fetchval("DELETE FROM quizbot_schema WHERE version = $1 RETURNING name", PG_LATEST)
        try:
            for argv in (["backup", str(copy)], ["export", "--format", "json"]):
                code, out, err = await cli(capsys, *argv, "--db", url)
                assert (code, out) == (1, "")
                one_line(err, f"schema {PG_LATEST - 1} is older than this quizbot's ({PG_LATEST})")
        finally:
            await conn.execute("INSERT INTO quizbot_schema (version, name) VALUES ($1, $2)", PG_LATEST, name)
    finally:
        await conn.close()
    assert not copy.exists()
