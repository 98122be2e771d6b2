"""The fake Slack's state (messages, reactions, ephemerals, acks, response_urls...) and waiting on it.

``SlackState`` is the bottom layer of ``SlackTestServer`` (tests/servers/slack.py): the workspace (users,
channels), everything the tests inspect, the plumbing the other layers share, ``wait_for`` and the waits
built on it, and the lookups every layer uses (timestamps, channels by id or name, messages, the reaction
store). Also the defaults and ``SlackApiFailure``, the error a Web API method raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from aiohttp import web

DEFAULT_USERS: dict[str, dict[str, Any]] = {
    "UADMIN": {"name": "admin", "is_admin": True},
    "U1": {"name": "ann"},
    "U2": {"name": "bo"},
    "U3": {"name": "cy"},
}
DEFAULT_CHANNELS: dict[str, dict[str, Any]] = {"C0001": {"name": "quiz"}}
TS_BASE = 1_790_000_000
UNFULL_REACTION_USERS = 50  # reactions.get without full=true truncates each users list
T = TypeVar("T")


class SlackApiFailure(Exception):
    """Raised by a method handler: answered as {"ok": false, "error": error}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


class SlackState:
    """What the fake Slack holds, and waiting for it to change."""

    METHODS: ClassVar[dict[str, str]] = {}  # Web API method -> handler name (SlackTestServer's table)

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        signing_secret: str = "test-signing-secret",
        users: dict[str, dict[str, Any]] | None = None,
        channels: dict[str, dict[str, Any]] | None = None,
        api_app_id: str = "A0001",
        team_domain: str = "quizbot-test",
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.signing_secret = signing_secret
        self.api_app_id = api_app_id
        self.team_domain = team_domain
        self.users: dict[str, dict[str, Any]] = {
            uid: dict(u) for uid, u in (DEFAULT_USERS if users is None else users).items()
        }
        self.users.setdefault(bot_user_id, {"name": "quizbot", "is_bot": True})
        self.channels: dict[str, dict[str, Any]] = {
            cid: dict(c) for cid, c in (DEFAULT_CHANNELS if channels is None else channels).items()
        }
        self.echo_own_reactions = True
        # user groups (usergroups.users.list): id -> member ids; scopes the app was installed without
        self.usergroups: dict[str, list[str]] = {}
        self.missing_scopes: set[str] = set()

        # state the tests inspect
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self.responses: list[dict[str, Any]] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.acks: dict[str, dict[str, Any]] = {}
        self.connections = 0
        self.envelopes: list[dict[str, Any]] = []  # every envelope sent over Socket Mode, in order
        self.response_urls: dict[str, dict[str, Any]] = {}  # response_url id -> what it was issued for
        # files.getUploadURLExternal -> POST /upload/ID -> files.completeUploadExternal: id -> the file's record
        self.files: dict[str, dict[str, Any]] = {}

        # plumbing
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self._sockets: list[web.WebSocketResponse] = []  # open and greeted, oldest first
        self._tickets: set[str] = set()
        self._ts_seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._rate_limits: dict[str, list[int]] = {}
        self._failures: dict[str, list[tuple[str, int]]] = {}
        self._failures_after: dict[str, list[tuple[str, int]]] = {}
        self._drops: dict[str, list[bool]] = {}  # method -> per drop: after the call took effect?
        self._changed = asyncio.Event()
        self._tasks: set[asyncio.Task[str]] = set()
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering

    # -- waiting ---------------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5,  # noqa: ASYNC109 (public interface, like the other waits)
        what: str = "a condition",
    ) -> T:
        """Until `predicate()` is truthy (re-checked whenever server state changes); returns its value."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"SlackTestServer: timed out after {timeout}s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_connected(self, timeout: float = 5) -> None:  # noqa: ASYNC109
        """Until a Socket Mode client is connected (and greeted with hello)."""
        await self.wait_for(lambda: bool(self._sockets), timeout, "a Socket Mode connection")

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> dict[str, Any]:  # noqa: ASYNC109
        return await self.wait_for(lambda: self.acks.get(envelope_id), timeout, f"ack of {envelope_id}")

    async def settle_acks(self, timeout: float = 2) -> None:  # noqa: ASYNC109
        """Until every envelope sent on a still-open socket is acknowledged, or `timeout` passes.

        A listener may answer through response_url before its ack is written; a bot stopped in that
        gap logs an error for the ack it could not send. Harnesses call this before stopping a bot."""
        if not self._sockets:
            return
        with contextlib.suppress(TimeoutError):
            await self.wait_for(
                lambda: all(e["envelope_id"] in self.acks for e in self.envelopes) or None, timeout, "acks"
            )

    async def wait_for_responses(self, count: int, timeout: float = 5) -> list[dict[str, Any]]:  # noqa: ASYNC109
        return await self.wait_for(
            lambda: list(self.responses) if len(self.responses) >= count else None,
            timeout,
            f"{count} response_url posts (have {len(self.responses)})",
        )

    async def wait_for_messages(self, channel: str, count: int, timeout: float = 5) -> list[dict[str, Any]]:  # noqa: ASYNC109
        def ready() -> list[dict[str, Any]] | None:
            got = self.messages.get(channel, [])
            return list(got) if len(got) >= count else None

        return await self.wait_for(
            ready, timeout, f"{count} messages in {channel} (have {len(self.messages.get(channel, []))})"
        )

    # -- lookups and the reaction store ---------------------------------------------------------

    def _next_ts(self) -> str:
        micros = next(self._ts_seq) * 100
        return f"{TS_BASE + micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _channel(self, value: Any) -> str:
        if not value:
            raise SlackApiFailure("channel_not_found")
        given = str(value)
        if given in self.channels:
            return given
        name = given.lstrip("#")
        for cid, info in self.channels.items():
            if info.get("name") == name:
                return cid
        raise SlackApiFailure("channel_not_found")

    def _find_message(self, channel: str, ts: str) -> dict[str, Any] | None:
        for message in self.messages.get(channel, []):
            if message["ts"] == ts:
                return message
        return None

    def _public_message(self, message: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in message.items() if k not in ("edits", "channel") and v is not None}
        return out

    def add_reaction_silently(self, channel: str, ts: str, user: str, name: str) -> None:
        """Store a reaction with no event (as if added while the bot was down)."""
        users = self.reactions.setdefault((channel, ts), {}).setdefault(name, [])
        if user not in users:
            users.append(user)
        self._notify()

    def _remove_reaction_silently(self, channel: str, ts: str, user: str, name: str) -> bool:
        per_message = self.reactions.get((channel, ts), {})
        users = per_message.get(name)
        if not users or user not in users:
            return False
        users.remove(user)
        if not users:
            del per_message[name]
        self._notify()
        return True
