"""The fake Discord's world and wire format: API constants, permission bits, the guilds it serves
(FakeGuild and friends), Discord's error and the small JSON helpers every part of the server shares.

See tests/servers/discord.py for the server itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

NONCE_WINDOW_S = 300  # Discord checks an enforced nonce against "the past few minutes"
API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions)
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
USE_APPLICATION_COMMANDS = 1 << 31
EVERYONE_PERMISSIONS = (
    ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | USE_APPLICATION_COMMANDS
)

_CUSTOM_EMOJI = re.compile(r"^<?:?(?:a:)?(?P<name>[\w~-]+):(?P<id>\d+)>?$")
_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


# --------------------------------------------------------------------------- world description


@dataclass
class FakeChannel:
    id: int
    name: str
    type: int = 0  # 0 = text
    position: int = 0
    topic: str | None = None


@dataclass
class FakeRole:
    id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    mentionable: bool = False


@dataclass
class FakeGuild:
    id: int
    name: str
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)  # include @everyone (id == guild id)
    owner_id: int = 4000
    members: dict[int, list[int]] = field(default_factory=dict)  # user id -> role ids (besides @everyone)
    bot_roles: list[int] = field(default_factory=list)  # role ids the bot's member has


def default_guild() -> FakeGuild:
    """Guild 2000 "Study Group": #quiz (3000), #general (3001), @everyone (2000), "Red Team" (2100), owner 4000."""
    return guild_on_shard(0, 1)


def shard_of(guild_id: int, count: int) -> int:
    """The shard of `count` that gets a guild's events: Discord's rule, (guild_id >> 22) % count."""
    return (guild_id >> 22) % count


def guild_on_shard(shard: int, count: int) -> FakeGuild:
    """A guild like ``default_guild`` that lands on `shard` of `count` (shard 0: the default guild itself).

    Its id is 2000 with `shard` in the snowflake's time part (so also on `shard` under any larger count); its
    channels #quiz and #general are 3000 and 3001 plus 100 * shard, its "Red Team" role 2100 plus 100 * shard.
    """
    guild_id = (shard << 22) | 2000
    assert shard_of(guild_id, count) == shard, (shard, count)
    step = 100 * shard
    return FakeGuild(
        id=guild_id,
        name="Study Group" if shard == 0 else f"Study Group {shard}",
        channels=[
            FakeChannel(3000 + step, "quiz", position=0),
            FakeChannel(3001 + step, "general", position=1),
        ],
        roles=[
            FakeRole(guild_id, "@everyone", permissions=EVERYONE_PERMISSIONS, position=0),
            FakeRole(2100 + step, "Red Team", position=1, color=0xE74C3C, mentionable=True),
        ],
        owner_id=4000,
        members={4000: []},
    )


class DiscordHTTPError(Exception):
    def __init__(
        self, status: int, message: str, code: int = 0, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.errors = status, message, code, errors


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py only decodes bodies whose Content-Type is exactly "application/json" (no charset).
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def _emoji_key(emoji: str) -> str:
    """The reactions-store key: unicode emoji as-is, custom emoji as "name:id"."""
    m = _CUSTOM_EMOJI.match(emoji.strip())
    return f"{m['name']}:{m['id']}" if m else emoji


def _emoji_payload(key: str) -> dict[str, Any]:
    m = _CUSTOM_EMOJI.match(key)
    if m:
        return {"id": m["id"], "name": m["name"], "animated": False}
    return {"id": None, "name": key}


def _public(msg: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in msg.items() if k != "allowed_mentions"}
