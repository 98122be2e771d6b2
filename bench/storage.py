"""Storage on each store: the answer writer against the raw bulk insert (bench/writer.py), closing a big round,
boards during a burst; and migrating a big SQLite file."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import time
from pathlib import Path

from bot.core.bank_loader import load_bank
from bot.core.records import AnswerWrite
from bot.core.service import QuizService
from bot.storage import Database, SqliteStore

from .common import Compared, Figure, Note, NullChat, below
from .stores import Where, run_on
from .writer import SHIPPED, rounds_of, writer


async def close_round(small: bool, where: Where, teams: int = 0) -> list[Figure]:
    """close_round on a round of 1000 answers: flush, score, store scores in three periods, reveal data; with
    `teams`, every player is in one of them, so each answer is also credited to its team (migration 0007)."""
    answers, repeat = (200, 5) if small else (1000, 21)
    store = await where.open(f"close{teams}")
    writer = store.answer_writer()
    service = QuizService(
        bank=load_bank([SHIPPED]), store=store, writer=writer, chat=NullChat(), platform="discord"
    )
    channel = await service.channel("g1", "c1")
    rng = random.Random(2)
    for t in range(teams):
        team = await store.create_team(channel.community_id, f"team {t}")
        for p in range(t, answers, teams):
            player = await store.player(channel.community_id, f"u{p}", f"player {p}")
            await store.join_team(player.id, team, time.time() - 1)

    async def one_round() -> None:
        rnd = await service.ask(channel, window=3600)
        assert rnd.message_ref is not None
        for p in range(answers):
            service.answer(rnd.message_ref, f"u{p}", f"player {p}", rng.randrange(len(rnd.question.options)))
        await writer.flush()
        times.append(await _timed(service.close_round(rnd.id)))

    times: list[float] = []
    try:
        for _ in range(repeat):
            await one_round()
    finally:
        await service.stop()
        await writer.close()
        await store.close()
    times.sort()
    return [
        below(
            f"close + score + reveal data, round of {answers} answers"
            + (f", players in {teams} teams" if teams else "")
            + " (median)",
            times[len(times) // 2],
            "ms",
            10,
        ),
        Figure("  the same, slowest", times[-1], "ms"),
    ]


async def _timed(awaitable: object) -> float:
    start = time.perf_counter()
    await awaitable  # type: ignore[misc]
    return (time.perf_counter() - start) * 1000


async def boards_during_burst(small: bool, where: Where) -> list[Figure]:
    """A leaderboard asked for every few ms while the writer stores a burst of answers, as in a busy quiz:
    reads have their own connection, so they wait for no batch (on the writer's, each waited tens of ms)."""
    count, players, rounds = (5_000, 1_000, 10) if small else (100_000, 20_000, 100)
    store = await where.open("busy")
    community, ids = await rounds_of(store, rounds)
    rng = random.Random(3)
    writes = [
        AnswerWrite(
            ids[(i // players + 5 * (i % 20)) % rounds], community, str(p), f"p{p}", rng.randrange(4), i
        )
        for i, p in ((i, i % players) for i in range(count))
    ]
    answer_writer = store.answer_writer()
    waits: list[float] = []
    done = asyncio.Event()

    async def ask() -> None:
        while not done.is_set():
            waits.append(await _timed(store.leaderboard(community, "all", 10)))
            await asyncio.sleep(0.002)

    asker = asyncio.create_task(ask())
    try:
        for i, w in enumerate(writes):
            answer_writer.submit(w)
            if i % 1000 == 999:
                await asyncio.sleep(0)
        await answer_writer.flush()
    finally:
        done.set()
        await asker
        await answer_writer.close()
        await store.close()
    waits.sort()
    name = f"top 10 asked during a burst of {count:,} answers (median)"
    median = statistics.median(waits)
    return [
        below(name, median, "ms", 2) if where.postgres else Figure(name, median, "ms"),
        Figure("  the same, 99th percentile", waits[int(len(waits) * 0.99)], "ms"),
        Figure("  the same, slowest", waits[-1], "ms"),
        Figure("  boards asked during the burst", len(waits), "boards"),
    ]


async def migrate(small: bool, tmp: Path) -> list[Figure]:
    """Opening a schema-2 file of a long-running bot: migration 0003 moves the live totals onto players."""
    players = 10_000 if small else 100_000
    periods = ["all", "week:2026-W45", "week:2026-W46", "week:2026-W47", "month:2026-10", "month:2026-11"]
    path = tmp / "schema2.sqlite3"
    await (await Database.open(path, target_version=2)).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO communities (id, platform, external_id) VALUES (?, 'discord', ?)",
        [(c, f"g{c}") for c in range(1, 1001)],
    )
    conn.executemany(
        "INSERT INTO players (id, community_id, external_id) VALUES (?, ?, ?)",
        [(p, 1 + p % 1000, f"u{p}") for p in range(1, players + 1)],
    )
    conn.executemany(
        "INSERT INTO scores (community_id, period, player_id, points, correct, answered) VALUES (?, ?, ?, 9, 1, 2)",
        [(1 + p % 1000, period, p) for p in range(1, players + 1) for period in periods],
    )
    conn.execute("COMMIT")
    conn.close()
    start = time.perf_counter()
    store = await SqliteStore.open(path)
    elapsed = time.perf_counter() - start
    await store.close()
    rows = players * len(periods)
    return [Figure(f"open a schema-2 file: {players:,} players, {rows:,} score rows migrated", elapsed, "s")]


def run(small: bool, stores: tuple[str, ...] = ("sqlite",)) -> list[Figure | Compared | Note]:
    async def suite(where: Where) -> list[Figure]:
        figures = await writer(small, where)
        figures += await close_round(small, where)
        figures += await close_round(small, where, teams=20)
        figures += await boards_during_burst(small, where)
        if not where.postgres:
            figures += await migrate(small, where.tmp)
        return figures

    return run_on(stores, suite)
