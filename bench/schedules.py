"""Schedules: 10k channel schedules falling due at once through APScheduler: none missed, loop responsive."""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import assemble
from bot.settings import Settings

from .common import Figure, NullChat, below, rss_mib

SHIPPED = Path(__file__).resolve().parent.parent / "questions"
# Crons that fall due in this very minute (once an hour), written differently and in zones with different
# offsets: distinct jobs, the same instant.
CRONS = ["{m} * * * *", "{m} */1 * * *", "{m} 0-23 * * *", "{m} * * * 0-6", "{m} * 1-31 * *"]
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Africa/Lagos",
    "Europe/London",
    "Pacific/Auckland",
]


def _insert(path: Path, count: int, created: float) -> None:
    """`count` channels in count/10 communities, one schedule each (setup, not timed)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    communities = max(1, count // 10)
    conn.executemany(
        "INSERT INTO communities (id, platform, external_id) VALUES (?, 'discord', ?)",
        [(c, f"g{c}") for c in range(1, communities + 1)],
    )
    conn.executemany(
        "INSERT INTO channels (id, community_id, external_id) VALUES (?, ?, ?)",
        [(i, (i - 1) % communities + 1, f"c{i}") for i in range(1, count + 1)],
    )
    at = datetime.now(UTC)
    pairs = [(c.format(m=at.astimezone(ZoneInfo(z)).minute), z) for c in CRONS for z in ZONES]
    conn.executemany(
        "INSERT INTO schedules (channel_id, cron, timezone, window, created_at, last_fired_at) VALUES (?, ?, ?, 600, ?, ?)",
        [(i, *pairs[i % len(pairs)], created, created) for i in range(1, count + 1)],
    )
    conn.execute("COMMIT")
    conn.close()


async def _watch(stop: asyncio.Event, worst: list[float]) -> None:
    """How late the loop wakes a 5 ms sleeper: the longest time anything held the loop."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.005)
        worst[0] = max(worst[0], time.perf_counter() - start - 0.005)


async def _measure(count: int, tmp: Path) -> list[Figure]:
    path = tmp / "schedules.sqlite3"
    settings = Settings.from_env({"QUIZBOT_DB": str(path), "QUIZBOT_QUESTIONS": str(SHIPPED)})
    chat = NullChat()
    async with assemble(settings, chat, "discord") as app:
        await app.start()  # the bot as it runs: nothing scheduled yet
        before = rss_mib()
        _insert(path, count, time.time() - 120)  # created two minutes ago: this minute's firing is owed
        await app.scheduler.refresh()  # what /quiz schedule add triggers: one job per distinct time
        aps = app.scheduler._aps
        jobs = [j for j in aps.get_jobs() if j.id.startswith("cron:")]
        stop, worst = asyncio.Event(), [0.0]
        watcher = asyncio.create_task(_watch(stop, worst))
        await asyncio.sleep(0.05)
        start = time.perf_counter()
        now = datetime.now(UTC)
        for job in jobs:  # every distinct time falls due at this instant
            job.modify(next_run_time=now)
        aps.wakeup()
        while chat.posted < count and time.perf_counter() - start < 600:
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - start
        await asyncio.sleep(0.5)  # the last rounds are marked posted; anything posted twice would show now
        stop.set()
        await watcher
        after = rss_mib()
        store = app.store
        posted = await store.db.scalar("SELECT count(*) FROM rounds WHERE state = 'open'")
        claimed = await store.db.scalar("SELECT count(*) FROM schedules WHERE last_fired_at > created_at")
        missed = count - min(posted, claimed)
    return [
        Figure(
            f"{count:,} schedules in {len(jobs)} APScheduler jobs (distinct cron + zone)", len(jobs), "jobs"
        ),
        Figure("posted, each exactly once", posted, "rounds", f"= {count:,}", posted == count == chat.posted),
        Figure("missed", missed, "", "= 0", missed == 0),
        Figure("time from due to the last post (NullChat, durable SQLite)", elapsed, "s"),
        below("longest the event loop was held", worst[0] * 1000, "ms", 50),
        below("memory for the schedules and their open rounds", after - before, "MiB", 40),
    ]


def run(small: bool) -> list[Figure]:
    async def main() -> list[Figure]:
        with tempfile.TemporaryDirectory() as tmp:
            return await _measure(500 if small else 10_000, Path(tmp))

    return asyncio.run(main())
