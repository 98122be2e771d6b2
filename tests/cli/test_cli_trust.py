"""The command line's first hour: .env, bad settings, options in either place, and `run` refusing to idle."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import quizbot
from tests.conftest import FIXTURE_BANK

SECRET = "xoxb-not-to-be-printed"


def one_line(out: subprocess.CompletedProcess[str], code: int, *texts: str) -> None:
    """Exit `code`, and stderr is one line of ours naming every text: no traceback, no usage block."""
    assert out.returncode == code, (out.returncode, out.stderr)
    assert out.stderr.startswith("quizbot: ") and out.stderr.count("\n") == 1, out.stderr
    for text in texts:
        assert text in out.stderr, out.stderr


def test_dotenv_in_the_working_folder_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("# from .env.example\nDISCORD_TOKEN=\nQUIZBOT_DB=dotenv/quiz.sqlite3\n")
    out = quizbot("leaderboard", tmp=tmp_path, env={"QUIZBOT_DB": None})
    one_line(out, 1, "dotenv/quiz.sqlite3", "no database there")
    out = quizbot("leaderboard", tmp=tmp_path, env={"QUIZBOT_DB": "env.sqlite3"})
    one_line(out, 1, "env.sqlite3")
    assert "dotenv" not in out.stderr


@pytest.mark.parametrize("command", [["validate"], ["lookup", "drift"], ["leaderboard"], ["run"]])
def test_a_bad_log_level_is_one_line_naming_it_for_every_command(tmp_path: Path, command: list[str]) -> None:
    out = quizbot(*command, tmp=tmp_path, env={"QUIZBOT_LOG_LEVEL": "verbose"})
    one_line(out, 2, "QUIZBOT_LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR, CRITICAL", "'verbose'")
    assert not (tmp_path / "cli.sqlite3").exists()


def test_a_bad_slack_port_stops_run_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("QUIZBOT_SLACK_PORT=abc\n")
    one_line(quizbot("run", tmp=tmp_path), 2, "QUIZBOT_SLACK_PORT", "1 to 65535", "'abc'")
    ok = quizbot("bank", tmp=tmp_path)
    assert ok.returncode == 0 and "Data drift" in ok.stdout, ok.stderr
    assert quizbot("validate", tmp=tmp_path).returncode == 0


def test_run_with_no_terminal_and_no_token_stops_at_once_naming_the_variables(tmp_path: Path) -> None:
    out = quizbot("run", tmp=tmp_path, stdin=None, timeout=20)
    one_line(out, 2, "DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
    assert out.stdout == "" and not (tmp_path / "cli.sqlite3").exists()


def test_run_console_asked_for_by_name_still_runs_with_no_terminal(tmp_path: Path) -> None:
    out = quizbot("run", "--platform", "console", "--window", "2s", tmp=tmp_path, stdin=None)
    assert out.returncode == 0, out.stderr
    assert "=== Question" in out.stdout and "--- Answer to #1" in out.stdout


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_BOT_TOKEN": SECRET}, "SLACK_APP_TOKEN"),
        ({"SLACK_APP_TOKEN": SECRET}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": SECRET}, "SLACK_BOT_TOKEN"),
    ],
)
def test_half_of_slack_is_refused_by_name_not_run_as_the_console(
    tmp_path: Path, env: dict[str, str | None], named: str
) -> None:
    out = quizbot("run", tmp=tmp_path, env=env, stdin="ann a\n", timeout=20)
    one_line(out, 2, named)
    assert SECRET not in out.stderr + out.stdout and "=== Question" not in out.stdout


def test_global_options_work_after_the_subcommand_and_the_later_one_wins(tmp_path: Path) -> None:
    one_line(quizbot("leaderboard", "--db", "after.sqlite3", tmp=tmp_path), 1, "after.sqlite3")
    one_line(quizbot("--db", "before.sqlite3", "stats", "ann", tmp=tmp_path), 1, "before.sqlite3")
    out = quizbot("--db", "before.sqlite3", "leaderboard", "--db", "after.sqlite3", tmp=tmp_path)
    one_line(out, 1, "after.sqlite3")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.yaml").write_text("questions: [1]\n")
    found = quizbot("bank", "--questions", str(FIXTURE_BANK), tmp=tmp_path, bank=broken)
    assert found.returncode == 0 and len(json.loads(found.stdout)["questions"]) == 6, found.stderr
    assert quizbot("bank", tmp=tmp_path, bank=broken).returncode == 1  # the broken bank, given before
    played = quizbot(
        "play",
        "--db",
        str(tmp_path / "solo.sqlite3"),
        "--count",
        "1",
        "--user",
        "ann",
        tmp=tmp_path,
        stdin="a\n",
    )
    assert played.returncode == 0 and (tmp_path / "solo.sqlite3").exists(), played.stderr
    assert not (tmp_path / "cli.sqlite3").exists()


@pytest.mark.parametrize(
    "command", ["validate", "bank", "lookup", "play", "leaderboard", "stats", "export", "run"]
)
def test_every_subcommand_help_shows_the_global_options(tmp_path: Path, command: str) -> None:
    out = quizbot(command, "--help", tmp=tmp_path)
    assert out.returncode == 0 and "--db" in out.stdout and "--questions" in out.stdout


def test_bank_prints_json_with_or_without_the_flag(tmp_path: Path) -> None:
    plain, flagged = quizbot("bank", tmp=tmp_path), quizbot("bank", "--json", tmp=tmp_path)
    assert plain.returncode == 0 and plain.stdout == flagged.stdout
    assert len(json.loads(plain.stdout)["questions"]) == 6


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--every", "0s"], "--every"),
        (["--window", "0s"], "--window"),
        (["--tz", "Europe/Berlin"], "--cron"),
        (["--cron", "0 9 * * *", "--tz", "Mars/Olympus"], "--tz"),
    ],
)
def test_run_options_that_would_be_ignored_or_mean_something_else_are_refused(
    tmp_path: Path, args: list[str], named: str
) -> None:
    out = quizbot("run", *args, tmp=tmp_path, timeout=20)
    assert out.returncode == 2 and named in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert out.stdout == "" and not (tmp_path / "cli.sqlite3").exists()


def test_tz_with_the_schedule_from_the_environment_is_accepted(tmp_path: Path) -> None:
    out = quizbot(
        "run", "--tz", "Europe/Berlin", "--rounds", "1", "--window", "2s", "--every", "1s",
        tmp=tmp_path, env={"QUIZBOT_SCHEDULE": "0 9 * * 1-5"},
    )  # fmt: skip
    assert out.returncode == 0 and "--- Answer to #1" in out.stdout, out.stderr


def test_console_options_with_a_platform_are_refused_before_connecting(tmp_path: Path) -> None:
    out = quizbot("run", "--every", "30s", tmp=tmp_path, env={"DISCORD_TOKEN": SECRET}, timeout=20)
    assert out.returncode == 2 and "--every" in out.stderr and "discord" in out.stderr, out.stderr
    assert out.stderr.count("\n") == 1
    assert SECRET not in out.stderr
