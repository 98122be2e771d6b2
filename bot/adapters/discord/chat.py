"""The core's Chat port over discord.py's REST client; no message cache is involved."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from ...core.ports import PostError
from ...core.views import ChannelRef, LeaderboardView, QuestionView, RevealView
from . import render

log = logging.getLogger(__name__)
PAGE = 100  # Discord's largest page of reaction users


class DiscordChat:
    """Posts questions, reveals and boards; reads and removes option reactions."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def _channel(self, where: ChannelRef) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(where.channel), guild_id=int(where.community))

    async def post_question(self, where: ChannelRef, view: QuestionView) -> str:
        try:
            message = await self._channel(where).send(
                embed=render.question(view), allowed_mentions=render.NO_PINGS
            )
        except discord.HTTPException as exc:  # discord.py has already retried 429s and 5xx
            raise PostError(f"Discord refused the post ({exc.status}): {exc.text or exc}") from exc
        for emoji in render.OPTION_EMOJI[: len(view.question.options)]:
            try:
                await message.add_reaction(emoji)
            except discord.HTTPException as exc:
                log.warning("could not add %s to question %s: %s", emoji, view.round_id, exc)
        return str(message.id)

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        reference = discord.MessageReference(
            message_id=int(message_ref), channel_id=int(where.channel), fail_if_not_exists=False
        )
        await self._channel(where).send(
            embed=render.reveal(view), reference=reference, allowed_mentions=render.NO_PINGS
        )

    async def read_answers(
        self, where: ChannelRef, message_ref: str, options: int
    ) -> Sequence[tuple[str, str, int]]:
        me = self.client.user.id if self.client.user else None
        found: list[tuple[str, str, int]] = []
        for option, emoji in enumerate(render.OPTION_EMOJI[:options]):
            after: int | None = None
            while True:
                page: list[Any] = await self.client.http.get_reaction_users(
                    int(where.channel), int(message_ref), emoji, PAGE, after=after
                )
                for user in page:
                    if user.get("bot") or int(user["id"]) == me:
                        continue
                    found.append(
                        (str(user["id"]), user.get("global_name") or user.get("username") or "?", option)
                    )
                if len(page) < PAGE:
                    break
                after = int(page[-1]["id"])
        return found

    async def remove_mark(self, where: ChannelRef, message_ref: str, player: str, option: int) -> None:
        await self.client.http.remove_reaction(
            int(where.channel), int(message_ref), render.OPTION_EMOJI[option], int(player)
        )

    async def post_board(self, where: ChannelRef, view: LeaderboardView) -> None:
        await self._channel(where).send(embed=render.board(view), allowed_mentions=render.NO_PINGS)
