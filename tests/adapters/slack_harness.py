"""Start the real quizbot Slack app against the loopback Slack test server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.adapters.slack.app import SlackBot
from bot.settings import Settings
from tests.conftest import FIXTURE_BANK
from tests.servers.slack import SlackTestServer

CHANNEL = "C0001"


def settings_for(server: SlackTestServer, db: Path | str, *, http: bool = False) -> Settings:
    env = {
        "QUIZBOT_DB": str(db),
        "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
        "SLACK_BOT_TOKEN": "xoxb-test-not-secret",
        "QUIZBOT_SLACK_API_URL": server.api_url,
    }
    if http:
        env["SLACK_SIGNING_SECRET"] = "test-signing-secret"
    else:
        env["SLACK_APP_TOKEN"] = "xapp-test-not-secret"
    return Settings.from_env(env)


@contextlib.asynccontextmanager
async def running_slack(
    server: SlackTestServer, db: Path | str, *, http: bool = False, settings: Settings | None = None
) -> AsyncIterator[SlackBot]:
    bot = SlackBot(settings or settings_for(server, db, http=http), host="127.0.0.1", port=0)
    task = asyncio.create_task(bot.run())
    try:
        await asyncio.wait_for(bot.ready.wait(), 10)
        if not http:
            await server.wait_connected()
        yield bot
    finally:
        if not http:
            await server.settle_acks()
        await bot.close()
        await asyncio.wait_for(task, 10)


def shown(body: dict[str, Any]) -> str:
    """What a person reads in a message or response body."""
    parts = [body.get("text") or ""]
    for block in body.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for el in block.get("elements") or []:
            t = el.get("text")
            parts.append(t.get("text", "") if isinstance(t, dict) else (t or ""))
    return "\n".join(parts)


async def shared_card(
    server: SlackTestServer, command: str, *, channel: str = CHANNEL, **kw: Any
) -> dict[str, Any]:
    """Run a /quiz command whose reply is an image card (a board) and return the message that shared it in
    `channel`: the uploaded file in `files`, the text version as its text (the upload's initial comment)."""
    from tests.conftest import until

    before = len(server.messages.get(channel, []))
    envelope = await server.slash("/quiz", command, **kw)
    await server.wait_for_ack(envelope)
    await until(lambda: any(m.get("files") for m in server.messages.get(channel, [])[before:]))
    return next(m for m in server.messages[channel][before:] if m.get("files"))
