"""The Discord test server in its own process, able to fire a prepared burst of reaction events.

`python -m bench.discord_load` prints one JSON line with its URLs, serves until stdin closes. Two extra
routes: POST /_bench/prepare {"events": [[message_id, user_id, emoji], ...]} builds the gateway frames
(not timed), and POST /_bench/fire sends them to every connected session as fast as the socket takes them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import warnings
from typing import Any

from aiohttp import web

from tests.servers.discord import DiscordTestServer, _emoji_key, _emoji_payload

QUIZ_CHANNEL_ID = 3000  # the default guild's #quiz


class LoadServer(DiscordTestServer):
    """The project's Discord test server plus a burst of MESSAGE_REACTION_ADD on demand."""

    def __init__(self) -> None:
        super().__init__()
        self._prepared: list[str] = []

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/_bench/prepare", self._prepare)
        app.router.add_post("/_bench/fire", self._fire)

    async def _prepare(self, request: web.Request) -> web.Response:
        events = (await request.json())["events"]
        guild = self._guild_of_channel(QUIZ_CHANNEL_ID)
        assert guild is not None
        prepared = []
        for message_id, user_id, emoji in events:
            self._remember_user(user_id, f"player{user_id}")
            key = _emoji_key(emoji)
            data: dict[str, Any] = {
                "user_id": str(user_id),
                "channel_id": str(QUIZ_CHANNEL_ID),
                "message_id": str(message_id),
                "emoji": _emoji_payload(key),
                "type": 0,
                "burst": False,
                "burst_colors": [],
                "guild_id": str(guild.id),
                "member": self._member_payload(guild.id, user_id),
                "message_author_id": str(self.bot_id),
            }
            prepared.append(json.dumps(data))
        self._prepared = prepared
        return web.json_response({"prepared": len(prepared)})

    async def _fire(self, request: web.Request) -> web.Response:
        start, sent = time.perf_counter(), 0
        for session in list(self._sessions.values()):
            conn = session.conn
            if conn is None or conn.ws.closed:
                continue
            async with session.lock:
                for data in self._prepared:
                    session.seq += 1
                    await conn.ws.send_str(
                        f'{{"op":0,"t":"MESSAGE_REACTION_ADD","s":{session.seq},"d":{data}}}'
                    )
                    sent += 1
        return web.json_response({"sent": sent, "seconds": time.perf_counter() - start})


async def main() -> None:
    server = LoadServer()
    await server.start()
    print(json.dumps({"api": server.api_base, "gateway": server.gateway_url}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent goes
    await server.stop()


if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    asyncio.run(main())
