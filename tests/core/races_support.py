"""The rig of the race tests: the real QuizService, store (SQLite or PostgreSQL) and answer writer, with a slow
chat."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.errors import QuizError
from bot.core.records import ChannelRecord
from bot.core.rounds import Round
from bot.core.service import QuizService
from bot.core.views import ChannelRef, RevealView
from bot.storage import AnswerWriter, SqliteStore
from tests.conftest import Clock, RecordingChat
from tests.pg_server import fetch_rows

COMMUNITY = "g1"


class SlowChat(RecordingChat):
    """A RecordingChat whose reveal takes a moment, as a real platform's does."""

    def __init__(self) -> None:
        super().__init__()
        self.reveal_delay = 0.0
        self.before_reveal: Callable[[RevealView], Awaitable[None]] | None = None

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        if self.before_reveal is not None:
            await self.before_reveal(view)
        await asyncio.sleep(self.reveal_delay)
        await super().post_reveal(where, message_ref, view)


@dataclass
class Rig:
    """A service with the parts a test needs to reach."""

    service: QuizService
    store: SqliteStore
    writer: AnswerWriter
    chat: SlowChat
    clock: Clock
    admin: Admin

    async def channel(self, name: str = "c1") -> ChannelRecord:
        return await self.service.channel(COMMUNITY, name)

    async def ask(self, name: str = "c1", **kw: Any) -> Round:
        rnd = await self.service.ask(await self.channel(name), **kw)
        assert rnd.message_ref is not None
        return rnd

    async def db_answers(self, round_id: int) -> dict[str, int]:
        """player -> option as stored, after everything queued is durable."""
        await self.writer.flush()
        rows = await fetch_rows(
            self.store,
            "SELECT p.external_id, a.option FROM answers a JOIN players p ON p.id = a.player_id WHERE a.round_id = ?",
            round_id,
        )
        return {str(p): int(o) for p, o in rows}

    async def scalar(self, sql: str, *params: object) -> int:
        rows = await fetch_rows(self.store, sql, *params)
        return int(rows[0][0] or 0) if rows else 0

    async def community_id(self) -> int:
        return (await self.channel()).community_id


def build_rig(bank: Bank, store: SqliteStore, clock: Clock, *, max_delay: float = 0.05) -> Rig:
    chat = SlowChat()
    writer = store.answer_writer(max_delay=max_delay)
    service = QuizService(
        bank=bank,
        store=store,
        writer=writer,
        chat=chat,
        platform="test",
        clock=clock,
        rng=random.Random(3),
    )
    return Rig(service, store, writer, chat, clock, Admin(service))


def memory(rnd: Round) -> dict[str, int]:
    return {p: a.option for p, a in rnd.answers.items()}


async def until(predicate: Callable[[], bool], within: float = 5) -> None:
    for _ in range(int(within / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def soon(call: Callable[[], Any]) -> Any:
    """Run a synchronous platform callback as its own task step, the way an event handler does."""
    await asyncio.sleep(0)
    try:
        return call()
    except QuizError as exc:
        return exc
