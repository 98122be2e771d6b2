"""A loopback Slack: enough of the Web API, Socket Mode and response_urls for slack-bolt's AsyncApp.

The real clients (slack_sdk's AsyncWebClient, its aiohttp Socket Mode client under bolt's
AsyncSocketModeHandler, AsyncWebhookClient behind bolt's respond()) talk to this server over
127.0.0.1; tests drive it (send events, slash commands, clicks) and inspect what the bot did.

    server = SlackTestServer()
    await server.start()
    client = AsyncWebClient(token="xoxb-test", base_url=server.api_url)
    app = AsyncApp(client=client)
    handler = AsyncSocketModeHandler(app, "xapp-test")   # uses app.client, so the same base_url
    await handler.connect_async()
    await server.wait_connected()
    await server.add_reaction("C0001", ts, "U1", "one")

Behaviour that follows real Slack (and that a real adapter trips over):
- Web API answers HTTP 200 with {"ok": false, "error": ...} for API errors; 429 + Retry-After for rate limits.
- slack_sdk sends chat.* as JSON, reactions.add/remove and auth.test as POST with query parameters,
  and reactions.get / users.info / conversations.info as GET; all are accepted (and form bodies).
- Tokens: any "xoxb-..." works for the Web API, apps.connections.open wants an "xapp-..." token
  (anything else: not_allowed_token_type); a token of neither kind is invalid_auth, none is not_authed.
- reactions.remove removes only the caller's (the bot's) own reaction (no_reaction otherwise).
- reactions.get without full=true lists at most 50 users per reaction (count stays exact).
- When the bot adds/removes a reaction with a Socket Mode client connected, the matching
  reaction_added/removed event comes back to it (bolt drops it as a self event); set
  `echo_own_reactions = False` to turn that off.
- Socket Mode: hello on connect; envelopes go to the newest open connection; acks are recorded.

Extras beyond the core interface: `channels=` and `api_app_id=` constructor arguments, `click(...,
message_ts=)`, `wait_for(predicate)`, `request_refresh()` (Slack's "disconnect" message), `envelopes`
(everything sent over the socket), `response_urls` (what each response_url was issued for),
chat.delete, conversations.history (newest first, with `metadata` only given include_all_metadata),
conversations.replies (a thread, parent first),
`fail_after_next` (the call takes effect, then the reply is an error: a retry would post twice) and
`drop_next` (no reply at all: the connection closes, before or after the call takes effect). Close the Socket Mode handler before `stop()`, or the client keeps reconnecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from aiohttp import WSMsgType, web

__all__ = ["SlackApiFailure", "SlackTestServer"]

DEFAULT_USERS: dict[str, dict[str, Any]] = {
    "UADMIN": {"name": "admin", "is_admin": True},
    "U1": {"name": "ann"},
    "U2": {"name": "bo"},
    "U3": {"name": "cy"},
}
DEFAULT_CHANNELS: dict[str, dict[str, Any]] = {"C0001": {"name": "quiz"}}
TS_BASE = 1_790_000_000
UNFULL_REACTION_USERS = 50  # reactions.get without full=true truncates each users list
T = TypeVar("T")


class SlackApiFailure(Exception):
    """Raised by a method handler: answered as {"ok": false, "error": error}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


class SlackTestServer:
    """Fake Slack Web API + Socket Mode + response_url endpoint on 127.0.0.1 (free port)."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        signing_secret: str = "test-signing-secret",
        users: dict[str, dict[str, Any]] | None = None,
        channels: dict[str, dict[str, Any]] | None = None,
        api_app_id: str = "A0001",
        team_domain: str = "quizbot-test",
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.signing_secret = signing_secret
        self.api_app_id = api_app_id
        self.team_domain = team_domain
        self.users: dict[str, dict[str, Any]] = {
            uid: dict(u) for uid, u in (DEFAULT_USERS if users is None else users).items()
        }
        self.users.setdefault(bot_user_id, {"name": "quizbot", "is_bot": True})
        self.channels: dict[str, dict[str, Any]] = {
            cid: dict(c) for cid, c in (DEFAULT_CHANNELS if channels is None else channels).items()
        }
        self.echo_own_reactions = True

        # state the tests inspect
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.responses: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.connections = 0
        self.envelopes: list[dict[str, Any]] = []  # every envelope sent over Socket Mode, in order
        self.response_urls: dict[str, dict[str, Any]] = {}  # response_url id -> what it was issued for

        # plumbing
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._sockets: list[web.WebSocketResponse] = []  # open and greeted, oldest first
        self._tickets: set[str] = set()
        self._ts_seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._rate_limits: dict[str, list[int]] = {}
        self._failures: dict[str, list[tuple[str, int]]] = {}
        self._failures_after: dict[str, list[tuple[str, int]]] = {}
        self._drops: dict[str, list[bool]] = {}  # method -> per drop: after the call took effect?
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[str]] = set()
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering
        self._methods: dict[str, Callable[[dict[str, Any], str], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "reactions.add": self._reactions_add,
            "reactions.remove": self._reactions_remove,
            "reactions.get": self._reactions_get,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
        }

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"server stopping")
        self._sockets.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackTestServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("SlackTestServer is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    # -- waiting ---------------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5,  # noqa: ASYNC109 (public interface, like the other waits)
        what: str = "a condition",
    ) -> T:
        """Until `predicate()` is truthy (re-checked whenever server state changes); returns its value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"SlackTestServer: timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_connected(self, timeout: float = 5) -> None:  # noqa: ASYNC109
        """Until a Socket Mode client is connected (and greeted with hello)."""
        await self.wait_for(lambda: bool(self._sockets), timeout, "a Socket Mode connection")

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> dict[str, Any]:  # noqa: ASYNC109
        return await self.wait_for(lambda: self.acks.get(envelope_id), timeout, f"ack of {envelope_id}")

    async def settle_acks(self, timeout: float = 2) -> None:  # noqa: ASYNC109
        """Until every envelope sent on a still-open socket is acknowledged, or `timeout` passes.

        A listener may answer through response_url before its ack is written; a bot stopped in that
        gap logs an error for the ack it could not send. Harnesses call this before stopping a bot."""
        if not self._sockets:
            return
        with contextlib.suppress(TimeoutError):
            await self.wait_for(
                lambda: all(e["envelope_id"] in self.acks for e in self.envelopes) or None, timeout, "acks"
            )

    async def wait_for_responses(self, count: int, timeout: float = 5) -> list[dict[str, Any]]:  # noqa: ASYNC109
        return await self.wait_for(
            lambda: list(self.responses) if len(self.responses) >= count else None,
            timeout,
            f"{count} response_url posts (have {len(self.responses)})",
        )

    async def wait_for_messages(self, channel: str, count: int, timeout: float = 5) -> list[dict[str, Any]]:  # noqa: ASYNC109
        def ready() -> list[dict[str, Any]] | None:
            got = self.messages.get(channel, [])
            return list(got) if len(got) >= count else None

        return await self.wait_for(
            ready, timeout, f"{count} messages in {channel} (have {len(self.messages.get(channel, []))})"
        )

    # -- failure injection -----------------------------------------------------------------------

    def rate_limit_next(self, method: str, retry_after: int = 1) -> None:
        """The next call of `method` answers 429 + Retry-After and {"ok": false, "error": "ratelimited"}."""
        self._rate_limits.setdefault(method, []).append(retry_after)

    def fail_next(
        self, method: str, error: str = "internal_error", times: int = 1, status: int = 200
    ) -> None:
        """The next `times` calls of `method` answer {"ok": false, "error": error} with HTTP `status`."""
        self._failures.setdefault(method, []).extend([(error, status)] * times)

    def fail_after_next(
        self, method: str, error: str = "internal_error", times: int = 1, status: int = 500
    ) -> None:
        """The next `times` calls of `method` take effect, then answer {"ok": false, "error": error} with `status`."""
        self._failures_after.setdefault(method, []).extend([(error, status)] * times)

    def drop_next(self, method: str, times: int = 1, *, after: bool = False) -> None:
        """The next `times` calls of `method` get no reply (the connection closes); `after`: once it took effect."""
        self._drops.setdefault(method, []).extend([after] * times)

    # -- signing (HTTP mode) ---------------------------------------------------------------------

    def signed_headers(
        self, body: bytes, *, timestamp: int | None = None, secret: str | None = None
    ) -> dict[str, str]:
        """X-Slack-Request-Timestamp and X-Slack-Signature (v0) for `body`, as Slack signs requests."""
        ts = str(int(time.time()) if timestamp is None else timestamp)
        key = (self.signing_secret if secret is None else secret).encode()
        digest = hmac.new(key, b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}

    def slash_form(
        self, command: str, text: str = "", *, user_id: str = "U1", channel_id: str = "C0001"
    ) -> bytes:
        """The url-encoded body Slack POSTs to an HTTP-mode app for a slash command."""
        return urlencode(self._slash_payload(command, text, user_id, channel_id)).encode()

    # -- driving Socket Mode ---------------------------------------------------------------------

    async def _send_envelope(
        self, type_: str, payload: dict[str, Any], *, accepts_response_payload: bool
    ) -> str:
        await self.wait_connected()
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": type_,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if type_ == "events_api":
            envelope["retry_attempt"] = 0
            envelope["retry_reason"] = ""
        self.envelopes.append(envelope)
        await self._sockets[-1].send_str(json.dumps(envelope))
        return envelope_id

    async def send_event(self, event: dict[str, Any]) -> str:
        """Deliver an Events API event (wrapped in event_callback) to the connected app."""
        return await self._send_envelope(
            "events_api", self._event_payload(event), accepts_response_payload=False
        )

    def _event_payload(self, event: dict[str, Any]) -> dict[str, Any]:
        event = dict(event)
        event.setdefault("event_ts", self._next_ts())
        return {
            "token": "verification-token",
            "team_id": self.team_id,
            "context_team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }

    def _reaction_event(self, kind: str, channel: str, ts: str, user: str, name: str) -> dict[str, Any]:
        event: dict[str, Any] = {
            "type": kind,
            "user": user,
            "reaction": name,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": self._next_ts(),
        }
        message = self._find_message(channel, ts)
        if message is not None:
            event["item_user"] = message["user"]
        return event

    def add_reaction_silently(self, channel: str, ts: str, user: str, name: str) -> None:
        """Store a reaction with no event (as if added while the bot was down)."""
        users = self.reactions.setdefault((channel, ts), {}).setdefault(name, [])
        if user not in users:
            users.append(user)
        self._notify()

    def _remove_reaction_silently(self, channel: str, ts: str, user: str, name: str) -> bool:
        per_message = self.reactions.get((channel, ts), {})
        users = per_message.get(name)
        if not users or user not in users:
            return False
        users.remove(user)
        if not users:
            del per_message[name]
        self._notify()
        return True

    async def add_reaction(self, channel: str, ts: str, user: str, name: str) -> str:
        """A user reacts: stored, then a reaction_added event (sent even for a duplicate). Returns the envelope id."""
        self.add_reaction_silently(channel, ts, user, name)
        return await self.send_event(self._reaction_event("reaction_added", channel, ts, user, name))

    async def add_reactions(self, reactions: list[tuple[str, str, str, str]]) -> int:
        """Store (channel, ts, user, name) reactions; each event is sent only while an app is connected.

        Returns how many were sent: the rest are only on the messages, as if added while the app was down.
        """
        sent = 0
        for channel, ts, user, name in reactions:
            self.add_reaction_silently(channel, ts, user, name)
            if not self._sockets or self._sockets[-1].closed:
                continue
            event = self._reaction_event("reaction_added", channel, ts, user, name)
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._send_envelope(
                    "events_api", self._event_payload(event), accepts_response_payload=False
                )
                sent += 1
        return sent

    async def remove_reaction(self, channel: str, ts: str, user: str, name: str) -> str:
        """A user un-reacts: removed from the store, then a reaction_removed event."""
        self._remove_reaction_silently(channel, ts, user, name)
        return await self.send_event(self._reaction_event("reaction_removed", channel, ts, user, name))

    def _new_response_url(self, **info: Any) -> str:
        rid = f"R{next(self._ids):06d}"
        self.response_urls[rid] = info
        return f"{self.base_url}/response/{rid}"

    def _trigger_id(self) -> str:
        return f"{next(self._ids)}.{self.team_id[1:] or '1'}.{uuid.uuid4().hex}"

    def _slash_payload(self, command: str, text: str, user_id: str, channel_id: str) -> dict[str, str]:
        return {
            "token": "verification-token",
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": self.channels.get(channel_id, {}).get("name", "unknown"),
            "user_id": user_id,
            "user_name": self.users.get(user_id, {}).get("name", user_id.lower()),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self._new_response_url(
                kind="slash", command=command, channel=channel_id, user=user_id
            ),
            "trigger_id": self._trigger_id(),
        }

    async def slash(
        self, command: str, text: str = "", *, user_id: str = "U1", channel_id: str = "C0001"
    ) -> str:
        """A user runs a slash command; returns the envelope id."""
        payload = self._slash_payload(command, text, user_id, channel_id)
        return await self._send_envelope("slash_commands", payload, accepts_response_payload=True)

    async def click(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = "U1",
        channel_id: str = "C0001",
        block_id: str = "b",
        message_ts: str | None = None,
    ) -> str:
        """A user clicks a button (block_actions) on `message_ts` (default: the channel's latest message)."""
        message = None
        if message_ts is None and self.messages.get(channel_id):
            message = self.messages[channel_id][-1]
            message_ts = message["ts"]
        elif message_ts is not None:
            message = self._find_message(channel_id, message_ts)
        message_ts = message_ts or self._next_ts()
        user_name = self.users.get(user_id, {}).get("name", user_id.lower())
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": self.team_id},
            "api_app_id": self.api_app_id,
            "token": "verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": message is None,
            },
            "trigger_id": self._trigger_id(),
            "team": {"id": self.team_id, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": self.channels.get(channel_id, {}).get("name", "unknown")},
            "state": {"values": {}},
            "response_url": self._new_response_url(
                kind="block_actions",
                action_id=action_id,
                channel=channel_id,
                user=user_id,
                message_ts=message_ts,
            ),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "text": {"type": "plain_text", "text": value, "emoji": True},
                    "action_ts": self._next_ts(),
                }
            ],
        }
        if message is not None:
            payload["message"] = self._public_message(message)
        return await self._send_envelope("interactive", payload, accepts_response_payload=False)

    async def drop_socket(self) -> None:
        """Close the current Socket Mode websocket; slack_sdk reconnects (apps.connections.open again)."""
        if not self._sockets:
            raise RuntimeError("no Socket Mode connection to drop")
        ws = self._sockets.pop()
        self._notify()
        await ws.close(code=1001, message=b"dropped by test")

    async def request_refresh(self) -> None:
        """Send Slack's {"type": "disconnect", "reason": "refresh_requested"}; the client reconnects."""
        await self.wait_connected()
        await self._sockets[-1].send_str(
            json.dumps({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "test"}})
        )

    # -- HTTP handlers ---------------------------------------------------------------------------

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self._tickets:
            raise web.HTTPUnauthorized(text="invalid ticket")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._sockets) + 1,
                    "debug_info": {
                        "host": "applink-test-1",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.api_app_id},
                }
            )
        )
        self._sockets.append(ws)
        self._notify()
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                try:
                    data = json.loads(msg.data)
                except ValueError:
                    continue
                if isinstance(data, dict) and "envelope_id" in data:
                    self.acks[str(data["envelope_id"])] = data
                    self._notify()
        finally:
            if ws in self._sockets:
                self._sockets.remove(ws)
                self._notify()
        return ws

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        rid = request.match_info["rid"]
        if rid not in self.response_urls:
            return web.json_response({"ok": False, "error": "expired_url"}, status=404)
        try:
            body = json.loads(await request.text())
        except ValueError:
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"ok": False, "error": "invalid_payload"}, status=400)
        self.responses.append({**body, "response_url_id": rid})
        self._notify()
        return web.json_response({"ok": True})

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = json.loads(await request.text() or "{}")
                if isinstance(body, dict):
                    args.update(body)
            elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                args.update({k: v for k, v in form.items() if isinstance(v, str)})
            else:
                await request.read()
        for key in ("blocks", "attachments", "metadata"):
            value = args.get(key)
            if isinstance(value, str) and value[:1] in ("[", "{"):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(value)
        return args

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except ValueError:
            self.calls.append((method, {}))
            self._notify()
            return web.json_response({"ok": False, "error": "invalid_json"})
        token = args.pop("token", None)
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[len("Bearer ") :].strip()
        self.calls.append((method, args))
        self._notify()

        handler = self._methods.get(method)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        if not token:
            return web.json_response({"ok": False, "error": "not_authed"})
        if not token.startswith(("xoxb-", "xapp-")):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        wants_app_token = method == "apps.connections.open"
        if token.startswith("xapp-") != wants_app_token:
            return web.json_response({"ok": False, "error": "not_allowed_token_type"})

        if self._rate_limits.get(method):
            retry_after = self._rate_limits[method].pop(0)
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(retry_after)}
            )
        if self._failures.get(method):
            error, status = self._failures[method].pop(0)
            return web.json_response({"ok": False, "error": error}, status=status)
        if self.delays.get(method):  # a slow Slack: e.g. users.info taking a while under load
            await asyncio.sleep(self.delays[method])
        drop_after = self._drops[method].pop(0) if self._drops.get(method) else None
        if drop_after is False:
            return self._drop(request)

        try:
            result = handler(args, token)
        except SlackApiFailure as exc:
            return web.json_response({"ok": False, "error": exc.error, **exc.extra})
        self._notify()
        if drop_after:
            return self._drop(request)
        if self._failures_after.get(method):
            error, status = self._failures_after[method].pop(0)
            return web.json_response({"ok": False, "error": error}, status=status)
        return web.json_response({"ok": True, **result})

    @staticmethod
    def _drop(request: web.Request) -> web.Response:
        if request.transport is not None:
            request.transport.abort()  # no status line: the client sees the server disconnect
        return web.Response(status=500)

    # -- Web API methods -------------------------------------------------------------------------

    def _next_ts(self) -> str:
        micros = next(self._ts_seq) * 100
        return f"{TS_BASE + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel(self, value: Any) -> str:
        if not value:
            raise SlackApiFailure("channel_not_found")
        given = str(value)
        if given in self.channels:
            return given
        name = given.lstrip("#")
        for cid, info in self.channels.items():
            if info.get("name") == name:
                return cid
        raise SlackApiFailure("channel_not_found")

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _public_message(self, message: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in message.items() if k not in ("edits", "channel") and v is not None}
        return out

    def _auth_test(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        return {
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Quizbot Test",
            "user": self.users[self.bot_user_id].get("name", "quizbot"),
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"url": f"ws://127.0.0.1:{self.port}/socket?ticket={ticket}"}

    def _message_fields(self, args: dict[str, Any]) -> dict[str, Any]:
        text, blocks = args.get("text"), args.get("blocks")
        if not text and not blocks and not args.get("attachments"):
            raise SlackApiFailure("no_text")
        return {"text": text or "", "blocks": blocks, "attachments": args.get("attachments")}

    def _chat_post_message(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        fields = self._message_fields(args)
        thread_ts = args.get("thread_ts") or None
        if thread_ts is not None and self._find_message(channel, str(thread_ts)) is None:
            raise SlackApiFailure("thread_not_found")
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "channel": channel,
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            **fields,
            "thread_ts": thread_ts,
            "reply_broadcast": _truthy(args["reply_broadcast"]) if "reply_broadcast" in args else None,
            "metadata": args.get("metadata"),
            "edits": 0,
        }
        self.messages.setdefault(channel, []).append(message)
        return {"channel": channel, "ts": ts, "message": self._public_message(message)}

    def _chat_update(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        message = self._find_message(channel, str(args.get("ts", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        if message["user"] != self.bot_user_id:
            raise SlackApiFailure("cant_update_message")
        if "text" in args:
            message["text"] = args["text"]
        if "blocks" in args:
            message["blocks"] = args["blocks"] or None
        if "attachments" in args:
            message["attachments"] = args["attachments"] or None
        message["edits"] += 1
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "channel": channel,
            "ts": message["ts"],
            "text": message["text"],
            "message": self._public_message(message),
        }

    def _chat_delete(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        message = self._find_message(channel, str(args.get("ts", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        self.messages[channel].remove(message)
        return {"channel": channel, "ts": message["ts"]}

    def _chat_post_ephemeral(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        user = args.get("user")
        if not user or user not in self.users:
            raise SlackApiFailure("user_not_in_channel")
        self._message_fields(args)
        ts = self._next_ts()
        self.ephemerals.append({**args, "channel": channel, "message_ts": ts})
        return {"message_ts": ts}

    def _reaction_target(self, args: dict[str, Any]) -> tuple[str, str, str]:
        channel = self._channel(args.get("channel"))
        ts = str(args.get("timestamp") or "")
        if self._find_message(channel, ts) is None and (channel, ts) not in self.reactions:
            raise SlackApiFailure("message_not_found")
        name = str(args.get("name") or "").strip(":")
        return channel, ts, name

    def _echo_reaction(self, kind: str, channel: str, ts: str, name: str) -> None:
        if self.echo_own_reactions and self._sockets:
            event = self._reaction_event(kind, channel, ts, self.bot_user_id, name)
            task = asyncio.ensure_future(self.send_event(event))
            self._tasks.add(task)
            task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[str]) -> None:
        self._tasks.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a send racing a dropped socket is not an error here

    def _reactions_add(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel, ts, name = self._reaction_target(args)
        if not name:
            raise SlackApiFailure("invalid_name")
        if self.bot_user_id in self.reactions.get((channel, ts), {}).get(name, []):
            raise SlackApiFailure("already_reacted")
        self.add_reaction_silently(channel, ts, self.bot_user_id, name)
        self._echo_reaction("reaction_added", channel, ts, name)
        return {}

    def _reactions_remove(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel, ts, name = self._reaction_target(args)
        if not self._remove_reaction_silently(channel, ts, self.bot_user_id, name):
            raise SlackApiFailure("no_reaction")
        self._echo_reaction("reaction_removed", channel, ts, name)
        return {}

    def _reactions_get(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel, ts, _ = self._reaction_target(args)
        full = _truthy(args.get("full", False))
        found = self._find_message(channel, ts)
        message: dict[str, Any] = (
            self._public_message(found) if found is not None else {"type": "message", "ts": ts}
        )
        reactions = [
            {
                "name": name,
                "users": list(users if full else users[:UNFULL_REACTION_USERS]),
                "count": len(users),
            }
            for name, users in self.reactions.get((channel, ts), {}).items()
            if users
        ]
        if reactions:
            message["reactions"] = reactions
        return {"type": "message", "channel": channel, "message": message}

    def _conversations_history(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        channel = self._channel(args.get("channel"))
        limit = max(1, min(999, int(args.get("limit") or 100)))
        top = [  # the channel's own messages and thread replies also sent to the channel, newest first
            m
            for m in reversed(self.messages.get(channel, []))
            if not m.get("thread_ts") or m.get("thread_ts") == m["ts"] or m.get("reply_broadcast")
        ]
        return self._page(top, args, limit)

    def _conversations_replies(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        """A thread, parent first, then its replies oldest first (metadata only with include_all_metadata)."""
        channel = self._channel(args.get("channel"))
        ts = str(args.get("ts") or "")
        if self._find_message(channel, ts) is None:
            raise SlackApiFailure("thread_not_found")
        limit = max(1, min(1000, int(args.get("limit") or 100)))
        thread = [m for m in self.messages.get(channel, []) if m["ts"] == ts or m.get("thread_ts") == ts]
        return self._page(thread, args, limit)

    def _page(self, found: list[dict[str, Any]], args: dict[str, Any], limit: int) -> dict[str, Any]:
        """One page of `found` from the request's cursor; metadata only with include_all_metadata."""
        with_metadata = _truthy(args.get("include_all_metadata", False))
        start = int(str(args.get("cursor") or "0").removeprefix("next:") or 0)
        messages = []
        for m in found[start : start + limit]:
            out = self._public_message(m)
            if not with_metadata:
                out.pop("metadata", None)
            messages.append(out)
        more = start + limit < len(found)
        return {
            "messages": messages,
            "has_more": more,
            "response_metadata": {"next_cursor": f"next:{start + limit}" if more else ""},
        }

    def _users_info(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        uid = str(args.get("user") or "")
        info = self.users.get(uid)
        if info is None:
            raise SlackApiFailure("user_not_found")
        name = info.get("name", uid.lower())
        real_name = info.get("real_name", name.capitalize())
        display_name = info.get("display_name", name)
        return {
            "user": {
                "id": uid,
                "team_id": self.team_id,
                "name": name,
                "deleted": bool(info.get("deleted", False)),
                "real_name": real_name,
                "tz": "UTC",
                "profile": {
                    "display_name": display_name,
                    "display_name_normalized": display_name,
                    "real_name": real_name,
                    "real_name_normalized": real_name,
                    "team": self.team_id,
                },
                "is_admin": bool(info.get("is_admin", False)),
                "is_owner": bool(info.get("is_owner", False)),
                "is_primary_owner": bool(info.get("is_primary_owner", False)),
                "is_bot": bool(info.get("is_bot", False)),
                "is_app_user": False,
            }
        }

    def _conversations_info(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        cid = self._channel(args.get("channel"))
        info = self.channels[cid]
        return {
            "channel": {
                "id": cid,
                "name": info.get("name", cid.lower()),
                "name_normalized": info.get("name", cid.lower()),
                "is_channel": True,
                "is_group": False,
                "is_im": False,
                "is_private": bool(info.get("is_private", False)),
                "is_archived": False,
                "is_general": False,
                "is_member": bool(info.get("is_member", True)),
                "created": TS_BASE - 86_400,
                "context_team_id": self.team_id,
            }
        }
