"""Gateway events checked before discord.py reads them, and interactions it cannot read refused politely.

discord.py turns ids with `int()`, which also takes '-5', ' 42', '4_2' and '٤٢': a reaction carrying such a
user id would be scored as a player. An exception while it parses an event ends the whole connection
loop, and one inside the command tree's task dies unseen ("Task exception was never retrieved") with the
user left waiting. Here each bad event is dropped with a warning naming it, and an interaction that names
itself (id and token) gets a reply saying it could not be read.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import discord
from discord import app_commands

from . import render

log = logging.getLogger(__name__)

MAX_SNOWFLAKE = 2**64 - 1
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)
CANNOT_READ = "⚠️ this command arrived in a form the bot cannot read, so nothing was done; try it again"
_REACTIONS_BY_USER = ("MESSAGE_REACTION_ADD", "MESSAGE_REACTION_REMOVE")
REACTION_EVENTS = (*_REACTIONS_BY_USER, "MESSAGE_REACTION_REMOVE_ALL", "MESSAGE_REACTION_REMOVE_EMOJI")


def is_snowflake(value: object) -> bool:
    """A Discord id: digits 0-9 only (as a string) or an int, from 1 to 2**64 - 1."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 < value <= MAX_SNOWFLAKE
    if isinstance(value, str):
        ok = 0 < len(value) <= 20 and value.isascii() and value.isdigit() and value[0] != "0"
        return ok and int(value) <= MAX_SNOWFLAKE
    return False


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _need_snowflake(data: dict[str, Any], key: str) -> None:
    if not is_snowflake(data.get(key)):
        raise ValueError(f"{key} {_shown(data.get(key))} is not a Discord id")


def _need_object(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TypeError(f"the payload is {type(data).__name__}, not an object")
    return data


def check_reaction(event: str, data: object) -> None:
    """Raise ValueError/TypeError unless a reaction event's ids are real Discord ids."""
    found = _need_object(data)
    for key in ("message_id", "channel_id"):
        _need_snowflake(found, key)
    if event in _REACTIONS_BY_USER:
        _need_snowflake(found, "user_id")
    if "guild_id" in found:
        _need_snowflake(found, "guild_id")


def check_interaction(data: object) -> None:
    """Raise ValueError/TypeError unless an interaction names itself and its user with real ids."""
    found = _need_object(data)
    _need_snowflake(found, "id")
    if not isinstance(found.get("token"), str) or not found["token"]:
        raise ValueError("no token")
    member = found.get("member")
    user = member.get("user") if isinstance(member, dict) else found.get("user")
    if member is not None or user is not None:
        _need_snowflake(_need_object(user), "id")


class Refusals:
    """Replies to interactions that cannot be read, sent over discord.py's HTTP client."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client
        self._sending: set[asyncio.Task[None]] = set()

    def raw(self, data: object) -> None:
        """Answer an interaction discord.py could not even build, if it carries its id and token."""
        if not isinstance(data, dict):
            return
        iid, token = data.get("id"), data.get("token")
        if not is_snowflake(iid) or not isinstance(token, str) or not token:
            return
        route = discord.http.Route(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            interaction_id=int(str(iid)),
            interaction_token=token,
        )
        body = {"type": 4, "data": {"content": CANNOT_READ, "flags": 64, "allowed_mentions": {"parse": []}}}
        self._spawn(self._post(route, body))

    async def built(self, interaction: discord.Interaction) -> None:
        """Answer an interaction whose command data discord.py could not read."""
        if interaction.response.is_done():
            return
        try:
            await interaction.response.send_message(
                CANNOT_READ, ephemeral=True, allowed_mentions=render.NO_PINGS
            )
        except (discord.HTTPException, *PARSE_ERRORS) as exc:
            log.warning("could not answer an unreadable interaction: %s", exc)

    async def _post(self, route: discord.http.Route, body: dict[str, Any]) -> None:
        try:
            await self.client.http.request(route, json=body)
        except discord.HTTPException as exc:
            log.warning("could not answer an unreadable interaction: HTTP %s", exc.status)

    def _spawn(self, job: Any) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)


def guarded(
    event: str,
    parse: Callable[[Any], None],
    check: Callable[[object], None],
    refuse: Callable[[object], None],
) -> Callable[[Any], None]:
    """`parse`, run only on data that passes `check`; a bad event is dropped with a warning and refused."""

    def run(data: Any) -> None:
        try:
            check(data)
            parse(data)
        except PARSE_ERRORS as exc:
            log.warning("malformed %s event dropped: %s: %s", event, type(exc).__name__, exc)
            refuse(data)

    return run


class GuardedTree(app_commands.CommandTree[discord.Client]):
    """A command tree whose reading of an interaction's command data cannot fail unseen."""

    def __init__(self, client: discord.Client, refusals: Refusals) -> None:
        super().__init__(client)
        self.refusals = refusals

    async def _call(self, interaction: discord.Interaction) -> None:
        # Our commands' own errors arrive wrapped in AppCommandError and go to the tree's error handler;
        # anything else raised here is discord.py failing to read the command data Discord sent.
        try:
            await super()._call(interaction)
        except app_commands.AppCommandError:
            raise
        except PARSE_ERRORS as exc:
            log.warning("malformed INTERACTION_CREATE event dropped: %s: %s", type(exc).__name__, exc)
            await self.refusals.built(interaction)
