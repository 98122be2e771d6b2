"""The fake Discord's sharding: READY, GUILD_CREATE and every guild event only on the shard owning the guild.

Raw websocket sessions check the protocol exactly; real discord.py clients (a Client per shard, as separate
processes run them, and one AutoShardedClient for several) check that the library sees the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.conftest import until
from tests.servers.discord import DiscordTestServer, guild_on_shard, shard_of

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

A, B = guild_on_shard(0, 2), guild_on_shard(1, 2)  # guild 2000 on shard 0, guild 4196304 on shard 1
QUIZ_A, QUIZ_B = A.channels[0].id, B.channels[0].id
DM_CHANNEL = 9999  # in no guild: its events are shard 0's
REACTIONS = 1 << 10  # the GUILD_MESSAGE_REACTIONS intent


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordTestServer]:
    srv = DiscordTestServer(guilds=[A, B], shard_count=2)
    await srv.start()
    srv.patch_client_urls(monkeypatch)
    yield srv
    await srv.stop()


class Raw:
    """One gateway session spoken by hand: IDENTIFY, then read the dispatches."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def identify(self, shard: list[int] | None) -> dict[str, Any]:
        hello = await self.ws.receive_json(timeout=5)
        assert hello["op"] == 10
        d: dict[str, Any] = {"token": "t", "intents": REACTIONS, "properties": {}}
        if shard is not None:
            d["shard"] = shard
        await self.ws.send_json({"op": 2, "d": d})
        msg = await self.ws.receive(timeout=5)  # READY, or the close that refuses the IDENTIFY
        return (
            json.loads(msg.data)
            if msg.type is aiohttp.WSMsgType.TEXT
            else {"type": msg.type, "data": msg.data}
        )

    async def events(self, until_quiet: float = 0.2) -> list[tuple[str, dict[str, Any]]]:
        """The dispatches received until none came for `until_quiet` seconds."""
        out = []
        while True:
            try:
                msg = await self.ws.receive(timeout=until_quiet)
            except TimeoutError:
                return out
            if msg.type is not aiohttp.WSMsgType.TEXT:
                return out
            payload = json.loads(msg.data)
            out.append((payload["t"], payload["d"]))


@pytest.fixture
async def raw(server: DiscordTestServer) -> AsyncIterator[Any]:
    async with aiohttp.ClientSession() as http:

        async def connect() -> Raw:
            return Raw(await http.ws_connect(server.gateway_url))

        yield connect


def test_guild_on_shard_lands_where_it_says() -> None:
    assert A.id == 2000 and shard_of(A.id, 2) == 0 and shard_of(B.id, 2) == 1
    assert [shard_of(guild_on_shard(s, 4).id, 4) for s in range(4)] == [0, 1, 2, 3]
    assert shard_of(guild_on_shard(3, 4).id, 8) == 3  # the same shard under a larger count
    assert len({c.id for s in range(4) for c in guild_on_shard(s, 4).channels}) == 8


async def test_identify_with_a_shard_gets_its_guilds_only(server: DiscordTestServer, raw: Any) -> None:
    sessions = [await raw(), await raw()]  # both open at once
    for session, shard, guild in zip(sessions, (0, 1), (A, B), strict=True):
        ready = await session.identify([shard, 2])
        assert ready["t"] == "READY" and ready["d"]["shard"] == [shard, 2]
        assert [g["id"] for g in ready["d"]["guilds"]] == [str(guild.id)]
        created = await session.events()
        assert [(t, d["id"]) for t, d in created] == [("GUILD_CREATE", str(guild.id))]
    assert server.shard_identifies == [(0, 2), (1, 2)]
    assert server.connected_shards() == [(0, 2), (1, 2)]


async def test_identify_without_a_shard_gets_every_guild_as_before(raw: Any) -> None:
    session = await raw()
    ready = await session.identify(None)
    assert "shard" not in ready["d"]
    assert [g["id"] for g in ready["d"]["guilds"]] == [str(A.id), str(B.id)]
    assert [d["id"] for _, d in await session.events()] == [str(A.id), str(B.id)]


@pytest.mark.parametrize("shard", [[2, 2], [-1, 2], [0, 0], [0], "0,2"])
async def test_an_invalid_shard_is_closed_with_4010(raw: Any, shard: Any) -> None:
    session = await raw()
    closed = await session.identify(shard)
    assert closed["type"] is aiohttp.WSMsgType.CLOSE and closed["data"] == 4010


async def test_a_server_that_requires_sharding_closes_an_unsharded_identify_with_4011(
    server: DiscordTestServer, raw: Any
) -> None:
    server.sharding_required = True
    closed = await (await raw()).identify(None)
    assert closed["type"] is aiohttp.WSMsgType.CLOSE and closed["data"] == 4011
    assert (await (await raw()).identify([1, 2]))["t"] == "READY"


async def test_each_event_goes_to_the_shard_owning_its_guild_and_dms_to_shard_0(
    server: DiscordTestServer, raw: Any
) -> None:
    zero, one, every = await raw(), await raw(), await raw()
    await zero.identify([0, 2])
    await one.identify([1, 2])
    await every.identify(None)
    for session in (zero, one, every):
        await session.events()
    await server.add_reaction(QUIZ_A, 1, 5001, "🇦")
    await server.add_reaction(QUIZ_B, 2, 5001, "🇦")
    await server.remove_reaction(QUIZ_B, 2, 5001, "🇦")
    await server.add_reaction(DM_CHANNEL, 3, 5001, "🇦")
    await server.interact("quiz", guild_id=B.id, channel_id=QUIZ_B)
    await server.dispatch("GUILD_UPDATE", {"id": str(B.id), "name": "renamed"})

    def seen(events: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, str | None]]:
        return [(t, d.get("guild_id", d.get("id") if t.startswith("GUILD_") else None)) for t, d in events]

    a, b = str(A.id), str(B.id)
    assert seen(await zero.events()) == [("MESSAGE_REACTION_ADD", a), ("MESSAGE_REACTION_ADD", None)]
    assert seen(await one.events()) == [
        ("MESSAGE_REACTION_ADD", b),
        ("MESSAGE_REACTION_REMOVE", b),
        ("INTERACTION_CREATE", b),
        ("GUILD_UPDATE", b),
    ]
    assert len(await every.events()) == 6


async def test_a_session_of_one_shard_can_be_dropped_alone(server: DiscordTestServer, raw: Any) -> None:
    zero, one = await raw(), await raw()
    await zero.identify([0, 2])
    await one.identify([1, 2])
    await server.drop_connection(shard=1, resumable=False)
    assert server.connected_shards() == [(0, 2)]
    assert not zero.ws.closed


# -- real discord.py clients -------------------------------------------------------------------------


class Recorder(discord.AutoShardedClient):
    """A bare client that remembers the guild of each raw reaction and interaction it got."""

    def __init__(self, **sharding: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_reactions = True
        super().__init__(intents=intents, guild_ready_timeout=0.1, **sharding)
        self.got: list[tuple[str, int | None]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every IDENTIFY but the first; tests need not wait."""

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.got.append(("reaction", payload.guild_id))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.got.append(("interaction", interaction.guild_id))


@contextlib.asynccontextmanager
async def running(**sharding: Any) -> AsyncIterator[Recorder]:
    client = Recorder(**sharding)
    task = asyncio.create_task(client.start("fake-token"))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
        yield client
    finally:
        await client.close()
        await asyncio.wait_for(task, 5)


async def events_in_both(server: DiscordTestServer) -> None:
    await server.add_reaction(QUIZ_A, 1, 5001, "🇦")
    await server.add_reaction(QUIZ_B, 2, 5001, "🇦")
    await server.interact("quiz", guild_id=B.id, channel_id=QUIZ_B)


async def test_two_clients_of_one_shard_each_see_only_their_guild(server: DiscordTestServer) -> None:
    async with running(shard_ids=[0], shard_count=2) as zero, running(shard_ids=[1], shard_count=2) as one:
        assert [g.id for g in zero.guilds] == [A.id] and [g.id for g in one.guilds] == [B.id]
        await events_in_both(server)
        await until(lambda: len(zero.got) + len(one.got) == 3)
        await asyncio.sleep(0.2)  # time for an event sent twice to arrive
        assert zero.got == [("reaction", A.id)]
        assert one.got == [("reaction", B.id), ("interaction", B.id)]


async def test_one_client_of_both_shards_sees_both_guilds_each_event_once(server: DiscordTestServer) -> None:
    async with running(shard_ids=[0, 1], shard_count=2) as client:
        assert sorted(g.id for g in client.guilds) == [A.id, B.id]
        assert {g.id: g.shard_id for g in client.guilds} == {A.id: 0, B.id: 1}
        await events_in_both(server)
        await until(lambda: len(client.got) == 3)
        await asyncio.sleep(0.2)
        assert sorted(client.got, key=str) == [("interaction", B.id), ("reaction", A.id), ("reaction", B.id)]
    assert server.shard_identifies == [(0, 2), (1, 2)]


async def test_without_a_count_the_client_asks_gateway_bot_and_runs_every_shard(
    server: DiscordTestServer,
) -> None:
    server.shard_count = 3
    async with running() as client:
        assert client.shard_count == 3 and sorted(client.shards) == [0, 1, 2]
        assert sorted(server.connected_shards()) == [(0, 3), (1, 3), (2, 3)]
        assert sorted(g.id for g in client.guilds) == [A.id, B.id]
