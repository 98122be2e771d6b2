"""Image cards on Discord: the PNG as an attachment shown inside the embed (`attachment://NAME`), its alt text
the text version; the embed's own text stays, so a card that could not be drawn or uploaded leaves the text."""

from __future__ import annotations

import io
import logging
import time

import discord

from ...app import App
from ...cards import compose
from ...core.moves import board_with_moves
from ...core.periods import Period
from ...core.progress import ProgressView
from ...core.views import LeaderboardView
from . import render
from .interaction import reply

log = logging.getLogger(__name__)
ALT = 1024  # Discord's longest attachment description


def alt_text(embed: discord.Embed) -> str:
    """The embed's text, as the image's description (alt text) for screen readers."""
    text = "\n".join(p for p in (embed.title or "", embed.description or "") if p)
    fields = "\n".join(f"{f.name}: {f.value}" for f in embed.fields)
    whole = f"{text}\n{fields}".strip()
    return whole if len(whole) <= ALT else whole[: ALT - 1] + "…"


def picture(embed: discord.Embed, png: bytes | None, name: str) -> discord.File | None:
    """Point the embed's image at the attachment `name` and make that file; None (embed untouched) without png."""
    if png is None:
        return None
    embed.set_image(url=f"attachment://{name}")
    return discord.File(io.BytesIO(png), filename=name, description=alt_text(embed))


async def reply_card(
    interaction: discord.Interaction,
    embed: discord.Embed,
    make: compose.Make,
    name: str,
    *,
    ephemeral: bool = False,
) -> None:
    """Reply with the embed and its card (one response: drawing takes well under Discord's 3 s); when the upload
    is refused, the embed alone."""
    png = await compose.draw(make)
    text_only = embed.copy()
    file = picture(embed, png, name)
    if file is not None:
        send = (
            interaction.followup.send if interaction.response.is_done() else interaction.response.send_message
        )
        try:
            await send(embed=embed, file=file, ephemeral=ephemeral, allowed_mentions=render.NO_PINGS)
            return
        except discord.HTTPException as exc:
            log.warning("could not upload the %s card (%s); sending the text alone", name, exc)
    await reply(interaction, embed=text_only, ephemeral=ephemeral)


async def board(
    interaction: discord.Interaction,
    app: App,
    community_id: int,
    *,
    period: Period,
    teams: bool = False,
    competition: str | None = None,
    competition_default: bool = False,
) -> None:
    """/leaderboard and /competition standings: the board card, the viewer's own row when off the board."""
    viewer = str(interaction.user.id)
    view: LeaderboardView = await board_with_moves(
        app.store,
        community_id,
        period=period,
        at=time.time(),
        teams=teams,
        competition=competition,
        viewer=viewer,
        competition_default=competition_default,
    )
    await reply_card(interaction, render.board(view), compose.board(view, viewer), "board.png")


async def stats(
    interaction: discord.Interaction, embed: discord.Embed, view: ProgressView, *, own: bool
) -> None:
    """/stats: the progress card (with due reviews and readiness in the asker's own, private, reply)."""
    await reply_card(interaction, embed, compose.progress(view), "progress.png", ephemeral=own)
