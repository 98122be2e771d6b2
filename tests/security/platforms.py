"""Loopback servers that check the token, as the real platforms do, and helpers to run the bots against them."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.adapters.discord.run import DiscordBot
from bot.adapters.slack.app import SlackBot
from bot.settings import Settings
from tests.adapters.discord_harness import running_bot
from tests.adapters.discord_harness import text as discord_text
from tests.adapters.slack_harness import running_slack, shown
from tests.conftest import FIXTURE_BANK
from tests.security.leaks import DISCORD_TOKEN, SLACK_APP_TOKEN, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer


class StrictDiscord(DiscordTestServer):
    """The Discord test server, refusing any bot token but DISCORD_TOKEN (401, as Discord does)."""

    async def _dispatch_request(self, request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization")
        if auth is not None and auth != f"Bot {DISCORD_TOKEN}":
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        return await super()._dispatch_request(request)


class StrictSlack(SlackTestServer):
    """The Slack test server, answering invalid_auth to any token but the configured ones."""

    async def _handle_api(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        if token and token not in (SLACK_BOT_TOKEN, SLACK_APP_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return await super()._handle_api(request)


def discord_settings(server: DiscordTestServer, db: Path, token: str = DISCORD_TOKEN) -> Settings:
    return Settings.from_env(
        {
            "QUIZBOT_DB": str(db),
            "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
            "DISCORD_TOKEN": token,
            "QUIZBOT_DISCORD_API_URL": server.api_base,
            "QUIZBOT_DISCORD_GATEWAY_URL": server.gateway_url,
        }
    )


def slack_settings(
    server: SlackTestServer,
    db: Path,
    *,
    http: bool = False,
    bot: str = SLACK_BOT_TOKEN,
    app: str = SLACK_APP_TOKEN,
) -> Settings:
    env = {
        "QUIZBOT_DB": str(db),
        "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
        "SLACK_BOT_TOKEN": bot,
        "QUIZBOT_SLACK_API_URL": server.api_url,
    }
    if http:
        env["SLACK_SIGNING_SECRET"] = SLACK_SIGNING_SECRET
    else:
        env["SLACK_APP_TOKEN"] = app
    return Settings.from_env(env)


def discord_bot(server: DiscordTestServer, db: Path) -> AbstractAsyncContextManager[DiscordBot]:
    return running_bot(server, db, discord_settings(server, db))


def slack_bot(
    server: SlackTestServer, db: Path, *, http: bool = False
) -> AbstractAsyncContextManager[SlackBot]:
    return running_slack(server, db, http=http, settings=slack_settings(server, db, http=http))


def shown_discord(bodies: Iterable[dict[str, Any]]) -> str:
    """What a user reads, embed footers included."""
    bodies = list(bodies)
    embeds = [e for body in bodies for e in ((body.get("data", body) or {}).get("embeds") or [])]
    return "\n".join([discord_text(bodies), *((e.get("footer") or {}).get("text") or "" for e in embeds)])


shown_slack = shown


async def discord_command(
    server: DiscordTestServer, name: str, options: Any = None, *, count: int = 1, **kw: Any
) -> str:
    iid = await server.interact(name, options, **kw)
    return shown_discord(await server.wait_for_response(iid, count=count))


async def slack_command(
    server: SlackTestServer, text: str, *, user: str = "U1", command: str = "/quiz"
) -> str:
    before = len(server.responses)
    envelope = await server.slash(command, text, user_id=user)
    await server.wait_for_ack(envelope)
    return shown_slack((await server.wait_for_responses(before + 1))[before])
