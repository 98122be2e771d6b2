"""The discord.py client: fewest intents, no message cache, reactions straight to the core."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from ...core.errors import QuizError
from ...core.service import QuizService
from . import guards, render

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Guilds (channels, roles) and guild reactions: no privileged intent, no message content."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_reactions = True
    return wanted


def _ignore(data: object) -> None:
    """A bad reaction needs no reply: nobody waits for one."""


class QuizClient(discord.Client):
    """Routes raw reaction events to the service; the open-round map lives in the core."""

    def __init__(self, *, guild_ready_timeout: float = 2.0) -> None:
        # The bot never joins voice: discord.py's start-up warnings about missing voice libraries
        # (PyNaCl, davey) would only tell the person starting it to install what it does not need.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(),
            max_messages=None,  # reactions never touch discord.py's message cache
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            allowed_mentions=render.NO_PINGS,
            guild_ready_timeout=guild_ready_timeout,
        )
        self.refusals = guards.Refusals(self)
        self.tree: app_commands.CommandTree[discord.Client] = guards.GuardedTree(self, self.refusals)
        self.service: QuizService | None = None
        self.on_first_ready: Callable[[], Awaitable[object]] | None = None
        self.on_roles: Callable[[str, str, list[str], str, str], Awaitable[None]] | None = None
        self._started = False
        self._role_synced: set[tuple[int, int]] = set()
        self._me = 0  # our user id, from READY: our own option reactions are not answers
        # discord.py parses a gateway event before any listener sees it, and an exception while parsing
        # ends the whole connection loop: each event we read is checked first and parsed under a guard.
        parsers = self._connection.parsers
        for event in guards.REACTION_EVENTS:
            check = functools.partial(guards.check_reaction, event)
            parsers[event] = guards.guarded(event, parsers[event], check, _ignore)
        parsers["INTERACTION_CREATE"] = guards.guarded(
            "INTERACTION_CREATE", parsers["INTERACTION_CREATE"], guards.check_interaction, self.refusals.raw
        )

    async def on_ready(self) -> None:
        """First READY: start the app (resume rounds, schedules). Later READYs are reconnects."""
        log.info("connected to Discord as %s in %d server(s)", self.user, len(self.guilds))
        self._me = self.user.id if self.user is not None else 0
        if self._started:
            return
        self._started = True
        if self.on_first_ready is not None:
            await self.on_first_ready()

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        # The hot path of a busy quiz: cheapest checks first, no formatting before they pass.
        service, emoji = self.service, payload.emoji
        if service is None or emoji.id is not None or payload.guild_id is None:
            return
        option = render.EMOJI_OPTION.get(emoji.name)
        member = payload.member
        if option is None or payload.user_id == self._me or (member is not None and member.bot):
            return
        name = member.display_name if member is not None else str(payload.user_id)
        try:
            outcome = service.answer(str(payload.message_id), str(payload.user_id), name, option)
        except QuizError as exc:
            log.debug("reaction on %s ignored: %s", payload.message_id, exc)
            return
        if outcome is None or member is None or self.on_roles is None:
            return
        key = (payload.guild_id, payload.user_id)
        if key in self._role_synced:
            return
        self._role_synced.add(key)  # once per player and server while the bot runs
        roles = [str(r.id) for r in member.roles if not r.is_default()]
        if roles:
            await self.on_roles(
                str(payload.guild_id), str(payload.channel_id), roles, str(payload.user_id), name
            )

    def forget_roles(self, guild_id: int) -> None:
        """Read each member's roles again at their next answer in a server (its role teams were refreshed)."""
        self._role_synced = {key for key in self._role_synced if key[0] != guild_id}

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        emoji = payload.emoji
        option = render.EMOJI_OPTION.get(emoji.name) if emoji.id is None else None
        if option is None or self.service is None or payload.user_id == self._me:
            return
        try:
            self.service.withdraw(str(payload.message_id), str(payload.user_id), option)
        except QuizError as exc:
            log.debug("reaction removal on %s ignored: %s", payload.message_id, exc)
