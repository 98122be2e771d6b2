"""Reaction ingestion end to end: the real discord.py client against the test server in another process.

Bare discord.py (a handler that only counts) and quizbot (our handlers, rounds, the group-commit writer and
durable SQLite) each take the same burst of reaction events; both rates are printed with their ratio.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import discord

from bot.adapters.discord.client import intents
from bot.adapters.discord.render import OPTION_EMOJI
from bot.adapters.discord.run import DiscordBot, point_at
from bot.settings import Settings

from .common import Figure, at_least, rss_mib

ROOT = Path(__file__).resolve().parent.parent
GUILD, CHANNEL = "2000", "3000"


class _Server:
    """The load server subprocess."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.discord_load"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            text=True,
        )
        assert self.proc.stdout is not None
        urls = json.loads(self.proc.stdout.readline())
        self.api, self.gateway = urls["api"], urls["gateway"]
        self.base = self.api.split("/api/")[0]

    async def call(self, route: str, body: object = None) -> dict[str, float]:
        async with aiohttp.ClientSession() as http, http.post(f"{self.base}/_bench/{route}", json=body) as r:
            return await r.json()  # type: ignore[no-any-return]

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(10)


def _events(message_ids: list[int], options: list[int], players: int, count: int) -> list[list[object]]:
    """`count` reactions, no (message, player) twice, each on one of that question's options."""
    rng = random.Random(5)
    rounds = len(message_ids)
    out: list[list[object]] = []
    for i in range(count):
        player, r = i % players, (i // players + (rounds // 20 or 1) * (i % 20)) % rounds
        out.append([message_ids[r], 100_000 + player, OPTION_EMOJI[rng.randrange(options[r])]])
    return out


class _Counter(discord.Client):
    def __init__(self, expected: int) -> None:
        super().__init__(
            intents=intents(),
            max_messages=None,
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            guild_ready_timeout=0.1,
        )
        self.expected, self.seen = expected, 0
        self.done = asyncio.Event()
        self.up = asyncio.Event()

    async def on_ready(self) -> None:
        self.up.set()

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.seen += 1
        if self.seen == self.expected:
            self.done.set()


async def _bare(server: _Server, events: list[list[object]]) -> float:
    client = _Counter(len(events))
    task = asyncio.create_task(client.start("bench-token"))
    try:
        await asyncio.wait_for(client.up.wait(), 20)
        await server.call("prepare", {"events": events})
        start = time.perf_counter()
        fire = asyncio.create_task(server.call("fire"))
        await asyncio.wait_for(client.done.wait(), 300)
        elapsed = time.perf_counter() - start
        sent = await fire
        print(
            f"    (bare: server sent for {sent['seconds']:.2f} s, client done at {elapsed:.2f} s)", flush=True
        )
        return len(events) / elapsed
    finally:
        await client.close()
        await task


async def _quizbot(
    server: _Server, rounds: int, players: int, count: int, db: Path
) -> tuple[float, int, float]:
    settings = Settings.from_env(
        {
            "QUIZBOT_DB": str(db),
            "QUIZBOT_QUESTIONS": str(ROOT / "questions"),
            "DISCORD_TOKEN": "bench-token",
            "QUIZBOT_DISCORD_API_URL": server.api,
            "QUIZBOT_DISCORD_GATEWAY_URL": server.gateway,
        }
    )
    bot = DiscordBot(settings, guild_ready_timeout=0.1)
    task = asyncio.create_task(bot.run())
    try:
        await asyncio.wait_for(bot.ready.wait(), 30)
        assert bot.app is not None
        service = bot.app.service
        channel = await service.channel(GUILD, CHANNEL)
        posted = [await service.ask(channel, window=3600) for _ in range(rounds)]
        ids = [int(r.message_ref or 0) for r in posted]
        events = _events(ids, [len(r.question.options) for r in posted], players, count)
        await server.call("prepare", {"events": events})
        start = time.perf_counter()
        fire = asyncio.create_task(server.call("fire"))
        while sum(len(r.answers) for r in posted) < count:
            await asyncio.sleep(0.002)
        handled = time.perf_counter() - start
        await bot.app.writer.flush()
        durable = time.perf_counter() - start
        sent = await fire
        print(
            f"    (quizbot: server sent for {sent['seconds']:.2f} s, handled at {handled:.2f} s, durable at {durable:.2f} s)",
            flush=True,
        )
        stored = await bot.app.store.db.scalar("SELECT count(*) FROM answers")
        return count / durable, stored, rss_mib()
    finally:
        await bot.close()
        await asyncio.wait_for(task, 30)


def run(small: bool) -> list[Figure]:
    rounds, players, count = (10, 2_000, 5_000) if small else (100, 20_000, 100_000)
    repeats = 1 if small else 2  # alternated, best of each: the machine is shared and noisy

    async def main() -> list[Figure]:
        server = _Server()
        bare: list[float] = []
        ours: list[float] = []
        stored: list[int] = []
        rss = 0.0
        try:
            point_at(server.api, server.gateway)
            fake_ids = list(range(9_000_000, 9_000_000 + rounds))
            for _ in range(repeats):
                bare.append(await _bare(server, _events(fake_ids, [4] * rounds, players, count)))
                with tempfile.TemporaryDirectory() as tmp:
                    rate, rows, rss = await _quizbot(
                        server, rounds, players, count, Path(tmp) / "bench.sqlite3"
                    )
                ours.append(rate)
                stored.append(rows)
        finally:
            server.close()
        return [
            Figure(f"bare discord.py, counting handler: {count:,} reaction events", max(bare), "events/s"),
            Figure(
                f"quizbot, {rounds} open rounds, {players:,} players, until durable", max(ours), "events/s"
            ),
            Figure(
                "answers in SQLite after each burst (every event)",
                min(stored),
                "rows",
                f"= {count:,}",
                set(stored) == {count},
            ),
            at_least("quizbot / bare discord.py", max(ours) / max(bare), "x", 0.7),
            Figure("resident memory of the bench process after the burst", rss, "MiB"),
        ]

    return asyncio.run(main())
