"""The fake Discord's state (users, members, messages, reactions, interactions...) and its Discord JSON.

``DiscordState`` is the bottom layer of ``DiscordTestServer`` (tests/servers/discord.py): it holds
everything the other layers read and change, and builds the payloads they send (users, members, roles,
channels, guilds, messages with their reactions), checking message bodies as Discord does.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.servers.discord_model import (
    _ROLE_MENTION,
    _USER_MENTION,
    DISCORD_EPOCH_MS,
    NONCE_WINDOW_S,
    DiscordHTTPError,
    FakeChannel,
    FakeGuild,
    FakeRole,
    _emoji_payload,
    _now_iso,
    default_guild,
)

if TYPE_CHECKING:
    from tests.servers.discord_gateway import _Conn, _Session
    from tests.servers.discord_http import _Rule


class DiscordState:
    """What the fake Discord holds, and the Discord JSON of it."""

    def __init__(
        self,
        *,
        application_id: int,
        bot_id: int,
        guilds: list[FakeGuild] | None,
        bot_name: str,
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

    # ------------------------------------------------------------------ the reactions store

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
