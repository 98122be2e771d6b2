"""The fake Discord's interactions: slash commands, autocomplete and component clicks dispatched to the
client (``interact``, ``click``), and their webhooks (callback, @original, followups). A layer of
``DiscordTestServer`` (tests/servers/discord.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from aiohttp import web

from tests.servers.discord_gateway import DiscordGateway
from tests.servers.discord_model import DiscordHTTPError, _json, _now_iso, _public


class DiscordInteractions(DiscordGateway):
    """Interactions sent to the client and the webhooks it answers them through."""

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

    # ------------------------------------------------------------------ interaction webhooks

    async def _interaction_callback(self, request: web.Request, p: dict[str, str], body: Any) -> web.Response:
        iid = int(p["interaction_id"])
        inter = self._interactions.get(iid)
        if inter is None or inter["token"] != p["token"]:
            raise DiscordHTTPError(404, "Unknown interaction", 10062)
        if inter["acked"]:
            raise DiscordHTTPError(400, "Interaction has already been acknowledged.", 40060)
        body = dict(body or {})
        files = body.pop("__files__", [])
        rtype = int(body.get("type", 0))
        data = dict(body.get("data") or {})
        self.interaction_responses[iid].append(body)
        inter["acked"] = True
        inter["response_type"] = rtype
        message: dict[str, Any] | None = None
        if rtype == 4:  # CHANNEL_MESSAGE_WITH_SOURCE
            self._validate_message_body(data, creating=True, has_files=bool(files))
            message = self._interaction_message(inter, data, iid)
            message["attachments"] = self._attachments(files, data)
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
        files = body.pop("__files__", [])
        self._validate_message_body(body, creating=True, has_files=bool(files))
        self.interaction_responses[iid].append(body)
        message = self._interaction_message(inter, body, iid)
        message["attachments"] = self._attachments(files, body)
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
