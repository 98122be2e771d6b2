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
conversations.replies (a thread, parent first), usergroups.users.list (`usergroups`: id -> member ids;
a scope in `missing_scopes` makes it missing_scope, as for an app installed before the scope was added),
conversations.open (a DM with one user: slack_dms.py, `dms`), the file upload flow (`files`: id -> name,
length, alt_txt, the bytes POSTed to its upload URL, the channel it was shared in; a completed upload with a
channel_id posts a message with `files` and the initial comment as its text),
`fail_after_next` (the call takes effect, then the reply is an error: a retry would post twice) and
`drop_next` (no reply at all: the connection closes, before or after the call takes effect). Close the Socket Mode handler before `stop()`, or the client keeps reconnecting.

``SlackTestServer`` is built in layers, one file each: the state, the waits and the lookups
(slack_state.py: also the defaults and ``SlackApiFailure``), Socket Mode and its envelopes
(slack_socket.py), the Web API methods (slack_web_api.py) and the HTTP front door with the scripted
failures and the response_url endpoint (slack_http.py). This file holds the method table, start/stop,
request signing for HTTP mode and what tests do as users (reactions, slash commands, clicks).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import time
import uuid
from typing import Any, ClassVar
from urllib.parse import urlencode

from aiohttp import web

from tests.servers.slack_dms import SlackDMs
from tests.servers.slack_http import SlackHTTP

# re-exported: tests import DEFAULT_USERS from here
from tests.servers.slack_state import DEFAULT_CHANNELS as DEFAULT_CHANNELS
from tests.servers.slack_state import DEFAULT_USERS as DEFAULT_USERS
from tests.servers.slack_state import TS_BASE as TS_BASE
from tests.servers.slack_state import UNFULL_REACTION_USERS as UNFULL_REACTION_USERS
from tests.servers.slack_state import SlackApiFailure

__all__ = ["SlackApiFailure", "SlackTestServer"]


class SlackTestServer(SlackDMs, SlackHTTP):
    """Fake Slack Web API + Socket Mode + response_url endpoint on 127.0.0.1 (free port)."""

    # Web API method -> the name of its handler (slack_web_api.py)
    METHODS: ClassVar[dict[str, str]] = {
        "auth.test": "_auth_test",
        "apps.connections.open": "_apps_connections_open",
        "chat.postMessage": "_chat_post_message",
        "chat.update": "_chat_update",
        "chat.delete": "_chat_delete",
        "chat.postEphemeral": "_chat_post_ephemeral",
        "reactions.add": "_reactions_add",
        "reactions.remove": "_reactions_remove",
        "reactions.get": "_reactions_get",
        "users.info": "_users_info",
        "conversations.info": "_conversations_info",
        "conversations.history": "_conversations_history",
        "conversations.replies": "_conversations_replies",
        "conversations.open": "_conversations_open",
        "usergroups.users.list": "_usergroups_users_list",
        "files.getUploadURLExternal": "_files_get_upload_url_external",
        "files.completeUploadExternal": "_files_complete_upload_external",
    }

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/response/{rid}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
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

    # -- what users do ---------------------------------------------------------------------------

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
