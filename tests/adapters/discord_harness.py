"""Start the real quizbot Discord bot against the loopback Discord test server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.adapters.discord.run import DiscordBot
from bot.settings import Settings
from tests.conftest import FIXTURE_BANK
from tests.servers.discord import DiscordTestServer

GUILD, QUIZ_CHANNEL, OWNER = 2000, 3000, 4000
MANAGE_GUILD = str(1 << 5)


def settings_for(server: DiscordTestServer, db: Path | str) -> Settings:
    return Settings.from_env(
        {
            "QUIZBOT_DB": str(db),
            "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
            "DISCORD_TOKEN": "test-token-not-secret",
            "QUIZBOT_DISCORD_API_URL": server.api_base,
            "QUIZBOT_DISCORD_GATEWAY_URL": server.gateway_url,
        }
    )


@contextlib.asynccontextmanager
async def running_bot(
    server: DiscordTestServer, db: Path | str, settings: Settings | None = None
) -> AsyncIterator[DiscordBot]:
    bot = DiscordBot(settings or settings_for(server, db), guild_ready_timeout=0.1)
    task = asyncio.create_task(bot.run())
    try:
        await asyncio.wait_for(bot.ready.wait(), 10)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)


def sub(subcommand: str, /, **values: object) -> list[dict[str, object]]:
    """Raw options for a subcommand with string/int/bool values."""
    kinds = {str: 3, int: 4, bool: 5}
    opts = [{"type": kinds[type(v)], "name": k, "value": v} for k, v in values.items()]
    return [{"type": 1, "name": subcommand, "options": opts}]


def text(bodies: list[dict[str, Any]]) -> str:
    """Everything a user would read in a set of interaction response bodies."""
    out = []
    for body in bodies:
        data = body.get("data", body) or {}
        out.append(data.get("content") or "")
        for embed in data.get("embeds") or []:
            out += [embed.get("title") or "", embed.get("description") or ""]
            out += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    return "\n".join(out)
