"""The fake Slack's direct messages: conversations.open with one user opens (or returns) the bot's DM with
them, a channel like any other to chat.postMessage; tests read ``dms`` (user id -> DM channel id) and
``messages[dm]``. A layer of ``SlackTestServer`` (tests/servers/slack.py).
"""

from __future__ import annotations

from typing import Any

from tests.servers.slack_state import SlackApiFailure
from tests.servers.slack_web_api import SlackWebApi


class SlackDMs(SlackWebApi):
    """DMs between the bot and one user each."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.dms: dict[str, str] = {}  # user id -> DM channel id

    def _conversations_open(self, args: dict[str, Any], token: str) -> dict[str, Any]:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise SlackApiFailure("users_list_not_supplied")
        if len(users) > 1:
            raise SlackApiFailure("not_supported")  # group DMs: not needed here
        user = users[0]
        if user not in self.users:
            raise SlackApiFailure("user_not_found")
        if user not in self.dms:
            self.dms[user] = f"D{len(self.dms) + 1:04d}"
            self.channels[self.dms[user]] = {"name": self.dms[user], "is_im": True, "user": user}
        dm = self.dms[user]
        return {"channel": {"id": dm, "is_im": True, "user": user}, "no_op": False, "already_open": False}

    def dm_messages(self, user: str) -> list[dict[str, Any]]:
        """The bot's messages in its DM with `user`."""
        return list(self.messages.get(self.dms.get(user, ""), []))
