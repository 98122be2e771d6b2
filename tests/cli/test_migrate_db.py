"""`quizbot migrate-db`: a SQLite database copied into an empty PostgreSQL one, row for row, checked, or nothing.

The source is made through the real services (tests/storage/realistic_db.py: every table holds rows); the command
runs through `main`, on a real PostgreSQL server (tests/pg_server.py)."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.core.bank import Bank
from bot.core.records import AnswerWrite
from bot.storage.opening import open_store
from bot.storage.tables import COPIED
from tests.pg_server import PgServer, fetch_rows, fresh_database
from tests.storage.realistic_db import all_rows, build


@pytest.fixture
async def url(pg_server: PgServer) -> AsyncIterator[str]:
    async with fresh_database(pg_server) as made:
        yield made


@pytest.fixture
async def source(tmp_path: Path, mini_bank: Bank) -> Path:
    path = tmp_path / "quiz.sqlite3"
    await build(path, mini_bank)
    return path


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `quizbot ARGV` in this process (on a thread: main runs its own event loop)."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


async def rows_at(target: Path | str) -> dict[str, list[tuple[Any, ...]]]:
    store = await open_store(target)
    try:
        return await all_rows(store)
    finally:
        await store.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line(err: str, text: str) -> None:
    assert err.startswith("quizbot: ") and err.count("\n") == 1 and text in err, err


async def test_every_row_arrives_and_new_ids_continue_after_the_copied_ones(
    source: Path, url: str, mini_bank: Bank, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(source)
    expected = await rows_at(source)
    code, out, err = await cli(capsys, "migrate-db", "--db", str(source), "--to", url)
    assert code == 0, err
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == list(COPIED)  # one line per table, in copy order
    for line, table in zip(lines, COPIED, strict=False):
        assert int(line.split()[1].replace(",", "")) == len(expected[table]), line
    assert lines[-1].startswith(f"checked: {len(COPIED)} tables, {sum(map(len, expected.values())):,} rows")
    assert "of player and team totals equal the answers" in lines[-1] and "***" not in url
    assert digest(source) == before  # read, never written

    copied = await rows_at(url)
    for table in COPIED:
        assert copied[table] == expected[table], table  # full rows, every column (teams.members too)
    assert all(copied[t] for t in COPIED), [t for t in COPIED if not copied[t]]

    store: Any = await open_store(url)
    try:  # the identity sequences moved past the copied ids: new rows insert with the next ids
        top = {t: max(r[0] for r in expected[t]) for t in ("communities", "players", "rounds", "teams")}
        community = await store.community("console", "newcomer")
        channel = await store.channel(community, "c")
        rnd = await store.create_round(channel.id, mini_bank.questions["t-eda-1"], 60, False, None, 1.0)
        await store.mark_posted(rnd, "m-new", 1.0)
        writer = store.answer_writer()
        writer.submit(AnswerWrite(rnd, community, "fresh", "Fresh", 0, 2.0))
        await writer.close()
        team = await store.create_team(community, "Newcomers")
        assert (community, rnd, team) == (top["communities"] + 1, top["rounds"] + 1, top["teams"] + 1)
        (player,) = await fetch_rows(store, "SELECT player_id FROM answers WHERE round_id = ?", rnd)
        assert player[0] == top["players"] + 1
    finally:
        await store.close()


async def test_a_target_that_holds_rows_is_refused_and_left_as_it_was(
    source: Path, url: str, mini_bank: Bank, capsys: pytest.CaptureFixture[str]
) -> None:
    await build(url, mini_bank, seed=5, steps=12)  # a bot already ran on it
    held = await rows_at(url)
    code, out, err = await cli(capsys, "migrate-db", "--db", str(source), "--to", url)
    assert code == 1 and out == ""
    one_line(err, "not empty (it holds communities, channels, players")
    assert "nothing was copied" in err
    assert await rows_at(url) == held


async def test_a_postgresql_url_as_the_source_is_refused_in_one_line(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = await cli(capsys, "migrate-db", "--db", url, "--to", url)
    assert code == 2
    one_line(err, "migrate-db copies from a SQLite file")
    with pytest.raises(SystemExit) as refused:
        main(["migrate-db", "--db", "x.sqlite3", "--to", "/tmp/not-a-url"])
    assert refused.value.code == 2
    assert "expected a postgresql:// URL" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["text", "foreign", "missing", "older"])
async def test_a_source_that_is_not_a_quizbot_database_is_one_line_and_nothing_moves(
    tmp_path: Path, url: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "src.sqlite3"
    if kind == "text":
        path.write_text("name,points\nann,3\n" * 200)
    elif kind == "foreign":
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
    elif kind == "older":
        from bot.storage import Database

        await (await Database.open(path, target_version=6)).close()
    code, out, err = await cli(capsys, "migrate-db", "--db", str(path), "--to", url)
    assert code == 1 and out == "", err
    reason = {
        "text": "not a SQLite database",
        "foreign": "belongs to another program",
        "missing": "no database there",
        "older": "schema 6 is older than this quizbot's",
    }[kind]
    one_line(err, reason)
    assert kind != "missing" or not path.exists()
    left = await rows_at(url)
    assert not any(left[t] for t in COPIED if t != "study_progress")


_ONE_MEMBER_ROW = (
    "SELECT team_id, period, player_id FROM team_member_points WHERE period LIKE 'week:%' LIMIT 1"
)


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (
            "UPDATE players SET week_points = week_points + 1 WHERE id = (SELECT min(player_id) FROM answers)",
            "player totals differ",
        ),
        (
            f"UPDATE team_member_points SET correct = correct + 1 WHERE (team_id, period, player_id) = ({_ONE_MEMBER_ROW})",
            "team member totals differ",
        ),
        (
            "UPDATE team_scores SET active = active + 1 WHERE (team_id, period) = "
            "(SELECT team_id, period FROM team_scores LIMIT 1)",
            "team totals differ",
        ),
        (
            "UPDATE team_scores SET top_points = top_points + 1 WHERE (team_id, period) = "
            "(SELECT team_id, period FROM team_scores WHERE top_n > 0 LIMIT 1)",
            "team top points differ",
        ),
        (
            "DELETE FROM players WHERE id = (SELECT max(player_id) FROM answers)",
            "violates foreign key constraint",
        ),
    ],
    ids=["player-totals", "member-totals", "team-totals", "team-top-points", "answer-of-no-player"],
)
async def test_a_failure_anywhere_rolls_the_whole_copy_back(
    source: Path, url: str, damage: str, named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = source.with_name("broken.sqlite3")
    shutil.copy(source, broken)
    with sqlite3.connect(broken) as conn:  # foreign keys are off in a plain connection: damage goes in
        assert conn.execute(damage).rowcount == 1
    code, out, err = await cli(capsys, "migrate-db", "--db", str(broken), "--to", url)
    assert code == 1, out
    one_line(err, named)
    assert err.rstrip().endswith("nothing was copied")
    left = await rows_at(url)
    assert not any(left[t] for t in COPIED if t != "study_progress"), {t: len(left[t]) for t in COPIED}
    assert left["study_progress"] == [("memories", 0)]  # as the migrations seed it
    code, _, err = await cli(capsys, "migrate-db", "--db", str(source), "--to", url)
    assert code == 0, err  # the database is empty again: the sound copy goes in
