"""The study worker in a running Discord bot: a revealed channel answer becomes a review, and the daily
reminder goes by DM only to those who asked, at most once a day."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bot.adapters.discord.render import OPTION_EMOJI
from bot.study_worker import StudyWorker
from tests.adapters.discord_harness import QUIZ_CHANNEL, running_bot, sub, text
from tests.adapters.test_discord_study import answer_all, asked, study
from tests.conftest import until
from tests.pg_server import rows_at
from tests.servers.discord import DiscordTestServer

DAY = 86_400.0


async def memories(db: Path | str, count: int) -> bool:
    """Whether the database holds `count` study memories."""
    return await rows_at(db, "SELECT count(*) FROM memories") == [(count,)]


async def wrong_in_channel(server: DiscordTestServer, bot: object, users: list[tuple[int, str]]) -> str:
    """Ask a question in the channel, have `users` answer it wrongly, close and reveal it; its prompt."""
    iid = await server.interact("quiz", sub("now", stage="monitoring"))
    await server.wait_for_response(iid, count=2)
    (msg,) = await server.wait_for_messages(QUIZ_CHANNEL, 1)
    prompt = msg["embeds"][0]["description"].split("\n\n")[0]
    app = bot.app  # type: ignore[attr-defined]
    question = next(q for q in app.service.bank.questions.values() if q.prompt == prompt)
    wrong = OPTION_EMOJI[(question.answer_index + 1) % len(question.options)]
    for user, name in users:
        await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), user, wrong, name=name)
    await until(lambda: len(app.service.open_rounds()[0].answers) == len(users))
    assert await app.service.close_round(1)
    await server.wait_for_messages(QUIZ_CHANNEL, 2)
    return prompt


async def test_a_revealed_channel_answer_is_folded_at_once_and_comes_back_as_a_review(
    server: DiscordTestServer, db_target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StudyWorker, "fold_delay", 0.05)
    async with running_bot(server, db_target) as bot:
        assert bot.app is not None
        await until(lambda: bot.app is not None and bot.app.study_worker.folds >= 1)  # the fold at start
        prompt = await wrong_in_channel(server, bot, [(4001, "ann")])
        await until(lambda: memories(db_target, 1), within=2)  # well before the minute's fold
        assert bot.app.study_worker.folds >= 2
        _, nothing = await study(server, "review")
        assert "nothing is due for review now" in text([nothing])  # missed a moment ago: due in minutes
        bot.app.study.clock = lambda: time.time() + 2 * DAY
        mid, body = await study(server, "review")
        data = body["data"]
        assert data["flags"] & 64 and "Review 1/1" in data["content"] and asked(data).prompt == prompt
        (done,) = await answer_all(server, mid, data, right=True)
        assert "Right." in done and "Review done" in done
        stats = await server.wait_for_response(await server.interact("stats"))
        assert "Model monitoring" in text(stats)  # readiness of the stage met in the channel
        assert len(server.channel_messages(QUIZ_CHANNEL)) == 2  # the question and its reveal, nothing more


async def test_the_daily_reminder_goes_only_to_those_who_asked_and_once_a_day(
    server: DiscordTestServer, db_target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StudyWorker, "fold_delay", 0.01)
    monkeypatch.setattr(StudyWorker, "remind_every", 0.05)
    async with running_bot(server, db_target) as bot:
        assert bot.app is not None
        await wrong_in_channel(server, bot, [(4001, "ann"), (4002, "bo")])
        await until(lambda: memories(db_target, 2), within=2)
        _, on = await study(server, "remind", state="on")  # ann asks; bo never does
        assert "Daily reminder on" in text([on])
        now = time.time()
        bot.app.study.clock = lambda: now + DAY  # both have a question due
        await until(lambda: 4001 in server.dm_messages)
        (dm,) = server.dm_messages[4001]
        assert (
            "1 question is due for review in Study Group" in dm["content"] and "/quiz review" in dm["content"]
        )
        await asyncio.sleep(0.3)  # several more turns of the loop: still one message
        assert len(server.dm_messages[4001]) == 1 and 4002 not in server.dm_messages
        bot.app.study.clock = lambda: now + 2 * DAY  # the next day
        await until(lambda: len(server.dm_messages[4001]) == 2)
        _, off = await study(server, "remind", state="off")
        assert "Daily reminder off" in text([off])
        bot.app.study.clock = lambda: now + 3 * DAY
        sent = bot.app.study_worker.reminders_sent
        await asyncio.sleep(0.3)
        assert len(server.dm_messages[4001]) == 2 and bot.app.study_worker.reminders_sent == sent == 2
        assert 4002 not in server.dm_messages
        assert len(server.channel_messages(QUIZ_CHANNEL)) == 2  # nothing about studying in the channel
