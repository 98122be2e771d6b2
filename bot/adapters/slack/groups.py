"""Slack user groups as teams: members from usergroups.users.list (scope usergroups:read), names from
users.info (cached), and the daily refresh of every group-bound team while the bot runs."""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ...core.admin import Admin
from ...core.errors import NotFoundError, QuizError
from .users import Users

log = logging.getLogger(__name__)
REFRESH_SECONDS = 86_400.0  # group-bound teams follow their groups: at start, then daily (and at each start
# of a competition, by the core)
_WHY = {
    "no_such_subteam": "Slack has no such user group; mention it (@designers) so Slack fills in its id",
    "missing_scope": "the app lacks the usergroups:read scope; add it (slack/manifest.yaml) and reinstall",
}


class SlackGroups:
    """The core's TeamSource on Slack: who is in a user group now."""

    def __init__(self, client: AsyncWebClient, users: Users) -> None:
        self.client = client
        self.users = users

    async def group_members(self, community: str, group_ref: str) -> list[tuple[str, str]]:
        """(user id, display name) of each member of the group; QuizError saying why if Slack will not say."""
        try:
            found = await self.client.usergroups_users_list(usergroup=group_ref)
        except SlackApiError as exc:
            error = str(exc.response.get("error"))
            if error == "no_such_subteam":
                raise NotFoundError(_WHY[error]) from None
            raise QuizError(
                f"Slack would not list the user group's members ({_WHY.get(error, error)})"
            ) from None
        ids = [u for u in found.get("users") or [] if isinstance(u, str) and u]
        people = [await self.users.get(u) for u in ids]
        return [(p.id, p.name) for p in people if not p.bot]

    async def refresh_daily(self, admin: Admin, every: float | None = None) -> None:
        """Refresh every group-bound team now and then every `every` seconds (default daily), until cancelled;
        a failed refresh is logged and tried again at the next turn."""
        while True:
            try:
                changed = await admin.refresh_all_platform_teams()
                if changed:
                    log.info("user groups refreshed: %d team membership(s) changed", changed)
            except Exception:
                log.exception("refreshing the teams that follow user groups failed")
            await asyncio.sleep(REFRESH_SECONDS if every is None else every)
