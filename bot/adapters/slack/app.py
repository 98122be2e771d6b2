"""The slack-bolt AsyncApp: reaction listeners, /quiz and /lookup, in Socket Mode or over HTTP."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from ...app import App, assemble
from ...core.errors import PermissionDeniedError, QuizError
from ...settings import Settings
from .. import startup
from ..text_commands import Caller, TextCommands, split
from . import render
from .chat import SlackChat, message_ref
from .files import show_reply
from .groups import SlackGroups
from .study import SlackStudy
from .users import Users

log = logging.getLogger(__name__)
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")  # a person's id; Slack never sends another kind as the actor
DEFAULT_API = "https://slack.com/api/"
T = TypeVar("T")
NOT_ADMIN = "only workspace admins or owners, or members listed in QUIZBOT_SLACK_ADMINS, can do that"


class _DropNotice(logging.Filter):
    """Drop one slack-bolt start-up notice, read by people as a warning about their token.

    Bolt reads SLACK_BOT_TOKEN itself, then says it will use the client we gave it instead: the same token.
    """

    def __init__(self, notice: str) -> None:
        super().__init__()
        self.notice = notice

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.notice


_BOLT_LOG = logging.getLogger(f"slack_bolt.{AsyncApp.__name__}")
if not any(isinstance(f, _DropNotice) for f in _BOLT_LOG.filters):
    _BOLT_LOG.addFilter(_DropNotice(warning_client_prioritized_and_token_skipped()))


class _Stopped(Exception):
    """`close()` was called while the bot was still starting."""


class SlackBot:
    """Slack in Socket Mode (SLACK_APP_TOKEN) or HTTP mode (SLACK_SIGNING_SECRET and a port)."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "0.0.0.0",
        port: int | None = None,
        connect_timeout: float | None = None,
    ) -> None:
        if settings.slack_bot_token is None:
            raise QuizError(
                "SLACK_BOT_TOKEN is not set; install the app (README 'Slack') and export its bot token"
            )
        if settings.slack_app_token is None and settings.slack_signing_secret is None:
            raise QuizError("set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
        self.settings = settings
        self.connect_timeout = startup.CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        self.socket_mode = settings.slack_app_token is not None
        self.host = host  # all interfaces by default: Slack's servers must reach HTTP mode
        self.listen_port = settings.slack_port if port is None else port
        self.client = AsyncWebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=settings.slack_api_url or DEFAULT_API,
            retry_handlers=[
                AsyncRateLimitErrorRetryHandler(max_retry_count=3),
                AsyncServerErrorRetryHandler(max_retry_count=3),
            ],
        )
        self.users = Users(self.client, settings.slack_admins)
        self.chat = SlackChat(self.client, self.users)
        self.groups = SlackGroups(self.client, self.users)  # user groups as teams (bind-group)
        secret = settings.slack_signing_secret
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=secret.get_secret_value() if secret else None,
            request_verification_enabled=secret is not None,
        )
        self.app: App | None = None
        self.commands: TextCommands | None = None
        self.ready = asyncio.Event()
        self.port: int | None = None
        self._stop = asyncio.Event()
        self._listen()
        # review, practice, exam, report, remind, analytics; the study lines of stats
        self.study = SlackStudy(self)

    # -- listeners -------------------------------------------------------------------------------

    def _listen(self) -> None:
        bolt = self.bolt

        @bolt.event("reaction_added")
        async def added(event: dict[str, Any]) -> None:
            await self._reaction(event, added=True)

        @bolt.event("reaction_removed")
        async def removed(event: dict[str, Any]) -> None:
            await self._reaction(event, added=False)

        @bolt.command("/quiz")
        async def quiz(ack: Any, command: dict[str, Any], respond: Any) -> None:
            await ack()
            await self._command([], command, respond)

        @bolt.command("/lookup")
        async def lookup(ack: Any, command: dict[str, Any], respond: Any) -> None:
            await ack()
            await self._command(["lookup"], command, respond)

        @bolt.action(re.compile(r"^lookup_pick_\d+$"))
        async def pick(ack: Any, action: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
            await ack()
            assert self.app is not None
            user = body.get("user")
            if not isinstance(user, dict) or not is_user_id(user.get("id")):
                log.warning("malformed block_actions dropped: user %s is not a Slack user", shown(user))
                return
            glossary, value = self.app.service.bank.glossary, str(action.get("value", ""))
            # A card's button carries an entry id; a "did you mean" button carries the entry's name.
            entry = glossary.get(value) or next((e for e in glossary.values() if e.name == value), None)
            if entry is None:
                await respond(
                    text="That entry is no longer in the glossary.",
                    response_type="ephemeral",
                    replace_original=False,
                )
                return
            found = self.app.service.lookup_index.answer(entry.name, 5)
            text, blocks = render.lookup(found, self._names())
            await respond(text=text, blocks=blocks, response_type="in_channel", replace_original=False)

    def _names(self) -> dict[str, str]:
        assert self.app is not None
        return {k: e.name for k, e in self.app.service.bank.glossary.items()}

    async def _reaction(self, event: dict[str, Any], *, added: bool) -> None:
        if self.app is None:
            return
        try:
            item, user, reaction = event["item"], event["user"], event["reaction"]
            channel, ts = item["channel"], item["ts"]
            if not all(isinstance(v, str) and v for v in (user, reaction, channel, ts)):
                raise TypeError("user, reaction, channel and ts must be non-empty strings")
            if not is_user_id(user):
                raise ValueError(f"user {shown(user)} is not a Slack user id")
            ref = message_ref(channel, ts)
            at = min(float(event.get("event_ts") or time.time()), time.time())
            if not math.isfinite(at):  # 'nan' parses, and a NaN time cannot be scored or stored
                raise ValueError(f"event_ts {event.get('event_ts')!r}")
        except (KeyError, TypeError, ValueError) as exc:
            log.warning(
                "malformed %s event dropped (%s: %s; keys: %s)",
                "reaction_added" if added else "reaction_removed",
                type(exc).__name__,
                exc,
                sorted(event) if isinstance(event, dict) else "?",
            )
            return
        option = render.EMOJI_OPTION.get(reaction.split("::")[0])  # skin tones arrive as 'one::skin-tone-2'
        service = self.app.service
        if option is None or user == self.chat.bot_user_id or service.open_round(ref) is None:
            return
        try:
            # A removal waits for the same user lookup as the add before it (shared, resumed in order), so
            # one person's add-then-remove is applied in that order even while their name is looked up.
            person = await self.users.get(user)
            if not added:
                service.withdraw(ref, user, option)
                return
            if not person.bot:
                service.answer(ref, user, person.name, option, at=at)
        except QuizError as exc:
            log.debug("reaction ignored: %s", exc)

    async def _command(self, prefix: list[str], command: dict[str, Any], respond: Any) -> None:
        assert self.app is not None and self.commands is not None
        needed = [command.get(k) for k in ("user_id", "team_id", "channel_id", "response_url")]
        if not all(isinstance(v, str) and v for v in needed) or not is_user_id(needed[0]):
            log.warning(
                "malformed %s command dropped (it needs a user_id, team_id, channel_id, response_url; has %s)",
                command.get("command", "slash"),
                {k: shown(command.get(k)) for k in ("user_id", "team_id", "channel_id")},
            )
            return
        user_id, team, channel_id = str(needed[0]), str(needed[1]), str(needed[2])
        try:
            channel = await self.app.service.channel(
                team, channel_id, (command.get("team_domain", ""), command.get("channel_name", ""))
            )
            person = await self.users.get(user_id)
            caller = Caller(channel, user_id, person.name, await self.users.is_admin(user_id))
            words = prefix + split_text(str(command.get("text") or ""))
            if await self.study.handle(words, caller, respond):
                return
            reply = await self.commands.run(words, caller)
        except QuizError as exc:
            said = NOT_ADMIN if isinstance(exc, PermissionDeniedError) else str(exc)
            await respond(text=f":warning: {render.safe(said)}", response_type="ephemeral")
            return
        if await show_reply(self.chat, reply, channel_id, user_id):  # a board as a picture with its text
            return
        text, blocks, public = render.reply(reply, self._names())
        if text or blocks:
            kwargs: dict[str, Any] = {"text": text, "response_type": "in_channel" if public else "ephemeral"}
            if blocks:
                kwargs["blocks"] = blocks
            await respond(**kwargs)

    # -- running ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve until `close()`; a Slack that cannot be reached or refuses a token is a QuizError."""
        startup.quiet_cancelled_jobs()
        async with assemble(self.settings, self.chat, "slack") as app:
            self.app = app
            self.commands = TextCommands(app.service, app.admin, app.service.clock, prefix="/quiz ")
            self.commands.history, self.commands.study = app.store, app.study  # replies drawn as pictures
            app.study_worker.send_reminder = self.study.remind
            app.admin.team_source = self.groups
            try:
                self.chat.bot_user_id = await self._first_contact(self._check_tokens())
            except _Stopped:
                return
            await app.start()
            refresh = asyncio.ensure_future(self.groups.refresh_daily(app.admin))
            try:
                if self.socket_mode:
                    await self._serve_socket()
                else:
                    await self._serve_http()
            finally:
                refresh.cancel()
                await asyncio.gather(refresh, return_exceptions=True)

    async def _first_contact(self, step: Awaitable[T]) -> T:
        """A step of the start-up, bounded in time; an unreachable Slack is one line naming the URL."""
        api = startup.shown_url(self.settings.slack_api_url or DEFAULT_API)
        fix = "check the network and QUIZBOT_SLACK_API_URL"
        try:
            async with asyncio.timeout(self.connect_timeout) as bound:
                return await self._unless_stopped(step)
        except TimeoutError as exc:
            if bound.expired() or not isinstance(exc, startup.CONNECTION_ERRORS):
                raise QuizError(
                    f"Slack at {api} did not answer within {self.connect_timeout:g} s; {fix}"
                ) from None
            raise QuizError(f"cannot reach Slack at {api} ({startup.why(exc)}); {fix}") from None
        except startup.CONNECTION_ERRORS as exc:
            raise QuizError(f"cannot reach Slack at {api} ({startup.why(exc)}); {fix}") from None

    async def _unless_stopped(self, step: Awaitable[T]) -> T:
        """`step`, or _Stopped as soon as `close()` is called (SIGTERM while Slack is slow to answer)."""
        task = asyncio.ensure_future(step)
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (task, stopping):
                waiting.cancel()
            await asyncio.gather(task, stopping, return_exceptions=True)
        if task.cancelled():
            raise _Stopped
        return task.result()

    async def _check_tokens(self) -> str:
        """Our bot user id; a refused token is a clear error naming the variable, never its value."""
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            raise QuizError(
                f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); copy the Bot User OAuth Token "
                "(xoxb-...) from your app's OAuth & Permissions page"
            ) from None
        if self.socket_mode:
            token = self.settings.slack_app_token
            assert token is not None
            try:  # Socket Mode would otherwise retry a refused app token for ever
                await self.client.apps_connections_open(app_token=token.get_secret_value())
            except SlackApiError as exc:
                raise QuizError(
                    f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')}); create an app-level token "
                    "(xapp-...) with connections:write under Basic Information"
                ) from None
        return str(auth["user_id"])

    async def _serve_socket(self) -> None:
        token = self.settings.slack_app_token
        assert token is not None
        handler = AsyncSocketModeHandler(self.bolt, token.get_secret_value(), web_client=self.client)
        try:
            await self._first_contact(handler.connect_async())  # type: ignore[no-untyped-call]
        except BaseException as exc:
            await handler.close_async()  # type: ignore[no-untyped-call]
            if isinstance(exc, _Stopped):
                return
            raise
        self.ready.set()
        try:
            await self._stop.wait()
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]

    async def _serve_http(self) -> None:
        runner = web.AppRunner(self.bolt.web_app(path="/slack/events", port=self.listen_port))
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.listen_port)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.listen_port
        log.info("listening for Slack on %s:%s/slack/events", self.host, self.port)
        self.ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    async def close(self) -> None:
        """Stop serving; open rounds resume at the next start."""
        self._stop.set()


def is_user_id(value: object) -> bool:
    """A Slack user id (U... or W...), as a person acting arrives in events, commands and clicks."""
    return isinstance(value, str) and _USER_ID.fullmatch(value) is not None


def shown(value: object) -> str:
    """A value from a payload, short enough for one log line."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def split_text(text: str) -> list[str]:
    """Command words, with Slack's escaped mentions (<@U123|ann>) turned into user ids."""
    return split(_MENTION.sub(lambda m: m.group(1), text))
