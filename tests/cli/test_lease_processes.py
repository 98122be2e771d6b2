"""Two real `quizbot` processes on one SQLite file: the second never runs the same platform beside the first.

Each test starts `python -m bot run` (the console, its stdin a pipe that stays open) as a subprocess, the way
a second container or an overlapping restart would, with a short lease (QUIZBOT_LEASE_SECONDS).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from bot.storage import Database
from bot.storage.lease import LeaseRow, take_lease
from tests.conftest import FIXTURE_BANK

ROOT = Path(__file__).resolve().parents[2]


def _env(db: Path, lease: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    return env | {
        "QUIZBOT_DB": str(db),
        "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
        "QUIZBOT_LEASE_SECONDS": str(lease),
        "PYTHONPATH": str(ROOT),
    }


class Bot:
    """`quizbot run` in the console, stdout and stderr in files that can be read at any moment."""

    def __init__(self, db: Path, logs: Path, name: str, lease: float, *args: str) -> None:
        self.out, self.err = logs / f"{name}.out", logs / f"{name}.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", *(args or ("run", "--window", "60s"))],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                text=True,
                env=_env(db, lease),
                cwd=logs,  # no .env of the checkout
            )
        self.started = time.monotonic()

    def text(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def wait_for(self, text: str, within: float = 30) -> float:
        """Seconds from the start until `text` was shown; fail if the process ended or time ran out first."""
        deadline = time.monotonic() + within
        while text not in self.out.read_text():
            assert self.proc.poll() is None, f"ended ({self.proc.returncode}) before {text!r}:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {text!r} in {within}s:\n{self.text()}"
            time.sleep(0.05)
        return time.monotonic() - self.started

    def serving(self) -> float:
        """Seconds from the start until it served: a question posted and a command answered (so its SIGTERM
        handler is in place too)."""
        self.wait_for("Closes at")
        assert self.proc.stdin is not None
        self.proc.stdin.write("/config\n")
        self.proc.stdin.flush()
        return self.wait_for("allow_changes=")

    def ended(self, within: float = 30) -> int:
        try:
            return self.proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after {within}s:\n{self.text()}") from None

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.ended(20)

    def cleanup(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        assert self.proc.stdin is not None
        self.proc.stdin.close()


@contextmanager
def bots(db: Path, logs: Path) -> Iterator[list[Bot]]:
    started: list[Bot] = []
    try:
        yield started
    finally:
        for bot in started:
            bot.cleanup()


def health(db: Path, tmp: Path, *args: str) -> tuple[int, str]:
    """`quizbot health ARGS`: its exit code and its output."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "health", *args],
        capture_output=True,
        text=True,
        env=_env(db, 30),
        cwd=tmp,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return done.returncode, done.stdout + done.stderr


def rounds(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM rounds").fetchone()[0])


def test_a_second_console_bot_waits_then_refuses_and_starts_once_the_first_stopped(tmp_path: Path) -> None:
    db = tmp_path / "quiz.sqlite3"
    with bots(db, tmp_path) as started:
        first = Bot(db, tmp_path, "first", 30)
        started.append(first)
        first.serving()
        assert rounds(db) == 1
        second = Bot(db, tmp_path, "second", 2)
        started.append(second)
        assert second.ended() == 1
        err = second.err.read_text()
        assert f"waiting for the other quizbot (pid {first.proc.pid} on " in err
        refusal = [line for line in err.splitlines() if line.startswith("quizbot: ")]
        assert len(refusal) == 1 and f"pid {first.proc.pid}" in refusal[0] and "console" in refusal[0]
        assert "Question #" not in second.out.read_text()
        # `quizbot play` serves the console too: it would close the same rounds
        play = Bot(db, tmp_path, "play", 1, "play", "--count", "1")
        started.append(play)
        assert play.ended() == 1 and "Question" not in play.out.read_text()
        assert rounds(db) == 1 and first.proc.poll() is None
        for args in ((), ("--platform", "console"), ("--local",)):
            code, line = health(db, tmp_path, *args)
            assert code == 0 and line.startswith("healthy:") and line.count("\n") == 1, (args, line)
            assert f"pid {first.proc.pid}" in line
        code, line = health(db, tmp_path, "--platform", "discord")
        assert code == 1 and line.startswith("unhealthy:") and line.count("\n") == 1, line
        assert first.stop() == 0
        code, line = health(db, tmp_path)
        assert code == 1 and line.startswith("unhealthy:"), line
        third = Bot(db, tmp_path, "third", 30)
        started.append(third)
        assert third.serving() < 20  # at once: the first gave its lease up
        assert "waiting for the other quizbot" not in third.err.read_text()
        assert third.stop() == 0


def test_after_a_sigkill_on_this_machine_the_next_start_takes_over_at_once(tmp_path: Path) -> None:
    db = tmp_path / "quiz.sqlite3"
    with bots(db, tmp_path) as started:
        first = Bot(db, tmp_path, "first", 30)
        started.append(first)
        first.serving()
        first.proc.send_signal(signal.SIGKILL)
        assert first.ended() == -signal.SIGKILL
        second = Bot(db, tmp_path, "second", 30)
        started.append(second)
        # Its pid is gone, so its lease (30 s to run) is not waited out.
        assert second.serving() < 20
        assert "waiting for the other quizbot" not in second.err.read_text()
        assert second.stop() == 0


async def _hold_elsewhere(db: Path, seconds: float) -> None:
    """A lease as a bot on another machine would leave it when it died: nothing here can see its process."""
    database = await Database.open(db)
    try:
        now = time.time()
        row = LeaseRow("console", "far:77:ab", "far", 77, "another-machine", now, now, now + seconds)
        assert await take_lease(database, row, lambda _: False) is None
    finally:
        await database.close()


def test_a_lease_left_by_a_bot_that_cannot_be_seen_lapses_and_the_next_start_waits_for_it(
    tmp_path: Path,
) -> None:
    db = tmp_path / "quiz.sqlite3"
    asyncio.run(_hold_elsewhere(db, 3))
    with bots(db, tmp_path) as started:
        bot = Bot(db, tmp_path, "bot", 3)
        started.append(bot)
        took = bot.serving()
        assert "waiting for the other quizbot (pid 77 on far) to stop" in bot.err.read_text()
        assert took >= 2  # it waited for the lapse (started ~1 s after the lease was written, 3 s long)
        assert bot.stop() == 0
