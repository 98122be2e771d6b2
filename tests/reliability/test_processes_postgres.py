"""Two and three real bot processes on one PostgreSQL database: Discord split into two shard processes (and a
Slack process beside them), a burst of 10,000 reactions across them, a process SIGKILLed mid-burst and another
mid-close. Afterwards no answer is lost or doubled, every round is revealed exactly once, and the kept totals
equal the totals recomputed from the answers.

The processes are `python -m bot run` subprocesses against the loopback Discord and Slack servers in this
process, on a database of the real PostgreSQL server the fixtures start (tests/pg_server.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.render import OPTION_EMOJI as DISCORD_EMOJI
from bot.adapters.slack.render import OPTION_EMOJI as SLACK_EMOJI
from tests.adapters.discord_harness import MANAGE_GUILD, sub
from tests.pg_server import PgServer, fresh_database
from tests.reliability.fleet import (
    answerers,
    check_store,
    discord_bot,
    discord_ref,
    make_burst,
    no_tracebacks,
    reveals_in,
    send_in_parts,
    slack_bot,
    until_rows,
)
from tests.reliability.harness import BotProcess, eventually
from tests.reliability.test_crash import Burst, Reaction, options_of
from tests.servers.discord import DiscordTestServer, guild_on_shard
from tests.servers.slack import DEFAULT_USERS, SlackTestServer

PER_GUILD = 5  # rounds in each Discord guild (one guild per shard)
WINDOW = "30s"  # long enough for the burst and a kill; every round closes within the test
GUILDS = [guild_on_shard(0, 2), guild_on_shard(1, 2)]
CHANNELS = [g.channels[0].id for g in GUILDS]  # #quiz of each
ANSWERS = "SELECT count(*) FROM answers"
TAIL = 600  # reactions sent after a dead shard's rounds were taken over
OWNED_BY_ONE = "SELECT (count(DISTINCT owner) = 1)::int FROM rounds WHERE message_ref IN (%s)"


@pytest.fixture
async def url(pg_server: PgServer) -> AsyncIterator[str]:
    async with fresh_database(pg_server) as found:
        yield found


async def interact(server: DiscordTestServer, options: list[dict[str, Any]], replies: int, guild: int) -> str:
    at = CHANNELS[[g.id for g in GUILDS].index(guild)]
    iid = await server.interact("quiz", options, guild_id=guild, channel_id=at, permissions=MANAGE_GUILD)
    return str(await server.wait_for_response(iid, count=replies, timeout=15))


async def discord_rounds(server: DiscordTestServer, bots: list[BotProcess]) -> tuple[list[int], list[int]]:
    """Both shards connected, then PER_GUILD questions in each guild (a little apart, so they close apart);
    their message ids, guild 0's first, and their option counts."""
    await server.wait_for_shards(0, 1, count=2, timeout=20)
    await eventually("slash commands synced", lambda: bool(server.registered_commands), 20, bot=bots[0])
    for guild in GUILDS:
        config = sub("config", setting="answer_window", value=WINDOW)
        assert "answer_window" in await interact(server, config, 1, guild.id)
        for _ in range(PER_GUILD):
            assert "is up" in await interact(server, sub("now"), 2, guild.id)
            await asyncio.sleep(0.3)
    messages = [m for c in CHANNELS for m in server.channel_messages(c)]
    assert len(messages) == 2 * PER_GUILD
    return [int(m["id"]) for m in messages], [options_of(m["embeds"][0]["description"]) for m in messages]


def discord_sender(server: DiscordTestServer, mids: list[int]) -> Any:
    async def send(part: list[Reaction]) -> None:
        for channel in CHANNELS:
            mine = [
                (mids[q], 100_000 + p, DISCORD_EMOJI[o])
                for q, p, o in part
                if CHANNELS[q // PER_GUILD] == channel
            ]
            await server.add_reactions(channel, mine)  # to the shard's session, if one is connected

    return send


def discord_reveals(server: DiscordTestServer) -> dict[str, int]:
    return reveals_in([m for c in CHANNELS for m in server.channel_messages(c)], discord_ref)


def killer(bot: BotProcess, url: str, at_answers: int, hold_at: int) -> tuple[Any, asyncio.Task[None]]:
    """A kill of `bot` once `at_answers` answers are stored; the burst waits at `hold_at` sent until then."""

    async def kill() -> None:
        await until_rows(url, ANSWERS, at_answers, 30, [bot])
        await bot.kill()

    task = asyncio.create_task(kill())

    async def hold(sent: int) -> None:
        if sent == hold_at:
            await asyncio.wait_for(asyncio.shield(task), 30)

    return hold, task


async def kill_mid_close(bot: BotProcess, reveals: Any, first: int, total: int) -> int:
    """SIGKILL `bot` as soon as its first reveal is out; how many of its `total` were out by then."""
    await eventually("a first reveal", lambda: reveals() > first, 40, bot=bot, every=0.005)
    await bot.kill()
    out = reveals() - first
    assert out < total, "the kill fell after every reveal, not mid-close"
    return out


async def test_two_shard_processes_burst_kill_mid_burst_and_mid_close(tmp_path: Path, url: str) -> None:
    async with DiscordTestServer(guilds=GUILDS, shard_count=2) as server:
        bots = [discord_bot(tmp_path, url, server, shard, 2) for shard in (0, 1)]
        for bot in bots:
            await bot.start()
        try:
            mids, options = await discord_rounds(server, bots)
            burst = make_burst(options, 10_000, 2_000, 1_000, seed=19)
            hold, kill = killer(bots[1], url, 1_500, 6_000)  # shard 1's process dies mid-burst ...
            restarted = asyncio.create_task(_restart_after(kill, bots[1]))  # ... and is started again at once
            await send_in_parts(burst, discord_sender(server, mids), hold)
            await restarted
            assert len(server.connected_shards()) >= 1
            in_guild0 = lambda: sum(discord_reveals_in(server, CHANNELS[0]).values())  # noqa: E731
            await kill_mid_close(bots[0], in_guild0, 0, PER_GUILD)  # shard 0's process dies mid-close
            await bots[0].start()
            await eventually(
                "every reveal", lambda: sum(discord_reveals(server).values()) >= len(mids), 40, bot=bots[0]
            )
            await asyncio.sleep(1.0)  # time for a second reveal, were one coming
            for bot in bots:
                assert await bot.stop() == 0
            no_tracebacks(*bots)
        finally:
            for bot in bots:
                await bot.stop()
        assert discord_reveals(server) == {str(m): 1 for m in mids}
        await check_store(url, [str(m) for m in mids], burst, lambda p: str(100_000 + p))
        _check_counts(server, mids, burst)


async def test_three_processes_a_dead_shard_is_taken_over_and_slack_dies_mid_close(
    tmp_path: Path, url: str
) -> None:
    players = {f"UP{p:05d}": {"name": f"player{p}"} for p in range(400)}
    async with (
        DiscordTestServer(guilds=GUILDS, shard_count=2) as server,
        SlackTestServer(users={**DEFAULT_USERS, **players}) as slack_server,
    ):
        slack_server.echo_own_reactions = False
        bots = [discord_bot(tmp_path, url, server, shard, 2) for shard in (0, 1)] + [
            slack_bot(tmp_path, url, slack_server)
        ]
        for bot in bots:
            await bot.start()
        try:
            mids, options = await discord_rounds(server, bots)
            ts, slack_options = await _slack_rounds(slack_server, bots[2])
            burst = make_burst(options, 8_000, 2_000, 800, seed=23)
            slack_burst = make_burst(slack_options, 2_000, 400, 200, seed=29)
            hold, kill = killer(bots[1], url, 1_200, 4_000)  # shard 1's process dies mid-burst for good
            main, tail = Burst(burst.events[:-TAIL]), Burst(burst.events[-TAIL:])
            await asyncio.gather(
                send_in_parts(main, discord_sender(server, mids), hold),
                send_in_parts(slack_burst, _slack_sender(slack_server, ts), _no_hold),
            )
            await kill
            # Shard 0's process takes shard 1's rounds over once the lease lapses; the burst's tail comes
            # after that, and shard 1's part of it reaches no process: it is read back before each close.
            await until_rows(url, OWNED_BY_ONE % ",".join(f"'{m}'" for m in mids), 1, 20, [bots[0]])
            await send_in_parts(tail, discord_sender(server, mids), _no_hold)
            slack_out = lambda: sum(_slack_reveals(slack_server).values())  # noqa: E731
            await kill_mid_close(bots[2], slack_out, 0, PER_GUILD)
            await bots[2].start()
            # Shard 0's process took over shard 1's rounds when its lease lapsed: it reveals all ten.
            await eventually(
                "every reveal",
                lambda: sum(discord_reveals(server).values()) >= len(mids) and slack_out() >= len(ts),
                60,
                bot=bots[0],
            )
            await asyncio.sleep(1.0)
            for bot in (bots[0], bots[2]):
                assert await bot.stop() == 0
            no_tracebacks(bots[0], bots[2])
        finally:
            for bot in bots:
                await bot.stop()
        assert discord_reveals(server) == {str(m): 1 for m in mids}
        assert _slack_reveals(slack_server) == {f"C0001:{t}": 1 for t in ts}
        await check_store(url, [str(m) for m in mids], burst, lambda p: str(100_000 + p))
        await check_store(url, [f"C0001:{t}" for t in ts], slack_burst, lambda p: f"UP{p:05d}")
        _check_counts(server, mids, burst)


# -- details -----------------------------------------------------------------------------------------


async def _restart_after(kill: asyncio.Task[None], bot: BotProcess) -> None:
    await kill
    await bot.start()


async def _no_hold(sent: int) -> None:
    return None


def discord_reveals_in(server: DiscordTestServer, channel: int) -> dict[str, int]:
    return reveals_in(server.channel_messages(channel), discord_ref)


def _check_counts(server: DiscordTestServer, mids: list[int], burst: Burst) -> None:
    """Each reveal counts every answer, including those its process read back from the messages."""
    for channel in CHANNELS:
        for m in server.channel_messages(channel):
            ref = discord_ref(m)
            if ref:
                q = mids.index(int(ref))
                assert f"({answerers(burst, q)} in all)" in str(m["embeds"])


async def _slack_rounds(server: SlackTestServer, bot: BotProcess) -> tuple[list[str], list[int]]:
    await eventually("a Socket Mode connection", lambda: bool(server.connections), 20, bot=bot)
    assert "answer_window" in await _slash(server, f"config answer_window {WINDOW}", "UADMIN")
    for _ in range(PER_GUILD):
        assert "is up" in await _slash(server, "now")
        await asyncio.sleep(0.3)
    messages = list(server.messages["C0001"])
    return [m["ts"] for m in messages], [options_of(m["text"]) for m in messages]


async def _slash(server: SlackTestServer, text: str, user: str = "U1") -> str:
    before = len(server.responses)
    envelope = await server.slash("/quiz", text, user_id=user)
    await server.wait_for_ack(envelope, timeout=10)
    return str((await server.wait_for_responses(before + 1, timeout=10))[before])


def _slack_sender(server: SlackTestServer, ts: list[str]) -> Any:
    async def send(part: list[Reaction]) -> None:
        await server.add_reactions([("C0001", ts[q], f"UP{p:05d}", SLACK_EMOJI[o]) for q, p, o in part])

    return send


def _slack_reveals(server: SlackTestServer) -> dict[str, int]:
    def ref(m: dict[str, Any]) -> str | None:
        return f"C0001:{m['thread_ts']}" if m.get("thread_ts") and m["thread_ts"] != m["ts"] else None

    return reveals_in(server.messages.get("C0001", []), ref)
