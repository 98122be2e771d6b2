"""A fake Discord (REST API v10 + gateway v10) on loopback, for running the real discord.py client in tests.

It speaks just enough of Discord for discord.py 2.7: login, the gateway handshake (HELLO, IDENTIFY, READY,
GUILD_CREATE, heartbeats, RESUME with replay, INVALID_SESSION), messages, reactions (with paginated
reaction users), application commands, interactions and their webhooks (callbacks, @original, followups),
429s that discord.py retries, message nonces (``enforce_nonce`` returns the earlier message instead of a second
one, as Discord does), and scripted failures: before the request takes effect (``fail_next``), after it took
effect (``fail_after_next``: a lost reply) or a dropped connection (``drop_next``). Tests drive the client through it (``add_reaction``,
``interact``, ``drop_connection``...) and inspect what the client did (``messages``, ``reactions``,
``interaction_responses``, ``registered_commands``, ``requests``).

Usage::

    server = DiscordTestServer()
    await server.start()
    server.patch_client_urls(monkeypatch)  # discord.http.Route.BASE and DiscordWebSocket.DEFAULT_GATEWAY
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)
    ...
    await client.close()
    await server.stop()

Only 127.0.0.1 is ever bound. Nothing here imports discord.py except ``patch_client_urls``.

``DiscordTestServer`` is built in layers, one file each: the world and wire format (discord_model.py:
FakeGuild, FakeChannel, FakeRole, Discord's errors), its JSON (discord_payloads.py, discord_messages.py),
the state (discord_state.py), the gateway sessions and dispatch (discord_gateway.py), interactions and their webhooks (discord_interactions.py), the
REST handlers (discord_rest.py), direct messages (discord_dms.py) and the HTTP front door with the scripted failures (discord_http.py). This
file holds the route table, start/stop, the inspection helpers and what tests do as users.
"""

from __future__ import annotations

import asyncio
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from tests.servers.discord_dms import DiscordDMs
from tests.servers.discord_http import DiscordHTTP, _path_matches
from tests.servers.discord_model import (
    API_PREFIX,
    FakeChannel,
    FakeGuild,
    FakeRole,
    default_guild,
    guild_on_shard,
    shard_of,
)

# re-exported for bench/discord_load.py
from tests.servers.discord_model import _emoji_key as _emoji_key
from tests.servers.discord_model import _emoji_payload as _emoji_payload


class DiscordTestServer(DiscordDMs, DiscordHTTP):
    """A fake Discord for discord.py 2.7 on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        application_id: int = 1000,
        bot_id: int = 1001,
        guilds: list[FakeGuild] | None = None,
        bot_name: str = "quizbot",
        shard_count: int = 1,
    ) -> None:
        super().__init__(
            application_id=application_id,
            bot_id=bot_id,
            guilds=guilds,
            bot_name=bot_name,
            shard_count=shard_count,
        )
        self._routes = []
        r = self._route
        r("GET", "/gateway", self._get_gateway)
        r("GET", "/gateway/bot", self._get_gateway_bot)
        r("GET", "/users/@me", self._get_me)
        r("GET", "/users/{user_id}", self._get_user)
        r("POST", "/users/@me/channels", self._open_dm)
        r("GET", "/applications/@me", self._get_application)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/applications/{app_id}/commands", self._get_commands)
        r("PUT", "/applications/{app_id}/commands", self._put_commands)
        r("GET", "/applications/{app_id}/guilds/{guild_id}/commands", self._get_commands)
        r("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", self._put_commands)
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("GET", "/channels/{channel_id}/messages", self._get_messages)
        r("POST", "/channels/{channel_id}/messages", self._post_message)
        r("POST", "/channels/{channel_id}/typing", self._typing)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions", self._clear_reactions)
        r("GET", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", self._get_reaction_users)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}", self._clear_emoji)
        r("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user}", self._put_reaction)
        r(
            "DELETE",
            "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/{user}",
            self._delete_reaction,
        )
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        r("GET", "/guilds/{guild_id}/roles", self._get_guild_roles)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        r("POST", "/interactions/{interaction_id}/{token}/callback", self._interaction_callback)
        r("POST", "/webhooks/{app_id}/{token}", self._followup)
        r("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._get_webhook_message)
        r("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._patch_webhook_message)
        r("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._delete_webhook_message)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=256 * 1024**2)
        self.add_routes(app)
        app.router.add_route("*", "/{tail:.*}", self._dispatch_request)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.api_base = f"http://127.0.0.1:{self.port}{API_PREFIX}"
        self.gateway_url = f"ws://127.0.0.1:{self.port}/gateway"

    def add_routes(self, app: web.Application) -> None:
        """Routes of a subclass, matched before Discord's API (none here)."""

    async def stop(self) -> None:
        for conn in list(self._conns):
            conn.dropped = True
            conn.session = None
            if not conn.ws.closed:
                await conn.ws.close(code=1001, message=b"server stopping")
        self._sessions.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordTestServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def patch_client_urls(self, monkeypatch: Any) -> None:
        """Point discord.py's REST base and default gateway at this server (pytest's monkeypatch undoes it)."""
        import yarl

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
            import discord.gateway
            import discord.http

        monkeypatch.setattr(discord.http.Route, "BASE", self.api_base)
        monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url))

    # ------------------------------------------------------------------ inspection helpers

    def interaction_message(self, interaction_id: int) -> dict[str, Any] | None:
        """The interaction's original response message (public or ephemeral), if any."""
        mid = self._interactions.get(interaction_id, {}).get("original_message_id")
        return None if mid is None else self._find_message(mid)

    async def wait_for_messages(
        self,
        channel_id: int,
        count: int,
        timeout: float = 5,  # noqa: ASYNC109 (public interface)
    ) -> list[dict[str, Any]]:
        await self._wait(
            lambda: len(self.channel_messages(channel_id)) >= count,
            timeout,
            lambda: f"{count} messages in channel {channel_id}; have {self.channel_messages(channel_id)}",
        )
        return self.channel_messages(channel_id)

    async def wait_for_response(
        self,
        interaction_id: int,
        count: int = 1,
        timeout: float = 5,  # noqa: ASYNC109 (public interface)
    ) -> list[dict[str, Any]]:
        await self._wait(
            lambda: len(self.interaction_responses.get(interaction_id, [])) >= count,
            timeout,
            lambda: (
                f"{count} responses to interaction {interaction_id}; "
                f"have {self.interaction_responses.get(interaction_id, [])}"
            ),
        )
        return list(self.interaction_responses[interaction_id])

    async def wait_for_reactions(
        self,
        message_id: int,
        emoji: str,
        count: int,
        timeout: float = 5,  # noqa: ASYNC109 (public interface)
    ) -> list[int]:
        key = _emoji_key(emoji)
        await self._wait(
            lambda: len(self.reactions.get(message_id, {}).get(key, [])) >= count,
            timeout,
            lambda: f"{count} {key} reactions on {message_id}; have {self.reactions.get(message_id)}",
        )
        return list(self.reactions[message_id][key])

    async def wait_connected(self, timeout: float = 5) -> None:  # noqa: ASYNC109 (public interface)
        await self._wait(
            lambda: any(s.ready and s.conn is not None for s in self._sessions.values()),
            timeout,
            lambda: "a gateway session to be READY/RESUMED",
        )

    def connected_shards(self) -> list[tuple[int, int] | None]:
        """The shard ([id, count], None when unsharded) of each session READY and connected now, sorted."""
        found = [s.shard for s in self._sessions.values() if s.ready and s.conn is not None]
        return sorted(found, key=lambda shard: (-1, 0) if shard is None else shard)

    async def wait_for_shards(self, *ids: int, count: int, timeout: float = 5) -> None:  # noqa: ASYNC109 (public interface)
        """Until a session of each shard id of `count` is READY and connected."""
        await self._wait(
            lambda: {(i, count) for i in ids} <= set(self.connected_shards()),
            timeout,
            lambda: f"shards {list(ids)} of {count} connected; have {self.connected_shards()}",
        )

    async def wait_for_request(self, method: str, path_regex: str, timeout: float = 5) -> None:  # noqa: ASYNC109 (public interface)
        pattern = re.compile(path_regex)
        await self._wait(
            lambda: any(m == method.upper() and _path_matches(pattern, p) for m, p in self.requests),
            timeout,
            lambda: f"a {method} {path_regex} request; have {self.requests}",
        )

    async def _wait(self, pred: Callable[[], bool], seconds: float, what: Callable[[], str]) -> None:
        try:
            async with asyncio.timeout(seconds), self._changed:
                await self._changed.wait_for(pred)
        except TimeoutError:
            raise TimeoutError(f"timed out after {seconds}s waiting for {what()}") from None

    # ------------------------------------------------------------------ driving the client

    async def add_reactions(self, channel_id: int, reactions: Sequence[tuple[int, int, str]]) -> None:
        """Store and dispatch many (message id, user id, emoji) reactions by plain members; notify once."""
        for message_id, user_id, emoji in reactions:
            self._remember_user(user_id, None)
            key = _emoji_key(emoji)
            if self._store_reaction(message_id, key, user_id):
                await self._dispatch_reaction("MESSAGE_REACTION_ADD", channel_id, message_id, user_id, key)
        await self._notify()

    async def add_reaction(
        self,
        channel_id: int,
        message_id: int,
        user_id: int,
        emoji: str,
        *,
        bot: bool = False,
        name: str | None = None,
        roles: Sequence[int] = (),
    ) -> None:
        """A user reacts: stored in ``reactions`` and MESSAGE_REACTION_ADD dispatched (with guild_id and member)."""
        self._remember_user(user_id, name, bot=bot)
        guild = self._guild_of_channel(channel_id)
        if guild is not None and (roles or (guild.id, user_id) not in self._member_roles):
            self._member_roles[(guild.id, user_id)] = list(roles)
        key = _emoji_key(emoji)
        if self._store_reaction(message_id, key, user_id):
            await self._dispatch_reaction("MESSAGE_REACTION_ADD", channel_id, message_id, user_id, key)
        await self._notify()

    async def remove_reaction(self, channel_id: int, message_id: int, user_id: int, emoji: str) -> None:
        key = _emoji_key(emoji)
        if self._unstore_reaction(message_id, key, user_id):
            await self._dispatch_reaction("MESSAGE_REACTION_REMOVE", channel_id, message_id, user_id, key)
        await self._notify()

    def add_reaction_silently(
        self, channel_id: int, message_id: int, user_id: int, emoji: str, *, name: str | None = None
    ) -> None:
        """Store a reaction without any gateway event (as if added while the bot was offline)."""
        self._remember_user(user_id, name)
        self._store_reaction(message_id, _emoji_key(emoji), user_id)

    def remove_reaction_silently(self, channel_id: int, message_id: int, user_id: int, emoji: str) -> None:
        self._unstore_reaction(message_id, _emoji_key(emoji), user_id)

    async def post_message(
        self,
        channel_id: int,
        content: str,
        *,
        user_id: int = 4001,
        username: str = "ann",
        roles: Sequence[int] = (),
    ) -> dict[str, Any]:
        """A user posts a message: stored and MESSAGE_CREATE dispatched."""
        self._remember_user(user_id, username)
        guild = self._require_channel(channel_id)
        self._member_roles.setdefault((guild.id, user_id), list(roles))
        msg = self._new_message(channel_id, {"content": content}, author_id=user_id)
        self.messages[int(msg["id"])] = msg
        await self._dispatch_message("MESSAGE_CREATE", msg)
        await self._notify()
        return msg


__all__ = [
    "DiscordTestServer",
    "FakeChannel",
    "FakeGuild",
    "FakeRole",
    "default_guild",
    "guild_on_shard",
    "shard_of",
]
