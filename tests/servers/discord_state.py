"""The fake Discord's state: users, members, messages, reactions, interactions, sessions, scripted rules.

``DiscordState`` is the state layer of ``DiscordTestServer`` (tests/servers/discord.py): it holds everything
the other layers read and change. Its Discord JSON is built by the layers below it: ``DiscordPayloads``
(discord_payloads.py: users, members, roles, channels, guilds) and ``DiscordMessages`` (discord_messages.py:
messages with their reactions, checked as Discord does).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.servers.discord_messages import DiscordMessages
from tests.servers.discord_model import (
    NONCE_WINDOW_S,
    FakeGuild,
    default_guild,
)

if TYPE_CHECKING:
    from tests.servers.discord_gateway import _Conn, _Session
    from tests.servers.discord_http import _Rule


class DiscordState(DiscordMessages):
    """What the fake Discord holds (its Discord JSON is built by the layers it extends)."""

    def __init__(
        self,
        *,
        application_id: int,
        bot_id: int,
        guilds: list[FakeGuild] | None,
        bot_name: str,
        shard_count: int = 1,
    ) -> None:
        self.application_id = application_id
        self.bot_id = bot_id
        self.guilds: list[FakeGuild] = guilds if guilds is not None else [default_guild()]
        # What GET /gateway/bot recommends (discord.py's AutoShardedClient asks when given no count); with
        # sharding_required an IDENTIFY without "shard" is closed with 4011, as Discord does for a big bot.
        self.shard_count = shard_count
        self.sharding_required = False
        self.api_base = ""
        self.gateway_url = ""
        self.port = 0

        # --- state the tests inspect
        self.messages: dict[int, dict[str, Any]] = {}
        self.deleted_messages: dict[int, dict[str, Any]] = {}
        self.ephemeral_messages: dict[int, dict[str, Any]] = {}
        self.reactions: dict[int, dict[str, list[int]]] = {}
        self.interaction_responses: dict[int, list[dict[str, Any]]] = {}
        self.uploads: dict[str, bytes] = {}  # attachment id -> the bytes uploaded with it (multipart)
        self.registered_commands: dict[int | None, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.request_log: list[dict[str, Any]] = []  # method, path, query, json body
        self.identify_payloads: list[dict[str, Any]] = []
        self.identify_count = 0
        self.shard_identifies: list[tuple[int, int]] = []  # (id, count) of each IDENTIFY that named a shard
        self.resume_count = 0
        self.replayed: list[str] = []  # event names re-sent after RESUME, in order
        self.nonce_hits = 0  # creates answered with an earlier message because of enforce_nonce
        self.nonce_window_s: float = NONCE_WINDOW_S  # a test may shorten it: a restart after Discord forgot

        # --- internals
        self.users: dict[int, dict[str, Any]] = {}
        self._member_roles: dict[tuple[int, int], list[int]] = {}
        self._interactions: dict[int, dict[str, Any]] = {}
        self._tokens: dict[str, int] = {}
        self._rules: list[_Rule] = []
        self._sessions: dict[str, _Session] = {}
        self._conns: set[_Conn] = set()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._last_snowflake = 0

        self._remember_user(bot_id, bot_name, bot=True)
        for g in self.guilds:
            for uid, roles in g.members.items():
                self._member_roles[(g.id, uid)] = list(roles)
                self._remember_user(uid, None)
            self._member_roles[(g.id, bot_id)] = list(g.bot_roles)

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for mid, m in sorted(self.messages.items()) if int(m["channel_id"]) == channel_id]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
