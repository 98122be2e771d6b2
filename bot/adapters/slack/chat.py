"""The core's Chat port over Slack's Web API. A message reference is 'CHANNEL:TS'."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from ...cards import compose
from ...core.ports import PostError
from ...core.recap import RecapView
from ...core.views import ChannelRef, LeaderboardView, QuestionView, RevealView
from ..recap_text import recap_lines
from . import render
from .files import card_comment, post_card
from .users import SlackUser, Users

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.5, 1.0, 2.0)  # our retries of a failed post, each only once the post is known not to exist
TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})
LOOKUPS = 16  # users.info calls in flight while reading reactions back
POST_EVENT = "quizbot_post"  # message metadata marking each post, so a retry can find an earlier attempt


def message_ref(channel: str, ts: str) -> str:
    """Our reference for a Slack message."""
    return f"{channel}:{ts}"


def split_ref(ref: str) -> tuple[str, str]:
    """(channel, ts) of a reference."""
    channel, _, ts = ref.partition(":")
    return channel, ts


def _failure(exc: SlackApiError) -> tuple[int, str]:
    """(HTTP status, Slack error) of a failed call; an unreadable body leaves slack_sdk's raw response."""
    response: Any = exc.response
    status = int(getattr(response, "status_code", None) or getattr(response, "status", 0) or 0)
    error = response.get("error", "") if hasattr(response, "get") else ""
    return status, str(error or "")


class _Unknown(Exception):
    """A post failed in a way that may have created it, and no earlier attempt could be looked for."""


class SlackChat:
    """Posts questions, threaded reveals and boards; reads reactions back with reactions.get."""

    def __init__(
        self, client: AsyncWebClient, users: Users, *, retry_delays: Sequence[float] = RETRY_DELAYS
    ) -> None:
        self.client = client
        self.users = users
        self.bot_user_id: str | None = None
        self.retry_delays = tuple(retry_delays)
        self._warned_anti_copy = False
        self._option_tasks: set[asyncio.Task[None]] = set()
        # chat.postMessage is not idempotent: this client retries only 429s (refused before anything is
        # made). Server errors and lost replies are ours to retry, after looking for the first attempt.
        self._poster = AsyncWebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            ssl=client.ssl,
            proxy=client.proxy,
            session=client.session,
            headers=dict(client.headers),
            retry_handlers=[
                h for h in client.retry_handlers if isinstance(h, AsyncRateLimitErrorRetryHandler)
            ]
            or [AsyncRateLimitErrorRetryHandler(max_retry_count=3)],
        )

    async def _post(self, channel: str, what: str, marker: str | None = None, **fields: Any) -> str:
        """chat.postMessage, retried after 5xx, transient errors and lost connections without posting twice.

        Each post carries a marker in its metadata; before a retry the channel's latest messages are read
        (conversations.history) and an earlier attempt that did land is used instead of posting again.
        When that cannot be checked, only a connection that was refused (nothing sent) is retried.
        """
        marker = marker or uuid.uuid4().hex
        metadata = {"event_type": POST_EVENT, "event_payload": {"post": marker}}
        for delay in (*self.retry_delays, None):
            try:
                posted = await self._poster.chat_postMessage(channel=channel, metadata=metadata, **fields)
                return str(posted["ts"])
            except SlackApiError as exc:
                status, error = _failure(exc)
                if delay is None or not (status >= 500 or error in TRANSIENT):
                    raise
                reason, sent = f"Slack answered {status} {error}".rstrip(), True
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                if delay is None:
                    raise
                reason = f"the connection failed ({type(exc).__name__})"
                sent = not isinstance(exc, aiohttp.ClientConnectorError)  # refused: nothing was sent
            log.warning("posting %s: %s; in %.1fs, trying again unless it landed", what, reason, delay)
            await asyncio.sleep(delay)
            if sent:
                earlier = await self._find_post(channel, marker, what)
                if earlier is not None:
                    log.info("posting %s: the earlier attempt did land; not posting again", what)
                    return earlier
        raise AssertionError("unreachable")  # the last attempt returns or raises

    async def _find_post(self, channel: str, marker: str, what: str) -> str | None:
        """The ts of our post carrying `marker` among the channel's latest messages; _Unknown if unreadable."""
        try:
            data = await self.client.conversations_history(
                channel=channel, limit=50, include_all_metadata=True
            )
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            detail = _failure(exc)[1] if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning(
                "posting %s: cannot check whether the failed attempt landed (%s; the app needs "
                "channels:history); not retrying, so it is never posted twice",
                what,
                detail,
            )
            raise _Unknown(str(detail)) from exc
        for message in data.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("post") == marker:
                return str(message["ts"])
        return None

    async def post_question(self, where: ChannelRef, view: QuestionView) -> str:
        text, blocks = render.question(view)
        try:
            ts = await self._post(where.channel, f"question {view.round_id}", text=text, blocks=blocks)
        except SlackApiError as exc:  # rate limits and server errors were retried (see _post)
            status, error = _failure(exc)
            raise PostError(f"Slack refused the post: {error or status}") from exc
        except _Unknown as exc:
            raise PostError(f"Slack failed to confirm the post and it could not be checked ({exc})") from exc
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise PostError(f"could not reach Slack to post ({type(exc).__name__}: {exc})") from exc
        # The numbers go on after we return, once the round is taken: a reaction made before would be dropped.
        task = asyncio.get_running_loop().create_task(self._add_numbers(where.channel, ts, view))
        self._option_tasks.add(task)
        task.add_done_callback(self._option_tasks.discard)
        return message_ref(where.channel, ts)

    async def _add_numbers(self, channel: str, ts: str, view: QuestionView) -> None:
        for name in render.OPTION_EMOJI[: len(view.question.options)]:
            try:
                await self.client.reactions_add(channel=channel, timestamp=ts, name=name)
            except SlackApiError as exc:
                log.warning("could not add :%s: to question %s: %s", name, view.round_id, _failure(exc)[1])
            except Exception as exc:  # a missing number is logged; players can still add it themselves
                log.warning("could not add :%s: to question %s: %s", name, view.round_id, exc)

    async def post_reveal(self, where: ChannelRef, ref: str, view: RevealView) -> None:
        channel, ts = split_ref(ref)
        what, marker = f"the reveal of {view.round_id}", f"reveal-{view.round_id}"
        if view.maybe_posted and await self._in_thread(channel, ts, marker, what):
            log.info("%s: posted before the restart; not posting again", what)
            return
        text, blocks = render.reveal(view)
        await self._post(
            channel,
            what,
            marker,
            thread_ts=ts,
            reply_broadcast=True,
            text=text,
            blocks=blocks,
        )

    async def _in_thread(self, channel: str, ts: str, marker: str, what: str) -> bool:
        """Whether the thread of `ts` holds our post carrying `marker` (conversations.replies). When the
        thread cannot be read, False: a reveal shown twice is better than none."""
        cursor = None
        try:
            while True:
                data = await self.client.conversations_replies(
                    channel=channel, ts=ts, limit=200, include_all_metadata=True, cursor=cursor
                )
                for message in data.get("messages") or []:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("post") == marker:
                        return True
                cursor = (data.get("response_metadata") or {}).get("next_cursor")
                if not data.get("has_more") or not cursor:
                    return False
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            detail = _failure(exc)[1] if isinstance(exc, SlackApiError) else type(exc).__name__
            log.warning(
                "%s: cannot read the thread to see whether it was posted (%s); posting it", what, detail
            )
            return False

    async def read_answers(self, where: ChannelRef, ref: str, options: int) -> Sequence[tuple[str, str, int]]:
        channel, ts = split_ref(ref)
        data = await self.client.reactions_get(channel=channel, timestamp=ts, full=True)
        marks: list[tuple[str, int]] = []
        for reaction in (data.get("message") or {}).get("reactions") or []:
            option = render.EMOJI_OPTION.get(str(reaction.get("name", "")).split("::")[0])
            if option is None or option >= options:
                continue
            marks += [(str(u), option) for u in reaction.get("users") or [] if u != self.bot_user_id]
        # Thousands of reactions after a restart: look each person up once, a few at a time, not in a row.
        gate = asyncio.Semaphore(LOOKUPS)

        async def lookup(user_id: str) -> SlackUser:
            async with gate:
                return await self.users.get(user_id)

        ids = list(dict.fromkeys(u for u, _ in marks))
        people = dict(zip(ids, await asyncio.gather(*(lookup(u) for u in ids)), strict=True))
        return [(u, people[u].name, option) for u, option in marks if not people[u].bot]

    async def remove_mark(self, where: ChannelRef, ref: str, player: str, option: int) -> None:
        if not self._warned_anti_copy:  # Slack lets an app remove only its own reactions
            log.warning("remove_reactions is on, but Slack does not let apps remove other people's reactions")
            self._warned_anti_copy = True

    async def post_board(self, where: ChannelRef, view: LeaderboardView) -> None:
        text, blocks = render.board(view)
        comment = card_comment(text, blocks)
        if not await post_card(
            self._poster, where.channel, compose.season(view), "standings.png", text, comment
        ):
            await self._post(where.channel, "a leaderboard", text=text, blocks=blocks)

    async def share_card(self, channel: str, make: compose.Make, name: str, title: str, comment: str) -> bool:
        """Upload a card into `channel` with its text version; False when it could not be drawn or uploaded."""
        return await post_card(self._poster, channel, make, name, title, comment)

    async def post_recap(self, where: ChannelRef, view: RecapView) -> None:
        comment = "\n".join(recap_lines(view, render.safe, "*"))
        title = render.safe(view.title)
        if not await post_card(self._poster, where.channel, compose.recap(view), "recap.png", title, comment):
            await self._post(where.channel, "the weekly recap", text=comment)
