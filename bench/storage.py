"""Storage: the answer writer against raw executemany, closing a big round, boards during a burst, migrating
a big file."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bot.core.bank_loader import load_bank
from bot.core.records import AnswerWrite
from bot.core.service import QuizService
from bot.storage import AnswerWriter, Database, SqliteStore

from .common import Figure, NullChat, at_least, below

SHIPPED = Path(__file__).resolve().parent.parent / "questions"


async def _rounds(store: SqliteStore, count: int) -> tuple[int, list[int]]:
    bank = load_bank([SHIPPED])
    community = await store.community("discord", "g1")
    channel = await store.channel(community, "c1")
    questions = list(bank.questions.values())
    ids = []
    for i in range(count):
        rid = await store.create_round(
            channel.id, questions[i % len(questions)], 3600, False, None, time.time()
        )
        await store.mark_posted(rid, f"m{rid}", time.time())
        ids.append(rid)
    return community, ids


class _Raw:
    """Plain sqlite3 on the same schema and file settings: each burst's answer rows in one executemany and one
    transaction, burst after burst into the same growing table (as the writer's bursts go)."""

    def __init__(self, path: Path, players: list[int]) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT INTO players (id, community_id, external_id, name) VALUES (?, 1, ?, ?)",
            [(p, str(p), f"p{p}") for p in players],
        )
        self.conn.execute("COMMIT")

    def rate(self, rows: list[tuple[int, int, int, float]]) -> float:
        """Rows per second of one burst."""
        start = time.perf_counter()
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT INTO answers (round_id, player_id, option, answered_at) VALUES (?, ?, ?, ?)", rows
        )
        self.conn.execute("COMMIT")
        return len(rows) / (time.perf_counter() - start)


async def _writer_rate(store: SqliteStore, writer: AnswerWriter, writes: list[AnswerWrite]) -> float:
    """Our group-commit writer, from the first submit to durable; rows per second."""
    before = await store.db.scalar("SELECT count(*) FROM answers")
    start = time.perf_counter()
    for i, w in enumerate(writes):
        writer.submit(w)
        if i % 1000 == 999:
            await asyncio.sleep(0)  # events arrive over time: let the writer run between them
    await writer.flush()
    elapsed = time.perf_counter() - start
    written = await store.db.scalar("SELECT count(*) FROM answers") - before
    assert written == len(writes), (written, len(writes))
    return len(writes) / elapsed


async def _commit_per_row_rate(path: Path, round_id: int, count: int) -> float:
    """aiosqlite with a commit after every answer (what group commit avoids); rows per second."""
    import aiosqlite

    async with aiosqlite.connect(path, isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = FULL")
        base = 10_000_000
        await conn.executemany(
            "INSERT INTO players (id, community_id, external_id, name) VALUES (?, 1, ?, 'x')",
            [(base + i, f"x{i}") for i in range(count)],
        )
        start = time.perf_counter()
        for i in range(count):
            await conn.execute("BEGIN")
            await conn.execute(
                "INSERT INTO answers (round_id, player_id, option, answered_at) VALUES (?, ?, 1, 1.0)",
                (round_id, base + i),
            )
            await conn.execute("COMMIT")
        return count / (time.perf_counter() - start)


async def writer(small: bool, tmp: Path) -> list[Figure]:
    """Raw executemany and our writer, burst after burst into a growing table, one raw burst then one writer
    burst, so each pair meets the same moment of this shared machine (whose speed swings about 2x within
    minutes); the median of the pairs' ratios is the figure. The writer's first burst meets its players first."""
    count, players, rounds = (5_000, 1_000, 10) if small else (100_000, 20_000, 100)
    repeat = 5
    rng = random.Random(1)
    pairs = [(i % players, (i // players + 5 * (i % 20)) % rounds) for i in range(count)]
    raw_db = tmp / "raw.sqlite3"  # same schema and file settings, player ids known up front
    store = await SqliteStore.open(raw_db)
    raw_rounds = [(await _rounds(store, rounds))[1] for _ in range(1 + repeat)]
    await store.close()
    raw_bursts = [
        [(ids[r], p + 1, rng.randrange(4), 1.0 + i) for i, (p, r) in enumerate(pairs)] for ids in raw_rounds
    ]
    ours_db = tmp / "writer.sqlite3"
    store = await SqliteStore.open(ours_db)
    burst_rounds = [(await _rounds(store, rounds))[1] for _ in range(1 + repeat)]
    community = await store.community("discord", "g1")
    bursts = [
        [
            AnswerWrite(ids[r], community, str(p), f"player {p}", rng.randrange(4), 1.0 + i)
            for i, (p, r) in enumerate(pairs)
        ]
        for ids in burst_rounds
    ]
    raw = _Raw(raw_db, list(range(1, players + 1)))
    answer_writer = AnswerWriter(store.db)
    raw_rates, ours = [], []
    try:
        for raw_rows, writes in zip(raw_bursts, bursts, strict=True):
            raw_rates.append(raw.rate(raw_rows))
            ours.append(await _writer_rate(store, answer_writer, writes))
    finally:
        raw.conn.close()
        await answer_writer.close()
        await store.close()
    per_row = await _commit_per_row_rate(raw_db, raw_rounds[0][0], 200 if small else 1000)
    ratios = sorted(o / r for o, r in zip(ours[1:], raw_rates[1:], strict=True))
    spread = f"{ratios[0]:.2f}x to {ratios[-1]:.2f}x"
    return [
        Figure(
            f"raw sqlite3 executemany, {count:,} answers in one transaction (median of {repeat})",
            statistics.median(raw_rates[1:]),
            "rows/s",
        ),
        Figure("aiosqlite, one commit per answer", per_row, "rows/s"),
        Figure(f"answer writer, {count:,} answers, {players:,} players seen first", ours[0], "rows/s"),
        Figure("answer writer / raw executemany, players seen first", ours[0] / raw_rates[0], "x"),
        Figure(
            f"answer writer, {count:,} more answers, the same players (median of {repeat})",
            statistics.median(ours[1:]),
            "rows/s",
        ),
        at_least(
            f"answer writer / raw executemany, players known (median of {repeat} pairs)",
            statistics.median(ratios),
            "x",
            0.5,
        ),
        Figure(
            f"  the {repeat} pairs' ratios, lowest and highest: {spread}", ratios[-1] / ratios[0], "x apart"
        ),
    ]


async def close_round(small: bool, tmp: Path, teams: int = 0) -> list[Figure]:
    """close_round on a round of 1000 answers: flush, score, store scores in three periods, reveal data; with
    `teams`, every player is in one of them, so each answer is also credited to its team (migration 0007)."""
    answers, repeat = (200, 5) if small else (1000, 21)
    store = await SqliteStore.open(tmp / f"close{teams}.sqlite3")
    writer = AnswerWriter(store.db)
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


async def boards_during_burst(small: bool, tmp: Path) -> list[Figure]:
    """A leaderboard asked for every few ms while the writer stores a burst of answers, as in a busy quiz:
    reads have their own connection, so they wait for no batch (on the writer's, each waited tens of ms)."""
    count, players, rounds = (5_000, 1_000, 10) if small else (100_000, 20_000, 100)
    store = await SqliteStore.open(tmp / "busy.sqlite3")
    community, ids = await _rounds(store, rounds)
    rng = random.Random(3)
    writes = [
        AnswerWrite(
            ids[(i // players + 5 * (i % 20)) % rounds], community, str(p), f"p{p}", rng.randrange(4), i
        )
        for i, p in ((i, i % players) for i in range(count))
    ]
    answer_writer = AnswerWriter(store.db)
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
    return [
        Figure(
            f"top 10 asked during a burst of {count:,} answers (median of {len(waits)})",
            waits[len(waits) // 2],
            "ms",
        ),
        Figure("  the same, slowest", waits[-1], "ms"),
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


def run(small: bool) -> list[Figure]:
    async def main() -> list[Figure]:
        with tempfile.TemporaryDirectory() as tmp:
            figures = await writer(small, Path(tmp))
            figures += await close_round(small, Path(tmp))
            figures += await close_round(small, Path(tmp), teams=20)
            figures += await boards_during_burst(small, Path(tmp))
            figures += await migrate(small, Path(tmp))
            return figures

    return asyncio.run(main())
