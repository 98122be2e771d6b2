"""The `quizbot` command driven end to end as a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_BANK

ROOT = Path(__file__).resolve().parents[2]


def quizbot(
    *args: str,
    tmp: Path,
    stdin: str | None = "",
    bank: Path | None = FIXTURE_BANK,
    timeout: float = 60,
    env: dict[str, str | None] | None = None,
    umask: int = -1,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in the folder `tmp` (so a .env of the checkout is not read) with none of our
    variables set but QUIZBOT_DB (and QUIZBOT_QUESTIONS); `env` adds or (None) removes variables;
    `stdin=None` gives /dev/null, as a container started without -it has."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    environ["QUIZBOT_DB"] = str(tmp / "cli.sqlite3")
    if bank is not None:
        environ["QUIZBOT_QUESTIONS"] = str(bank)
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        text=True,
        env={**environ, "PYTHONPATH": str(ROOT)},
        timeout=timeout,
        cwd=tmp,
        umask=umask,
    )


def test_validate_ok_and_broken_file_gives_file_line_and_exit_1(tmp_path: Path) -> None:
    ok = quizbot("validate", tmp=tmp_path)
    assert ok.returncode == 0 and "ok: 6 questions" in ok.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("questions:\n  - id: q1\n    prompt: 'unclosed\n")
    bad = quizbot("validate", str(FIXTURE_BANK), str(broken), tmp=tmp_path)
    assert bad.returncode == 1
    assert f"{broken}:3: YAML syntax" in bad.stderr or f"{broken}:4: YAML syntax" in bad.stderr


def test_bank_json_and_schema(tmp_path: Path) -> None:
    data = json.loads(quizbot("bank", "--json", tmp=tmp_path).stdout)
    assert len(data["questions"]) == 6 and len(data["glossary"]) == 7
    schema = json.loads(quizbot("schema", tmp=tmp_path).stdout)
    assert schema["title"] == "quizbot question bank file"
    assert "questions" in schema["properties"] and "Question" in schema["$defs"]


def test_coverage_lists_counts_and_gaps(tmp_path: Path) -> None:
    out = quizbot("coverage", tmp=tmp_path)
    assert out.returncode == 0
    assert "Exploratory data analysis (EDA)" in out.stdout and "Gaps:" in out.stdout
    strict = quizbot("coverage", "--strict", "--json", tmp=tmp_path)
    assert strict.returncode == 1  # six questions cannot meet the minimums
    assert json.loads(strict.stdout)["stages"]["eda"] == 2


def test_lookup_json_shape_and_bad_arguments(tmp_path: Path) -> None:
    out = quizbot("lookup", "--json", "model", "monitor", tmp=tmp_path)
    data = json.loads(out.stdout)
    assert data["query"] == "model monitor"
    top = data["results"][0]
    assert set(top) == {
        "id",
        "name",
        "kind",
        "score",
        "definition",
        "stages",
        "services",
        "questions",
        "docs",
    }
    assert top["id"] == "sagemaker-model-monitor" and top["questions"] == 1
    bad = quizbot("lookup", "x", "--limit", "zero", tmp=tmp_path)
    assert bad.returncode == 2 and "--limit" in bad.stderr


def test_play_reads_answers_from_stdin_and_stores_them(tmp_path: Path) -> None:
    out = quizbot(
        "play", "--count", "2", "--user", "ann", "--stage", "eda", tmp=tmp_path, stdin="b\nnonsense\na\n"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("=== Question") == 2
    assert "is not an option" in out.stdout
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM rounds WHERE state = 'revealed'").fetchone()[0] == 2
    board = quizbot("leaderboard", tmp=tmp_path)
    assert "ann" in board.stdout
    stats = quizbot("stats", "ann", tmp=tmp_path)
    assert "By stage:" in stats.stdout and "Exploratory data analysis (EDA)" in stats.stdout
    missing = quizbot("stats", "nobody", tmp=tmp_path)
    assert missing.returncode == 1 and "no answers from 'nobody'" in missing.stderr


def test_run_console_several_people_answer_and_the_round_is_revealed(tmp_path: Path) -> None:
    out = quizbot(
        "run", "--window", "6s", "--every", "1h", tmp=tmp_path, stdin="alice b\nbob a\nalice a\n/reload\n"
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("=== Question") == 1
    assert "alice: recorded" in out.stdout and "bob: recorded" in out.stdout
    assert "already answered" in out.stdout
    assert "bank reloaded: 6 questions" in out.stdout
    assert "--- Answer to #1" in out.stdout and "(2 in all)" in out.stdout


def test_run_refuses_a_foreign_database_without_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "cli.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    before = path.read_bytes()
    out = quizbot("run", tmp=tmp_path)
    assert out.returncode == 1 and "belongs to another program" in out.stderr
    assert path.read_bytes() == before


def test_broken_bank_at_start_is_reported_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("questions: [1, 2]\n")
    out = quizbot("run", tmp=tmp_path, bank=tmp_path)
    assert out.returncode == 1
    assert "bad.yaml:1: questions[0]" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("args", [["run", "--every", "soon"], ["play", "--count", "0"], ["nosuch"]])
def test_bad_arguments_exit_2_with_a_message(tmp_path: Path, args: list[str]) -> None:
    out = quizbot(*args, tmp=tmp_path)
    assert out.returncode == 2 and "error:" in out.stderr and out.stderr.count("\n") == 1, out.stderr


def test_coverage_columns_line_up_however_long_a_name(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    long_name = "Amazon SageMaker Model Monitor with a name far longer than any column width"
    text = (
        (FIXTURE_BANK / "mini.yaml")
        .read_text()
        .replace("name: Amazon SageMaker Model Monitor", f"name: {long_name}")
    )
    (bank / "mini.yaml").write_text(text)
    out = quizbot("coverage", tmp=tmp_path, bank=bank)
    assert out.returncode == 0 and long_name in out.stdout, out.stderr
    counted = [
        line for line in out.stdout.splitlines() if line.startswith("  ") and line.rstrip()[-1].isdigit()
    ]
    rows = [
        line for line in counted if not line.lstrip().startswith(("stage ", "service ", "answer ", "data-"))
    ]
    assert len(rows) == 7  # three stages, three services, one concept
    columns = {len(line.split(" / ")[0]) for line in rows}  # where each count ends
    assert len(columns) == 1, out.stdout


def test_every_command_has_help(tmp_path: Path) -> None:
    for cmd in ["validate", "bank", "coverage", "schema", "lookup", "play", "leaderboard", "stats", "run"]:
        out = quizbot(cmd, "--help", tmp=tmp_path)
        assert out.returncode == 0 and "usage: quizbot" in out.stdout, cmd


def test_run_stops_cleanly_on_sigterm_keeping_every_answer(tmp_path: Path) -> None:
    """`docker stop` or `kill` sends SIGTERM: the console bot stops as /quit does, answers stored, the database
    closed (no WAL left behind), and the open question is left for the next start to resume."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    env.update({"QUIZBOT_DB": str(tmp_path / "cli.sqlite3"), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)})
    out = tmp_path / "out.txt"
    with out.open("w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--window", "60s"],
            stdin=subprocess.PIPE,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        try:
            assert proc.stdin is not None

            def shown(text: str) -> None:
                deadline = time.monotonic() + 20
                while text not in out.read_text():
                    assert proc.poll() is None and time.monotonic() < deadline, out.read_text()
                    time.sleep(0.05)

            shown("Closes at")
            proc.stdin.write("ann a\n")
            proc.stdin.flush()
            shown("ann: recorded")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=20) == 0, out.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdin is not None:
                proc.stdin.close()
    assert not (tmp_path / "cli.sqlite3-wal").exists()
    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        assert conn.execute("SELECT count(*) FROM answers").fetchone() == (1,)
        assert conn.execute("SELECT state FROM rounds").fetchall() == [("open",)]
    conn.close()
