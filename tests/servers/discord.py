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
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, WSMsgType, web

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
NONCE_WINDOW_S = 300  # Discord checks an enforced nonce against "the past few minutes"

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

# Gateway intents that gate dispatch events (others are delivered regardless).
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_MESSAGE_REACTIONS = 1 << 10
INTENT_MESSAGE_CONTENT = 1 << 15
_EVENT_INTENTS = {
    "MESSAGE_CREATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_UPDATE": INTENT_GUILD_MESSAGES,
    "MESSAGE_DELETE": INTENT_GUILD_MESSAGES,
    "MESSAGE_REACTION_ADD": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_ALL": INTENT_GUILD_MESSAGE_REACTIONS,
    "MESSAGE_REACTION_REMOVE_EMOJI": INTENT_GUILD_MESSAGE_REACTIONS,
    "GUILD_MEMBER_ADD": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_GUILD_MEMBERS,
}

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
    return FakeGuild(
        id=2000,
        name="Study Group",
        channels=[FakeChannel(3000, "quiz", position=0), FakeChannel(3001, "general", position=1)],
        roles=[
            FakeRole(2000, "@everyone", permissions=EVERYONE_PERMISSIONS, position=0),
            FakeRole(2100, "Red Team", position=1, color=0xE74C3C, mentionable=True),
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


@dataclass
class _Rule:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    retry_after: float = 0.0
    code: int = 0
    message: str = ""
    after: bool = False  # fail once the request has taken effect (the reply is lost, not the request)
    drop: bool = False  # close the connection instead of answering


@dataclass(eq=False)
class _Conn:
    ws: web.WebSocketResponse
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: _Session | None = None
    dropped: bool = False

    async def send_text(self, text: str) -> bool:
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
            return True


@dataclass(eq=False)
class _Session:
    id: str
    intents: int | None
    seq: int = 0
    buffer: list[tuple[int, str]] = field(default_factory=list)
    conn: _Conn | None = None
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def wants(self, event: str) -> bool:
        bit = _EVENT_INTENTS.get(event)
        return self.intents is None or bit is None or bool(self.intents & bit)


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


Handler = Callable[[web.Request, dict[str, str], Any], Awaitable[web.StreamResponse]]


class DiscordTestServer:
    """A fake Discord for discord.py 2.7 on 127.0.0.1 (see the module docstring)."""

    heartbeat_interval_ms = 41250

    def __init__(
        self,
        *,
        application_id: int = 1000,
        bot_id: int = 1001,
        guilds: list[FakeGuild] | None = None,
        bot_name: str = "quizbot",
    ) -> None:
        self.application_id = application_id
        self.bot_id = bot_id
        self.guilds: list[FakeGuild] = guilds if guilds is not None else [default_guild()]
        self.api_base = ""
        self.gateway_url = ""
        self.port = 0

        # --- state the tests inspect
        self.messages: dict[int, dict[str, Any]] = {}
        self.deleted_messages: dict[int, dict[str, Any]] = {}
        self.ephemeral_messages: dict[int, dict[str, Any]] = {}
        self.reactions: dict[int, dict[str, list[int]]] = {}
        self.interaction_responses: dict[int, list[dict[str, Any]]] = {}
        self.registered_commands: dict[int | None, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self.request_log: list[dict[str, Any]] = []  # method, path, query, json body
        self.identify_payloads: list[dict[str, Any]] = []
        self.identify_count = 0
        self.resume_count = 0
        self.replayed: list[str] = []  # event names re-sent after RESUME, in order
        self.nonce_hits = 0  # creates answered with an earlier message because of enforce_nonce

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
        self._seq = itertools.count()
        self._last_snowflake = 0

        self._remember_user(bot_id, bot_name, bot=True)
        for g in self.guilds:
            for uid, roles in g.members.items():
                self._member_roles[(g.id, uid)] = list(roles)
                self._remember_user(uid, None)
            self._member_roles[(g.id, bot_id)] = list(g.bot_roles)

        self._routes: list[tuple[str, list[str], Handler]] = []
        r = self._route
        r("GET", "/gateway", self._get_gateway)
        r("GET", "/gateway/bot", self._get_gateway_bot)
        r("GET", "/users/@me", self._get_me)
        r("GET", "/users/{user_id}", self._get_user)
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

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for mid, m in sorted(self.messages.items()) if int(m["channel_id"]) == channel_id]

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

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ scripted failures

    def rate_limit_next(self, method: str, path_regex: str, retry_after: float = 0.05) -> None:
        """The next matching request answers 429 like Discord (Via header, retry_after), so discord.py retries.

        path_regex is full-matched against the path below /api/v10 (e.g. r"/channels/3000/messages").
        """
        self._rules.append(_Rule(method.upper(), re.compile(path_regex), 429, 1, retry_after=retry_after))

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 500,
        times: int = 1,
        *,
        code: int = 0,
        message: str | None = None,
    ) -> None:
        """The next ``times`` matching requests fail with ``status`` and a Discord error body.

        discord.py retries 500/502/504/524 up to 5 times, sleeping 1, 3, 5, 7, 9 s; any other 5xx (e.g. 503)
        raises DiscordServerError at once, 403 Forbidden, 404 NotFound, other 4xx HTTPException.
        """
        text = message or {403: "Missing Permissions", 404: "Unknown Message"}.get(status, f"{status}: Error")
        self._rules.append(
            _Rule(method.upper(), re.compile(path_regex), status, times, code=code, message=text)
        )

    def fail_after_next(
        self, method: str, path_regex: str, status: int = 500, times: int = 1, *, message: str | None = None
    ) -> None:
        """The next ``times`` matching requests take effect (a message is created) but answer ``status``.

        A reply lost after the fact: a client that retries without a nonce creates the message twice.
        """
        text = message or f"{status}: Error"
        self._rules.append(
            _Rule(method.upper(), re.compile(path_regex), status, times, message=text, after=True)
        )

    def drop_next(self, method: str, path_regex: str, times: int = 1, *, after: bool = False) -> None:
        """The next ``times`` matching requests get no reply: the connection is closed.

        With ``after`` the request takes effect first (the client cannot tell which happened).
        """
        self._rules.append(_Rule(method.upper(), re.compile(path_regex), 0, times, after=after, drop=True))

    async def add_reactions(self, channel_id: int, reactions: Sequence[tuple[int, int, str]]) -> None:
        """Store and dispatch many (message id, user id, emoji) reactions by plain members; notify once."""
        for message_id, user_id, emoji in reactions:
            self._remember_user(user_id, None)
            key = _emoji_key(emoji)
            if self._store_reaction(message_id, key, user_id):
                await self._dispatch_reaction("MESSAGE_REACTION_ADD", channel_id, message_id, user_id, key)
        await self._notify()

    # ------------------------------------------------------------------ driving the client

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

    async def interact(
        self,
        name: str,
        options: list[dict[str, Any]] | None = None,
        *,
        user_id: int = 4001,
        username: str = "ann",
        guild_id: int = 2000,
        channel_id: int = 3000,
        permissions: str = "0",
        roles: Sequence[int] = (),
        type: int = 2,
        resolved: dict[str, Any] | None = None,
    ) -> int:
        """Dispatch INTERACTION_CREATE for slash command ``name`` (type 2; type 4 = autocomplete).

        ``options`` are raw Discord option dicts (subcommand groups/subcommands nest via "options"; mark the
        autocompleted option with "focused": True). ``data.guild_id`` is set when ``name`` was registered for
        ``guild_id``, as Discord does for guild commands. Returns the interaction id.
        """
        command = next((c for c in self.registered_commands.get(guild_id, []) if c["name"] == name), None)
        data: dict[str, Any] = {"name": name, "type": 1, "options": list(options or [])}
        if command is not None:
            data["id"] = command["id"]
            data["guild_id"] = str(guild_id)
        else:
            command = next((c for c in self.registered_commands.get(None, []) if c["name"] == name), None)
            data["id"] = command["id"] if command else str(self._snowflake())
        if resolved:
            data["resolved"] = resolved
        return await self._create_interaction(
            type,
            data,
            user_id=user_id,
            username=username,
            guild_id=guild_id,
            channel_id=channel_id,
            permissions=permissions,
            roles=roles,
        )

    async def click(
        self,
        channel_id: int,
        message_id: int,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        user_id: int = 4001,
        username: str = "ann",
        guild_id: int = 2000,
        permissions: str = "0",
        roles: Sequence[int] = (),
    ) -> int:
        """Dispatch a component interaction (type 3: button 2, string select 3) on a stored message."""
        message = self._find_message(message_id)
        if message is None:
            raise KeyError(f"no message {message_id}")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self._create_interaction(
            3,
            data,
            user_id=user_id,
            username=username,
            guild_id=guild_id,
            channel_id=channel_id,
            permissions=permissions,
            roles=roles,
            message=message,
        )

    async def drop_connection(self, *, resumable: bool = True, code: int = 4000) -> None:
        """Close every gateway socket (code 4000, so discord.py RESUMEs).

        With ``resumable`` the sessions keep collecting events and replay them after RESUME; otherwise the
        sessions are forgotten and a RESUME gets INVALID_SESSION (the client then IDENTIFYs again).
        """
        conns = [c for c in self._conns if not c.ws.closed]
        if not conns:
            raise RuntimeError("no gateway connection to drop")
        for conn in conns:
            session = conn.session
            conn.dropped = True
            conn.session = None
            if session is not None:
                async with session.lock:
                    if session.conn is conn:
                        session.conn = None
                    if not resumable:
                        self._sessions.pop(session.id, None)
            await conn.ws.close(code=code, message=b"dropped by test")
        await self._notify()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an arbitrary dispatch event to every session (connected now, or buffered for RESUME)."""
        for session in list(self._sessions.values()):
            if not session.wants(event):
                continue
            async with session.lock:
                await self._emit(session, event, self._for_session(session, event, data))

    # ------------------------------------------------------------------ payload builders

    def _snowflake(self) -> int:
        value = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_snowflake = max(value, self._last_snowflake + 1)
        return self._last_snowflake

    def _remember_user(self, user_id: int, name: str | None, *, bot: bool = False) -> None:
        """Register a user; ``name`` becomes both username and global (display) name."""
        existing = self.users.get(user_id)
        if existing is not None and name is None and not bot:
            return
        self.users[user_id] = {
            "id": str(user_id),
            "username": name or f"user{user_id}",
            "global_name": None if bot or name is None else name,
            "discriminator": "0",
            "avatar": None,
            "bot": bot or bool(existing and existing.get("bot")),
            "public_flags": 0,
        }

    def _user(self, user_id: int) -> dict[str, Any]:
        if user_id not in self.users:
            self._remember_user(user_id, None)
        return dict(self.users[user_id])

    def _bot_user(self) -> dict[str, Any]:
        return {**self._user(self.bot_id), "bot": True, "verified": True, "mfa_enabled": False, "flags": 0}

    def _guild(self, guild_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def _guild_of_channel(self, channel_id: int) -> FakeGuild | None:
        return next((g for g in self.guilds if any(c.id == channel_id for c in g.channels)), None)

    def _require_channel(self, channel_id: int) -> FakeGuild:
        guild = self._guild_of_channel(channel_id)
        if guild is None:
            raise DiscordHTTPError(404, "Unknown Channel", 10003)
        return guild

    def _channel_payload(self, guild: FakeGuild, channel: FakeChannel) -> dict[str, Any]:
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(guild.id),
            "name": channel.name,
            "position": channel.position,
            "topic": channel.topic,
            "nsfw": False,
            "parent_id": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "permission_overwrites": [],
            "flags": 0,
        }

    def _role_payload(self, role: FakeRole) -> dict[str, Any]:
        return {
            "id": str(role.id),
            "name": role.name,
            "permissions": str(role.permissions),
            "position": role.position,
            "color": role.color,
            "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": role.mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }

    def _member_payload(self, guild_id: int, user_id: int, *, with_user: bool = True) -> dict[str, Any]:
        member: dict[str, Any] = {
            "roles": [str(r) for r in self._member_roles.get((guild_id, user_id), [])],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "banner": None,
            "communication_disabled_until": None,
        }
        if with_user:
            member["user"] = self._user(user_id)
        return member

    def _member_ids(self, guild: FakeGuild) -> list[int]:
        return sorted({uid for gid, uid in self._member_roles if gid == guild.id})

    def _permissions_of(self, guild: FakeGuild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return (1 << 53) - 1
        held = {guild.id, *self._member_roles.get((guild.id, user_id), [])}
        total = 0
        for role in guild.roles:
            if role.id in held:
                total |= role.permissions
        return total

    def _guild_payload(self, guild: FakeGuild) -> dict[str, Any]:
        members = self._member_ids(guild)
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "region": "us-east",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "application_id": None,
            "vanity_url_code": None,
            "features": [],
            "roles": [self._role_payload(r) for r in guild.roles],
            "emojis": [],
            "stickers": [],
            "channels": [self._channel_payload(guild, c) for c in guild.channels],
            "threads": [],
            "members": [self._member_payload(guild.id, uid) for uid in members],
            "member_count": len(members),
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "large": False,
            "unavailable": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "max_members": 500000,
            "max_video_channel_users": 25,
        }

    def _ready_payload(self, session: _Session) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self._bot_user(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["us-east"],
            "user_settings": {},
            "_trace": ["fake-discord"],
        }

    def _application_payload(self) -> dict[str, Any]:
        guild = self.guilds[0] if self.guilds else None
        return {
            "id": str(self.application_id),
            "name": self._user(self.bot_id)["username"],
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self._user(guild.owner_id if guild else 4000),
            "team": None,
            "verify_key": "0" * 64,
            "flags": 0,
            "bot": self._bot_user(),
            "hook": True,
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "tags": [],
            "approximate_guild_count": len(self.guilds),
        }

    def _mentions(self, content: str, allowed: dict[str, Any] | None) -> tuple[list[int], list[int], bool]:
        users = [int(u) for u in _USER_MENTION.findall(content)]
        roles = [int(r) for r in _ROLE_MENTION.findall(content)]
        everyone = "@everyone" in content or "@here" in content
        if allowed is not None:
            parse = allowed.get("parse", [])
            allowed_users = {int(u) for u in allowed.get("users", [])}
            allowed_roles = {int(r) for r in allowed.get("roles", [])}
            users = [u for u in users if "users" in parse or u in allowed_users]
            roles = [r for r in roles if "roles" in parse or r in allowed_roles]
            everyone = everyone and "everyone" in parse
        return list(dict.fromkeys(users)), list(dict.fromkeys(roles)), everyone

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        author_id: int,
        attachments: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        guild = self._guild_of_channel(channel_id)
        content = body.get("content") or ""
        allowed = body.get("allowed_mentions")
        users, roles, everyone = self._mentions(content, allowed)
        msg_id = self._snowflake()
        msg: dict[str, Any] = {
            "id": str(msg_id),
            "type": 0,
            "channel_id": str(channel_id),
            "author": self._bot_user() if author_id == self.bot_id else self._user(author_id),
            "content": content,
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": [self._user(u) for u in users],
            "mention_roles": [str(r) for r in roles],
            "attachments": attachments or [],
            "embeds": list(body.get("embeds") or []),
            "components": list(body.get("components") or []),
            "pinned": False,
            "flags": int(body.get("flags") or 0),
        }
        if guild is not None:
            msg["guild_id"] = str(guild.id)
        if "nonce" in body and body["nonce"] is not None:
            msg["nonce"] = body["nonce"]
        if allowed is not None:
            msg["allowed_mentions"] = allowed  # not in Discord's message object; kept for inspection
        if body.get("poll"):
            msg["poll"] = body["poll"]
        ref = body.get("message_reference")
        if ref:
            target_id = int(ref["message_id"]) if ref.get("message_id") else None
            target = self._find_message(target_id) if target_id else None
            if target is None and ref.get("fail_if_not_exists", True):
                raise DiscordHTTPError(
                    400,
                    "Invalid Form Body",
                    50035,
                    {
                        "message_reference": {
                            "_errors": [
                                {"code": "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "message": "Unknown message"}
                            ]
                        }
                    },
                )
            msg["message_reference"] = {
                "type": ref.get("type", 0),
                "message_id": str(target_id) if target_id else None,
                "channel_id": str(ref.get("channel_id") or channel_id),
                "guild_id": str(ref.get("guild_id") or guild.id) if guild else ref.get("guild_id"),
                "fail_if_not_exists": ref.get("fail_if_not_exists", True),
            }
            if target is not None:
                msg["type"] = 19
                msg["referenced_message"] = {k: v for k, v in target.items() if k != "referenced_message"}
        if extra:
            msg.update(extra)
        return msg

    def _with_reactions(self, msg: dict[str, Any]) -> dict[str, Any]:
        out = dict(msg)
        reactions = self.reactions.get(int(msg["id"]), {})
        out["reactions"] = [
            {
                "emoji": _emoji_payload(key),
                "count": len(users),
                "count_details": {"burst": 0, "normal": len(users)},
                "burst_colors": [],
                "me_burst": False,
                "burst_me": False,
                "me": self.bot_id in users,
            }
            for key, users in reactions.items()
            if users
        ]
        return out

    def _find_message(self, message_id: int) -> dict[str, Any] | None:
        return self.messages.get(message_id) or self.ephemeral_messages.get(message_id)

    def _require_message(self, channel_id: int, message_id: int) -> dict[str, Any]:
        self._require_channel(channel_id)
        msg = self.messages.get(message_id)
        if msg is None or int(msg["channel_id"]) != channel_id:
            raise DiscordHTTPError(404, "Unknown Message", 10008)
        return msg

    def _validate_message_body(
        self, body: dict[str, Any], *, creating: bool, has_files: bool = False
    ) -> None:
        content = body.get("content") or ""
        embeds = body.get("embeds") or []
        if creating and not (
            content
            or embeds
            or body.get("components")
            or has_files
            or body.get("sticker_ids")
            or body.get("poll")
        ):
            raise DiscordHTTPError(400, "Cannot send an empty message", 50006)
        errors: dict[str, Any] = {}
        if len(content) > 2000:
            errors["content"] = "Must be 2000 or fewer in length."
        if len(embeds) > 10:
            errors["embeds"] = "Must be 10 or fewer in length."
        limits = {"title": 256, "description": 4096}
        for i, embed in enumerate(embeds):
            for key, limit in limits.items():
                if len(embed.get(key) or "") > limit:
                    errors[f"embeds.{i}.{key}"] = f"Must be {limit} or fewer in length."
            fields = embed.get("fields") or []
            if len(fields) > 25:
                errors[f"embeds.{i}.fields"] = "Must be 25 or fewer in length."
            for j, f in enumerate(fields):
                if len(f.get("name") or "") > 256 or not f.get("name"):
                    errors[f"embeds.{i}.fields.{j}.name"] = "Must be between 1 and 256 in length."
                if len(f.get("value") or "") > 1024 or not f.get("value"):
                    errors[f"embeds.{i}.fields.{j}.value"] = "Must be between 1 and 1024 in length."
            if len((embed.get("footer") or {}).get("text") or "") > 2048:
                errors[f"embeds.{i}.footer.text"] = "Must be 2048 or fewer in length."
        if errors:
            raise DiscordHTTPError(400, "Invalid Form Body", 50035, errors)

    # ------------------------------------------------------------------ gateway

    def _for_session(self, session: _Session, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """Without the MESSAGE_CONTENT intent, others' messages arrive without content (as on Discord)."""
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or session.intents is None:
            return data
        if session.intents & INTENT_MESSAGE_CONTENT:
            return data
        author = int(data.get("author", {}).get("id", 0))
        mentioned = any(int(u["id"]) == self.bot_id for u in data.get("mentions", []))
        if author == self.bot_id or mentioned:
            return data
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def _emit(
        self, session: _Session, event: str, data: dict[str, Any], *, buffer: bool = True
    ) -> None:
        """Send one dispatch on a session (caller holds session.lock); kept for replay after RESUME."""
        session.seq += 1
        text = json.dumps({"op": 0, "t": event, "s": session.seq, "d": data})
        if buffer:
            session.buffer.append((session.seq, text))
            del session.buffer[:-5000]
        if session.conn is not None:
            await session.conn.send_text(text)

    async def _dispatch_message(self, event: str, msg: dict[str, Any]) -> None:
        data = dict(msg)
        data.pop("allowed_mentions", None)
        if "guild_id" in msg:
            data["member"] = self._member_payload(
                int(msg["guild_id"]), int(msg["author"]["id"]), with_user=False
            )
        await self.dispatch(event, data)

    async def _dispatch_reaction(
        self, event: str, channel_id: int, message_id: int, user_id: int, key: str
    ) -> None:
        guild = self._guild_of_channel(channel_id)
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(channel_id),
            "message_id": str(message_id),
            "emoji": _emoji_payload(key),
            "type": 0,
            "burst": False,
            "burst_colors": [],
        }
        if guild is not None:
            data["guild_id"] = str(guild.id)
            if event == "MESSAGE_REACTION_ADD":
                data["member"] = self._member_payload(guild.id, user_id)
        msg = self._find_message(message_id)
        if msg is not None and event == "MESSAGE_REACTION_ADD":
            data["message_author_id"] = msg["author"]["id"]
        await self.dispatch(event, data)

    def _store_reaction(self, message_id: int, key: str, user_id: int) -> bool:
        users = self.reactions.setdefault(message_id, {}).setdefault(key, [])
        if user_id in users:
            return False
        users.append(user_id)
        return True

    def _unstore_reaction(self, message_id: int, key: str, user_id: int) -> bool:
        users = self.reactions.get(message_id, {}).get(key)
        if not users or user_id not in users:
            return False
        users.remove(user_id)
        if not users:
            del self.reactions[message_id][key]
        return True

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = _Conn(ws)
        self._conns.add(conn)
        try:
            await conn.send_text(
                json.dumps(
                    {"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
                )
            )
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_payload(conn, json.loads(msg.data))
        finally:
            self._conns.discard(conn)
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                if ws.close_code in (1000, 1001):  # the client closed on purpose: Discord ends the session
                    self._sessions.pop(session.id, None)
            await self._notify()
        return ws

    async def _on_gateway_payload(self, conn: _Conn, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:  # HEARTBEAT
            await conn.send_text(json.dumps({"op": 11, "s": None, "t": None, "d": None}))
        elif op == 2:  # IDENTIFY
            await self._identify(conn, d or {})
        elif op == 6:  # RESUME
            await self._resume(conn, d or {})
        elif op == 8:  # REQUEST_GUILD_MEMBERS
            await self._request_members(conn, d or {})
        # op 3 (presence), 4 (voice state) are accepted and ignored

    async def _identify(self, conn: _Conn, d: dict[str, Any]) -> None:
        self.identify_count += 1
        self.identify_payloads.append({k: v for k, v in d.items() if k != "token"})
        intents = d.get("intents")
        session = _Session(id=uuid.uuid4().hex, intents=int(intents) if intents is not None else None)
        self._sessions[session.id] = session
        async with session.lock:
            session.conn = conn
            conn.session = session
            await self._emit(session, "READY", self._ready_payload(session))
            for guild in self.guilds:
                await self._emit(session, "GUILD_CREATE", self._guild_payload(guild))
            session.ready = True
        await self._notify()

    async def _resume(self, conn: _Conn, d: dict[str, Any]) -> None:
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or session.conn is not None:
            await conn.send_text(json.dumps({"op": 9, "s": None, "t": None, "d": False}))
            return
        last = int(d.get("seq") or 0)
        async with session.lock:
            session.conn = conn
            conn.session = session
            for seq, text in session.buffer:
                if seq > last:
                    self.replayed.append(json.loads(text)["t"])
                    await conn.send_text(text)
            await self._emit(session, "RESUMED", {"_trace": ["fake-discord"]}, buffer=False)
            session.ready = True
        self.resume_count += 1
        await self._notify()

    async def _request_members(self, conn: _Conn, d: dict[str, Any]) -> None:
        session = conn.session
        guild = self._guild(int(d.get("guild_id", 0)))
        if session is None or guild is None:
            return
        ids = self._member_ids(guild)
        if d.get("user_ids"):
            wanted = {int(u) for u in d["user_ids"]}
            ids = [u for u in ids if u in wanted]
        query = (d.get("query") or "").lower()
        if query:
            ids = [u for u in ids if self._user(u)["username"].lower().startswith(query)]
        if d.get("limit"):
            ids = ids[: int(d["limit"])]
        chunk = {
            "guild_id": str(guild.id),
            "members": [self._member_payload(guild.id, u) for u in ids],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        async with session.lock:
            await self._emit(session, "GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------ interactions

    async def _create_interaction(
        self,
        itype: int,
        data: dict[str, Any],
        *,
        user_id: int,
        username: str,
        guild_id: int,
        channel_id: int,
        permissions: str,
        roles: Sequence[int],
        message: dict[str, Any] | None = None,
    ) -> int:
        guild = self._guild(guild_id)
        channel = next((c for c in guild.channels if c.id == channel_id), None) if guild else None
        if guild is None or channel is None:
            raise KeyError(f"no channel {channel_id} in guild {guild_id}")
        self._remember_user(user_id, username)
        if roles or (guild_id, user_id) not in self._member_roles:
            self._member_roles[(guild_id, user_id)] = list(roles)
        iid = self._snowflake()
        token = f"itoken-{iid}-{uuid.uuid4().hex[:8]}"
        self._tokens[token] = iid
        self._interactions[iid] = {
            "token": token,
            "type": itype,
            "channel_id": channel_id,
            "guild_id": guild_id,
            "user_id": user_id,
            "name": data.get("name"),
            "acked": False,
            "response_type": None,
            "original_message_id": int(message["id"]) if message else None,
            "source_message_id": int(message["id"]) if message else None,
        }
        self.interaction_responses.setdefault(iid, [])
        member = self._member_payload(guild_id, user_id)
        member["permissions"] = permissions
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "guild_id": str(guild_id),
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": self._channel_payload(guild, channel),
            "member": member,
            "token": token,
            "version": 1,
            "app_permissions": str(self._permissions_of(guild, self.bot_id)),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = self._with_reactions(message)
        await self.dispatch("INTERACTION_CREATE", payload)
        return iid

    def _interaction_for_token(self, token: str) -> tuple[int, dict[str, Any]]:
        iid = self._tokens.get(token)
        if iid is None:
            raise DiscordHTTPError(404, "Unknown Webhook", 10015)
        return iid, self._interactions[iid]

    def _interaction_message(self, inter: dict[str, Any], body: dict[str, Any], iid: int) -> dict[str, Any]:
        channel_id = inter["channel_id"]
        extra = {
            "webhook_id": str(self.application_id),
            "application_id": str(self.application_id),
            "interaction_metadata": {
                "id": str(iid),
                "type": inter["type"],
                "user": self._user(inter["user_id"]),
                "authorizing_integration_owners": {"0": str(inter["guild_id"])},
            },
        }
        msg = self._new_message(channel_id, body, author_id=self.bot_id, extra=extra)
        if inter["type"] == 2:
            msg["type"] = 20  # CHAT_INPUT_COMMAND
        return msg

    async def _store_interaction_message(self, msg: dict[str, Any]) -> None:
        if int(msg["flags"]) & 64:
            self.ephemeral_messages[int(msg["id"])] = msg
        else:
            self.messages[int(msg["id"])] = msg
            await self._dispatch_message("MESSAGE_CREATE", msg)

    async def _edit_stored_message(self, msg: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("content", "embeds", "components", "allowed_mentions"):
            if key in body and body[key] is not None:
                msg[key] = body[key]
            elif key in body and key in ("embeds", "components"):
                msg[key] = []
        if "attachments" in body:  # the attachments to keep, by id
            keep = {str(a.get("id")) for a in body["attachments"] or []}
            msg["attachments"] = [a for a in msg["attachments"] if a["id"] in keep]
        if "content" in body and body["content"] is None:
            msg["content"] = ""
        if "flags" in body and body["flags"] is not None:
            msg["flags"] = (int(msg["flags"]) & 64) | int(body["flags"])
        msg["flags"] = int(msg["flags"]) & ~128  # no longer "thinking"
        users, roles, everyone = self._mentions(msg["content"], msg.get("allowed_mentions"))
        msg["mentions"] = [self._user(u) for u in users]
        msg["mention_roles"] = [str(r) for r in roles]
        msg["mention_everyone"] = everyone
        msg["edited_timestamp"] = _now_iso()
        if int(msg["id"]) in self.messages:
            await self._dispatch_message("MESSAGE_UPDATE", msg)

    # ------------------------------------------------------------------ HTTP plumbing

    def _route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method, pattern.strip("/").split("/"), handler))

    def _match(self, method: str, segments: list[str]) -> tuple[Handler, dict[str, str]] | None:
        for m, pattern, handler in self._routes:
            if m != method or len(pattern) != len(segments):
                continue
            params: dict[str, str] = {}
            for part, segment in zip(pattern, segments, strict=True):
                if part.startswith("{") and segment:
                    params[part[1:-1]] = segment
                elif part != segment:
                    break
            else:
                return handler, params
        return None

    async def _dispatch_request(self, request: web.Request) -> web.StreamResponse:
        raw = request.raw_path.split("?", 1)[0]
        if raw.rstrip("/") == "/gateway" and request.method == "GET" and "upgrade" in request.headers:
            return await self._gateway(request)
        if not raw.startswith(API_PREFIX + "/"):
            return _json({"message": "404: Not Found", "code": 0}, 404)
        segments = [unquote(s) for s in raw[len(API_PREFIX) :].strip("/").split("/")]
        path = "/" + "/".join(segments)
        method = request.method.upper()
        self.requests.append((method, path))
        body = await self._read_body(request)
        self.request_log.append({"method": method, "path": path, "query": dict(request.query), "json": body})
        await self._notify()

        rule = self._take_rule(method, path, after=False)
        if rule is not None:
            return self._rule_response(request, rule)

        found = self._match(method, segments)
        if found is None:
            return _json({"message": "Unknown route", "code": 0}, 404)
        handler, params = found
        needs_auth = segments[0] not in ("interactions", "webhooks", "gateway")
        if needs_auth and not request.headers.get("Authorization", "").startswith("Bot "):
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        try:
            response = await handler(request, params, body)
        except DiscordHTTPError as exc:
            payload: dict[str, Any] = {"message": exc.message, "code": exc.code}
            if exc.errors:
                payload["errors"] = exc.errors
            response = _json(payload, exc.status)
        await self._notify()
        rule = self._take_rule(method, path, after=True)
        if rule is not None:
            return self._rule_response(request, rule)
        return response

    def _take_rule(self, method: str, path: str, *, after: bool) -> _Rule | None:
        for rule in self._rules:
            if rule.after == after and rule.method == method and _path_matches(rule.pattern, path):
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                return rule
        return None

    def _rule_response(self, request: web.Request, rule: _Rule) -> web.Response:
        if rule.drop:
            if request.transport is not None:
                request.transport.abort()  # no status line at all: the client sees a dropped connection
            return web.Response(status=500)
        if rule.status == 429:
            return self._too_many_requests(rule.retry_after)
        return _json({"message": rule.message, "code": rule.code}, rule.status)

    async def _read_body(self, request: web.Request) -> Any:
        if not request.body_exists:
            return None
        ctype = request.content_type
        if ctype == "multipart/form-data":
            reader = await request.multipart()
            payload: dict[str, Any] = {}
            files: list[dict[str, Any]] = []
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    data = await part.read()
                    files.append(
                        {"field": part.name, "filename": part.filename, "size": len(data), "data": data}
                    )
            payload["__files__"] = files
            return payload
        text = await request.text()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def _too_many_requests(self, retry_after: float) -> web.Response:
        # discord.py retries a 429 only if it carries a Via header (otherwise it assumes a Cloudflare ban)
        # and a JSON body with retry_after.
        return _json(
            {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
            429,
            {
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Scope": "user",
            },
        )

    # ------------------------------------------------------------------ REST handlers

    async def _get_gateway(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _get_me(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        return _json(self._bot_user())

    async def _get_user(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        uid = int(p["user_id"])
        if uid not in self.users:
            raise DiscordHTTPError(404, "Unknown User", 10013)
        return _json(self._user(uid))

    async def _get_application(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        return _json(self._application_payload())

    async def _get_commands(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        gid = int(p["guild_id"]) if "guild_id" in p else None
        return _json(self.registered_commands.get(gid, []))

    async def _put_commands(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        if int(p["app_id"]) != self.application_id:
            raise DiscordHTTPError(403, "Missing Access", 50001)
        gid = int(p["guild_id"]) if "guild_id" in p else None
        if gid is not None and self._guild(gid) is None:
            raise DiscordHTTPError(403, "Missing Access", 50001)
        previous = {(c["name"], c.get("type", 1)): c["id"] for c in self.registered_commands.get(gid, [])}
        stored = []
        for cmd in body or []:
            ctype = cmd.get("type", 1)
            entry = {
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "nsfw": False,
                **cmd,
                "type": ctype,
                "id": previous.get((cmd["name"], ctype)) or str(self._snowflake()),
                "application_id": str(self.application_id),
                "version": str(self._snowflake()),
            }
            if gid is not None:
                entry["guild_id"] = str(gid)
            stored.append(entry)
        self.registered_commands[gid] = stored
        return _json(stored)

    async def _get_guild(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        guild = self._guild(int(p["guild_id"]))
        if guild is None:
            raise DiscordHTTPError(404, "Unknown Guild", 10004)
        payload = self._guild_payload(guild)
        for key in ("channels", "members", "threads", "presences", "voice_states"):
            payload.pop(key)
        return _json(payload)

    async def _get_guild_channels(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        guild = self._guild(int(p["guild_id"]))
        if guild is None:
            raise DiscordHTTPError(404, "Unknown Guild", 10004)
        return _json([self._channel_payload(guild, c) for c in guild.channels])

    async def _get_guild_roles(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        guild = self._guild(int(p["guild_id"]))
        if guild is None:
            raise DiscordHTTPError(404, "Unknown Guild", 10004)
        return _json([self._role_payload(r) for r in guild.roles])

    async def _get_member(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        guild = self._guild(int(p["guild_id"]))
        if guild is None:
            raise DiscordHTTPError(404, "Unknown Guild", 10004)
        uid = int(p["user_id"])
        if (guild.id, uid) not in self._member_roles:
            raise DiscordHTTPError(404, "Unknown Member", 10007)
        return _json(self._member_payload(guild.id, uid))

    async def _get_channel(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid = int(p["channel_id"])
        guild = self._require_channel(cid)
        channel = next(c for c in guild.channels if c.id == cid)
        return _json(self._channel_payload(guild, channel))

    async def _typing(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        self._require_channel(int(p["channel_id"]))
        return web.Response(status=204)

    async def _get_messages(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid = int(p["channel_id"])
        self._require_channel(cid)
        limit = max(1, min(100, int(request.query.get("limit", 50))))
        msgs = self.channel_messages(cid)  # ascending
        if "after" in request.query:
            after = int(request.query["after"])
            picked = [m for m in msgs if int(m["id"]) > after][:limit]
        elif "around" in request.query:
            around = int(request.query["around"])
            older = [m for m in msgs if int(m["id"]) <= around][-((limit + 1) // 2) :]
            newer = [m for m in msgs if int(m["id"]) > around][: limit // 2]
            picked = older + newer
        else:
            before = int(request.query.get("before", 1 << 63))
            picked = [m for m in msgs if int(m["id"]) < before][-limit:]
        return _json([self._with_reactions(m) for m in reversed(picked)])  # newest first, as Discord

    async def _post_message(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid = int(p["channel_id"])
        self._require_channel(cid)
        body = dict(body or {})
        earlier = self._same_nonce(body)
        if earlier is not None:
            self.nonce_hits += 1
            return _json(_public(self._with_reactions(earlier)))
        files = body.pop("__files__", [])
        self._validate_message_body(body, creating=True, has_files=bool(files))
        attachments = [
            {
                "id": str(self._snowflake()),
                "filename": f["filename"],
                "size": f["size"],
                "url": f"{self.api_base}/attachments/{f['filename']}",
                "proxy_url": f"{self.api_base}/attachments/{f['filename']}",
            }
            for f in files
        ]
        msg = self._new_message(cid, body, author_id=self.bot_id, attachments=attachments)
        self.messages[int(msg["id"])] = msg
        await self._dispatch_message("MESSAGE_CREATE", msg)
        return _json(_public(msg))

    def _same_nonce(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """With enforce_nonce, the bot's message created with this nonce in the last few minutes, if any."""
        nonce = body.get("nonce")
        if not body.get("enforce_nonce") or nonce is None:
            return None
        since = (int((time.time() - NONCE_WINDOW_S) * 1000) - DISCORD_EPOCH_MS) << 22
        for mid, msg in self.messages.items():
            if (
                mid >= since
                and str(msg.get("nonce")) == str(nonce)
                and int(msg["author"]["id"]) == self.bot_id
            ):
                return msg
        return None

    async def _get_message(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        msg = self._require_message(int(p["channel_id"]), int(p["message_id"]))
        return _json(_public(self._with_reactions(msg)))

    async def _patch_message(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        msg = self._require_message(int(p["channel_id"]), int(p["message_id"]))
        if int(msg["author"]["id"]) != self.bot_id and set(body or {}) - {"flags"}:
            raise DiscordHTTPError(403, "Cannot edit a message authored by another user", 50005)
        body = dict(body or {})
        body.pop("__files__", None)
        self._validate_message_body(body, creating=False)
        await self._edit_stored_message(msg, body)
        return _json(_public(self._with_reactions(msg)))

    async def _delete_message(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid, mid = int(p["channel_id"]), int(p["message_id"])
        msg = self._require_message(cid, mid)
        self.deleted_messages[mid] = self.messages.pop(mid)
        data = {"id": str(mid), "channel_id": str(cid)}
        if "guild_id" in msg:
            data["guild_id"] = msg["guild_id"]
        await self.dispatch("MESSAGE_DELETE", data)
        return web.Response(status=204)

    async def _put_reaction(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid, mid = int(p["channel_id"]), int(p["message_id"])
        self._require_message(cid, mid)
        if p["user"] != "@me":
            return _json({"message": "405: Method Not Allowed", "code": 0}, 405)
        key = _emoji_key(p["emoji"])
        if not key.strip():
            raise DiscordHTTPError(400, "Unknown Emoji", 10014)
        if self._store_reaction(mid, key, self.bot_id):
            await self._dispatch_reaction("MESSAGE_REACTION_ADD", cid, mid, self.bot_id, key)
        return web.Response(status=204)

    async def _delete_reaction(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid, mid = int(p["channel_id"]), int(p["message_id"])
        self._require_message(cid, mid)
        uid = self.bot_id if p["user"] == "@me" else int(p["user"])
        key = _emoji_key(p["emoji"])
        if self._unstore_reaction(mid, key, uid):
            await self._dispatch_reaction("MESSAGE_REACTION_REMOVE", cid, mid, uid, key)
        return web.Response(status=204)

    async def _clear_emoji(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid, mid = int(p["channel_id"]), int(p["message_id"])
        msg = self._require_message(cid, mid)
        key = _emoji_key(p["emoji"])
        if self.reactions.get(mid, {}).pop(key, None):
            data = {"channel_id": str(cid), "message_id": str(mid), "emoji": _emoji_payload(key)}
            if "guild_id" in msg:
                data["guild_id"] = msg["guild_id"]
            await self.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", data)
        return web.Response(status=204)

    async def _clear_reactions(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid, mid = int(p["channel_id"]), int(p["message_id"])
        msg = self._require_message(cid, mid)
        if self.reactions.pop(mid, None):
            data = {"channel_id": str(cid), "message_id": str(mid)}
            if "guild_id" in msg:
                data["guild_id"] = msg["guild_id"]
            await self.dispatch("MESSAGE_REACTION_REMOVE_ALL", data)
        return web.Response(status=204)

    async def _get_reaction_users(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid, mid = int(p["channel_id"]), int(p["message_id"])
        self._require_message(cid, mid)
        limit = max(1, min(100, int(request.query.get("limit", 25))))
        after = int(request.query.get("after", 0))
        if int(request.query.get("type", 0)) == 1:  # burst ("super") reactions: none here
            return _json([])
        users = sorted(self.reactions.get(mid, {}).get(_emoji_key(p["emoji"]), []))
        page = [u for u in users if u > after][:limit]
        return _json([self._user(u) for u in page])

    async def _interaction_callback(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        iid = int(p["interaction_id"])
        inter = self._interactions.get(iid)
        if inter is None or inter["token"] != p["token"]:
            raise DiscordHTTPError(404, "Unknown interaction", 10062)
        if inter["acked"]:
            raise DiscordHTTPError(400, "Interaction has already been acknowledged.", 40060)
        body = dict(body or {})
        body.pop("__files__", None)
        rtype = int(body.get("type", 0))
        data = dict(body.get("data") or {})
        self.interaction_responses[iid].append(body)
        inter["acked"] = True
        inter["response_type"] = rtype
        message: dict[str, Any] | None = None
        if rtype == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            self._validate_message_body(data, creating=True)
            message = self._interaction_message(inter, data, iid)
            inter["original_message_id"] = int(message["id"])
            await self._store_interaction_message(message)
        elif rtype == 5:  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE ("thinking")
            flags = (int(data.get("flags") or 0) & 64) | 128
            message = self._interaction_message(inter, {"flags": flags}, iid)
            inter["original_message_id"] = int(message["id"])
            await self._store_interaction_message(message)
        elif rtype == 7 and inter["source_message_id"]:  # UPDATE_MESSAGE (components)
            message = self._find_message(inter["source_message_id"])
            if message is not None:
                await self._edit_stored_message(message, data)
        await self._notify()
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        callback: dict[str, Any] = {
            "interaction": {
                "id": str(iid),
                "type": inter["type"],
                "response_message_loading": rtype == 5,
                "response_message_ephemeral": bool(message and int(message["flags"]) & 64),
            },
            "resource": {"type": rtype},
        }
        if message is not None:
            callback["interaction"]["response_message_id"] = message["id"]
            callback["resource"]["message"] = _public(message)
        return _json(callback)

    def _webhook_target(self, inter: dict[str, Any], message_id: str) -> dict[str, Any]:
        mid = inter["original_message_id"] if message_id == "@original" else int(message_id)
        msg = self._find_message(mid) if mid is not None else None
        if msg is None:
            raise DiscordHTTPError(404, "Unknown Message", 10008)
        return msg

    async def _followup(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        iid, inter = self._interaction_for_token(p["token"])
        if not inter["acked"]:
            raise DiscordHTTPError(404, "Unknown Webhook", 10015)
        body = dict(body or {})
        body.pop("__files__", None)
        self._validate_message_body(body, creating=True)
        self.interaction_responses[iid].append(body)
        message = self._interaction_message(inter, body, iid)
        await self._store_interaction_message(message)
        if request.query.get("wait") in ("1", "true", "True"):
            return _json(_public(message))
        return web.Response(status=204)

    async def _get_webhook_message(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        _, inter = self._interaction_for_token(p["token"])
        return _json(_public(self._with_reactions(self._webhook_target(inter, p["message_id"]))))

    async def _patch_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        iid, inter = self._interaction_for_token(p["token"])
        msg = self._webhook_target(inter, p["message_id"])
        body = dict(body or {})
        body.pop("__files__", None)
        self._validate_message_body(body, creating=False)
        self.interaction_responses[iid].append(body)
        await self._edit_stored_message(msg, body)
        return _json(_public(self._with_reactions(msg)))

    async def _delete_webhook_message(
        self, request: web.Request, p: dict[str, str], body: Any
    ) -> web.Response:
        _, inter = self._interaction_for_token(p["token"])
        msg = self._webhook_target(inter, p["message_id"])
        mid = int(msg["id"])
        if mid in self.messages:
            self.deleted_messages[mid] = self.messages.pop(mid)
            data = {"id": str(mid), "channel_id": msg["channel_id"], "guild_id": msg.get("guild_id")}
            await self.dispatch("MESSAGE_DELETE", data)
        self.ephemeral_messages.pop(mid, None)
        return web.Response(status=204)


def _public(msg: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in msg.items() if k != "allowed_mentions"}


def _path_matches(pattern: re.Pattern[str], path: str) -> bool:
    return bool(pattern.fullmatch(path) or pattern.fullmatch(API_PREFIX + path))


__all__ = [
    "DiscordTestServer",
    "FakeChannel",
    "FakeGuild",
    "FakeRole",
    "default_guild",
]
