"""The fake Discord's direct messages: POST /users/@me/channels opens (or returns) the DM channel with a
user, and POST /channels/{dm}/messages posts into it. Tests read ``dm_messages`` (user id -> the bot's
messages to them). A layer of ``DiscordTestServer`` (tests/servers/discord.py).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.servers.discord_model import DiscordHTTPError, _json, _public
from tests.servers.discord_rest import DiscordRest


class DiscordDMs(DiscordRest):
    """DM channels between the bot and users."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.dm_messages: dict[int, list[dict[str, Any]]] = {}  # user id -> messages sent to them

    def _dm_payload(self, channel_id: int, user_id: int) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 1,
            "last_message_id": None,
            "flags": 0,
            "recipients": [self._user(user_id)],
        }

    async def _open_dm(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        recipient = (body or {}).get("recipient_id")
        if recipient is None or not str(recipient).isdigit():
            raise DiscordHTTPError(400, "Invalid Form Body", 50035)
        user_id = int(recipient)
        if user_id not in self.dm_channels:
            self.dm_channels[user_id] = self._snowflake()
        return _json(self._dm_payload(self.dm_channels[user_id], user_id))

    async def _post_message(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        cid = int(p["channel_id"])
        user_id = next((u for u, c in self.dm_channels.items() if c == cid), None)
        if user_id is None:
            return await super()._post_message(request, p, body)
        body = dict(body or {})
        body.pop("__files__", None)
        self._validate_message_body(body, creating=True)
        msg = self._new_message(cid, body, author_id=self.bot_id)
        self.dm_messages.setdefault(user_id, []).append(msg)
        await self._notify()
        return _json(_public(msg))
