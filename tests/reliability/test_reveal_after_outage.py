"""A reveal that fails while the platform is out is posted once it is back, without a restart, and once only.

The real discord.py and slack-bolt clients against the loopback servers, which answer the reveal's post with
scripted failures. The service's retry waits and the adapters' own retry delays are shortened so the outage
lasts a second or two, not minutes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord.render import OPTION_EMOJI as DISCORD_EMOJI
from bot.adapters.discord.run import DiscordBot
from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.render import OPTION_EMOJI as SLACK_EMOJI
from bot.core.service import QuizService
from tests.adapters.discord_harness import QUIZ_CHANNEL, running_bot
from tests.adapters.slack_harness import CHANNEL, running_slack, shown
from tests.reliability.harness import eventually
from tests.reliability.test_network_faults import POSTS, open_answers, question, quiz_now, slack_quiz_now
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QuizService, "reveal_retry_first", 0.3)
    monkeypatch.setattr(QuizService, "reveal_retry_max", 0.6)


def state(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        (value,) = conn.execute("SELECT state FROM rounds WHERE id = 1").fetchone()
    conn.close()
    return str(value)


def short_adapter_retries(bot: DiscordBot | SlackBot) -> QuizService:
    assert bot.app is not None
    bot.app.service.chat.retry_delays = (0.05,)  # type: ignore[attr-defined]
    return bot.app.service


def discord_reveals(server: DiscordTestServer) -> list[dict[str, Any]]:
    return [m for m in server.channel_messages(QUIZ_CHANNEL) if m.get("message_reference")]


def discord_posts(server: DiscordTestServer) -> int:
    return len([r for r in server.request_log if r["method"] == "POST" and r["path"] == POSTS])


async def test_discord_reveal_refused_with_503s_posts_once_the_api_is_back(
    server: DiscordTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        service = short_adapter_retries(bot)
        assert "is up" in await quiz_now(server)
        mid = question(server)
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, DISCORD_EMOJI[0], name="ann")
        await eventually("the answer", lambda: open_answers(bot) == 1)
        server.fail_next("POST", POSTS, status=503, times=5)  # the close's two tries, a retry's two, one more
        with pytest.raises(Exception):  # noqa: B017 (the adapter's error, whatever its type)
            await service.close_round(1)
        assert state(db) == "closed" and discord_reveals(server) == []
        await eventually("the reveal after the outage", lambda: state(db) == "revealed")
        (reveal,) = discord_reveals(server)
        assert "(1 in all)" in str(reveal["embeds"])
        assert discord_posts(server) == 1 + 6  # the question; then 5 refused, 1 made and nothing after
    assert len(discord_reveals(server)) == 1


async def test_discord_reveal_that_landed_unheard_is_found_not_posted_again(
    server: DiscordTestServer, tmp_path: Path
) -> None:
    """The post went through but its reply was an error: the retry looks first, finds it and records it."""
    server.nonce_window_s = 0  # not the nonce: the look among the messages after the question
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        service = short_adapter_retries(bot)
        assert "is up" in await quiz_now(server)
        server.fail_after_next("POST", POSTS, status=403, message="Missing Access")
        with pytest.raises(Exception):  # noqa: B017
            await service.close_round(1)
        assert len(discord_reveals(server)) == 1 and state(db) == "closed"
        await eventually("the reveal recorded", lambda: state(db) == "revealed")
        assert len(discord_reveals(server)) == 1 and discord_posts(server) == 2


async def test_slack_reveal_refused_during_an_outage_posts_once_it_is_back(
    slack: SlackTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db) as bot:
        service = short_adapter_retries(bot)
        assert "is up" in await slack_quiz_now(slack)
        (msg,) = slack.messages[CHANNEL]
        await slack.add_reaction(CHANNEL, msg["ts"], "U1", SLACK_EMOJI[0])
        await eventually("the answer", lambda: open_answers(bot) == 1)
        slack.fail_next("chat.postMessage", "service_unavailable", times=5, status=503)
        with pytest.raises(Exception):  # noqa: B017
            await service.close_round(1)
        assert state(db) == "closed"
        await eventually("the reveal after the outage", lambda: state(db) == "revealed")
        replies = [m for m in slack.messages[CHANNEL] if m.get("thread_ts") == msg["ts"] and m is not msg]
        assert len(replies) == 1 and "(1 in all)" in shown(replies[0])
