"""Leaderboards at scale: 1M answers, 100k players, 1k communities, read through the bot's own store."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path
from typing import Any

from bot.core.boards import leaderboard
from bot.core.periods import Period, period_keys

from .common import Compared, Figure, Note, amedian_ms, below
from .stores import Where, built, run_on


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


_GROUP_BY = (
    "SELECT a.player_id, sum(a.points) AS pts FROM answers a JOIN players p ON p.id = a.player_id "
    "WHERE p.community_id = {} GROUP BY a.player_id ORDER BY pts DESC LIMIT 10"
)


def _group_by_top10(path: Path, community: int, repeat: int) -> float:
    conn = sqlite3.connect(path)
    conn.execute("CREATE INDEX IF NOT EXISTS bench_cover ON answers (player_id, points)")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        conn.execute(_GROUP_BY.format("?"), (community,)).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    conn.execute("DROP INDEX bench_cover")
    conn.close()
    times.sort()
    return times[len(times) // 2]


async def _group_by_top10_pg(store: Any, community: int, repeat: int) -> float:
    pool = store.db.pool
    await pool.execute("CREATE INDEX bench_cover ON answers (player_id) INCLUDE (points)")
    await pool.execute("VACUUM ANALYZE answers")
    try:
        return await amedian_ms(lambda: pool.fetch(_GROUP_BY.format("$1"), community), repeat)
    finally:
        await pool.execute("DROP INDEX bench_cover")


async def _boards(small: bool, where: Where) -> list[Figure]:
    communities, players, answers = (10, 1_000, 10_000) if small else (1_000, 100_000, 1_000_000)
    store, took = await built(
        where, "boards", lambda path: _build_boards_db(path, communities, players, answers)
    )
    repeat = 20 if small else 200
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
        if where.postgres:
            group_by = await _group_by_top10_pg(store, 1, repeat // 4)
    finally:
        await store.close()
    if not where.postgres:
        group_by = _group_by_top10(where.tmp / "boards.sqlite3", 1, repeat // 4)
    limit = 2 if where.postgres else 1
    return [
        Figure(f"build: {answers:,} answers, {players:,} players, {communities:,} communities", took, "s"),
        Figure("top 10 by GROUP BY over answers (covering index), raw SQL", group_by, "ms"),
        below("top 10 all-time through the bot's store (median)", top10, "ms", limit),
        below("top 10 this week through the bot's store (median)", week, "ms", limit),
        below("one player's rank through the bot's store (median)", rank, "ms", limit),
    ]


def run(small: bool, stores: tuple[str, ...] = ("sqlite",)) -> list[Figure | Compared | Note]:
    return run_on(stores, lambda where: _boards(small, where))
