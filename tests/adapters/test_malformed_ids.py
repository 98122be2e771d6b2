"""Events whose ids are not real ids, and interactions discord.py cannot read: dropped with a warning.

A reaction's user id of '-5002' or ' 5002' parses as a number (discord.py uses int()), so it used to be
scored as a player; an interaction whose command data discord.py could not read died in its command
tree's task ("Task exception was never retrieved") and its user waited for a reply that never came. Real
clients, loopback servers, payloads sent over the wire.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.render import OPTION_EMOJI as SLACK_EMOJI
from tests.adapters.discord_harness import QUIZ_CHANNEL, running_bot
from tests.adapters.slack_harness import CHANNEL, running_slack
from tests.adapters.test_discord_e2e import ephemeral, quiz_now
from tests.adapters.test_malformed_events import (
    HUGE,
    bot_errors,
    dropped_with_warning,
    reaction,
    slack_reaction,
    stored_answers,
    warnings_naming,
)
from tests.adapters.test_slack_e2e import slash
from tests.conftest import until
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer

# int() reads each of these as a number; none is how Discord writes an id.
NOT_SNOWFLAKES = ["-5002", "0", "5_002", " 5002", "+5002", "05002", "٥٠٠٢", HUGE]


async def test_discord_reactions_whose_user_id_is_no_snowflake_are_not_scored(
    server: DiscordTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        assert bot.app is not None
        mid = int((await quiz_now(server))["id"])
        for user_id in NOT_SNOWFLAKES:
            bad = reaction(mid, user_id=user_id)
            bad["member"]["user"]["id"] = user_id
            await dropped_with_warning(
                caplog,
                "MESSAGE_REACTION_ADD",
                lambda p=bad: server.dispatch("MESSAGE_REACTION_ADD", p),
                f"user_id {user_id!r}",
            )
        await server.dispatch("MESSAGE_REACTION_ADD", reaction(mid))  # the template itself counts
        await until(lambda: bot.app is not None and bot.app.service.open_rounds()[0].answers)
        assert set(bot.app.service.open_rounds()[0].answers) == {"5002"}
        assert await bot.app.service.close_round(1)
        await server.wait_for_messages(QUIZ_CHANNEL, 2)
    assert stored_answers(db) == ["5002"]
    assert bot_errors(caplog) == []


def _drop_name(data: dict[str, Any]) -> None:
    data["data"].pop("name")


def _options_text(data: dict[str, Any]) -> None:
    data["data"]["options"] = "period"


def _data_null(data: dict[str, Any]) -> None:
    data["data"] = None


def _subcommand_unnamed(data: dict[str, Any]) -> None:
    data["data"]["options"] = [{"type": 1}]


def _options_of_numbers(data: dict[str, Any]) -> None:
    data["data"]["options"] = [1, 2]


def _member_text(data: dict[str, Any]) -> None:
    data["member"] = "ann"


def _user_id_negative(data: dict[str, Any]) -> None:
    data["member"]["user"]["id"] = "-4001"


def _user_id_spaced(data: dict[str, Any]) -> None:
    data["member"]["user"]["id"] = " 4001"


# Each keeps the interaction's id and token, so the bot can say it could not read it.
UNREADABLE: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("command without a name", _drop_name),
    ("options a string", _options_text),
    ("data null", _data_null),
    ("a subcommand without a name", _subcommand_unnamed),
    ("options that are numbers", _options_of_numbers),
    ("member a string", _member_text),
    ("user id negative", _user_id_negative),
    ("user id with a space", _user_id_spaced),
]


@pytest.mark.parametrize(("case", "mangle"), UNREADABLE, ids=[c for c, _ in UNREADABLE])
async def test_discord_unreadable_interaction_gets_an_ephemeral_reply_and_a_warning(
    server: DiscordTestServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    mangle: Callable[[dict[str, Any]], None],
) -> None:
    caplog.set_level(logging.WARNING)
    dispatch = server.dispatch

    async def mangling(event: str, data: dict[str, Any]) -> None:
        if event == "INTERACTION_CREATE":
            data = copy.deepcopy(data)
            mangle(data)
        await dispatch(event, data)

    async with running_bot(server, tmp_path / "db.sqlite3"):
        monkeypatch.setattr(server, "dispatch", mangling)
        before = len(warnings_naming(caplog, "INTERACTION_CREATE"))
        iid = await server.interact("leaderboard")
        reply = await server.wait_for_response(iid)
        assert ephemeral(reply), (case, reply)
        await until(lambda: len(warnings_naming(caplog, "INTERACTION_CREATE")) > before)
        monkeypatch.setattr(server, "dispatch", dispatch)
        await quiz_now(server)  # and the next command works
    assert bot_errors(caplog) == []


# -- Slack -----------------------------------------------------------------------------------------

NOT_SLACK_USERS = ["u2", "U2 ", "<@U2>", "../U2", "U", "B0BOT", "U-2", "Ü2"]


async def test_slack_reactions_whose_user_is_no_slack_id_are_not_scored(
    slack: SlackTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db) as bot:
        assert bot.app is not None
        await slash(slack, "/quiz", "now eda")
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        for user in NOT_SLACK_USERS:
            event = slack_reaction(msg["ts"], user=user)
            await dropped_with_warning(
                caplog, "reaction_added", lambda e=event: slack.send_event(e), f"user {user!r}"
            )
        await slack.send_event(slack_reaction(msg["ts"], reaction=SLACK_EMOJI[0]))  # U2 itself counts
        await until(lambda: bot.app is not None and bot.app.service.open_rounds()[0].answers)
        assert set(bot.app.service.open_rounds()[0].answers) == {"U2"}
        assert await bot.app.service.close_round(1)
        await slack.wait_for_messages(CHANNEL, 2)
    assert stored_answers(db) == ["U2"]
    assert bot_errors(caplog) == []


async def test_slack_commands_and_clicks_from_odd_user_ids_are_dropped_with_a_warning(
    slack: SlackTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_slack(slack, tmp_path / "db.sqlite3"):
        for user in ("u1", "<@U1>", "U 1"):
            envelope = ""

            async def send(who: str = user) -> None:
                nonlocal envelope
                envelope = await slack.slash("/quiz", "now", user_id=who)

            await dropped_with_warning(caplog, "/quiz", send, f"slash from {user!r}")
            await slack.wait_for_ack(envelope)  # acknowledged: Slack shows the person no timeout
        assert slack.messages.get(CHANNEL, []) == []  # none of them asked a question
        responses = len(slack.responses)
        for user in ("bo", "U1\n", ""):
            click = ""

            async def press(who: str = user) -> None:
                nonlocal click
                click = await slack.click("lookup_pick_0", "eda", user_id=who)

            await dropped_with_warning(caplog, "block_actions", press, f"click from {user!r}")
            await slack.wait_for_ack(click)
        assert len(slack.responses) == responses  # no card posted for them
        assert "Question #1 is up" in str(await slash(slack, "/quiz", "now eda"))  # a real one still works
    assert bot_errors(caplog) == []
