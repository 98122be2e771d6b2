"""The core's Chat port over discord.py's REST client; no message cache is involved."""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Sequence
from typing import Any

import aiohttp
import discord

from ...cards import compose
from ...core.ports import PostError
from ...core.recap import RecapView
from ...core.views import ChannelRef, LeaderboardView, QuestionView, RevealView
from ..recap_text import recap_lines
from . import render
from .cards import alt_text

log = logging.getLogger(__name__)
PAGE = 100  # Discord's largest page of reaction users
REVEAL_SCAN = 1000  # messages after a question looked through for its reveal after a restart (10 pages)
RETRY_DELAYS = (0.5, 1.0, 2.0)  # our own retries of a create, on top of discord.py's
RETRIED_BY_DISCORD_PY = frozenset({500, 502, 504, 524})  # it already waited 1+3+5+7+9 s on these


class DiscordChat:
    """Posts questions, reveals and boards; reads and removes option reactions."""

    def __init__(self, client: discord.Client, *, retry_delays: Sequence[float] = RETRY_DELAYS) -> None:
        self.client = client
        self.retry_delays = tuple(retry_delays)
        self._option_tasks: set[asyncio.Task[None]] = set()

    def _channel(self, where: ChannelRef) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(where.channel), guild_id=int(where.community))

    async def _send(
        self,
        where: ChannelRef,
        what: str,
        nonce: str,
        card: tuple[str, bytes, str] | None = None,
        **fields: Any,
    ) -> discord.Message:
        """Create a message, retrying 503s and lost connections with one nonce for every attempt.

        A create is not idempotent: a reply can be lost after Discord made the message. With `nonce` and
        enforce_nonce (discord.py sets it whenever a nonce is given) Discord answers a repeat with the
        message it already made, so neither discord.py's retries nor ours can post twice.
        """
        channel = self._channel(where)
        for delay in (*self.retry_delays, None):
            if card is not None:  # (name, PNG, alt text): a new file each attempt, as a sent one is closed
                fields["file"] = discord.File(io.BytesIO(card[1]), filename=card[0], description=card[2])
            try:
                return await channel.send(nonce=nonce, allowed_mentions=render.NO_PINGS, **fields)
            except discord.DiscordServerError as exc:
                if delay is None or exc.status in RETRIED_BY_DISCORD_PY:
                    raise
                reason = f"Discord answered {exc.status}"
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                if delay is None:
                    raise
                reason = f"the connection failed ({type(exc).__name__})"
            log.warning("posting %s: %s; retrying in %.1fs", what, reason, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    async def post_question(self, where: ChannelRef, view: QuestionView) -> str:
        what = f"question {view.round_id}"
        try:
            message = await self._send(where, what, str(secrets.randbits(63)), embed=render.question(view))
        except discord.HTTPException as exc:  # 429s and 5xx were retried (see _send)
            raise PostError(f"Discord refused the post ({exc.status}): {exc.text or exc}") from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise PostError(f"could not reach Discord to post ({type(exc).__name__}: {exc})") from exc
        # The letters go on after we return, once the round is taken: adding them is rate limited (about
        # four a second), and a reaction made meanwhile on a round not yet open would be dropped.
        task = asyncio.get_running_loop().create_task(self._add_letters(message, view))
        self._option_tasks.add(task)
        task.add_done_callback(self._option_tasks.discard)
        return str(message.id)

    async def _add_letters(self, message: discord.Message, view: QuestionView) -> None:
        for emoji in render.OPTION_EMOJI[: len(view.question.options)]:
            try:
                await message.add_reaction(emoji)
            except Exception as exc:  # a missing letter is logged; players can still add it themselves
                log.warning("could not add %s to question %s: %s", emoji, view.round_id, exc)

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        reference = discord.MessageReference(
            message_id=int(message_ref), channel_id=int(where.channel), fail_if_not_exists=False
        )
        # One nonce per question: a reveal repeated after a crash (posted, not yet marked) is not shown twice
        # while Discord remembers the nonce (minutes); after a longer stop, the channel is looked at first.
        what = f"the reveal of {view.round_id}"
        if view.maybe_posted and await self._replied(where, message_ref, what):
            log.info("%s: posted before the restart; not posting again", what)
            return
        await self._send(
            where,
            what,
            f"r{message_ref}",
            embed=render.reveal(view),
            reference=reference,
        )

    async def _replied(self, where: ChannelRef, message_ref: str, what: str) -> bool:
        """Whether one of the REVEAL_SCAN messages after the question is our reply to it. When the channel
        cannot be read, False: a reveal shown twice is better than none."""
        me = self.client.user.id if self.client.user else None
        question = int(message_ref)
        try:
            async for message in self._channel(where).history(
                after=discord.Object(id=question), limit=REVEAL_SCAN, oldest_first=True
            ):
                ref = message.reference
                if message.author.id == me and ref is not None and ref.message_id == question:
                    return True
        except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning(
                "%s: cannot read the channel to see whether it was posted (%s); posting it", what, exc
            )
        return False

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
        await self._post_card(
            where, "the final standings", render.board(view), compose.season(view), "standings.png"
        )

    async def post_recap(self, where: ChannelRef, view: RecapView) -> None:
        lines = recap_lines(view, render.safe, "**")
        embed = discord.Embed(
            title=render.safe(view.title), description="\n".join(lines[1:])[:4000], colour=0x9B59B6
        )
        await self._post_card(where, "the weekly recap", embed, compose.recap(view), "recap.png")

    async def _post_card(
        self, where: ChannelRef, what: str, embed: discord.Embed, make: compose.Make, name: str
    ) -> None:
        """The embed with its card inside; the embed alone when the card cannot be drawn or is refused."""
        png = await compose.draw(make)
        if png is not None:
            with_image = embed.copy().set_image(url=f"attachment://{name}")
            try:
                card = (name, png, alt_text(embed))
                await self._send(where, what, str(secrets.randbits(63)), card, embed=with_image)
                return
            except discord.HTTPException as exc:
                log.warning("%s: the card was refused (%s); posting the text alone", what, exc)
        await self._send(where, what, str(secrets.randbits(63)), embed=embed)
