"""The fake Discord's JSON of its world: users, members, roles, channels, guilds and the application.

``DiscordPayloads`` is the bottom layer of ``DiscordTestServer`` (tests/servers/discord.py): it turns the state
that ``DiscordState`` (discord_state.py) holds into the payloads the other layers send, and looks up
guilds and channels as Discord does (404 for an unknown channel).
"""

from __future__ import annotations

import time
from typing import Any

from tests.servers.discord_model import (
    DISCORD_EPOCH_MS,
    DiscordHTTPError,
    FakeChannel,
    FakeGuild,
    FakeRole,
)


class DiscordPayloads:
    """The Discord JSON of users, members, roles, channels, guilds and the application."""

    # held by DiscordState, which sets them in its __init__
    application_id: int
    bot_id: int
    guilds: list[FakeGuild]
    users: dict[int, dict[str, Any]]
    _member_roles: dict[tuple[int, int], list[int]]
    _last_snowflake: int

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
