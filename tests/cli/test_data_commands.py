"""`quizbot backup` and `quizbot export` as subprocesses, including a backup taken while another writes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from bot.storage.db import LATEST
from tests.cli.test_cli import quizbot


@pytest.fixture
def live(tmp_path: Path) -> Path:
    """The CLI's database with two solo quizzes played in it."""
    for user, keys in (("ann", "b\na\n"), ("bob", "a\na\n")):
        out = quizbot("play", "--count", "2", "--user", user, "--stage", "eda", tmp=tmp_path, stdin=keys)
        assert out.returncode == 0, out.stderr
    return tmp_path / "cli.sqlite3"


def _one_line_error(out: subprocess.CompletedProcess[str], text: str) -> None:
    assert out.returncode == 1
    assert out.stderr.startswith("quizbot: ") and out.stderr.count("\n") == 1 and text in out.stderr, (
        out.stderr
    )


def test_backup_prints_what_it_wrote_and_the_copy_serves_the_same_board(live: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite3"
    out = quizbot("backup", str(copy), tmp=tmp_path)
    assert out.returncode == 0, out.stderr
    pattern = rf"wrote {re.escape(str(copy))}: ([\d,]+) bytes, schema {LATEST}, 4 rounds, 4 answers, 2 players \(integrity ok\)\n"
    match = re.fullmatch(pattern, out.stdout)
    assert match and int(match.group(1).replace(",", "")) == copy.stat().st_size
    board = quizbot("leaderboard", tmp=tmp_path).stdout
    assert "ann" in board and quizbot("--db", str(copy), "leaderboard", tmp=tmp_path).stdout == board


def test_backup_refusals_are_one_line_and_leave_files_alone(live: Path, tmp_path: Path) -> None:
    taken = tmp_path / "taken.sqlite3"
    taken.write_text("keep me\n")
    _one_line_error(quizbot("backup", str(taken), tmp=tmp_path), "already exists; pass --force")
    assert taken.read_text() == "keep me\n"
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    _one_line_error(quizbot("backup", str(live), "--force", tmp=tmp_path), "that is the live database")
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before
    assert quizbot("backup", str(taken), "--force", tmp=tmp_path).returncode == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    _one_line_error(quizbot("backup", str(tmp_path / "x.sqlite3"), tmp=empty), "no database there")
    assert list(empty.iterdir()) == []  # neither the database nor a copy was created


def _write_until(path: Path, stop: threading.Event, commits: list[int], errors: list[BaseException]) -> None:
    """Another connection, as the bot would be: a round and three answers per transaction."""
    try:
        with sqlite3.connect(path, timeout=5, isolation_level=None) as conn:
            community, channel = conn.execute("SELECT community_id, id FROM channels").fetchone()
            conn.executemany(
                "INSERT INTO players (community_id, external_id, name) VALUES (?, ?, ?)",
                [(community, f"w{i}", f"Writer {i}") for i in range(3)],
            )
            players = [r[0] for r in conn.execute("SELECT id FROM players WHERE external_id LIKE 'w%'")]
            while not stop.is_set():
                conn.execute("BEGIN IMMEDIATE")
                rid = conn.execute(
                    "INSERT INTO rounds (channel_id, question_id, question, stage, difficulty, window, state, "
                    "created_at) VALUES (?, 'writer', '{}', 'eda', 'easy', 60, 'open', 0)",
                    (channel,),
                ).lastrowid
                conn.executemany(
                    "INSERT INTO answers (round_id, player_id, option, answered_at) VALUES (?, ?, 0, 1)",
                    [(rid, p) for p in players],
                )
                conn.execute("COMMIT")
                commits[0] += 1
    except BaseException as exc:
        errors.append(exc)


def test_backup_while_another_connection_writes_is_one_consistent_moment(live: Path, tmp_path: Path) -> None:
    stop, commits, errors = threading.Event(), [0], []
    writer = threading.Thread(target=_write_until, args=(live, stop, commits, errors))
    writer.start()
    try:
        for n in range(3):
            before = commits[0]
            copy = tmp_path / f"copy{n}.sqlite3"
            out = quizbot("backup", str(copy), tmp=tmp_path)
            after = commits[0]
            assert out.returncode == 0, out.stderr
            assert after > before, "the writer made no progress while the backup ran"
            with sqlite3.connect(copy) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
                sizes = conn.execute(
                    "SELECT count(a.player_id) FROM rounds r LEFT JOIN answers a ON a.round_id = r.id "
                    "WHERE r.question_id = 'writer' GROUP BY r.id"
                ).fetchall()
            assert before <= len(sizes) <= after
            assert {s for (s,) in sizes} <= {3}, "a transaction was copied in part"
    finally:
        stop.set()
        writer.join()
    assert errors == []  # the backup never made the writer wait past its timeout


def test_export_json_to_stdout_and_csv_files(live: Path, tmp_path: Path) -> None:
    out = quizbot("export", "--format", "json", tmp=tmp_path)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert len(data["answers"]) == 4 and {a["player"] for a in data["answers"]} == {"ann", "bob"}
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", a["answered_at"]) for a in data["answers"]
    )
    assert {s["period"] for s in data["scores"]} >= {"all"}
    answers = quizbot("export", "--format", "csv", "--what", "answers", tmp=tmp_path)
    rows = list(csv.DictReader(io.StringIO(answers.stdout)))
    assert [(r["player"], r["option"]) for r in rows] == [(a["player"], a["option"]) for a in data["answers"]]
    folder = tmp_path / "out"
    files = quizbot("export", "--format", "csv", "--what", "all", "--out", str(folder), tmp=tmp_path)
    scores = len(data["scores"])
    assert files.stdout == (
        f"wrote {folder / 'answers.csv'}: 4 answers\nwrote {folder / 'scores.csv'}: {scores} scores\n"
    )
    with (folder / "scores.csv").open(newline="") as f:
        assert len(list(csv.DictReader(f))) == len(data["scores"])


def test_export_csv_of_both_tables_needs_a_folder(live: Path, tmp_path: Path) -> None:
    out = quizbot("export", "--format", "csv", "--what", "all", tmp=tmp_path)
    assert out.returncode == 2 and "give --out FOLDER" in out.stderr


def test_export_csv_alone_writes_the_answers_to_stdout_or_a_csv_file(live: Path, tmp_path: Path) -> None:
    out = quizbot("export", "--format", "csv", tmp=tmp_path)
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 4 and {r["player"] for r in rows} == {"ann", "bob"}
    target = tmp_path / "answers-copy.csv"
    wrote = quizbot("export", "--format", "csv", "--out", str(target), tmp=tmp_path)
    assert wrote.stdout == f"wrote {target}: 4 answers\n" and target.read_text() == out.stdout


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_export_files_get_the_permissions_the_umask_gives(live: Path, tmp_path: Path, umask: int) -> None:
    folder, single = tmp_path / "out", tmp_path / "all.json"
    for args in (
        ["--format", "csv", "--what", "all", "--out", str(folder)],
        ["--format", "json", "--out", str(single)],
    ):
        assert quizbot("export", *args, tmp=tmp_path, umask=umask).returncode == 0
    for path in (folder / "answers.csv", folder / "scores.csv", single):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []


def test_export_names_a_competition_rather_than_its_number(live: Path, tmp_path: Path) -> None:
    with sqlite3.connect(live) as conn:
        community, player = conn.execute(
            "SELECT community_id, id FROM players WHERE external_id = 'ann'"
        ).fetchone()
        cid = conn.execute(
            "INSERT INTO competitions (community_id, name, starts_at, ends_at) VALUES (?, 'Winter Cup', 0, 1)",
            (community,),
        ).lastrowid
        conn.execute(
            "INSERT INTO scores (community_id, period, player_id, points, correct, answered) VALUES (?, ?, ?, 30, 1, 2)",
            (community, f"competition:{cid}", player),
        )
    conn.close()
    data = json.loads(quizbot("export", "--format", "json", "--what", "scores", tmp=tmp_path).stdout)
    cup = [s for s in data["scores"] if s["period"].startswith("competition:")]
    assert cup == [
        {"platform": "console", "community": "local", "period": "competition:Winter Cup", "player": "ann",
         "player_name": "ann", "points": 30, "correct": 1, "answered": 2}
    ]  # fmt: skip


@pytest.mark.parametrize("command", [["leaderboard"], ["stats", "ann"]])
def test_boards_refuse_a_missing_database_and_create_nothing(tmp_path: Path, command: list[str]) -> None:
    mistyped = tmp_path / "nope" / "x.sqlite3"
    _one_line_error(quizbot(*command, "--db", str(mistyped), tmp=tmp_path), "no database there")
    assert list(tmp_path.iterdir()) == []


def test_export_never_creates_or_touches_a_database(tmp_path: Path) -> None:
    _one_line_error(quizbot("export", "--format", "json", tmp=tmp_path), "no database there")
    assert list(tmp_path.iterdir()) == []
    foreign = tmp_path / "cli.sqlite3"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    before = foreign.read_bytes()
    _one_line_error(quizbot("export", "--format", "json", tmp=tmp_path), "belongs to another program")
    assert foreign.read_bytes() == before


def test_data_commands_have_help(tmp_path: Path) -> None:
    for cmd in ("backup", "export"):
        out = quizbot(cmd, "--help", tmp=tmp_path)
        assert out.returncode == 0 and "usage: quizbot" in out.stdout, cmd
