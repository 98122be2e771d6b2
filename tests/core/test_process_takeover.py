"""Several bot processes on one PostgreSQL database: leases per process (Discord shards side by side), and the
rounds of a process that is gone taken over by another, each closed and revealed once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import replace

import asyncpg
import pytest

from bot import lease as lease_module
from bot.app import App, assemble
from bot.core.bank import Bank
from bot.core.rounds import RoundState
from bot.lease import LeaseHeldError, PlatformLease
from bot.settings import Settings
from bot.shards import Shards
from bot.storage.postgres.store import PostgresStore
from tests.conftest import Clock, RecordingChat, until
from tests.pg_server import PgServer, fresh_database

SHARD_1 = str(1 << 22)  # a guild id on shard 1 of 2 (Discord: (id >> 22) % count); "0" is on shard 0


@pytest.fixture
async def url(pg_server: PgServer) -> AsyncIterator[str]:
    async with fresh_database(pg_server) as found:
        yield found


def settings(url: str, **changes: object) -> Settings:
    base = Settings.from_env({}, platforms=False)
    return replace(base, db_url=url, lease_seconds=1.5, **changes)  # type: ignore[arg-type]


async def bot(
    stack: AsyncExitStack, url: str, bank: Bank, clock: Clock, **changes: object
) -> tuple[App, RecordingChat]:
    chat = RecordingChat()
    app = await stack.enter_async_context(assemble(settings(url, **changes), chat, "discord", bank))
    app.service.clock = clock
    return app, chat


def die(app: App) -> None:
    """As SIGKILL leaves it, seen from the database: no more renewals, no more closes."""
    assert app.lease is not None and app.lease._keeper is not None
    app.lease._keeper.cancel()
    for live in app.service._live.values():
        if live.timer is not None:
            live.timer.cancel()


async def owner_of(url: str, round_id: int) -> str | None:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval("SELECT owner FROM rounds WHERE id = $1", round_id)
    finally:
        await conn.close()


async def test_processes_with_disjoint_shards_hold_leases_side_by_side_and_overlaps_are_refused(
    url: str,
) -> None:
    store = await PostgresStore.open(url)
    held: list[PlatformLease] = []
    try:
        for ids in ((0,), (1, 2)):
            held.append(await PlatformLease.take(store.db, "discord", shards=Shards(ids, 3), wait=0))
        held.append(await PlatformLease.take(store.db, "slack", wait=0))  # another platform: never in the way
        for shards in (Shards((2,), 3), Shards((3,), 4), None):
            with pytest.raises(LeaseHeldError, match="--shard-count"):
                await PlatformLease.take(store.db, "discord", shards=shards, wait=0)
        with pytest.raises(LeaseHeldError):
            await PlatformLease.take(store.db, "slack", wait=0)
        await held.pop(0).release()  # shard 0 stops cleanly: its shard is free at once
        held.append(await PlatformLease.take(store.db, "discord", shards=Shards((0,), 3), wait=0))
    finally:
        for lease in held:
            await lease.release()
        await store.close()


async def test_a_dead_process_rounds_are_taken_over_read_again_closed_and_revealed_once(
    url: str, mini_bank: Bank, clock: Clock
) -> None:
    async with AsyncExitStack() as stack:
        first, first_chat = await bot(stack, url, mini_bank, clock, shard_ids=(0,), shard_count=2)
        await first.start()
        channel = await first.service.channel("0", "C1")
        rnd = await first.service.ask(channel, window=60)
        assert rnd.message_ref is not None
        first.service.answer(rnd.message_ref, "p1", "Pat", 0)
        await first.service._writer.flush()
        assert await owner_of(url, rnd.id) == first.lease.owner  # type: ignore[union-attr]
        second, second_chat = await bot(stack, url, mini_bank, clock, shard_ids=(1,), shard_count=2)
        await second.start()
        assert second.service.open_rounds() == []  # the first process is alive: its round is its own
        # The platform holds a mark the first process never heard (its event was lost as it died); no live
        # process serves shard 0 now, so the second takes the round over and reads it again before closing.
        second_chat.marks[rnd.message_ref] = [("p1", "Pat", 0), ("p2", "Sam", 1)]
        die(first)
        clock.now += 120  # the round is overdue by the time it is taken over
        await until(lambda: second_chat.reveals, within=10)  # within a lease length and a renewal
        (reveal,) = second_chat.reveals
        assert reveal.round_id == rnd.id and first_chat.reveals == []
        assert {r.player for r in reveal.results} == {"p1", "p2"}
        assert await owner_of(url, rnd.id) == second.lease.owner  # type: ignore[union-attr]
        assert [r.state for r in await PostgresStore(second.store.db).rounds_in(list(RoundState))] == [
            RoundState.REVEALED
        ]
        # The dead process, woken (it only paused), cannot close what was taken from it.
        assert not await first.store.finish_round(rnd.id, channel.community_id, clock.now, _empty(), ["all"])
        await asyncio.sleep(0.6)
        assert len(second_chat.reveals) == 1 and first_chat.reveals == []


async def test_a_zombie_cannot_close_an_open_round_another_process_adopted(
    url: str, mini_bank: Bank, clock: Clock
) -> None:
    async with AsyncExitStack() as stack:
        first, first_chat = await bot(stack, url, mini_bank, clock)
        await first.start()
        channel = await first.service.channel("0", "C1")
        rnd = await first.service.ask(channel, window=600)
        die(first)
        await asyncio.sleep(1.7)  # its lease lapses
        second, _ = await bot(stack, url, mini_bank, clock)
        await second.start()
        assert [r.id for r in second.service.open_rounds()] == [rnd.id]
        assert await first.service.close_round(rnd.id) is False  # fenced by the owner: nothing scored
        assert first_chat.reveals == []
        assert await second.service.close_round(rnd.id) is True


async def test_orphans_go_to_the_shard_that_serves_them_else_to_any_live_process(
    url: str, mini_bank: Bank, clock: Clock
) -> None:
    async with AsyncExitStack() as stack:
        zero, _ = await bot(stack, url, mini_bank, clock, shard_ids=(0,), shard_count=2)
        one, _ = await bot(stack, url, mini_bank, clock, shard_ids=(1,), shard_count=2)
        await zero.start()
        await one.start()
        on_zero = await one.service.ask(await one.service.channel("0", "C0"), window=600)
        on_one = await one.service.ask(await one.service.channel(SHARD_1, "C1"), window=600)
        die(one)  # shard 1's process dies holding a round of each shard
        # Once its lease lapses, shard 0's process takes both (nobody serves shard 1 now) at a renewal.
        await until(lambda: len(zero.service.open_rounds()) == 2, within=5)
        assert {r.id for r in zero.service.open_rounds()} == {on_zero.id, on_one.id}
        assert zero.service._adopted == {on_zero.id, on_one.id}  # each read again from the platform at close
        # A shard-1 process that starts while shard 0 holds the orphans takes nothing of theirs.
        again, _ = await bot(stack, url, mini_bank, clock, shard_ids=(1,), shard_count=2)
        await again.start()
        assert again.service.open_rounds() == []


async def test_an_orphan_of_a_served_shard_waits_for_its_own_shard(
    url: str, mini_bank: Bank, clock: Clock
) -> None:
    async with AsyncExitStack() as stack:
        zero, _ = await bot(stack, url, mini_bank, clock, shard_ids=(0,), shard_count=2)
        old, _ = await bot(stack, url, mini_bank, clock, shard_ids=(1,), shard_count=2)
        await zero.start()
        await old.start()
        rnd = await old.service.ask(await old.service.channel(SHARD_1, "C1"), window=600)
        die(old)  # shard 1's process is killed and restarted at once on this machine: the new one sees the
        lease_module._HELD.discard(old.lease.owner)  # type: ignore[union-attr]  # old pid gone and takes over
        new, _ = await bot(stack, url, mini_bank, clock, shard_ids=(1,), shard_count=2)
        assert await zero.adopt_orphans() == 0  # shard 1 is served: not shard 0's to take
        await new.start()
        assert [r.id for r in new.service.open_rounds()] == [rnd.id]


async def test_schedules_fire_only_for_the_guilds_of_this_process_shards(
    url: str, mini_bank: Bank, clock: Clock
) -> None:
    async with AsyncExitStack() as stack:
        zero, _ = await bot(stack, url, mini_bank, clock, shard_ids=(0,), shard_count=2)
        for guild, name in (("0", "C0"), (SHARD_1, "C1")):
            channel = await zero.service.channel(guild, name)
            await zero.store.add_schedule(channel.id, "0 9 * * *", "UTC", None, time.time())
        await zero.scheduler.refresh()
        assert [s.channel for g in zero.scheduler._groups.values() for s in g] == ["C0"]
        zero.scheduler.shutdown()


async def test_split_shards_on_a_sqlite_file_are_refused_before_anything_is_created(
    tmp_path: object, mini_bank: Bank
) -> None:
    from pathlib import Path

    from bot.core.errors import QuizError

    path = Path(str(tmp_path)) / "q.sqlite3"
    base = replace(Settings.from_env({}, platforms=False), db_path=path, shard_ids=(0,), shard_count=2)
    with pytest.raises(QuizError, match="PostgreSQL"):
        async with assemble(base, RecordingChat(), "discord", mini_bank):
            pass
    assert not path.exists()
    every = replace(base, shard_ids=(0, 1))
    async with assemble(every, RecordingChat(), "discord", mini_bank) as app:
        assert app.lease is not None and app.lease.shards is None  # one process, every shard


def _empty():  # type: ignore[no-untyped-def]
    from bot.core.results import RoundResult

    return RoundResult(0, (), ())


async def test_a_process_that_paused_past_its_lease_stops_at_its_next_renewal(url: str) -> None:
    store = await PostgresStore.open(url)
    stopped: list[str] = []
    try:
        lease = await PlatformLease.take(
            store.db, "discord", seconds=1.5, wait=0, on_lost=lambda: stopped.append("stop")
        )
        conn = await asyncpg.connect(url)
        try:  # as if its loop froze past the lease: another process may have adopted its rounds by now
            await conn.execute("UPDATE processes SET expires = heartbeat - 1")
        finally:
            await conn.close()
        await until(lambda: stopped, within=3)
        assert lease.lost
        await lease.release()
    finally:
        await store.close()


async def test_a_firing_two_processes_see_due_at_the_same_moment_posts_once(
    url: str, mini_bank: Bank, clock: Clock
) -> None:
    async with AsyncExitStack() as stack:
        one, one_chat = await bot(stack, url, mini_bank, clock, shard_ids=(0,), shard_count=2)
        two, two_chat = await bot(stack, url, mini_bank, clock, shard_ids=(1,), shard_count=2)
        channel = await one.service.channel("0", "C0")
        await one.store.add_schedule(channel.id, "0 9 * * *", "UTC", None, clock.now - 3600)
        (sched,) = await one.store.schedules(platform="discord")
        due = clock.now - 60
        posted = await asyncio.gather(
            *(app.service.fire_schedule(sched, due) for app in (one, two, one, two, one, two))
        )
        assert sum(r is not None for r in posted) == 1
        assert len(one_chat.questions) + len(two_chat.questions) == 1
