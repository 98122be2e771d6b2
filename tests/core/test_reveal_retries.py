"""A reveal that fails to post is tried again while the bot runs, with a growing wait, and posted once.

QuizService on a real SQLite file with the recording fake chat, whose reveals fail a set number of times.
The waits are shortened through the service's attributes so each test takes a fraction of a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator

import pytest

from bot.core.bank import Bank
from bot.core.ports import PostError
from bot.core.rounds import RoundState
from bot.core.service import QuizService
from bot.core.views import ChannelRef, RevealView
from bot.storage import SqliteStore
from tests.conftest import Clock, RecordingChat, until
from tests.pg_server import execute


class FlakyChat(RecordingChat):
    """Reveals fail `down` times (the platform is out), then post; each attempt is noted with its time."""

    def __init__(self, down: int) -> None:
        super().__init__()
        self.down = down
        self.attempts: list[float] = []

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        self.attempts.append(asyncio.get_running_loop().time())
        if self.down:
            self.down -= 1
            raise PostError("the platform answered 503")
        await super().post_reveal(where, message_ref, view)


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QuizService, "reveal_retry_first", 0.05)
    monkeypatch.setattr(QuizService, "reveal_retry_max", 0.1)


@contextlib.asynccontextmanager
async def running(
    bank: Bank, store: SqliteStore, chat: RecordingChat, clock: Clock
) -> AsyncIterator[QuizService]:
    """A service on `store` until the block ends, then stopped as the bot stops it."""
    writer = store.answer_writer()
    service = QuizService(
        bank=bank, store=store, writer=writer, chat=chat, platform="test", clock=clock, rng=random.Random(7)
    )
    try:
        yield service
    finally:
        await service.stop()
        await writer.close()


async def states(store: SqliteStore) -> list[RoundState]:
    return [r.state for r in await store.rounds_in(list(RoundState))]


@pytest.mark.usefixtures("quick")
async def test_a_timed_close_whose_reveal_fails_is_revealed_once_with_growing_waits(
    mini_bank: Bank, store: SqliteStore, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    chat = FlakyChat(down=4)
    async with running(mini_bank, store, chat, clock) as service:
        channel = await service.channel("g1", "c1")
        clock.now -= 59.95  # due in 50 ms: the timer closes it, as in a running bot
        rnd = await service.ask(channel, window=60)
        assert rnd.message_ref is not None
        service.answer(rnd.message_ref, "u1", "Ann", rnd.question.answer_index, at=clock.now + 1)
        clock.now += 59.95
        await until(lambda: len(chat.reveals) == 1, within=5)
        assert await states(store) == [RoundState.REVEALED]
        (reveal,) = chat.reveals
        assert reveal.maybe_posted and [r.name for r in reveal.winners] == ["Ann"]  # as stored at close
        waits = [b - a for a, b in zip(chat.attempts, chat.attempts[1:], strict=False)]
        assert len(waits) == 4 and waits[0] >= 0.04 and waits[1] >= 0.09  # 0.05 s, then doubled
        assert waits[2] >= 0.09 and waits[3] < 0.35  # capped at 0.1 s (uncapped: 0.2 s, then 0.4 s)
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # a warning each, no trace
        await asyncio.sleep(0.3)
        assert len(chat.reveals) == 1


@pytest.mark.usefixtures("quick")
async def test_a_direct_close_raises_yet_the_reveal_follows(
    mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    chat = FlakyChat(down=1)
    async with running(mini_bank, store, chat, clock) as service:
        rnd = await service.ask(await service.channel("g1", "c1"))
        with pytest.raises(PostError):
            await service.close_round(rnd.id)
        assert await states(store) == [RoundState.CLOSED]
        await until(lambda: len(chat.reveals) == 1)
        assert await states(store) == [RoundState.REVEALED]
        assert await service.close_round(rnd.id) is False


@pytest.mark.usefixtures("quick")
async def test_a_reveal_failing_at_start_does_not_stop_the_start_and_follows(
    mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    async with running(mini_bank, store, RecordingChat(), clock) as first:
        channel = await first.channel("g1", "c1")
        one, two = await first.ask(channel), await first.ask(channel)
    await execute(store, "UPDATE rounds SET state = 'closed' WHERE id = ?", one.id)
    chat = FlakyChat(down=2)
    async with running(mini_bank, store, chat, clock) as service:
        assert await service.resume() == 1  # the open round is still picked up
        assert [r.id for r in service.open_rounds()] == [two.id]
        await until(lambda: len(chat.reveals) == 1)
        assert chat.reveals[0].round_id == one.id


async def test_stop_cancels_a_waiting_retry_and_the_next_start_reveals(
    mini_bank: Bank, store: SqliteStore, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QuizService, "reveal_retry_first", 30.0)
    chat = FlakyChat(down=1)
    async with running(mini_bank, store, chat, clock) as service:
        rnd = await service.ask(await service.channel("g1", "c1"))
        with pytest.raises(PostError):
            await service.close_round(rnd.id)
        await asyncio.wait_for(service.stop(), 1)  # does not wait out the retry
    assert chat.reveals == [] and await states(store) == [RoundState.CLOSED]
    later = FlakyChat(down=0)
    async with running(mini_bank, store, later, clock) as again:
        await again.resume()
        assert [v.round_id for v in later.reveals] == [rnd.id]
