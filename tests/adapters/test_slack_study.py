"""Private study on Slack, through the real slack-bolt app: sessions by button clicks in ephemeral messages,
privacy, an exam across a restart, the study lines of /quiz stats, and the daily reminder by DM."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.render import OPTION_EMOJI
from bot.core.bank_loader import load_bank
from bot.core.bank_schema import Question
from bot.study_worker import StudyWorker
from tests.adapters.slack_harness import CHANNEL, running_slack, shared_card, shown
from tests.conftest import FIXTURE_BANK, until
from tests.pg_server import rows_at
from tests.servers.slack import SlackTestServer

BANK = load_bank([FIXTURE_BANK])
DAY = 86_400.0


async def said(server: SlackTestServer, send: Any) -> dict[str, Any]:
    """The one response_url post that `send` (a slash command or a click) leads to."""
    before = len(server.responses)
    await server.wait_for_ack(await send)
    return (await server.wait_for_responses(before + 1))[before]


def slash(server: SlackTestServer, text: str, user: str = "U1") -> Any:
    return server.slash("/quiz", text, user_id=user)


def buttons(body: dict[str, Any]) -> list[tuple[str, str]]:
    """(action id, value) of each option button."""
    return [
        (e["action_id"], e["value"])
        for b in body.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def asked(body: dict[str, Any]) -> Question:
    return next(q for q in BANK.questions.values() if q.prompt in shown(body))


def private_to(server: SlackTestServer, body: dict[str, Any], user: str) -> bool:
    """An ephemeral response through a response_url issued for `user`'s own command or click."""
    issued = server.response_urls[body["response_url_id"]]
    return body.get("response_type") == "ephemeral" and issued["user"] == user


async def click(
    server: SlackTestServer, body: dict[str, Any], option: int, user: str = "U1"
) -> dict[str, Any]:
    action, value = buttons(body)[option]
    return await said(server, server.click(action, value, user_id=user, message_ts="1790000000.999999"))


async def answer_all(server: SlackTestServer, body: dict[str, Any], right: bool) -> list[dict[str, Any]]:
    seen = []
    while buttons(body):
        q = asked(body)
        body = await click(server, body, q.answer_index if right else (q.answer_index + 1) % len(q.options))
        assert body["replace_original"] is True and private_to(server, body, "U1")
        seen.append(body)
    return seen


async def test_a_practice_by_clicks_stays_in_ephemeral_messages(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target):
        first = await said(slack, slash(slack, "practice eda"))
        assert private_to(slack, first, "U1") and "Practice 1/2" in shown(first) and len(buttons(first)) == 3
        assert "Exploratory" not in shown(first)  # no stage before the answer
        q = asked(first)
        theirs = await click(slack, first, q.answer_index, user="U2")  # bo clicks ann's button
        assert private_to(slack, theirs, "U2") and "no study session" in shown(theirs)
        assert theirs["replace_original"] is False
        wrong = (q.answer_index + 1) % 3
        second = await click(slack, first, wrong)
        text = shown(second)
        assert second["replace_original"] is True and private_to(slack, second, "U1")
        assert "*Not quite.*" in text and q.options[wrong].why in text and "Practice 2/2" in text
        again = await click(slack, first, wrong)  # the same button once more: refused, nothing counted
        assert "already answered" in shown(again) and again["replace_original"] is False
        (last,) = await answer_all(slack, second, right=True)
        assert "*Right.*" in shown(last) and "Practice done" in shown(last) and not buttons(last)
        board = await shared_card(slack, "leaderboard", user_id="U1")  # the board's picture and text
        assert "ann" not in shown(board) and "No scores yet." in shown(board)
        mine = await said(slack, slash(slack, "stats"))
        assert private_to(slack, mine, "U1") and "*Study*\nReviews due: 0 now" in shown(mine)
        assert "Exploratory data analysis (EDA) " in shown(mine)  # readiness of the stage practised
        other = await said(slack, slash(slack, "stats U1", user="U2"))  # someone else's: no study lines
        assert "Study" not in shown(other) and private_to(slack, other, "U2")
        assert "Exploratory" not in shown(other)  # nor her private answers' accuracy by stage
        assert (
            slack.messages.get(CHANNEL, []) == [board] and slack.ephemerals == []
        )  # only the board asked for
    assert await rows_at(db_target, "SELECT count(*) FROM answers") == [(0,)]
    assert await rows_at(db_target, "SELECT count(*) FROM study_answers") == [(2,)]


async def test_an_exam_resumes_after_a_restart_and_ends_with_its_report(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target):
        first = await said(slack, slash(slack, "exam 3"))
        assert "Mock exam 1/3" in shown(first) and "left)" in shown(first)
        second = await click(slack, first, asked(first).answer_index)
        assert (
            "recorded" in shown(second) and "Right" not in shown(second) and "Mock exam 2/3" in shown(second)
        )
    async with running_slack(slack, db_target):
        resumed = await said(slack, slash(slack, "exam"))
        assert "Resuming your mock exam at question 2 of 3" in shown(resumed)
        assert buttons(resumed) == buttons(second)
        stale = await click(slack, first, 0)  # question 1's button again: already answered
        assert "already answered" in shown(stale)
        *_, end = await answer_all(slack, second, right=False)  # the message from before the restart
        assert "Mock exam: 1/3 right (33%)" in shown(end).replace("*", "") and "Missed" in shown(end)
        stats = await said(slack, slash(slack, "stats"))
        assert ": 1/3 (33%)" in shown(stats)
        bad = await said(slack, slash(slack, "exam lots"))
        assert "'lots' is not a number of questions" in shown(bad)
        refused = await said(slack, slash(slack, "analytics"))
        assert "only workspace admins" in shown(refused)
        table = await said(slack, slash(slack, "analytics 1", user="UADMIN"))
        assert private_to(slack, table, "UADMIN") and "question" in shown(table) and "disc" in shown(table)
        help_ = await said(slack, slash(slack, "help"))
        assert "remind on|off" in shown(help_) and "leaderboard" in shown(help_)
    assert await rows_at(db_target, "SELECT idx FROM study_answers ORDER BY idx") == [(0,), (1,), (2,)]


async def test_fold_after_a_reveal_and_the_daily_reminder_by_dm(
    slack: SlackTestServer, db_target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StudyWorker, "fold_delay", 0.01)
    monkeypatch.setattr(StudyWorker, "remind_every", 0.05)
    async with running_slack(slack, db_target) as bot:
        assert bot.app is not None
        await said(slack, slash(slack, "now monitoring"))
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        wrong = (asked(msg).answer_index + 1) % 2
        for user in ("U1", "U2"):
            await slack.add_reaction(CHANNEL, msg["ts"], user, OPTION_EMOJI[wrong])
        await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 2)
        await bot.app.service.close_round(1)

        async def folded() -> bool:
            return await rows_at(db_target, "SELECT count(*) FROM memories") == [(2,)]

        await until(folded, within=2)  # after the reveal, not the minute's fold
        on = await said(slack, slash(slack, "remind on"))
        assert "Daily reminder on" in shown(on) and private_to(slack, on, "U1")
        now = time.time()
        bot.app.study.clock = lambda: now + DAY
        await until(lambda: slack.dm_messages("U1"))
        (dm,) = slack.dm_messages("U1")
        assert "1 question is due for review" in dm["text"] and "/quiz review" in dm["text"]
        await asyncio.sleep(0.3)
        assert len(slack.dm_messages("U1")) == 1 and "U2" not in slack.dms  # bo never asked
        review = await said(slack, slash(slack, "review"))
        assert "Review 1/1" in shown(review) and asked(review).prompt == asked(msg).prompt
        bot.app.study.clock = lambda: now + 2 * DAY
        await until(lambda: len(slack.dm_messages("U1")) == 2)
        await said(slack, slash(slack, "remind off"))
        bot.app.study.clock = lambda: now + 3 * DAY
        await asyncio.sleep(0.3)
        assert len(slack.dm_messages("U1")) == 2 and "U2" not in slack.dms
        assert len(slack.messages[CHANNEL]) == 2  # the question and its reveal (in its thread) only
