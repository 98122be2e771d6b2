"""The fake Slack's Web API methods: auth.test, apps.connections.open, chat.*, reactions.*, users.info,
usergroups.users.list, conversations.* (info, history, replies) and the file upload flow (files.getUploadURLExternal,
files.completeUploadExternal; the bytes go to /upload/ID in slack_http.py), each taking the call's arguments and token and returning
the reply's fields, or raising ``SlackApiFailure`` for {"ok": false}.

A layer of ``SlackTestServer`` (tests/servers/slack.py), whose ``__init__`` holds the method table;
tokens, rate limits and scripted failures are checked before a method runs (slack_http.py).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.servers.slack_socket import SlackSocketMode
from tests.servers.slack_state import TS_BASE, UNFULL_REACTION_USERS, SlackApiFailure, _truthy


class SlackWebApi(SlackSocketMode):
    """The Web API methods, on the state below."""

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

    def _usergroups_users_list(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        if "usergroups:read" in self.missing_scopes:
            raise SlackApiFailure("missing_scope", needed="usergroups:read", provided="chat:write,commands")
        group = str(args.get("usergroup") or "")
        if not group:
            raise SlackApiFailure("invalid_arguments")
        if group not in self.usergroups:
            raise SlackApiFailure("no_such_subteam")
        return {"users": list(self.usergroups[group])}

    # -- files: the upload flow (getUploadURLExternal, the bytes to the URL, completeUploadExternal) --------

    def _files_get_upload_url_external(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        if "files:write" in self.missing_scopes:
            raise SlackApiFailure("missing_scope", needed="files:write", provided="chat:write,commands")
        filename, length = str(args.get("filename") or ""), str(args.get("length") or "")
        if not filename or not length.isdigit():
            raise SlackApiFailure("invalid_arguments")
        file_id = f"F{len(self.files) + 1:08d}"
        self.files[file_id] = {
            "id": file_id,
            "name": filename,
            "length": int(length),
            "alt_txt": args.get("alt_txt"),
            "data": None,  # the bytes, once POSTed to the upload URL
            "completed": False,
        }
        return {"upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        raw = args.get("files")
        try:
            wanted = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            raise SlackApiFailure("invalid_arguments") from None
        if not isinstance(wanted, list) or not wanted:
            raise SlackApiFailure("invalid_arguments")
        channel = self._channel(args["channel_id"]) if args.get("channel_id") else None
        done = []
        for item in wanted:
            record = self.files.get(str(item.get("id")))
            if record is None or record["completed"]:
                raise SlackApiFailure("file_not_found")
            if record["data"] is None or len(record["data"]) != record["length"]:
                raise SlackApiFailure("file_upload_size_mismatch" if record["data"] else "file_not_found")
            record.update(completed=True, title=item.get("title") or record["name"], channel=channel)
            done.append({k: v for k, v in record.items() if k != "data"})
        if channel is not None:  # shared: a message with the files, the initial comment as its text
            message = {
                "type": "message",
                "ts": self._next_ts(),
                "channel": channel,
                "user": self.bot_user_id,
                "bot_id": self.bot_id,
                "text": str(args.get("initial_comment") or ""),
                "files": done,
                "upload": True,
            }
            self.messages.setdefault(channel, []).append(message)
            for record in done:
                self.files[record["id"]]["ts"] = message["ts"]
        return {"files": [{"id": f["id"], "title": f["title"]} for f in done]}
