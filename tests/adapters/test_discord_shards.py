"""The Discord bot on several shards in one process (--shard-ids 0,1 --shard-count 2): one gateway session per
shard, every server of both seen, answers from each counted, a shard's fresh session read back alone."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.client import QuizClient, ShardedQuizClient, make_client
from bot.adapters.discord.render import OPTION_EMOJI
from bot.adapters.discord.run import DiscordBot
from bot.core.errors import QuizError
from tests.adapters.discord_harness import running_bot, settings_for, sub, text
from tests.conftest import until
from tests.servers.discord import DiscordTestServer, guild_on_shard

A, B = guild_on_shard(0, 2), guild_on_shard(1, 2)  # guild 2000 on shard 0, another on shard 1


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordTestServer]:
    """Two servers on two shards; discord.py's 5 s pause before each IDENTIFY but the first is skipped."""

    async def at_once(self: Any, shard_id: int | None, *, initial: bool = False) -> None:
        pass

    monkeypatch.setattr(ShardedQuizClient, "before_identify_hook", at_once)
    srv = DiscordTestServer(guilds=[A, B])
    await srv.start()
    srv.patch_client_urls(monkeypatch)
    yield srv
    await srv.stop()


async def ask(server: DiscordTestServer, guild_id: int, channel_id: int) -> int:
    """`/quiz now` in a server's #quiz: the question's message id."""
    iid = await server.interact("quiz", sub("now"), guild_id=guild_id, channel_id=channel_id)
    assert "is up" in text(await server.wait_for_response(iid, count=2))
    (msg,) = await server.wait_for_messages(channel_id, 1)
    return int(msg["id"])


def test_the_client_is_sharded_only_when_shards_are_given() -> None:
    plain = make_client(None, None)
    assert type(plain) is QuizClient and plain.new_session_event == "ready"
    sharded = make_client((1, 3), 4)
    assert isinstance(sharded, ShardedQuizClient) and isinstance(sharded, QuizClient)
    assert sharded.shard_ids == [1, 3] and sharded.shard_count == 4
    assert sharded.new_session_event == "shard_ready"
    assert sharded.serving() == " on shards 1, 3 of 4" and plain.serving() == ""
    every = make_client(None, 2)
    assert isinstance(every, ShardedQuizClient) and list(every.shard_ids or []) == [0, 1]


async def test_one_process_on_both_shards_counts_answers_in_the_servers_of_each(
    server: DiscordTestServer, db_target: Path | str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.adapters.discord.client")
    settings = replace(settings_for(server, db_target), shard_ids=(0, 1), shard_count=2)
    async with running_bot(server, db_target, settings) as bot:
        assert server.shard_identifies == [(0, 2), (1, 2)]
        assert sorted(server.connected_shards()) == [(0, 2), (1, 2)]
        assert sorted(g.id for g in bot.client.guilds) == [A.id, B.id]
        mids = [await ask(server, g.id, g.channels[0].id) for g in (A, B)]
        for guild, mid in zip((A, B), mids, strict=True):
            await server.add_reaction(guild.channels[0].id, mid, 5001, OPTION_EMOJI[0], name="ann")
            await server.add_reaction(guild.channels[0].id, mid, 5002, OPTION_EMOJI[1], name="bo")
        assert bot.app is not None
        service = bot.app.service
        await until(lambda: [len(r.answers) for r in service.open_rounds()] == [2, 2])
    said = [r.getMessage() for r in caplog.records]
    assert any("in 2 server(s) on shards 0, 1 of 2" in line for line in said), said
    assert any("shard 1 of 2 ready: 1 server(s) on it" in line for line in said), said


async def test_a_fresh_session_of_one_shard_reads_back_what_it_missed(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    settings = replace(settings_for(server, db_target), shard_ids=(0, 1), shard_count=2)
    async with running_bot(server, db_target, settings) as bot:
        quiz_b = B.channels[0].id
        mid = await ask(server, B.id, quiz_b)
        await server.drop_connection(resumable=False, shard=1)  # RESUME meets INVALID_SESSION, then IDENTIFY
        assert server.connected_shards() == [(0, 2)]
        server.add_reaction_silently(quiz_b, mid, 5001, OPTION_EMOJI[0], name="ann")  # no session: no event
        await until(lambda: server.shard_identifies == [(0, 2), (1, 2), (1, 2)])
        await server.wait_for_shards(0, 1, count=2)
        assert bot.app is not None
        service = bot.app.service
        await until(lambda: bot.rereads == 1 and len(service.open_rounds()[0].answers) == 1)
        assert server.resume_count == 0


async def test_a_shard_discord_refuses_ends_the_start_in_one_line(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    # Past the command line's check (ids below the count), as a count changed under a running fleet could be.
    settings = replace(settings_for(server, db_target), shard_ids=(0, 2), shard_count=2)
    bot = DiscordBot(settings, guild_ready_timeout=0.1, connect_timeout=10)
    with pytest.raises(
        QuizError, match=r"closed the session: invalid shard; check --shard-ids and --shard-count"
    ):
        await bot.run()
