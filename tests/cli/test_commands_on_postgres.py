"""The commands that used to be refused on PostgreSQL (leaderboard, stats, review, practice, exam, analytics,
report) run there: each on a SQLite database and on its copy in PostgreSQL (made by migrate-db) prints the
same, or for the private sessions (which draw their questions at random) the same kind of session, stored."""

from __future__ import annotations

import io
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.bank import Bank
from bot.storage.opening import open_store
from tests.cli.test_migrate_db import cli
from tests.conftest import FIXTURE_BANK
from tests.pg_server import PgServer, fetch_rows, fresh_database
from tests.storage.realistic_db import build

SAME = {  # the output on PostgreSQL is the output on SQLite
    "leaderboard": ["leaderboard", "--limit", "5"],
    "leaderboard-teams": ["leaderboard", "--teams", "--period", "competition", "--competition", "Team cup"],
    "stats": ["stats", "u1"],
    "analytics": ["analytics", "--min-answers", "1"],
    "analytics-reports": ["analytics", "--reports", "--json"],
    "report": ["report", "t-eda-2", "the", "wording", "is", "unclear", "--user", "u2"],
}
SESSIONS = {  # (arguments, typed answers, what the end of the session says)
    "review": (["review", "--user", "u1", "--count", "2"], "a\na\n", "Review done: 2 answered."),
    "practice": (["practice", "eda", "--user", "u3", "--count", "2"], "a\nb\n", "Practice done: 2 answered."),
    "exam": (["exam", "--count", "2", "--user", "u5"], "a\na\n", "Mock exam: "),
}


@pytest.fixture
async def both(
    tmp_path: Path, pg_server: PgServer, mini_bank: Bank, capsys: pytest.CaptureFixture[str]
) -> AsyncIterator[tuple[str, str]]:
    """The same data as a SQLite file and as a PostgreSQL database."""
    source = tmp_path / "quiz.sqlite3"
    await build(source, mini_bank, seed=4)
    async with fresh_database(pg_server) as url:
        code, _, err = await cli(capsys, "migrate-db", "--db", str(source), "--to", url)
        assert code == 0, err
        yield str(source), url


@pytest.mark.parametrize("case", list(SAME))
async def test_a_command_prints_the_same_on_postgresql(
    both: tuple[str, str], case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for db in both:
        code, out, err = await cli(capsys, *SAME[case], "--db", db, "--questions", str(FIXTURE_BANK))
        assert (code, err) == (0, ""), (db, err)
        outputs.append(out)
    assert outputs[0] == outputs[1]
    assert len(outputs[1].splitlines()) >= (1 if case == "report" else 3), outputs[1]


@pytest.mark.parametrize("case", list(SESSIONS))
async def test_a_private_session_runs_and_is_stored_on_postgresql(
    both: tuple[str, str], case: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv, typed, end = SESSIONS[case]
    url = both[1]
    store = await open_store(url)
    try:
        before = await fetch_rows(
            store, "SELECT count(*), (SELECT count(*) FROM study_answers) FROM study_sessions"
        )
        for db in both:
            monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
            code, out, err = await cli(capsys, *argv, "--db", db, "--questions", str(FIXTURE_BANK))
            assert (code, err) == (0, ""), (db, err)
            assert end in out, out
        after = await fetch_rows(
            store, "SELECT count(*), (SELECT count(*) FROM study_answers) FROM study_sessions"
        )
    finally:
        await store.close()
    assert after[0][0] == before[0][0] + 1 and after[0][1] == before[0][1] + 2
