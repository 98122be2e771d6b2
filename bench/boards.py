"""Leaderboards at scale: 1M answers, 100k players, 1k communities, read through the bot's own store."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from bot.core.boards import leaderboard
from bot.core.periods import Period, period_keys
from bot.storage import SqliteStore

from .common import Figure, amedian_ms, below


def _build_boards_db(path: Path, communities: int, players: int, answers: int) -> None:
    """A database as a long-running bot leaves it: answers, and the totals kept from them."""
    conn = sqlite3.connect(path, isolation_level=None)
    rng = random.Random(3)
    per_community = players // communities
    rounds_per_community = max(1, answers // players * 2)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO communities (id, platform, external_id, name) VALUES (?, 'discord', ?, '')",
        [(c, f"g{c}") for c in range(1, communities + 1)],
    )
    conn.executemany(
        "INSERT INTO channels (id, community_id, external_id, name, config) VALUES (?, ?, ?, '', '{}')",
        [(c, c, f"c{c}") for c in range(1, communities + 1)],
    )
    conn.executemany(
        "INSERT INTO players (id, community_id, external_id, name) VALUES (?, ?, ?, ?)",
        [(p, (p - 1) // per_community + 1, f"u{p}", f"player {p}") for p in range(1, players + 1)],
    )
    now = time.time()
    round_rows = []
    for c in range(1, communities + 1):
        for r in range(rounds_per_community):
            round_rows.append(
                (len(round_rows) + 1, c, f"q{r}", "{}", "training", "[]", "easy", 60, "revealed", now, now)
            )
    conn.executemany(
        "INSERT INTO rounds (id, channel_id, question_id, question, stage, services, difficulty, window, state, created_at, posted_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        round_rows,
    )
    per_player = answers // players

    def answer_rows():  # type: ignore[no-untyped-def]
        for p in range(1, players + 1):
            c = (p - 1) // per_community
            first = c * rounds_per_community + 1
            for r in rng.sample(range(first, first + rounds_per_community), per_player):
                correct = rng.random() < 0.6
                yield (r, p, 0, now, int(correct), rng.randrange(10, 30) if correct else 0)

    conn.executemany(
        "INSERT INTO answers (round_id, player_id, option, answered_at, correct, points) VALUES (?, ?, ?, ?, ?, ?)",
        answer_rows(),
    )
    _, week, month = period_keys(now)
    conn.execute(  # all-time, week and month totals live on each player's row (migration 0003)
        "UPDATE players SET points = t.points, correct = t.correct, answered = t.answered, "
        "week = ?1, week_points = t.points, week_correct = t.correct, week_answered = t.answered, "
        "month = ?2, month_points = t.points, month_correct = t.correct, month_answered = t.answered "
        "FROM (SELECT player_id, sum(points) AS points, sum(correct) AS correct, count(*) AS answered "
        "FROM answers GROUP BY player_id) t WHERE players.id = t.player_id",
        (week, month),
    )
    for past in period_keys(now - 40 * 86_400)[1:]:  # a past week and month, archived in scores
        conn.execute(
            "INSERT INTO scores (community_id, period, player_id, points, correct, answered) "
            "SELECT community_id, ?, id, points, correct, answered FROM players WHERE answered > 0",
            (past,),
        )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def _group_by_top10(path: Path, community: int, repeat: int) -> float:
    conn = sqlite3.connect(path)
    conn.execute("CREATE INDEX IF NOT EXISTS bench_cover ON answers (player_id, points)")
    sql = (
        "SELECT a.player_id, sum(a.points) AS pts FROM answers a JOIN players p ON p.id = a.player_id "
        "WHERE p.community_id = ? GROUP BY a.player_id ORDER BY pts DESC LIMIT 10"
    )
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        conn.execute(sql, (community,)).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    conn.execute("DROP INDEX bench_cover")
    conn.close()
    times.sort()
    return times[len(times) // 2]


async def _boards(small: bool, tmp: Path) -> list[Figure]:
    communities, players, answers = (10, 1_000, 10_000) if small else (1_000, 100_000, 1_000_000)
    path = tmp / "boards.sqlite3"
    await (await SqliteStore.open(path)).close()  # our schema, migrated
    start = time.perf_counter()
    _build_boards_db(path, communities, players, answers)
    built = time.perf_counter() - start
    repeat = 20 if small else 200
    store = await SqliteStore.open(path)
    rng = random.Random(4)
    now = time.time()
    try:
        community = rng.randrange(1, communities + 1)
        view = await leaderboard(store, community, period=Period.ALL, at=now)
        assert len(view.rows) == 10
        top10 = await amedian_ms(
            lambda: leaderboard(store, rng.randrange(1, communities + 1), period=Period.ALL, at=now), repeat
        )
        week = await amedian_ms(
            lambda: leaderboard(store, rng.randrange(1, communities + 1), period=Period.WEEK, at=now), repeat
        )
        key = period_keys(now)[0]
        per_community = players // communities

        def one_rank():  # type: ignore[no-untyped-def]
            pid = rng.randrange(1, players + 1)
            return store.standing((pid - 1) // per_community + 1, key, pid)

        rank = await amedian_ms(one_rank, repeat)
        found = await store.standing(1, key, 1)
        assert found is not None
    finally:
        await store.close()
    group_by = _group_by_top10(path, 1, repeat // 4)
    return [
        Figure(f"build: {answers:,} answers, {players:,} players, {communities:,} communities", built, "s"),
        Figure("top 10 by GROUP BY over answers (covering index), sqlite3", group_by, "ms"),
        below("top 10 all-time through the bot's store (median)", top10, "ms", 1),
        below("top 10 this week through the bot's store (median)", week, "ms", 1),
        below("one player's rank through the bot's store (median)", rank, "ms", 1),
    ]


def run(small: bool) -> list[Figure]:
    async def main() -> list[Figure]:
        with tempfile.TemporaryDirectory() as tmp:
            return await _boards(small, Path(tmp))

    return asyncio.run(main())
