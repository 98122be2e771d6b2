"""quizbot as a real subprocess against a loopback platform server, and checks on its SQLite file."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

from tests.conftest import FIXTURE_BANK, ROOT


class BotProcess:
    """`python -m bot run --platform P [ARGS]` with its own environment and a log file per start.

    `args` go after `run --platform P` (e.g. `--shard-ids 0 --shard-count 2`); `name` names its log files
    (default: "P-bot"), so that several processes can log into one folder.
    """

    def __init__(
        self,
        platform: str,
        env: Mapping[str, str],
        logs: Path,
        *,
        args: Sequence[str] = (),
        name: str | None = None,
    ) -> None:
        self.platform = platform
        self.args = tuple(args)
        self.name = name or f"{platform}-bot"
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))
        }
        self.env.update({"QUIZBOT_QUESTIONS": str(FIXTURE_BANK), "QUIZBOT_LOG_LEVEL": "INFO", **env})
        self.logs = logs
        self.starts = 0
        self.proc: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.logs / f"{self.name}-{self.starts}.log"

    async def start(self) -> None:
        """Start the bot (not waiting for it to connect)."""
        assert self.proc is None or self.proc.returncode is not None, "already running"
        self.starts += 1
        self._log = self.log_path.open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--platform",
            self.platform,
            *self.args,
            cwd=ROOT,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
        )

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, the gateway or socket just goes away."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        assert await self.proc.wait() == -signal.SIGKILL
        self._close_log()

    async def stop(self, timeout: float = 10) -> int:  # noqa: ASYNC109 (a deadline for the child)
        """SIGTERM and wait (SIGKILL after `timeout`); the exit code (as is, if it already ended)."""
        if self.proc is None:
            return 0
        if self.proc.returncode is not None:
            self._close_log()
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise AssertionError(f"the bot did not stop on SIGTERM; log:\n{self.log()}") from None
        finally:
            self._close_log()
        return code

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    def log(self, tail: int = 4000) -> str:
        """The end of the current start's log, for failure messages."""
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-tail:]
        return ""

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


async def eventually(
    what: str,
    predicate: Callable[[], bool],
    within: float = 10,
    *,
    bot: BotProcess | None = None,
    every: float = 0.02,
) -> None:
    """Poll `predicate` until it holds; fail naming `what` (with the bot's log, and sooner if it died)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if bot is not None and not bot.alive():
            raise AssertionError(f"the bot exited while waiting for {what}; log:\n{bot.log()}")
        if loop.time() > deadline:
            log = f"; bot log:\n{bot.log()}" if bot is not None else ""
            raise AssertionError(f"timed out after {within}s waiting for {what}{log}")
        await asyncio.sleep(every)


def query(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows from the bot's database, read from this process as any other reader would."""
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as conn:
        return conn.execute(sql, params).fetchall()


def count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    try:
        return int(query(db, f"SELECT count(*) FROM {table}")[0][0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0


def check_database(db: Path) -> dict[tuple[int, str], int]:
    """Integrity, and no points counted twice: every player's 'all' score is the sum of their answers.

    Returns each (round id, player external id) answer's option.
    """
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []
    unscored = query(db, "SELECT count(*) FROM answers WHERE points IS NULL OR correct IS NULL")
    assert unscored == [(0,)], "every answer of a closed round is scored"
    mismatched = query(
        db,
        """
        SELECT p.external_id, s.points, s.correct, s.answered, t.points, t.correct, t.answered
        FROM players p
        LEFT JOIN score_rows s ON s.player_id = p.id AND s.period = 'all'
        LEFT JOIN (SELECT player_id, sum(points) AS points, sum(correct) AS correct, count(*) AS answered
                   FROM answers GROUP BY player_id) t ON t.player_id = p.id
        WHERE coalesce(s.points, 0) != coalesce(t.points, 0)
           OR coalesce(s.correct, 0) != coalesce(t.correct, 0)
           OR coalesce(s.answered, 0) != coalesce(t.answered, 0)
        """,
    )
    assert mismatched == [], f"scores differ from the sum of answers for {mismatched[:5]}"
    rows = query(
        db, "SELECT a.round_id, p.external_id, a.option FROM answers a JOIN players p ON p.id = a.player_id"
    )
    return {(int(r), str(u)): int(o) for r, u, o in rows}


class RoundRow(NamedTuple):
    """A round as stored."""

    id: int
    state: str
    message_ref: str
    posted_at: float
    closed_at: float
    window: int


def rounds(db: Path) -> list[RoundRow]:
    """Every round, in order (closed_at 0 while open)."""
    sql = "SELECT id, state, coalesce(message_ref, ''), posted_at, coalesce(closed_at, 0), window FROM rounds"
    return [RoundRow(*row) for row in query(db, sql + " ORDER BY id")]


def due_soon(db: Path, seconds: float) -> None:
    """While the bot is down: move the open rounds' posting back so each closes `seconds` from now."""
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as conn, conn:
        conn.execute(
            "UPDATE rounds SET posted_at = ? - window WHERE state = 'open'", (time.time() + seconds,)
        )
