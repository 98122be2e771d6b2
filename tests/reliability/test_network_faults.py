"""Network faults against the real clients: gateway drops, rate limits, server errors and lost replies.

A question is posted exactly once whatever happens to the request that creates it; an answer made while
the connection is down is recorded, whether the session resumes (events replayed) or starts afresh
(reactions read back from the messages).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord.render import OPTION_EMOJI as DISCORD_EMOJI
from bot.adapters.discord.run import DiscordBot
from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.render import OPTION_EMOJI as SLACK_EMOJI
from tests.adapters.discord_harness import QUIZ_CHANNEL, running_bot, sub
from tests.adapters.slack_harness import CHANNEL, running_slack
from tests.reliability.harness import eventually
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer

POSTS = rf"/channels/{QUIZ_CHANNEL}/messages"
REACTION_PUTS = rf"/channels/{QUIZ_CHANNEL}/messages/\d+/reactions/.+/@me"


def states(db: Path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        return [(str(s), r) for s, r in conn.execute("SELECT state, message_ref FROM rounds ORDER BY id")]


def answers(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM answers").fetchone()[0])


# -- Discord ---------------------------------------------------------------------------------------


async def quiz_now(server: DiscordTestServer) -> str:
    """Run /quiz now and return what the asker was told."""
    iid = await server.interact("quiz", sub("now"))
    return str(await server.wait_for_response(iid, count=2, timeout=30))


def question(server: DiscordTestServer) -> int:
    """The message id of the one question in the quiz channel (failing if there are more)."""
    (msg,) = [m for m in server.channel_messages(QUIZ_CHANNEL) if not m.get("message_reference")]
    return int(msg["id"])


def open_answers(bot: DiscordBot | SlackBot) -> int:
    assert bot.app is not None
    return sum(len(r.answers) for r in bot.app.service.open_rounds())


def burst(mid: int, users: range) -> list[tuple[int, int, str]]:
    return [(mid, u, DISCORD_EMOJI[u % 2]) for u in users]


async def test_discord_resume_replays_a_burst_made_during_the_disconnect(
    server: DiscordTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        assert "is up" in await quiz_now(server)
        mid = question(server)
        await server.add_reactions(QUIZ_CHANNEL, burst(mid, range(5000, 5500)))
        await server.drop_connection(resumable=True)
        await server.add_reactions(
            QUIZ_CHANNEL, burst(mid, range(6000, 9000))
        )  # only in the session's buffer
        await server.wait_connected()
        await eventually("every answer", lambda: open_answers(bot) == 3500)
        assert server.resume_count == 1 and server.identify_count == 1
        assert server.replayed.count("MESSAGE_REACTION_ADD") >= 3000
        assert bot.rereads == 0  # a resumed session needs no read-back
        assert bot.app is not None and await bot.app.service.close_round(1)
    assert answers(db) == 3500


async def test_discord_fresh_session_reads_back_the_reactions_it_never_received(
    server: DiscordTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        assert "is up" in await quiz_now(server)
        mid = question(server)
        await server.add_reactions(QUIZ_CHANNEL, burst(mid, range(5000, 5300)))
        await eventually("the live answers", lambda: open_answers(bot) == 300)
        await server.drop_connection(resumable=False)  # the RESUME meets INVALID_SESSION, then IDENTIFY
        await server.add_reactions(
            QUIZ_CHANNEL, burst(mid, range(6000, 7500))
        )  # no session: no events at all
        await eventually("a fresh session", lambda: server.identify_count == 2)
        await server.wait_connected()
        await server.add_reactions(QUIZ_CHANNEL, burst(mid, range(8000, 8200)))  # live again
        await eventually("every answer, missed ones read back", lambda: open_answers(bot) == 2000)
        assert server.resume_count == 0 and bot.rereads == 1
        assert bot.app is not None and await bot.app.service.close_round(1)
    assert answers(db) == 2000


async def test_discord_reactions_while_the_bot_adds_its_own_are_counted(
    server: DiscordTestServer, tmp_path: Path
) -> None:
    """Adding the option reactions is rate limited on Discord; people who react meanwhile still count."""
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        server.rate_limit_next("PUT", REACTION_PUTS, retry_after=1.5)
        asking = asyncio.create_task(quiz_now(server))
        (msg,) = await server.wait_for_messages(QUIZ_CHANNEL, 1)
        await asyncio.sleep(0.3)  # the question is up, its letters are not
        await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), 5001, DISCORD_EMOJI[0], name="early")
        assert "is up" in await asking
        await eventually("the early answer", lambda: open_answers(bot) == 1)
        await eventually("the option letters", lambda: len(server.reactions[int(msg["id"])]) >= 2)


FAULTS: dict[str, tuple[str, dict[str, Any]]] = {
    # discord.py's own retries: 429 after retry_after; 500, 502 and 504 after 1 s
    "429": ("rate_limit_next", {"retry_after": 0.2}),
    "500": ("fail_next", {"status": 500}),
    "502": ("fail_next", {"status": 502}),
    "504": ("fail_next", {"status": 504}),
    # ours: discord.py gives up at once on a 503 and on a dropped connection
    "503": ("fail_next", {"status": 503, "times": 2}),
    "dropped": ("drop_next", {}),
    # the reply is lost after Discord made the message: only the nonce keeps the retry from posting twice
    "500 after the create": ("fail_after_next", {"status": 500}),
    "503 after the create": ("fail_after_next", {"status": 503}),
    "dropped after the create": ("drop_next", {"after": True}),
}


@pytest.mark.parametrize("fault", FAULTS)
async def test_discord_question_post_is_retried_and_made_once(
    server: DiscordTestServer, tmp_path: Path, fault: str
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        method, kwargs = FAULTS[fault]
        getattr(server, method)("POST", POSTS, **kwargs)
        assert "is up" in await quiz_now(server)
        posts = [r for r in server.request_log if r["method"] == "POST" and r["path"] == POSTS]
        assert len(posts) >= 2, "the create was retried"
        assert len({p["json"]["nonce"] for p in posts}) == 1 and all(
            p["json"]["enforce_nonce"] for p in posts
        )
        mid = question(server)  # exactly one message
        assert server.nonce_hits == (1 if "after" in fault else 0)
        assert states(db) == [("open", str(mid))]
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, DISCORD_EMOJI[0], name="ann")
        await eventually("the answer on the one message", lambda: open_answers(bot) == 1)


async def test_discord_a_post_that_keeps_failing_is_failed_and_never_made_later(
    server: DiscordTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db):
        server.fail_next("POST", POSTS, status=503, times=10)
        told = await quiz_now(server)
        assert "Discord refused the post (503)" in told
        posts = [r for r in server.request_log if r["method"] == "POST" and r["path"] == POSTS]
        assert len(posts) == 4  # the first try and three retries with backoff
    assert states(db) == [("failed", None)]
    async with running_bot(server, db):  # a restart does not post it either
        await asyncio.sleep(0.3)
    assert server.channel_messages(QUIZ_CHANNEL) == []
    assert states(db) == [("failed", None)]


async def test_discord_a_reveal_whose_reply_was_lost_is_not_shown_twice_after_a_restart(
    server: DiscordTestServer, tmp_path: Path
) -> None:
    """The reveal landed but the bot never heard so (nor marked it): the next start finds it among the
    messages after the question and records it, without posting (nor leaning on the nonce)."""
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        assert "is up" in await quiz_now(server)
        mid = question(server)
        server.fail_after_next("POST", POSTS, status=403, message="Missing Access")
        assert bot.app is not None
        with pytest.raises(discord.Forbidden):
            await bot.app.service.close_round(1)
    assert states(db) == [("closed", str(mid))]
    posts_before = len([r for r in server.request_log if r["method"] == "POST" and r["path"] == POSTS])
    async with running_bot(server, db):
        await eventually("the round revealed", lambda: states(db) == [("revealed", str(mid))])
    reveals = [m for m in server.channel_messages(QUIZ_CHANNEL) if m.get("message_reference")]
    posts = len([r for r in server.request_log if r["method"] == "POST" and r["path"] == POSTS])
    assert len(reveals) == 1 and posts == posts_before and server.nonce_hits == 0


# -- Slack -----------------------------------------------------------------------------------------


async def slack_quiz_now(server: SlackTestServer) -> str:
    before = len(server.responses)
    envelope = await server.slash("/quiz", "now")
    await server.wait_for_ack(envelope)
    return str((await server.wait_for_responses(before + 1, timeout=30))[before])


def top_level(server: SlackTestServer) -> list[dict[str, Any]]:
    return [m for m in server.messages.get(CHANNEL, []) if not m.get("thread_ts")]


def post_calls(server: SlackTestServer) -> int:
    return sum(1 for method, _ in server.calls if method == "chat.postMessage")


SLACK_FAULTS: dict[str, tuple[str, dict[str, Any], bool]] = {  # method, arguments, made by the failed call
    "429": ("rate_limit_next", {"retry_after": 1}, False),
    "500": ("fail_next", {"status": 500}, False),
    "502": ("fail_next", {"status": 502, "error": "bad_gateway"}, False),
    "503": ("fail_next", {"status": 503, "error": "service_unavailable", "times": 2}, False),
    "504": ("fail_next", {"status": 504, "error": "gateway_timeout"}, False),
    "200 internal_error": ("fail_next", {"error": "internal_error"}, False),
    "dropped": ("drop_next", {}, False),
    "500 after the post": ("fail_after_next", {"status": 500}, True),
    "dropped after the post": ("drop_next", {"after": True}, True),
}


@pytest.mark.parametrize("fault", SLACK_FAULTS)
async def test_slack_question_post_is_retried_and_made_once(
    slack: SlackTestServer, tmp_path: Path, fault: str
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db) as bot:
        method, kwargs, made = SLACK_FAULTS[fault]
        getattr(slack, method)("chat.postMessage", **kwargs)
        assert "is up" in await slack_quiz_now(slack)
        (msg,) = top_level(slack)
        assert states(db) == [("open", f"{CHANNEL}:{msg['ts']}")]
        # A post that did land is found (conversations.history), not made again.
        assert post_calls(slack) == (1 if made else 1 + kwargs.get("times", 1))
        await slack.add_reaction(CHANNEL, msg["ts"], "U1", SLACK_EMOJI[0])
        await eventually("the answer on the one message", lambda: open_answers(bot) == 1)


async def test_slack_a_post_that_keeps_failing_is_failed_and_never_made_later(
    slack: SlackTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db):
        slack.fail_next("chat.postMessage", "service_unavailable", times=10, status=503)
        assert "Slack refused the post: service_unavailable" in await slack_quiz_now(slack)
        assert post_calls(slack) == 4
    assert states(db) == [("failed", None)]
    async with running_slack(slack, db):
        await asyncio.sleep(0.3)
    assert top_level(slack) == [] and states(db) == [("failed", None)]


async def test_slack_a_failed_post_that_cannot_be_checked_is_not_retried(
    slack: SlackTestServer, tmp_path: Path
) -> None:
    """Without channels:history nobody can tell whether a 5xx post landed: it is never tried twice."""
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db):
        slack.fail_after_next("chat.postMessage", status=500)
        slack.fail_next("conversations.history", "missing_scope")
        told = await slack_quiz_now(slack)
        assert "could not be checked (missing_scope)" in told
        assert post_calls(slack) == 1 and len(top_level(slack)) == 1
    assert states(db) == [("failed", None)]


async def test_slack_reactions_while_the_app_adds_its_own_are_counted(
    slack: SlackTestServer, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db) as bot:
        slack.rate_limit_next("reactions.add", retry_after=1)
        asking = asyncio.create_task(slack_quiz_now(slack))
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        await asyncio.sleep(0.3)
        await slack.add_reaction(CHANNEL, msg["ts"], "U1", SLACK_EMOJI[1])
        assert "is up" in await asking
        await eventually("the early answer", lambda: open_answers(bot) == 1)
