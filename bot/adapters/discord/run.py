"""`quizbot run --platform discord`: point discord.py at Discord (or a test server), wire, and run."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import discord
import yarl

from ...app import App, assemble
from ...core.errors import QuizError
from ...core.service import QuizService
from ...settings import Settings
from .. import startup
from .chat import DiscordChat
from .client import make_client
from .commands import build
from .roles import DiscordRoles

log = logging.getLogger(__name__)
DEFAULT_API = "https://discord.com/api/v10"
# Gateway close codes about sharding: they end the start, with what to change.
SHARD_REFUSALS = {
    4010: "invalid shard; check --shard-ids and --shard-count (QUIZBOT_SHARD_IDS, QUIZBOT_SHARD_COUNT)",
    4011: "the bot is in too many servers for one session; run it on shards with --shard-count N "
    "(QUIZBOT_SHARD_COUNT), e.g. one shard per 1,000 servers",
}


def point_at(api_url: str | None, gateway_url: str | None) -> None:
    """Send REST and gateway traffic to a proxy or test server instead of Discord's own."""
    if api_url:
        discord.http.Route.BASE = api_url.rstrip("/")
    if gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


class DiscordBot:
    """The assembled Discord bot: `run()` until `close()`."""

    def __init__(
        self,
        settings: Settings,
        *,
        guild_ready_timeout: float = 2.0,
        connect_timeout: float | None = None,
    ) -> None:
        if settings.discord_token is None:
            raise QuizError("DISCORD_TOKEN is not set; create a bot token (README 'Discord') and export it")
        self.settings = settings
        self.connect_timeout = startup.CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        self._first_connection: asyncio.Timeout | None = None  # lifted at the first READY
        self._closing = False
        self.client = make_client(
            settings.shard_ids, settings.shard_count, guild_ready_timeout=guild_ready_timeout
        )
        self.app: App | None = None
        self.ready = asyncio.Event()
        self.rereads = 0  # fresh gateway sessions after the first, each followed by a read-back
        self._sessions: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Connect, start the app on the first READY, and serve until closed."""
        point_at(self.settings.discord_api_url, self.settings.discord_gateway_url)
        startup.quiet_cancelled_jobs()
        token = self.settings.discord_token
        assert token is not None
        async with assemble(self.settings, DiscordChat(self.client), "discord") as app:
            self.app = app
            self.client.service = app.service
            self.client.on_first_ready = self._first_ready
            self.client.on_roles = self._roles
            app.admin.team_source = DiscordRoles(self.client, app.store)  # refreshed at competition start
            build(self.client.tree, app)
            try:
                async with self.client, asyncio.timeout(self.connect_timeout) as first:
                    self._first_connection = first
                    await self.client.start(token.get_secret_value())
            except Exception as exc:
                if self._closing:  # stopped (SIGTERM) while connecting: the broken connection is ours
                    log.info("stopped while connecting to Discord")
                    return
                problem = self._explain(exc)
                if problem is None:
                    raise
                raise problem from None
            finally:
                if self._sessions is not None:
                    self._sessions.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._sessions

    def _explain(self, exc: Exception) -> QuizError | None:
        """A failure to connect as one line naming what to fix; None for anything else."""
        if isinstance(exc, discord.LoginFailure):
            return QuizError("Discord refused the token (DISCORD_TOKEN); check it in the Developer Portal")
        if isinstance(exc, discord.ConnectionClosed) and exc.code in SHARD_REFUSALS:
            return QuizError(f"Discord's gateway closed the session: {SHARD_REFUSALS[exc.code]}")
        if isinstance(exc, TimeoutError) and self._first_connection and self._first_connection.expired():
            return QuizError(self._no_answer())
        if isinstance(exc, startup.CONNECTION_ERRORS):
            return QuizError(self._unreachable(exc))
        if isinstance(exc, AttributeError) and isinstance(exc.__context__, startup.CONNECTION_ERRORS):
            # discord.py (2.7) retrying a first gateway connection that never opened reads `self.ws.sequence`
            # of no socket: the connection's own error is the one to explain.
            return QuizError(self._unreachable(exc.__context__))
        if isinstance(exc, discord.HTTPException):
            return QuizError(
                f"Discord at {self._api()} answered HTTP {exc.status} at start-up; try again later, "
                "or check QUIZBOT_DISCORD_API_URL"
            )
        return None

    def _api(self) -> str:
        return startup.shown_url(self.settings.discord_api_url or DEFAULT_API)

    def _unreachable(self, exc: BaseException) -> str:
        if self.client.user is None:  # not logged in yet: the REST API is what failed
            return (
                f"cannot reach Discord at {self._api()} ({startup.why(exc)}); "
                "check the network and QUIZBOT_DISCORD_API_URL"
            )
        gateway = self.settings.discord_gateway_url
        where = f"Discord's gateway at {startup.shown_url(gateway)}" if gateway else "Discord's gateway"
        return f"cannot reach {where} ({startup.why(exc)}); check the network and QUIZBOT_DISCORD_GATEWAY_URL"

    def _no_answer(self) -> str:
        seconds = f"{self.connect_timeout:g} s"
        if self.client.user is None:
            return (
                f"Discord at {self._api()} did not answer within {seconds}; "
                "check the network and QUIZBOT_DISCORD_API_URL"
            )
        gateway = self.settings.discord_gateway_url
        where = f" at {startup.shown_url(gateway)}" if gateway else ""
        return (
            f"logged in, but Discord's gateway{where} gave no session within {seconds}; "
            "check the network and QUIZBOT_DISCORD_GATEWAY_URL"
        )

    async def _first_ready(self) -> None:
        assert self.app is not None
        if self._first_connection is not None:
            self._first_connection.reschedule(None)  # connected: later outages are retried for ever
        await self.app.start()
        self._sessions = asyncio.get_running_loop().create_task(self._on_new_sessions(self.app.service))
        synced = await self.client.tree.sync()
        log.info("slash commands synced: %d", len(synced))
        self.ready.set()

    async def _roles(self, guild: str, channel: str, role_ids: list[str], player: str, name: str) -> None:
        assert self.app is not None
        record = await self.app.service.channel(guild, channel)
        await self.app.admin.sync_role_member(record, role_ids, player, name)

    async def close(self) -> None:
        """Disconnect; open rounds resume at the next start."""
        self._closing = True
        first = self._first_connection
        if first is not None and first.when() is not None and not first.expired():
            # Still connecting: end the wait now, and `run` closes the client as it leaves. (Closing it from
            # here would leave a sharded client retrying a shard on the closed session every 5 s until the bound.)
            first.reschedule(asyncio.get_running_loop().time())
            return
        await self.client.close()

    async def _on_new_sessions(self, service: QuizService) -> None:
        """After every later READY, read the open questions' reactions back.

        A RESUMED session replays the events it missed; a fresh one (INVALID_SESSION, or a resume that
        came too late) does not, so reactions added while the gateway was away are only on the messages.
        """
        while True:
            await self.client.wait_for(self.client.new_session_event)  # a shard's own READY when sharded
            self.rereads += 1
            try:
                found = await service.reread_open_rounds()
            except Exception:
                log.exception("reading reactions back after a new gateway session failed")
                continue
            log.info("new gateway session: %d missed answer(s) read back from open questions", found)


async def run_discord(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM, which close the connection cleanly."""
    bot = DiscordBot(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    await bot.run()
    return 0
