"""Two real Discord bot processes, one shard of two each, against the loopback Discord test server: each gets the
gateway events of its own guild only (READY, slash commands, reactions), and answers there.

The processes are `python -m bot run --platform discord` subprocesses (tests/reliability/harness.py BotProcess),
shard 0 told by its options (--shard-ids 0 --shard-count 2), shard 1 by its environment (QUIZBOT_SHARD_IDS=1,
QUIZBOT_SHARD_COUNT=2). Each has a PostgreSQL database of its own (a part of the shards needs PostgreSQL, see
bot/app.py), so what is asserted here is the routing of events, not processes sharing one database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.adapters.discord.render import OPTION_EMOJI
from tests.adapters.discord_harness import sub
from tests.pg_server import PgServer, fresh_database
from tests.reliability.harness import BotProcess, eventually
from tests.servers.discord import DiscordTestServer, guild_on_shard

GUILDS = [guild_on_shard(0, 2), guild_on_shard(1, 2)]
QUIZ = [g.channels[0].id for g in GUILDS]  # #quiz of each


@pytest.fixture
async def urls(pg_server: PgServer) -> AsyncIterator[list[str]]:
    """A database for each process."""
    async with fresh_database(pg_server) as first, fresh_database(pg_server) as second:
        yield [first, second]


def shard_bot(server: DiscordTestServer, url: str, shard: int, logs: Path) -> BotProcess:
    """The bot process serving `shard` of 2: shard 0 by --shard-ids/--shard-count, others by the environment."""
    env = {
        "QUIZBOT_DB": url,
        "DISCORD_TOKEN": "test-token-not-secret",
        "QUIZBOT_DISCORD_API_URL": server.api_base,
        "QUIZBOT_DISCORD_GATEWAY_URL": server.gateway_url,
    }
    if shard == 0:
        args: tuple[str, ...] = ("--shard-ids", "0", "--shard-count", "2")
    else:
        args = ()
        env.update({"QUIZBOT_SHARD_IDS": str(shard), "QUIZBOT_SHARD_COUNT": "2"})
    return BotProcess("discord", env, logs, args=args, name=f"discord-shard-{shard}")


async def rounds_and_answers(url: str) -> list[tuple[str, int]]:
    """Each stored round's message and how many answers it has."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT r.message_ref, count(a.round_id) FROM rounds r LEFT JOIN answers a ON a.round_id = r.id "
            "GROUP BY r.id ORDER BY r.id"
        )
        return [(str(r[0]), int(r[1])) for r in rows]
    finally:
        await conn.close()


async def ask(server: DiscordTestServer, shard: int) -> tuple[int, list[dict[str, Any]]]:
    """`/quiz now` in the guild of `shard`: the question's message id and the interaction's responses."""
    iid = await server.interact("quiz", sub("now"), guild_id=GUILDS[shard].id, channel_id=QUIZ[shard])
    responses = await server.wait_for_response(iid, count=2, timeout=15)
    (msg,) = await server.wait_for_messages(QUIZ[shard], 1, timeout=15)
    return int(msg["id"]), responses


async def test_two_processes_each_get_only_the_events_of_their_shard(tmp_path: Path, urls: list[str]) -> None:
    async with DiscordTestServer(guilds=GUILDS) as server:
        bots = [shard_bot(server, url, shard, tmp_path) for shard, url in enumerate(urls)]
        for bot in bots:
            await bot.start()
        try:
            await server.wait_for_shards(0, 1, count=2, timeout=30)
            for bot in bots:
                await eventually(
                    "slash commands synced", lambda b=bot: "commands synced" in b.log(10**6), 30, bot=bot
                )
            asked = [await ask(server, shard) for shard in (0, 1)]
            mids = [mid for mid, _ in asked]
            await server.add_reaction(QUIZ[0], mids[0], 5001, OPTION_EMOJI[0], name="ann")
            await server.add_reaction(QUIZ[0], mids[0], 5002, OPTION_EMOJI[1], name="bo")
            await server.add_reaction(QUIZ[1], mids[1], 5003, OPTION_EMOJI[0], name="cy")
            want = [[(str(mids[0]), 2)], [(str(mids[1]), 1)]]
            for url, expected in zip(urls, want, strict=True):
                for _ in range(300):
                    if await rounds_and_answers(url) == expected:
                        break
                    await asyncio.sleep(0.05)
                assert await rounds_and_answers(url) == expected  # only its own guild's round and answers
            await asyncio.sleep(0.3)  # time for an event sent twice to have arrived
            for _, responses in asked:  # each command answered once: deferred, then the question
                assert len(responses) == 2
            assert [len(server.interaction_responses[i]) for i in server.interaction_responses] == [2, 2]
            for shard, bot in enumerate(bots):
                log = bot.log(10**6)
                assert f"in 1 server(s) on shard {shard} of 2" in log, log
                assert f"shard {shard} of 2 ready: 1 server(s) on it" in log, log
            assert sorted(server.shard_identifies) == [(0, 2), (1, 2)]
            for bot in bots:
                assert await bot.stop() == 0
                assert "Traceback" not in bot.log(10**6), bot.log()
        finally:
            for bot in bots:
                await bot.stop()
