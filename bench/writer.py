"""The answer writer against the raw bulk insert of each store: sqlite3 executemany in one transaction on SQLite,
asyncpg COPY (copy_records_to_table) on PostgreSQL, of the same rows, burst after burst into a growing table."""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import time
from pathlib import Path
from typing import Any

from bot.core.bank_loader import load_bank
from bot.core.records import AnswerWrite

from .common import Figure, at_least
from .stores import Where, count_answers

SHIPPED = Path(__file__).resolve().parent.parent / "questions"
_COLUMNS = ["round_id", "player_id", "option", "answered_at"]
Row = tuple[int, int, int, float]


async def rounds_of(store: Any, count: int) -> tuple[int, list[int]]:
    """`count` open rounds in one channel of community g1; (community id, round ids)."""
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


class _SqliteRaw:
    """Plain sqlite3 on the same schema and file settings (its own file: SQLite has one writer), each burst's
    answer rows in one executemany and one transaction; player ids 1..n known up front."""

    def __init__(self, path: Path, players: int) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT INTO players (id, community_id, external_id, name) VALUES (?, 1, ?, ?)",
            [(p, str(p), f"p{p}") for p in range(1, players + 1)],
        )
        self.conn.execute("COMMIT")
        self.ids = list(range(1, players + 1))

    async def rate(self, rows: list[Row]) -> float:
        start = time.perf_counter()
        self.conn.execute("BEGIN")
        self.conn.executemany(
            "INSERT INTO answers (round_id, player_id, option, answered_at) VALUES (?, ?, ?, ?)", rows
        )
        self.conn.execute("COMMIT")
        return len(rows) / (time.perf_counter() - start)

    async def close(self) -> None:
        self.conn.close()


class _PgCopy:
    """asyncpg COPY into the very answers table the writer fills (same database, same indexes and foreign
    keys), each burst in one transaction committed durably; its own players, ids known up front."""

    def __init__(self, conn: Any, ids: list[int]) -> None:
        self.conn = conn
        self.ids = ids

    @classmethod
    async def open(cls, url: str, community: int, players: int) -> _PgCopy:
        import asyncpg

        conn = await asyncpg.connect(url)
        rows = await conn.fetch(
            "INSERT INTO players (community_id, external_id, name) "
            "SELECT $1, 'raw' || g, 'raw ' || g FROM generate_series(1, $2) g RETURNING id",
            community,
            players,
        )
        return cls(conn, [int(r[0]) for r in rows])

    async def rate(self, rows: list[Row]) -> float:
        start = time.perf_counter()
        await self.conn.copy_records_to_table("answers", records=rows, columns=_COLUMNS)
        return len(rows) / (time.perf_counter() - start)

    async def close(self) -> None:
        await self.conn.close()


async def _writer_rate(store: Any, writer: Any, writes: list[AnswerWrite]) -> float:
    """Our group-commit writer, from the first submit to durable; rows per second."""
    before = await count_answers(store)
    start = time.perf_counter()
    for i, w in enumerate(writes):
        writer.submit(w)
        if i % 1000 == 999:
            await asyncio.sleep(0)  # events arrive over time: let the writer run between them
    await writer.flush()
    elapsed = time.perf_counter() - start
    written = await count_answers(store) - before
    assert written == len(writes), (written, len(writes))
    return len(writes) / elapsed


async def _per_row_sqlite(path: Path, round_id: int, count: int) -> float:
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


async def _per_row_pg(conn: Any, round_id: int, player_ids: list[int]) -> float:
    """asyncpg with a commit after every answer (each INSERT its own durable transaction); rows per second."""
    start = time.perf_counter()
    for pid in player_ids:
        await conn.execute(
            "INSERT INTO answers (round_id, player_id, option, answered_at) VALUES ($1, $2, 1, 1.0)",
            round_id,
            pid,
        )
    return len(player_ids) / (time.perf_counter() - start)


async def writer(small: bool, where: Where) -> list[Figure]:
    """The raw insert and our writer, burst after burst into a growing table, one raw burst then one writer
    burst, so each pair meets the same moment of this shared machine (whose speed swings about 2x within
    minutes); the median of the pairs' ratios is the figure. The writer's first burst meets its players first."""
    count, players, rounds = (5_000, 1_000, 10) if small else (100_000, 20_000, 100)
    repeat = 5
    rng = random.Random(1)
    pairs = [(i % players, (i // players + 5 * (i % 20)) % rounds) for i in range(count)]
    if where.postgres:  # one database: the raw COPY goes into the writer's own table
        store = raw_store = await where.open("writer")
    else:  # same schema and file settings, another file
        raw_store = await where.open("raw")
    raw_rounds = [(await rounds_of(raw_store, rounds))[1] for _ in range(1 + repeat)]
    if not where.postgres:
        await raw_store.close()
        store = await where.open("writer")
    burst_rounds = [(await rounds_of(store, rounds))[1] for _ in range(1 + repeat)]
    community = await store.community("discord", "g1")
    raw: _SqliteRaw | _PgCopy
    if where.postgres:
        raw = await _PgCopy.open(store.db.url, community, players)
    else:
        raw = _SqliteRaw(where.tmp / "raw.sqlite3", players)
    raw_bursts = [
        [(ids[r], raw.ids[p], rng.randrange(4), 1.0 + i) for i, (p, r) in enumerate(pairs)]
        for ids in raw_rounds
    ]
    bursts = [
        [
            AnswerWrite(ids[r], community, str(p), f"player {p}", rng.randrange(4), 1.0 + i)
            for i, (p, r) in enumerate(pairs)
        ]
        for ids in burst_rounds
    ]
    answer_writer = store.answer_writer()
    raw_rates, ours = [], []
    try:
        for raw_rows, writes in zip(raw_bursts, bursts, strict=True):
            raw_rates.append(await raw.rate(raw_rows))
            ours.append(await _writer_rate(store, answer_writer, writes))
        per_row_count = 200 if small else 1000
        if where.postgres:
            assert isinstance(raw, _PgCopy)
            fresh = (await rounds_of(store, 1))[1][0]
            per_row = await _per_row_pg(raw.conn, fresh, raw.ids[:per_row_count])
    finally:
        await raw.close()
        await answer_writer.close()
        await store.close()
    if not where.postgres:
        per_row = await _per_row_sqlite(where.tmp / "raw.sqlite3", raw_rounds[0][0], per_row_count)
    ratios = sorted(o / r for o, r in zip(ours[1:], raw_rates[1:], strict=True))
    return [
        Figure(
            f"raw executemany (sqlite) / COPY (postgres), {count:,} answers, one transaction (median of {repeat})",
            statistics.median(raw_rates[1:]),
            "rows/s",
        ),
        Figure("one commit per answer (aiosqlite / asyncpg)", per_row, "rows/s"),
        Figure(f"answer writer, {count:,} answers, {players:,} players seen first", ours[0], "rows/s"),
        Figure("answer writer / raw, players seen first", ours[0] / raw_rates[0], "x"),
        Figure(
            f"answer writer, {count:,} more answers, the same players (median of {repeat})",
            statistics.median(ours[1:]),
            "rows/s",
        ),
        at_least(
            f"answer writer / raw, players known (median of {repeat} pairs)",
            statistics.median(ratios),
            "x",
            0.5,
        ),
        Figure(f"  the {repeat} pairs' ratios, lowest", ratios[0], "x"),
        Figure(f"  the {repeat} pairs' ratios, highest", ratios[-1], "x"),
    ]
