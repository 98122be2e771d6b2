"""The fake Discord's messages: building them (mentions, replies), their reactions, and checking bodies.

A layer of ``DiscordTestServer`` (tests/servers/discord.py) above ``DiscordPayloads`` (discord_payloads.py):
it builds the message objects the REST and interaction layers store and send, checking message bodies as
Discord does, and keeps the reactions store.
"""

from __future__ import annotations

from typing import Any

from tests.servers.discord_model import (
    _ROLE_MENTION,
    _USER_MENTION,
    DiscordHTTPError,
    _emoji_payload,
    _now_iso,
)
from tests.servers.discord_payloads import DiscordPayloads


class DiscordMessages(DiscordPayloads):
    """Messages as Discord builds and checks them, and who reacted with what."""

    # held by DiscordState, which sets them in its __init__
    messages: dict[int, dict[str, Any]]
    ephemeral_messages: dict[int, dict[str, Any]]
    reactions: dict[int, dict[str, list[int]]]

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

    def _attachments(self, files: list[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
        """Attachments made from a multipart upload's files; payload_json's attachments (by index) give each
        one's description (alt text). The bytes are kept in `uploads` by attachment id."""
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        out = []
        for i, f in enumerate(files):
            aid = str(self._snowflake())
            self.uploads[aid] = f["data"]
            out.append(
                {
                    "id": aid,
                    "filename": f["filename"],
                    "size": f["size"],
                    "url": f"{self.api_base}/attachments/{f['filename']}",
                    "proxy_url": f"{self.api_base}/attachments/{f['filename']}",
                    "description": described.get(str(i), {}).get("description"),
                    "content_type": "image/png" if f["data"][:8] == b"\x89PNG\r\n\x1a\n" else None,
                }
            )
        return out

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
