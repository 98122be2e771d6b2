"""The core's Chat port over Slack's Web API. A message reference is 'CHANNEL:TS'."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from ...core.ports import PostError
from ...core.views import ChannelRef, LeaderboardView, QuestionView, RevealView
from . import render
from .users import Users

log = logging.getLogger(__name__)


def message_ref(channel: str, ts: str) -> str:
    """Our reference for a Slack message."""
    return f"{channel}:{ts}"


def split_ref(ref: str) -> tuple[str, str]:
    """(channel, ts) of a reference."""
    channel, _, ts = ref.partition(":")
    return channel, ts


class SlackChat:
    """Posts questions, threaded reveals and boards; reads reactions back with reactions.get."""

    def __init__(self, client: AsyncWebClient, users: Users) -> None:
        self.client = client
        self.users = users
        self.bot_user_id: str | None = None
        self._warned_anti_copy = False

    async def post_question(self, where: ChannelRef, view: QuestionView) -> str:
        text, blocks = render.question(view)
        try:
            posted = await self.client.chat_postMessage(channel=where.channel, text=text, blocks=blocks)
        except SlackApiError as exc:  # rate limits and server errors were already retried
            raise PostError(f"Slack refused the post: {exc.response.get('error', exc)}") from exc
        ts = str(posted["ts"])
        for name in render.OPTION_EMOJI[: len(view.question.options)]:
            try:
                await self.client.reactions_add(channel=where.channel, timestamp=ts, name=name)
            except SlackApiError as exc:
                log.warning(
                    "could not add :%s: to question %s: %s", name, view.round_id, exc.response.get("error")
                )
        return message_ref(where.channel, ts)

    async def post_reveal(self, where: ChannelRef, ref: str, view: RevealView) -> None:
        channel, ts = split_ref(ref)
        text, blocks = render.reveal(view)
        await self.client.chat_postMessage(
            channel=channel, thread_ts=ts, reply_broadcast=True, text=text, blocks=blocks
        )

    async def read_answers(self, where: ChannelRef, ref: str, options: int) -> Sequence[tuple[str, str, int]]:
        channel, ts = split_ref(ref)
        data = await self.client.reactions_get(channel=channel, timestamp=ts, full=True)
        found: list[tuple[str, str, int]] = []
        for reaction in (data.get("message") or {}).get("reactions") or []:
            option = render.EMOJI_OPTION.get(str(reaction.get("name", "")).split("::")[0])
            if option is None or option >= options:
                continue
            for user_id in reaction.get("users") or []:
                if user_id == self.bot_user_id:
                    continue
                user = await self.users.get(user_id)
                if not user.bot:
                    found.append((user_id, user.name, option))
        return found

    async def remove_mark(self, where: ChannelRef, ref: str, player: str, option: int) -> None:
        if not self._warned_anti_copy:  # Slack lets an app remove only its own reactions
            log.warning("remove_reactions is on, but Slack does not let apps remove other people's reactions")
            self._warned_anti_copy = True

    async def post_board(self, where: ChannelRef, view: LeaderboardView) -> None:
        text, blocks = render.board(view)
        await self.client.chat_postMessage(channel=where.channel, text=text, blocks=blocks)
