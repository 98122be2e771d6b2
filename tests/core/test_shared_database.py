"""A Discord bot and a Slack bot on one SQLite file: each runs only its own platform's rounds and timers."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.rounds import RoundState
from bot.core.service import QuizService
from bot.scheduling import Scheduler
from bot.storage import AnswerWriter, SqliteStore
from bot.storage.db import LATEST
from tests.conftest import Clock, RecordingChat


@asynccontextmanager
async def bot(
    path: Path, platform: str, bank: Bank, clock: Clock
) -> AsyncIterator[tuple[QuizService, RecordingChat]]:
    store = await SqliteStore.open(path)
    writer = AnswerWriter(store.db)
    chat = RecordingChat()
    service = QuizService(
        bank=bank, store=store, writer=writer, chat=chat, platform=platform, clock=clock, rng=random.Random(1)
    )
    try:
        yield service, chat
    finally:
        await service.stop()
        await writer.close()
        await store.close()


async def test_two_bots_open_a_new_file_at_once_and_both_see_it_migrated(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    stores = await asyncio.gather(*(SqliteStore.open(path) for _ in range(3)))
    try:
        versions = [await s.db.scalar("PRAGMA user_version") for s in stores]
        assert versions == [LATEST] * 3
    finally:
        for s in stores:
            await s.close()


async def test_each_bot_resumes_schedules_and_finishes_only_its_own_platform(
    tmp_path: Path, mini_bank: Bank, clock: Clock
) -> None:
    path = tmp_path / "shared.sqlite3"
    async with bot(path, "slack", mini_bank, clock) as (slack, slack_chat):
        channel = await slack.channel("T1", "C1")
        rnd = await slack.ask(channel, window=60)
        await Admin(slack).start_competition(channel, "Cup", "1h", admin=True)
        await slack.store.add_schedule(channel.id, "0 9 * * *", "UTC", None, clock.now)
    clock.now += 7200  # the Slack bot is down; its round and competition are overdue
    async with bot(path, "discord", mini_bank, clock) as (discord, discord_chat):
        discord_channel = await discord.channel("G1", "D1")
        await discord.store.add_schedule(discord_channel.id, "0 10 * * *", "UTC", None, clock.now)
        assert await discord.resume() == 0
        assert discord_chat.reveals == [] and discord_chat.questions == []
        scheduler = Scheduler(discord, Admin(discord))
        await scheduler.refresh()
        assert [s.channel for s in await discord.store.schedules(platform="discord")] == ["D1"]
        assert list(scheduler._groups) == [("0 10 * * *", "UTC")]
        scheduler.shutdown()
        await Admin(discord).finish_due_competitions()
        assert discord_chat.boards == []
        (record,) = await discord.store.rounds_in([RoundState.OPEN])
        assert record.id == rnd.id  # the Slack round is still open: not Discord's to close
    async with bot(path, "slack", mini_bank, clock) as (slack, slack_chat):
        assert await slack.resume() == 1
        for _ in range(100):
            if slack_chat.reveals:
                break
            await asyncio.sleep(0.01)
        assert [r.round_id for r in slack_chat.reveals] == [rnd.id]
        await Admin(slack).finish_due_competitions()
        assert [b.title for b in slack_chat.boards] and "Cup" in slack_chat.boards[0].title
