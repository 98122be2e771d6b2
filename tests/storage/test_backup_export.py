"""Backup and export on real files: a checked copy, streamed rows, and the live file never touched."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import tracemalloc
from pathlib import Path

import pytest

from bot.core.bank import Bank
from bot.core.config import ScoringRules
from bot.core.errors import StorageError
from bot.core.records import AnswerWrite
from bot.core.results import score_round
from bot.storage import AnswerWriter, SqliteStore
from bot.storage.backup import backup
from bot.storage.db import APPLICATION_ID, LATEST
from bot.storage.export import export, open_readonly

T0 = 1_790_000_000.0  # 2026-09-21T14:13:20Z


async def seed(store: SqliteStore, bank: Bank) -> None:
    """One scored round (ann right, bo wrong) and one still open (ann answered)."""
    community = await store.community("test", "g1", "Guild")
    channel = await store.channel(community, "c1", "quiz")
    scored = await store.create_round(channel.id, bank.questions["t-eda-1"], 60, False, None, T0)
    await store.mark_posted(scored, "m1", T0)
    writer = AnswerWriter(store.db)
    writer.submit(AnswerWrite(scored, community, "u1", "Ann", 1, T0 + 1.25))
    writer.submit(AnswerWrite(scored, community, "u2", "Bo", 0, T0 + 2))
    await writer.flush()
    question = bank.questions["t-eda-1"]
    result = score_round(question, await store.round_answers(scored), T0, 60, ScoringRules())
    await store.finish_round(scored, community, T0 + 61, result, ["all", "week:2026-W39"])
    still_open = await store.create_round(channel.id, bank.questions["t-tr-1"], 60, False, None, T0 + 100)
    await store.mark_posted(still_open, "m2", T0 + 100)
    writer.submit(AnswerWrite(still_open, community, "u1", "Ann", 2, T0 + 105))
    await writer.close()


@pytest.fixture
async def live(db_path: Path, mini_bank: Bank) -> Path:
    store = await SqliteStore.open(db_path)
    await seed(store, mini_bank)
    await store.close()
    return db_path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_backup_is_a_checked_copy_the_bot_can_open(live: Path, tmp_path: Path) -> None:
    done = backup(live, tmp_path / "copy.sqlite3")
    assert (done.rounds, done.answers, done.players, done.version) == (2, 3, 2, LATEST)
    assert done.size == (tmp_path / "copy.sqlite3").stat().st_size > 0
    with sqlite3.connect(done.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    copy = await SqliteStore.open(done.path)
    original = await SqliteStore.open(live)
    try:
        community = await copy.community("test", "g1")
        assert await copy.leaderboard(community, "all", 10) == await original.leaderboard(
            community, "all", 10
        )
        assert await copy.leaderboard(community, "all", 10) != []
    finally:
        await copy.close()
        await original.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


async def test_backup_replaces_a_file_only_with_force(live: Path, tmp_path: Path) -> None:
    dest = tmp_path / "copy.sqlite3"
    dest.write_text("precious\n")
    with pytest.raises(StorageError, match="already exists; pass --force"):
        backup(live, dest)
    assert dest.read_text() == "precious\n"
    assert backup(live, dest, force=True).answers == 3
    with sqlite3.connect(dest) as conn:
        assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] == 3


async def test_backup_refuses_the_live_database_by_any_name(live: Path, tmp_path: Path) -> None:
    before = _digest(live)
    link = tmp_path / "link.sqlite3"
    link.symlink_to(live)
    for dest in (live, tmp_path / ".." / tmp_path.name / live.name, link, Path(f"{live}-wal")):
        with pytest.raises(StorageError, match="that is the live database"):
            backup(live, dest, force=True)
    assert _digest(live) == before


async def test_backup_refuses_beside_a_stale_journal(live: Path, tmp_path: Path) -> None:
    dest = tmp_path / "old.sqlite3"
    Path(f"{dest}-wal").write_bytes(b"x")  # would be replayed into the new copy on its next open
    with pytest.raises(StorageError, match="-wal file beside it"):
        backup(live, dest, force=True)
    assert not dest.exists()


def test_backup_of_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no database there"):
        backup(tmp_path / "none.sqlite3", tmp_path / "copy.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_backup_and_export_refuse_a_stranger_and_leave_it_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    before = _digest(foreign)
    with pytest.raises(StorageError, match="belongs to another program"):
        backup(foreign, tmp_path / "copy.sqlite3")
    with pytest.raises(StorageError, match="belongs to another program"):
        export(foreign, "json", "all", None, io.StringIO())
    assert _digest(foreign) == before and not (tmp_path / "copy.sqlite3").exists()


def test_export_refuses_an_empty_file_and_a_newer_schema(tmp_path: Path, live: Path) -> None:
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    with pytest.raises(StorageError, match="no quizbot data"):
        export(empty, "json", "all", None, io.StringIO())
    assert empty.read_bytes() == b""
    with sqlite3.connect(live) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    before = _digest(live)
    with pytest.raises(StorageError, match="newer quizbot"):
        open_readonly(live)
    assert _digest(live) == before


def test_export_never_creates_a_database(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no database there"):
        export(tmp_path / "none.sqlite3", "csv", "answers", None, io.StringIO())
    assert list(tmp_path.iterdir()) == []


async def test_export_json_holds_every_answer_and_score(live: Path) -> None:
    out = io.StringIO()
    assert export(live, "json", "all", None, out) == []
    data = json.loads(out.getvalue())
    base = {"platform": "test", "community": "g1", "channel": "c1", "player": "u1", "player_name": "Ann"}
    first = {**base, "round_id": 1, "question_id": "t-eda-1", "stage": "eda"}
    assert data["answers"] == [
        {**first, "option": "B", "correct": True, "points": 20, "answered_at": "2026-09-21T14:13:21.250Z"},
        {
            **first,
            "player": "u2",
            "player_name": "Bo",
            "option": "A",
            "correct": False,
            "points": 0,
            "answered_at": "2026-09-21T14:13:22.000Z",
        },
        {  # the round is still open: not scored yet
            **base,
            "round_id": 2,
            "question_id": "t-tr-1",
            "stage": "training",
            "option": "C",
            "correct": None,
            "points": None,
            "answered_at": "2026-09-21T14:15:05.000Z",
        },
    ]
    scores = [
        (s["period"], s["player"], s["points"] > 0, s["correct"], s["answered"]) for s in data["scores"]
    ]
    assert scores == [
        ("all", "u1", True, 1, 1),
        ("all", "u2", False, 0, 1),
        ("week:2026-W39", "u1", True, 1, 1),
        ("week:2026-W39", "u2", False, 0, 1),
    ]


async def test_export_csv_one_file_per_table_in_a_folder(live: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    written = export(live, "csv", "all", folder, io.StringIO())
    assert written == [(folder / "answers.csv", {"answers": 3}), (folder / "scores.csv", {"scores": 4})]
    with (folder / "answers.csv").open(newline="") as f:
        answers = list(csv.DictReader(f))
    assert [(a["player"], a["option"], a["correct"]) for a in answers] == [
        ("u1", "B", "true"),
        ("u2", "A", "false"),
        ("u1", "C", ""),
    ]
    with (folder / "scores.csv").open(newline="") as f:
        assert next(csv.reader(f)) == [
            "platform",
            "community",
            "period",
            "player",
            "player_name",
            "points",
            "correct",
            "answered",
        ]


async def test_export_refuses_to_write_over_the_database(live: Path) -> None:
    before = _digest(live)
    with pytest.raises(StorageError, match="that is the live database"):
        export(live, "json", "all", live, io.StringIO())
    assert _digest(live) == before


def _many_answers(path: Path, rounds: int, players: int) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO communities (id, platform, external_id) VALUES (1, 'test', 'g')")
        conn.execute("INSERT INTO channels (id, community_id, external_id) VALUES (1, 1, 'c')")
        conn.executemany(
            "INSERT INTO players (id, community_id, external_id, name) VALUES (?, 1, ?, ?)",
            ((p, f"u{p}", f"Player {p}") for p in range(1, players + 1)),
        )
        conn.executemany(
            "INSERT INTO rounds (id, channel_id, question_id, question, stage, difficulty, window, state, "
            "created_at) VALUES (?, 1, 'q', '{}', 'eda', 'easy', 60, 'revealed', 0)",
            ((r,) for r in range(1, rounds + 1)),
        )
        conn.executemany(
            "INSERT INTO answers (round_id, player_id, option, answered_at, correct, points) "
            "VALUES (?, ?, 1, ?, 1, 10)",
            ((r, p, T0 + r) for r in range(1, rounds + 1) for p in range(1, players + 1)),
        )


async def test_export_streams_rows_instead_of_loading_them(db_path: Path, tmp_path: Path) -> None:
    store = await SqliteStore.open(db_path)
    await store.close()
    _many_answers(db_path, rounds=20, players=500)
    out = tmp_path / "answers.json"
    tracemalloc.start()
    try:
        written = export(db_path, "json", "answers", out, io.StringIO())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == [(out, {"answers": 10_000})]
    assert out.stat().st_size > 2_000_000  # rows held in memory at once would cost several MB
    assert peak < 500_000, f"peak {peak:,} bytes: rows were collected, not streamed"


async def test_a_failed_export_leaves_no_partial_file(live: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "scores.csv").mkdir(parents=True)  # in the way: the second file cannot be put in place
    with pytest.raises(StorageError, match="cannot write the export"):
        export(live, "csv", "all", folder, io.StringIO())
    assert sorted(p.name for p in folder.iterdir()) == ["answers.csv", "scores.csv"]
    assert (folder / "scores.csv").is_dir()
