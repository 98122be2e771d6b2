"""Shared plumbing for slash commands: where the command ran, who is admin, errors shown once."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from ...core.errors import PermissionDeniedError, QuizError
from ...core.records import ChannelRecord
from ...core.service import QuizService
from . import render

log = logging.getLogger(__name__)
NOT_ADMIN = "only server admins (members with Manage Server) can do that"


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server in this channel, checked by us even where Discord hides nothing."""
    perms = interaction.permissions
    return bool(perms.manage_guild or perms.administrator)


async def here(service: QuizService, interaction: discord.Interaction) -> ChannelRecord:
    """Our record of the channel the command ran in; servers only."""
    if interaction.guild_id is None or interaction.channel_id is None:
        raise QuizError("quiz commands work in a server channel, not in direct messages")
    guild = interaction.guild.name if interaction.guild else ""
    return await service.channel(str(interaction.guild_id), str(interaction.channel_id), (guild, ""))


async def reply(
    interaction: discord.Interaction,
    content: str | None = None,
    *,
    embed: discord.Embed | None = None,
    ephemeral: bool = False,
) -> None:
    """Answer the interaction, or follow up if it was deferred; never pings anyone."""
    kwargs: dict[str, Any] = {"ephemeral": ephemeral, "allowed_mentions": render.NO_PINGS}
    if embed is not None:
        kwargs["embed"] = embed
    if content is not None:
        kwargs["content"] = content
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """Domain errors become an ephemeral message that says what to fix; anything else is logged."""
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, PermissionDeniedError):
        text = NOT_ADMIN
    elif isinstance(cause, QuizError | app_commands.TransformerError | app_commands.CheckFailure):
        text = str(cause)
    elif isinstance(cause, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
        log.warning("out-of-date command used: %s", cause)
        text = "this command has changed since Discord cached it; try again in a minute"
    else:
        log.error(
            "command %s failed",
            interaction.command.qualified_name if interaction.command else "?",
            exc_info=cause,
        )
        text = "something went wrong on our side; it has been logged"
    await reply(interaction, f"⚠️ {render.safe(text)}", ephemeral=True)
