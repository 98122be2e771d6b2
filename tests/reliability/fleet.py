"""Several real quizbot processes on one PostgreSQL database, against the loopback Discord and Slack servers:
starting them, a burst of reactions spread over their rounds, and the checks that no answer was lost or
doubled, every round was revealed once and the totals are what the answers say."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg

from bot.storage.postgres.totals_check import check_totals
from tests.reliability.harness import BotProcess
from tests.reliability.test_crash import Burst, Reaction

LEASE_SECONDS = "3"  # a dead process's rounds are taken over within a lease and a renewal


def discord_bot(logs: Path, url: str, server: Any, shard: int, count: int) -> BotProcess:
    """`quizbot run --platform discord` serving `shard` of `count`, with its own log folder."""
    folder = logs / f"discord-shard-{shard}"
    folder.mkdir(exist_ok=True)
    env = {
        "QUIZBOT_DB": url,
        "DISCORD_TOKEN": "test-token-not-secret",
        "QUIZBOT_DISCORD_API_URL": server.api_base,
        "QUIZBOT_DISCORD_GATEWAY_URL": server.gateway_url,
        "QUIZBOT_SHARD_IDS": str(shard),
        "QUIZBOT_SHARD_COUNT": str(count),
        "QUIZBOT_LEASE_SECONDS": LEASE_SECONDS,
    }
    return BotProcess("discord", env, folder)


def slack_bot(logs: Path, url: str, server: Any) -> BotProcess:
    folder = logs / "slack"
    folder.mkdir(exist_ok=True)
    env = {
        "QUIZBOT_DB": url,
        "SLACK_BOT_TOKEN": "xoxb-test-not-secret",
        "SLACK_APP_TOKEN": "xapp-test-not-secret",
        "QUIZBOT_SLACK_API_URL": server.api_url,
        "QUIZBOT_LEASE_SECONDS": LEASE_SECONDS,
    }
    return BotProcess("slack", env, folder)


def answerers(burst: Burst, q: int) -> int:
    """How many people answered round `q`."""
    return sum(1 for key in burst.reacted if key[0] == q)


def make_burst(options: Sequence[int], reactions: int, players: int, seconds: int, seed: int) -> Burst:
    """`reactions` in all over the rounds (`options[q]` options each), `seconds` of them a second option."""
    rng = random.Random(seed)
    per = (reactions - seconds) // len(options)
    assert per <= players
    firsts = [
        (q, (q * 7 + k) % players, rng.randrange(options[q])) for q in range(len(options)) for k in range(per)
    ]
    rng.shuffle(firsts)
    events = list(firsts)
    for i in sorted(rng.sample(range(len(firsts)), seconds), reverse=True):
        q, p, o = firsts[i]
        events.insert(min(len(events), i + rng.randrange(1, 200)), (q, p, (o + 1) % options[q]))
    return Burst(events)


async def send_in_parts(
    burst: Burst, send: Callable[[list[Reaction]], Awaitable[None]], hold: Callable[[int], Awaitable[None]]
) -> None:
    """Send the burst a hundred at a time; `hold(sent)` after each part (a kill may be due there)."""
    for start in range(0, len(burst.events), 100):
        await send(burst.events[start : start + 100])
        await hold(start + 100)
        await asyncio.sleep(0)


async def scalar(url: str, sql: str, *args: object) -> Any:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def until_rows(url: str, sql: str, at_least: int, within: float, bots: Sequence[BotProcess]) -> int:
    """Poll `sql` (a count) until it reaches `at_least`; fail naming the bot that died, or the time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        found = int(await scalar(url, sql) or 0)
        if found >= at_least:
            return found
        for bot in bots:
            if not bot.alive():
                raise AssertionError(f"a bot exited while waiting for {sql}; log:\n{bot.log()}")
        if loop.time() > deadline:
            raise AssertionError(f"{sql}: {found} after {within}s, wanted {at_least}")
        await asyncio.sleep(0.05)


async def check_store(url: str, refs: Sequence[str], burst: Burst, user_of: Callable[[int], str]) -> None:
    """Every round revealed; one answer per person per round, an option they chose; totals recomputed."""
    conn = await asyncpg.connect(url)
    try:
        rounds = await conn.fetch(
            'SELECT id, message_ref, state, posted_at, closed_at, "window" FROM rounds WHERE message_ref = ANY($1)',
            list(refs),
        )
        assert sorted(r["message_ref"] for r in rounds) == sorted(refs)
        assert {r["state"] for r in rounds} == {"revealed"}
        assert all(r["closed_at"] >= r["posted_at"] + r["window"] - 0.01 for r in rounds)
        index = {r["id"]: refs.index(r["message_ref"]) for r in rounds}
        stored = await conn.fetch(
            "SELECT a.round_id, p.external_id, a.option, a.points FROM answers a "
            "JOIN players p ON p.id = a.player_id WHERE a.round_id = ANY($1)",
            list(index),
        )
        got = {(index[r["round_id"]], r["external_id"]): r["option"] for r in stored}
        assert len(got) == len(stored), "an answer stored twice"
        expected = {(q, user_of(p)): options for (q, p), options in burst.reacted.items()}
        assert got.keys() == expected.keys(), (
            f"lost {len(expected.keys() - got.keys())}, extra {len(got.keys() - expected.keys())}"
        )
        assert [k for k, o in got.items() if o not in expected[k]] == []
        assert all(r["points"] is not None for r in stored), "every answer of a closed round is scored"
        async with conn.transaction():
            assert await check_totals(conn) > 0  # raises naming the first total that differs
    finally:
        await conn.close()


def reveals_in(
    messages: Sequence[dict[str, Any]], ref_of: Callable[[dict[str, Any]], str | None]
) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in messages:
        ref = ref_of(m)
        if ref:
            out[ref] = out.get(ref, 0) + 1
    return out


def discord_ref(message: dict[str, Any]) -> str | None:
    found = (message.get("message_reference") or {}).get("message_id")
    return str(found) if found else None


def no_tracebacks(*bots: BotProcess) -> None:
    for bot in bots:
        assert "Traceback" not in bot.log(1_000_000), bot.log()
