"""`quizbot health` on PostgreSQL: every bot process holds a lease row of its own; the check reads them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.lease import PlatformLease, health
from bot.shards import Shards
from bot.storage.postgres.store import PostgresStore
from tests.pg_server import PgServer, fresh_database


@pytest.fixture
async def url(pg_server: PgServer) -> AsyncIterator[str]:
    async with fresh_database(pg_server) as found:
        yield found


async def check(url: str, platform: str | None, **options: bool) -> tuple[bool, str]:
    return await asyncio.to_thread(health, url, platform, **options)  # it runs its own loop


async def test_each_shard_process_is_seen_and_a_stopped_one_is_not(url: str) -> None:
    store = await PostgresStore.open(url)
    try:
        lease = await PlatformLease.take(store.db, "discord", shards=Shards((1,), 2), wait=0)
        ok, line = await check(url, "discord", local=True)
        assert ok and "shards" not in line and "shard 1 of 2" in line and "healthy: discord bot" in line
        assert "postgres:***@" in line or "@" not in line  # never a password
        assert not (await check(url, "slack"))[0]
        await lease.release()
        ok, line = await check(url, "discord")
        assert not ok and line.startswith("unhealthy: no quizbot holds a lease for discord")
    finally:
        await store.close()


async def test_a_lapsed_process_is_unhealthy(url: str) -> None:
    store = await PostgresStore.open(url)
    try:
        lease = await PlatformLease.take(store.db, "slack", seconds=30, wait=0)
        assert lease._keeper is not None
        lease._keeper.cancel()
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("UPDATE processes SET heartbeat = heartbeat - 60, expires = expires - 60")
        finally:
            await conn.close()
        ok, line = await check(url, None)
        assert not ok and "slack bot" in line and "last renewed its lease 60s ago" in line
    finally:
        await store.close()


async def test_an_unreachable_server_or_a_database_without_bots_is_one_line(
    url: str, pg_server: PgServer
) -> None:
    ok, line = await check("postgresql://quizbot:secret@127.0.0.1:1/none", None)
    assert not ok and line.startswith("unhealthy: cannot read") and "secret" not in line and "\n" not in line
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP TABLE processes")
    finally:
        await conn.close()
    ok, line = await check(url, None)
    assert not ok and "has no bot leases" in line


async def test_the_command_on_a_postgresql_url_answers_in_one_line(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.__main__ import main

    code = await asyncio.to_thread(main, ["health", "--db", url])
    out, err = capsys.readouterr()
    assert code == 1 and err == "" and out.startswith("unhealthy: no quizbot holds a lease for any platform")
    store = await PostgresStore.open(url)
    try:
        lease = await PlatformLease.take(store.db, "discord", wait=0)
        code = await asyncio.to_thread(main, ["health", "--db", url, "--platform", "discord", "--local"])
        assert code == 0 and capsys.readouterr().out.startswith("healthy: discord bot")
        await lease.release()
    finally:
        await store.close()
