"""Over the Discord test server: a refused /team bind-role leaves no team behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.adapters.discord_harness import MANAGE_GUILD, running_bot, sub, text
from tests.adapters.test_discord_e2e import command
from tests.servers.discord import DiscordTestServer


def _bind(name: str, role: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    option = [
        {
            "type": 1,
            "name": "bind-role",
            "options": [
                {"type": 3, "name": "name", "value": name},
                {"type": 8, "name": "role", "value": role},
            ],
        }
    ]
    info = {"id": role, "name": "Red Team", "permissions": "0", "position": 1, "color": 0}
    info |= {"hoist": False, "managed": False, "mentionable": True, "flags": 0}
    return option, {"roles": {role: info}}


async def test_discord_refused_bind_role_creates_no_team(server: DiscordTestServer, tmp_path: Path) -> None:
    async with running_bot(server, tmp_path / "db.sqlite3"):
        option, resolved = _bind("Reds", "2100")
        await command(server, "team", option, resolved=resolved, permissions=MANAGE_GUILD)
        option, resolved = _bind("Blues", "2100")
        refused = await command(server, "team", option, resolved=resolved, permissions=MANAGE_GUILD)
        assert "Reds" in text(refused) and "is now team" not in text(refused)
        listed = text(await command(server, "team", sub("list")))
        assert "Reds" in listed and "Blues" not in listed
