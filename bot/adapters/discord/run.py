"""`quizbot run --platform discord`: point discord.py at Discord (or a test server), wire, and run."""

from __future__ import annotations

import asyncio
import logging
import signal

import discord
import yarl

from ...app import assemble
from ...core.errors import QuizError
from ...settings import Settings
from .chat import DiscordChat
from .client import QuizClient
from .commands import build

log = logging.getLogger(__name__)


def point_at(api_url: str | None, gateway_url: str | None) -> None:
    """Send REST and gateway traffic to a proxy or test server instead of Discord's own."""
    if api_url:
        discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


async def run_discord(settings: Settings, *, guild_ready_timeout: float = 2.0) -> int:
    """Run until the client closes (SIGINT/SIGTERM close it cleanly)."""
    if settings.discord_token is None:
        raise QuizError("DISCORD_TOKEN is not set; create a bot token (README 'Discord') and export it")
    point_at(settings.discord_api_url, settings.discord_gateway_url)
    client = QuizClient(guild_ready_timeout=guild_ready_timeout)
    async with assemble(settings, DiscordChat(client), "discord") as app:
        client.service = app.service

        async def first_ready() -> None:
            await app.start()
            synced = await client.tree.sync()
            log.info("slash commands synced: %d", len(synced))

        async def roles(guild: str, channel: str, role_ids: list[str], player: str, name: str) -> None:
            record = await app.service.channel(guild, channel)
            await app.admin.sync_role_member(record, role_ids, player, name)

        client.on_first_ready = first_ready
        client.on_roles = roles
        build(client.tree, app)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(client.close()))
        try:
            async with client:
                await client.start(settings.discord_token.get_secret_value())
        except discord.LoginFailure:
            raise QuizError(
                "Discord refused the token (DISCORD_TOKEN); check it in the Developer Portal"
            ) from None
    return 0
