"""QUIZBOT_DB chooses the store: a path is the SQLite file, a postgresql:// URL the PostgreSQL store."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import assemble
from bot.core.errors import StorageError
from bot.settings import Settings
from bot.storage import SqliteStore
from bot.storage.postgres.store import PostgresStore
from tests.conftest import FIXTURE_BANK, RecordingChat
from tests.pg_server import PgServer, execute, fresh_database


async def test_the_bot_assembles_on_the_store_the_setting_names(db_target: str | Path, backend: str) -> None:
    settings = Settings.from_env({"QUIZBOT_DB": str(db_target), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)})
    assert (settings.db_url is not None) == (backend == "postgres")
    chat = RecordingChat()
    async with assemble(settings, chat, "console") as app:
        assert isinstance(app.store, PostgresStore if backend == "postgres" else SqliteStore)
        channel = await app.service.channel("local", "play")
        rnd = await app.service.ask(channel, window=60)
        assert rnd.message_ref is not None
        app.service.answer(rnd.message_ref, "u1", "Ann", rnd.question.answer_index)
        assert await app.service.close_round(rnd.id)
    assert [r.round_id for r in chat.reveals] == [rnd.id]


async def test_a_database_of_another_program_is_refused_untouched(pg_server: PgServer) -> None:
    """(SQLite's refusal is tests/storage/test_db.py's.)"""
    async with fresh_database(pg_server) as url:
        store = await PostgresStore.open(url)
        await execute(store, "DROP TABLE quizbot_schema")  # now a database with tables that are not quizbot's
        await store.close()
        with pytest.raises(StorageError, match="another program"):
            await PostgresStore.open(url)
