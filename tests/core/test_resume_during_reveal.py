"""A resume while this process is still revealing a round leaves that round to it: one reveal, not two."""

from __future__ import annotations

import asyncio
import random

from bot.core.bank import Bank
from bot.core.service import QuizService
from bot.core.views import ChannelRef, RevealView
from bot.storage import SqliteStore
from tests.conftest import Clock, RecordingChat


class GatedChat(RecordingChat):
    """Holds each reveal until the test lets it through, as a slow platform would."""

    def __init__(self) -> None:
        super().__init__()
        self.started = asyncio.Event()
        self.gate = asyncio.Event()

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        self.started.set()
        await self.gate.wait()
        await super().post_reveal(where, message_ref, view)


async def test_a_resume_during_a_reveal_does_not_reveal_the_round_again(
    mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    chat = GatedChat()
    service = QuizService(
        bank=mini_bank,
        store=store,
        writer=store.answer_writer(),
        chat=chat,
        platform="test",
        clock=clock,
        rng=random.Random(3),
    )
    channel = await service.channel("g1", "c1")
    rnd = await service.ask(channel, window=60)
    assert rnd.message_ref is not None
    service.answer(rnd.message_ref, "u1", "Ann", rnd.question.answer_index)
    clock.now += 61
    closing = asyncio.create_task(service.close_round(rnd.id))
    await asyncio.wait_for(chat.started.wait(), 5)  # scored and stored as closed; its reveal is being posted
    # Before the fix the resume revealed the closed round again (and here waited on the gate forever).
    assert await asyncio.wait_for(service.resume(), 5) == 0
    chat.gate.set()
    assert await closing is True
    assert [v.round_id for v in chat.reveals] == [rnd.id]
    assert await service.resume() == 0 and len(chat.reveals) == 1  # recorded as revealed: nothing left
    await service.stop()
