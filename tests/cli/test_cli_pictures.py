"""Pictures in the terminal: `--image PATH` writes the card as a PNG and prints its path, the text as always."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.cli.test_cli import quizbot


def _png(path: Path) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size[0] == 2 * 760


def test_leaderboard_and_stats_write_their_cards(tmp_path: Path) -> None:
    played = quizbot("play", "--count", "2", "--user", "alice", tmp=tmp_path, stdin="a\nb\n")
    assert played.returncode == 0, played.stderr
    board = quizbot("leaderboard", "--period", "week", "--image", "out/board.png", tmp=tmp_path)
    assert board.returncode == 0, board.stderr
    assert "alice" in board.stdout and board.stdout.strip().endswith("picture: out/board.png")
    _png(tmp_path / "out" / "board.png")
    stats = quizbot("stats", "alice", "--image", "me.png", tmp=tmp_path)
    assert stats.returncode == 0 and stats.stdout.strip().endswith("picture: me.png")
    _png(tmp_path / "me.png")
    missing = quizbot("stats", "nobody", "--image", "no.png", tmp=tmp_path)
    assert missing.returncode != 0 and not (tmp_path / "no.png").exists()


def test_the_running_console_writes_a_card_after_image(tmp_path: Path) -> None:
    quizbot("play", "--count", "1", "--user", "alice", tmp=tmp_path, stdin="a\n")
    lines = "/leaderboard all --image run.png\n/leaderboard --image\n/quit\n"
    run = quizbot("run", "--platform", "console", "--every", "1h", tmp=tmp_path, stdin=lines)
    assert "picture: run.png" in run.stdout, run.stdout + run.stderr
    assert "--image needs a file name" in run.stdout
    _png(tmp_path / "run.png")
