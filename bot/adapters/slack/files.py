"""Image cards on Slack through the file upload flow: files.getUploadURLExternal, the bytes to the URL it
returns, then files.completeUploadExternal sharing the file in a channel with the text version as its
initial comment (slack_sdk's files_upload_v2 makes the three calls). Needs the files:write scope.

An upload is not retried (its last step posts); a failed drawing or upload answers False, and the caller
posts the text version instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web.async_client import AsyncWebClient

from ...cards import compose
from ..text_commands import Board, Reply, Stats
from . import render

if TYPE_CHECKING:
    from .chat import SlackChat

log = logging.getLogger(__name__)
COMMENT = 3900  # a little under Slack's 4000 characters of message text


def blocks_text(blocks: list[dict[str, Any]] | None, fallback: str = "") -> str:
    """The mrkdwn text of sections and context blocks, one after another: a reply's text version."""
    parts: list[str] = []
    for block in blocks or []:
        if block.get("type") == "section" and block.get("text"):
            parts.append(str(block["text"].get("text", "")))
        elif block.get("type") == "context":
            parts += [str(e.get("text", "")) for e in block.get("elements", []) if e.get("text")]
    text = "\n".join(p for p in parts if p) or fallback
    return text if len(text) <= COMMENT else text[: COMMENT - 1] + "…"


def card_comment(title: str, blocks: list[dict[str, Any]] | None) -> str:
    """A reply's text version for an upload's comment: its plain title, then the rest of its blocks."""
    body = blocks_text(blocks)
    if body.startswith(f"*{title}*"):
        body = body[len(title) + 2 :].lstrip("\n")
    return f"{title}\n{body}".strip()


async def post_card(
    client: AsyncWebClient, channel: str, make: compose.Make, name: str, title: str, comment: str
) -> bool:
    """Draw the card and share it in `channel` with `comment` (the text version); False when either failed."""
    png = await compose.draw(make)
    if png is None:
        return False
    try:
        await client.files_upload_v2(
            content=png,
            filename=name,
            title=title,
            alt_txt=comment[:1000],
            channel=channel,
            initial_comment=comment,
        )
    except (SlackApiError, SlackRequestError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        detail = exc.response.get("error", "") if isinstance(exc, SlackApiError) else exc
        log.warning("could not upload the %s card (%s); posting the text alone", name, detail or exc)
        return False
    return True


async def show_reply(chat: SlackChat, reply: Reply, channel: str, user: str) -> bool:
    """Share a board reply in the channel as a card with its text (True: nothing else to send); share a stats
    reply's progress card in the asker's direct messages with the bot (private, as the stats reply is) and
    answer False, so the text reply still goes out as usual."""
    if isinstance(reply, Board):
        text, blocks = render.board(reply.view)
        make = compose.board(reply.view, user)
        return await chat.share_card(channel, make, "board.png", text, card_comment(text, blocks))
    if isinstance(reply, Stats) and reply.progress is not None:
        text, blocks = render.stats(reply.view)
        try:
            opened = await chat.client.conversations_open(users=user)
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning("could not open a DM for the progress card: %s", exc)
            return False
        dm = str(opened["channel"]["id"])
        await chat.share_card(
            dm, compose.progress(reply.progress), "progress.png", text, blocks_text(blocks, text)
        )
    return False
