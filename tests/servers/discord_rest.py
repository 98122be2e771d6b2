"""The fake Discord's REST handlers for gateway discovery, users, the application and its commands,
guilds, channels, messages (with enforce_nonce) and reactions. The interaction webhooks are in
tests/servers/discord_interactions.py, the routing in tests/servers/discord_http.py. A layer of
``DiscordTestServer`` (tests/servers/discord.py).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from tests.servers.discord_interactions import DiscordInteractions
from tests.servers.discord_model import (
    DISCORD_EPOCH_MS,
    DiscordHTTPError,
    _emoji_key,
    _emoji_payload,
    _json,
    _public,
)


class DiscordRest(DiscordInteractions):
    """REST route handlers (but the interaction webhooks)."""

    # ------------------------------------------------------------------ gateway, users, application

    async def _get_gateway(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        return _json({"url": self.gateway_url})

    async def _get_gateway_bot(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
        return _json({"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limit})

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

    # ------------------------------------------------------------------ guilds and channels

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

    # ------------------------------------------------------------------ messages

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
        attachments = self._attachments(files, body)
        msg = self._new_message(cid, body, author_id=self.bot_id, attachments=attachments)
        self.messages[int(msg["id"])] = msg
        await self._dispatch_message("MESSAGE_CREATE", msg)
        return _json(_public(msg))

    def _same_nonce(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """With enforce_nonce, the bot's message created with this nonce in the last few minutes, if any."""
        nonce = body.get("nonce")
        if not body.get("enforce_nonce") or nonce is None:
            return None
        since = (int((time.time() - self.nonce_window_s) * 1000) - DISCORD_EPOCH_MS) << 22
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

    # ------------------------------------------------------------------ reactions

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
