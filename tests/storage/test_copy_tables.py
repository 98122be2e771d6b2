"""The table map a copy between the stores follows (bot/storage/tables.py) matches both live schemas, and
refuses by name a table or a column it does not know how to carry across."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bot.core.errors import StorageError
from bot.storage import Database
from bot.storage.tables import COPIED, DERIVED, PG_SCHEMA, pg_schema, plan, sqlite_schema
from tests.pg_server import PgServer, fresh_database


async def _schemas(tmp_path: Path, pg_server: PgServer) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    path = tmp_path / "s.sqlite3"
    await (await Database.open(path)).close()
    with sqlite3.connect(path) as conn:
        lite = sqlite_schema(conn)
    async with fresh_database(pg_server) as url:
        conn = await asyncpg.connect(url)
        try:
            pg = pg_schema([tuple(r) for r in await conn.fetch(PG_SCHEMA)])
        finally:
            await conn.close()
    return lite, pg


async def test_every_table_of_both_schemas_is_copied_or_named_as_not_data(
    tmp_path: Path, pg_server: PgServer
) -> None:
    lite, pg = await _schemas(tmp_path, pg_server)
    steps = plan(lite, pg)
    assert [t for t, _ in steps] == list(COPIED)
    for table, columns in steps:
        assert set(columns) == set(lite[table]) - DERIVED.get(table, frozenset()), table
        assert set(columns) <= set(pg[table]), table
    assert set(lite) - set(COPIED) == {"leases"}  # a lease per running bot, not data
    assert set(pg) - set(COPIED) <= {"quizbot_schema", "processes"}  # bookkeeping, running processes
    assert plan(pg, lite) == steps  # the backup's direction: the same tables and columns


async def test_a_table_or_column_one_side_lacks_is_refused_by_name(
    tmp_path: Path, pg_server: PgServer
) -> None:
    lite, pg = await _schemas(tmp_path, pg_server)
    with pytest.raises(StorageError, match="the source has tables this quizbot cannot copy: notes"):
        plan({**lite, "notes": ["body"]}, pg)
    with pytest.raises(StorageError, match="the target lacks tables of quizbot's schema: recaps"):
        plan(lite, {t: c for t, c in pg.items() if t != "recaps"})
    with pytest.raises(StorageError, match="table answers: the two schemas differ in columns weight"):
        plan(lite, {**pg, "answers": [*pg["answers"], "weight"]})
