"""A reveal posted just before the bot died, and not yet recorded, is found after a restart, not posted again.

The crash is made exact: a round is revealed, then set back to 'closed' in the database (as a kill between
the post and its record leaves it), and the bot starts again. A reveal that really never landed is still
posted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.adapters.discord.render import OPTION_EMOJI as DISCORD_EMOJI
from bot.adapters.slack.render import OPTION_EMOJI as SLACK_EMOJI
from tests.adapters.discord_harness import QUIZ_CHANNEL, running_bot
from tests.adapters.slack_harness import CHANNEL, running_slack, shown
from tests.adapters.test_discord_e2e import quiz_now
from tests.adapters.test_slack_e2e import slash
from tests.conftest import until
from tests.pg_server import execute_at, rows_at
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer


async def _revealed(db: Path | str) -> bool:
    return await rows_at(db, "SELECT state FROM rounds WHERE id = 1") == [("revealed",)]


async def _as_if_killed_after_posting_the_reveal(db: Path | str) -> None:
    await execute_at(db, "UPDATE rounds SET state = 'closed' WHERE id = 1")


async def test_slack(slack: SlackTestServer, db_target: Path | str) -> None:
    db = db_target
    async with running_slack(slack, db) as bot:
        await slash(slack, "/quiz", "now training")
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        await slack.add_reaction(CHANNEL, msg["ts"], "U1", SLACK_EMOJI[0])
        assert bot.app is not None
        await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 1)
        await bot.app.service.close_round(1)
        await slack.wait_for_messages(CHANNEL, 2)

    def replies() -> list[dict[str, Any]]:
        return [
            m for m in slack.messages[CHANNEL] if m.get("thread_ts") == msg["ts"] and m["ts"] != msg["ts"]
        ]

    await _restart_twice(
        lambda: running_slack(slack, db), db, replies, lambda m: slack.messages[CHANNEL].remove(m)
    )
    assert "Answer to #1" in shown(replies()[0]) and "(1 in all)" in shown(replies()[0])


async def test_discord_after_it_forgot_the_nonce(server: DiscordTestServer, db_target: Path | str) -> None:
    server.nonce_window_s = 0  # the restart comes after Discord's few minutes
    db = db_target
    async with running_bot(server, db) as bot:
        msg = await quiz_now(server, stage="training")
        await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), 5001, DISCORD_EMOJI[0], name="ann")
        assert bot.app is not None
        await until(lambda: bool(bot.app.service.open_rounds()[0].answers))
        await bot.app.service.close_round(1)
        await server.wait_for_messages(QUIZ_CHANNEL, 2)

    def replies() -> list[dict[str, Any]]:
        return [
            m
            for m in server.channel_messages(QUIZ_CHANNEL)
            if (m.get("message_reference") or {}).get("message_id") == msg["id"]
        ]

    await _restart_twice(
        lambda: running_bot(server, db), db, replies, lambda m: server.messages.pop(int(m["id"]))
    )
    assert "(1 in all)" in str(replies()[0]["embeds"])


async def _restart_twice(
    start: Callable[[], Any],
    db: Path | str,
    replies: Callable[[], list[dict[str, Any]]],
    remove: Callable[[dict[str, Any]], object],
) -> None:
    assert len(replies()) == 1
    await _as_if_killed_after_posting_the_reveal(db)
    async with start():
        await until(lambda: _revealed(db))
    assert len(replies()) == 1  # found where it was posted: recorded, not posted again
    remove(replies()[0])  # a reveal that never landed
    await _as_if_killed_after_posting_the_reveal(db)
    async with start():
        await until(lambda: _revealed(db))
    assert len(replies()) == 1  # posted after the restart
