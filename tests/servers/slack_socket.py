"""The fake Slack's Socket Mode: the websocket (hello, acks, a dropped socket, Slack's refresh request)
and the envelopes sent over it (Events API events, reaction events, the echo of the bot's own reactions).

A layer of ``SlackTestServer`` (tests/servers/slack.py); apps.connections.open, which hands out the
socket's URL, is a Web API method (slack_web_api.py).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

from tests.servers.slack_state import SlackState


class SlackSocketMode(SlackState):
    """The Socket Mode websocket and the envelopes the app gets over it."""

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
