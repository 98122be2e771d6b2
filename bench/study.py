"""Study features at scale: picking one person's due questions and question analytics, at 1M answers."""

from __future__ import annotations

import contextlib
import random
import sqlite3
import time
from pathlib import Path

from bot.core.bank_loader import load_bank
from bot.core.errors import NoQuestionError
from bot.core.study.service import StudyService

from .boards import _build_boards_db
from .common import Compared, Figure, Note, amedian_ms, below
from .stores import Where, built, run_on

SHIPPED = Path(__file__).resolve().parent.parent / "bot" / "questions"


def _memories(path: Path, players: int, per_player: int, question_ids: list[str], now: float) -> None:
    """Each player remembers `per_player` questions, due anywhere from ten days ago to twenty days on."""
    rng = random.Random(5)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    rows = (
        (p, qid, 2, None, 3.0, 5.0, now + rng.uniform(-10, 20) * 86_400, now - 86_400, 2, rng.random() < 0.3)
        for p in range(1, players + 1)
        for qid in rng.sample(question_ids, per_player)
    )
    conn.executemany("INSERT INTO memories VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    # the answers of the boards' build name questions q0, q1, ...: point them at real bank questions
    conn.execute("CREATE TEMP TABLE ids (n INTEGER PRIMARY KEY, id TEXT)")
    conn.executemany("INSERT INTO ids VALUES (?, ?)", enumerate(question_ids))
    conn.execute(
        "UPDATE rounds SET question_id = (SELECT id FROM ids WHERE n = CAST(substr(rounds.question_id, 2) AS INTEGER) "
        f"% {len(question_ids)})"
    )
    conn.execute("UPDATE answers SET option = abs(random()) % 4")
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


async def _study(small: bool, where: Where, now: float) -> list[Figure]:
    communities, players, answers = (10, 1_000, 10_000) if small else (1_000, 100_000, 1_000_000)
    bank = load_bank([SHIPPED])

    def build(path: Path) -> None:
        _build_boards_db(path, communities, players, answers)
        _memories(path, players, answers // players, sorted(bank.questions), now)

    store, took = await built(where, "study", build)
    rng = random.Random(6)
    study = StudyService(store, lambda: bank, lambda: now, rng)
    try:
        found = await study.due_questions(1, 10)
        assert found, "the bench's first player has nothing due"

        async def pick_one() -> None:
            with contextlib.suppress(NoQuestionError):  # nothing due for this one: it says when the next is
                await study.due_questions(rng.randrange(1, players + 1), 10)

        pick = await amedian_ms(pick_one, 50 if small else 500)
        start = time.perf_counter()
        figures = await study.analytics(min_answers=1)
        analytics = time.perf_counter() - start
        assert sum(f.answered for f in figures) == answers, "analytics missed answers"
    finally:
        await store.close()
    return [
        Figure(f"build: {answers:,} answers and memories, {players:,} players", took, "s"),
        below("one person's due questions among all (median)", pick, "ms", 5),
        below(f"question analytics over {answers:,} answers", analytics, "s", 2),
    ]


def run(small: bool, stores: tuple[str, ...] = ("sqlite",)) -> list[Figure | Compared | Note]:
    now = time.time()  # one moment for both stores: the memories were built due around it
    return run_on(stores, lambda where: _study(small, where, now))
