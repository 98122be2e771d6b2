"""The discord.py client: fewest intents, no message cache, reactions straight to the core.

`QuizClient` is one gateway session for every server (discord.Client); `ShardedQuizClient` is the same bot on
some of Discord's shards (discord.AutoShardedClient, one session per shard), for a bot split across processes
with --shard-ids and --shard-count. `make_client` picks one from the settings.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar

import discord
from discord import app_commands

from ...core.errors import QuizError
from ...core.service import QuizService
from .. import startup
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

    # The event after which a fresh gateway session (not a RESUME) has its guilds: missed reactions are then
    # read back (bot/adapters/discord/run.py).
    new_session_event = "ready"

    def __init__(self, *, guild_ready_timeout: float = 2.0, **sharding: Any) -> None:
        # The bot never joins voice: discord.py's start-up warnings about missing voice libraries
        # (PyNaCl, davey) would only tell the person starting it to install what it does not need.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        _quiet_retries()
        super().__init__(
            intents=intents(),
            max_messages=None,  # reactions never touch discord.py's message cache
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            allowed_mentions=render.NO_PINGS,
            guild_ready_timeout=guild_ready_timeout,
            **sharding,
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
        log.info("connected to Discord as %s in %d server(s)%s", self.user, len(self.guilds), self.serving())
        self._me = self.user.id if self.user is not None else 0
        if self._started:
            return
        self._started = True
        if self.on_first_ready is not None:
            await self.on_first_ready()

    def serving(self) -> str:
        """Which shards this process serves, for the log ('' for every server in one session)."""
        return ""

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


class ShardedQuizClient(QuizClient, discord.AutoShardedClient):
    """QuizClient on some of Discord's shards: one gateway session each, every behaviour QuizClient's.

    The first READY of every shard starts the app (discord.py's "ready" waits for all of them); after that,
    each fresh session of a shard ("shard_ready") is followed by reading missed reactions back.
    """

    new_session_event = "shard_ready"

    def __init__(
        self, *, shard_ids: Sequence[int], shard_count: int, guild_ready_timeout: float = 2.0
    ) -> None:
        super().__init__(
            guild_ready_timeout=guild_ready_timeout, shard_ids=list(shard_ids), shard_count=shard_count
        )

    def serving(self) -> str:
        ids = self.shard_ids or range(self.shard_count or 0)
        return f" on shard{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))} of {self.shard_count}"

    async def on_shard_ready(self, shard_id: int) -> None:
        servers = sum(1 for guild in self.guilds if guild.shard_id == shard_id)
        log.info("shard %d of %s ready: %d server(s) on it", shard_id, self.shard_count, servers)


class _Retries(logging.Filter):
    """discord.py logs each failed try to reach the gateway with its traceback (a shard that cannot connect at
    start, every 5 s; one session, before each reconnect): one line each instead, with the reason (the bound on
    the first connection still ends the start)."""

    LINES: ClassVar[dict[str, str]] = {
        "Failed to connect for shard_id": "shard %s cannot connect to Discord's gateway (%s); trying again in 5 s",
        "Attempting a reconnect in": "cannot reach Discord's gateway (%s); trying again in %.2fs",
    }

    def filter(self, record: logging.LogRecord) -> bool:
        found = next((line for start, line in self.LINES.items() if str(record.msg).startswith(start)), None)
        if record.exc_info and found is not None:
            reason = startup.why(record.exc_info[1]) if record.exc_info[1] else "unknown"
            args = record.args if isinstance(record.args, tuple) else ()
            record.msg = found
            record.args = (*args, reason) if found.startswith("shard") else (reason, *args)
            record.exc_info, record.exc_text = None, None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def _quiet_retries() -> None:
    for name in ("discord.shard", "discord.client"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Retries) for f in logger.filters):
            logger.addFilter(_Retries())


def make_client(
    shard_ids: Sequence[int] | None, shard_count: int | None, *, guild_ready_timeout: float = 2.0
) -> QuizClient:
    """The sharded client when a shard count is given (without ids: every shard of it), else one session.

    Without shards the bot stays the plain discord.Client it always was. An AutoShardedClient without ids would
    not behave the same: it asks Discord how many shards to open (GET /gateway/bot) and runs them all, fires
    "ready" only once every shard is in, and retries a failed start every 5 s instead of backing off.
    """
    if shard_count is None:
        return QuizClient(guild_ready_timeout=guild_ready_timeout)
    ids = range(shard_count) if shard_ids is None else shard_ids
    return ShardedQuizClient(shard_ids=ids, shard_count=shard_count, guild_ready_timeout=guild_ready_timeout)
