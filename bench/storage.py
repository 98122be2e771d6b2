"""Storage: the answer writer against raw executemany, closing a big round, migrating a big file."""

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


def _raw_executemany(path: Path, bursts: list[list[tuple[int, int, int, float]]]) -> list[float]:
    """Plain sqlite3: each burst's answer rows in one executemany and one transaction, burst after burst into
    the same growing table (as the writer's bursts go); rows per second of each."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = FULL")
    players = sorted({r[1] for rows in bursts for r in rows})
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO players (id, community_id, external_id, name) VALUES (?, 1, ?, ?)",
        [(p, str(p), f"p{p}") for p in players],
    )
    conn.execute("COMMIT")
    rates = []
    for rows in bursts:
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO answers (round_id, player_id, option, answered_at) VALUES (?, ?, ?, ?)", rows
        )
        conn.execute("COMMIT")
        rates.append(len(rows) / (time.perf_counter() - start))
    conn.close()
    return rates


async def _writer_rates(path: Path, bursts: list[list[AnswerWrite]]) -> list[float]:
    """Our group-commit writer, from the first submit to durable, burst after burst; rows per second."""
    store = await SqliteStore.open(path)
    writer = AnswerWriter(store.db)
    rates = []
    try:
        for writes in bursts:
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
            rates.append(len(writes) / elapsed)
        return rates
    finally:
        await writer.close()
        await store.close()


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
    """Raw executemany and our writer, burst after burst into a growing table, each `repeat` times in this run:
    the medians are compared (one sample of each swung the ratio from 0.35x to 0.58x on this shared machine)."""
    count, players, rounds = (5_000, 1_000, 10) if small else (100_000, 20_000, 100)
    repeat = 3
    rng = random.Random(1)
    pairs = [(i % players, (i // players + 5 * (i % 20)) % rounds) for i in range(count)]
    raw_db = tmp / "raw.sqlite3"  # same schema and file settings, player ids known up front
    store = await SqliteStore.open(raw_db)
    raw_rounds = [(await _rounds(store, rounds))[1] for _ in range(1 + repeat)]
    await store.close()
    raw_first, *raw_rates = _raw_executemany(
        raw_db,
        [
            [(ids[r], p + 1, rng.randrange(4), 1.0 + i) for i, (p, r) in enumerate(pairs)]
            for ids in raw_rounds
        ],
    )
    ours_db = tmp / "writer.sqlite3"
    store = await SqliteStore.open(ours_db)
    burst_rounds = [(await _rounds(store, rounds))[1] for _ in range(1 + repeat)]
    community = await store.community("discord", "g1")
    await store.close()
    bursts = [
        [
            AnswerWrite(ids[r], community, str(p), f"player {p}", rng.randrange(4), 1.0 + i)
            for i, (p, r) in enumerate(pairs)
        ]
        for ids in burst_rounds
    ]
    cold, *warm = await _writer_rates(ours_db, bursts)
    per_row = await _commit_per_row_rate(raw_db, raw_rounds[0][0], 200 if small else 1000)
    raw = statistics.median(raw_rates)
    ours = statistics.median(warm)
    spread = f"{min(raw_rates):,.0f} and {max(raw_rates):,.0f} rows/s"
    return [
        Figure(
            f"raw sqlite3 executemany, {count:,} answers in one transaction (median of {repeat})",
            raw,
            "rows/s",
        ),
        Figure(f"  raw runs, slowest and fastest: {spread}", max(raw_rates) / min(raw_rates), "x apart"),
        Figure("aiosqlite, one commit per answer", per_row, "rows/s"),
        Figure(f"answer writer, {count:,} answers, {players:,} players seen first", cold, "rows/s"),
        Figure("answer writer / raw executemany, players seen first", cold / raw_first, "x"),
        Figure(
            f"answer writer, {count:,} more answers, the same players (median of {repeat})", ours, "rows/s"
        ),
        at_least("answer writer / raw executemany, players known", ours / raw, "x", 0.5),
    ]


async def close_round(small: bool, tmp: Path) -> list[Figure]:
    """close_round on a round of 1000 answers: flush, score, store scores in three periods, reveal data."""
    answers, repeat = (200, 5) if small else (1000, 21)
    store = await SqliteStore.open(tmp / "close.sqlite3")
    writer = AnswerWriter(store.db)
    service = QuizService(
        bank=load_bank([SHIPPED]), store=store, writer=writer, chat=NullChat(), platform="discord"
    )
    channel = await service.channel("g1", "c1")
    rng = random.Random(2)

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
            f"close + score + reveal data, round of {answers} answers (median)",
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
            figures += await migrate(small, Path(tmp))
            return figures

    return asyncio.run(main())
