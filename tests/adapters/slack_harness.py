"""Start the real quizbot Slack app against the loopback Slack test server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from bot.adapters.slack.app import SlackBot
from bot.settings import Settings
from tests.conftest import FIXTURE_BANK
from tests.servers.slack import SlackTestServer

CHANNEL = "C0001"


def settings_for(server: SlackTestServer, db: Path, *, http: bool = False) -> Settings:
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
async def running_slack(server: SlackTestServer, db: Path, *, http: bool = False) -> AsyncIterator[SlackBot]:
    bot = SlackBot(settings_for(server, db, http=http), host="127.0.0.1", port=0)
    task = asyncio.create_task(bot.run())
    try:
        await asyncio.wait_for(bot.ready.wait(), 10)
        if not http:
            await server.wait_connected()
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)
