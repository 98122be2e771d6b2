"""One source of truth for a channel's settings: what is stored, read when each question is asked."""

from __future__ import annotations

import io
import random
from pathlib import Path

from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.launch import console_channel, ensure_schedule
from bot.adapters.console.run import ConsoleSession
from bot.app import assemble
from bot.core.bank import Bank
from bot.core.selection import Asked, choose_question
from bot.core.service import QuizService
from bot.settings import Settings
from tests.conftest import FIXTURE_BANK, until


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env(
        {"QUIZBOT_DB": str(tmp_path / "db.sqlite3"), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)}
    )


async def test_timed_questions_use_the_settings_typed_after_start(tmp_path: Path) -> None:
    out = io.StringIO()
    chat = ConsoleChat(out)
    async with assemble(_settings(tmp_path), chat, "console") as app:
        channel = await console_channel(app, None)  # the record the timer keeps from the start
        session = ConsoleSession(app.service, app.admin, chat, channel)
        await session.handle("/config answer_window 20s")
        await session.handle("/config stages monitoring")
        await app.start()
        app.scheduler.every(0.1, channel)
        await until(lambda: app.service.open_rounds())
        rnd = app.service.open_rounds()[0]
        assert rnd.window == 20 and rnd.question.stage == "monitoring"


async def test_a_stale_channel_record_asks_with_the_stored_settings(service: QuizService) -> None:
    channel = await service.channel("g", "c")
    from bot.core.admin import Admin

    admin = Admin(service)
    await admin.set_config(channel, "answer_window", "90s", admin=True)
    await admin.set_config(channel, "difficulties", "hard", admin=True)
    rnd = await service.ask(channel)  # `channel` still says 300 s, every difficulty
    assert rnd.window == 90 and rnd.question.difficulty.value == "hard"


async def test_the_console_window_is_45s_at_first_and_a_set_window_survives_restarts(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    async with assemble(settings, ConsoleChat(io.StringIO()), "console") as app:
        channel = await console_channel(app, None)
        assert channel.config.answer_window == 45
        session = ConsoleSession(app.service, app.admin, ConsoleChat(io.StringIO()), channel)
        await session.handle("/config answer_window 5m")
    async with assemble(settings, ConsoleChat(io.StringIO()), "console") as app:
        assert (await console_channel(app, None)).config.answer_window == 300  # not reset to 45 s
        assert (await console_channel(app, 10)).config.answer_window == 10  # --window stores it
    async with assemble(settings, ConsoleChat(io.StringIO()), "console") as app:
        assert (await console_channel(app, None)).config.answer_window == 10


def test_consecutive_questions_come_from_other_stages_with_a_narrower_pool(mini_bank: Bank) -> None:
    """The question just asked makes its stage the most recent even for a pool it is not in (another
    difficulty, as after /config difficulties or /now hard)."""
    checked = 0
    for first in mini_bank.questions.values():
        pool = [q for q in mini_bank.questions.values() if q.difficulty != first.difficulty]
        if first.stage not in {q.stage for q in pool} or len({q.stage for q in pool}) < 2:
            continue
        checked += 1
        for seed in range(20):
            nxt = choose_question(pool, {first.id: Asked(1, 10.0)}, random.Random(seed), mini_bank.questions)
            assert nxt.stage != first.stage, (first.id, nxt.id)
    assert checked


async def test_the_configured_schedule_is_replaced_not_added(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    for tz in ("UTC", "UTC", "Europe/Berlin"):  # three starts; the zone changed in .env before the last
        async with assemble(settings, ConsoleChat(io.StringIO()), "console") as app:
            channel = await console_channel(app, None)
            if tz == "UTC" and not await app.admin.schedules(channel):
                await app.admin.add_schedule(channel, "30 8 * * *", "UTC", None, admin=True)  # an admin's
            await ensure_schedule(app, channel, "0 9 * * 1-5", tz)
    async with assemble(settings, ConsoleChat(io.StringIO()), "console") as app:
        rows = await app.admin.schedules(await console_channel(app, None))
        assert [(s.cron, s.timezone, s.configured) for s in rows] == [
            ("30 8 * * *", "UTC", False),
            ("0 9 * * 1-5", "Europe/Berlin", True),
        ]
        await ensure_schedule(app, await console_channel(app, None), None, "UTC")  # no --cron any more
        rows = await app.admin.schedules(await console_channel(app, None))
        assert [(s.cron, s.configured) for s in rows] == [("30 8 * * *", False)]
