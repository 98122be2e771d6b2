"""Slack users as the bot needs them: display name, admin, bot; looked up once and cached."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SlackUser:
    """What we keep of a Slack user."""

    id: str
    name: str
    admin: bool
    bot: bool


class Users:
    """users.info with a cache; workspace admins and owners, or the configured list, are admins."""

    def __init__(self, client: AsyncWebClient, extra_admins: frozenset[str] = frozenset()) -> None:
        self.client = client
        self.extra_admins = extra_admins
        self._cache: dict[str, SlackUser] = {}
        self._asking: dict[str, asyncio.Future[SlackUser]] = {}  # lookups in flight, shared

    async def get(self, user_id: str) -> SlackUser:
        """The user, from cache or users.info; an unknown user is a plain member named by id.

        Callers asking for the same user while a lookup is in flight share it, and resume in the order
        they asked: a burst of one person's events is one API call, and their events keep their order.
        """
        found = self._cache.get(user_id)
        if found is not None:
            return found
        asking = self._asking.get(user_id)
        if asking is None:
            asking = asyncio.ensure_future(self._look_up(user_id))
            self._asking[user_id] = asking
            asking.add_done_callback(lambda _: self._asking.pop(user_id, None))
        return await asyncio.shield(asking)

    async def _look_up(self, user_id: str) -> SlackUser:
        try:
            data = (await self.client.users_info(user=user_id))["user"]
            profile = data.get("profile") or {}
            name = (
                profile.get("display_name")
                or profile.get("real_name")
                or data.get("real_name")
                or data.get("name")
            )
            found = SlackUser(
                id=user_id,
                name=name or user_id,
                admin=bool(data.get("is_admin") or data.get("is_owner") or data.get("is_primary_owner")),
                bot=bool(data.get("is_bot")),
            )
        except (SlackApiError, KeyError, TypeError) as exc:
            log.warning("users.info failed for a user: %s", exc)
            return SlackUser(user_id, user_id, False, False)  # not cached: asked again next time
        self._cache[user_id] = found
        return found

    async def is_admin(self, user_id: str) -> bool:
        """Workspace admin or owner, or named in QUIZBOT_SLACK_ADMINS."""
        return user_id in self.extra_admins or (await self.get(user_id)).admin
