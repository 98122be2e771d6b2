"""Malformed platform events: dropped with a warning that names the event, and the bot keeps counting.

The real discord.py client and the real slack-bolt app run against the loopback test servers; each bad
payload goes over the wire as Discord or Slack would send it.
"""

from __future__ import annotations

import copy
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.render import OPTION_EMOJI as SLACK_EMOJI
from tests.adapters.discord_harness import GUILD, QUIZ_CHANNEL, running_bot, sub
from tests.adapters.slack_harness import CHANNEL, running_slack
from tests.adapters.test_discord_e2e import A, command, ephemeral, quiz_now, text, until
from tests.adapters.test_slack_e2e import shown, slash
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer

DROP = object()  # as a changed value: leave the key out


def changed(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with keys replaced (or left out, for DROP)."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is DROP:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def warnings_naming(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.startswith("bot.") and event in r.getMessage()
    ]


def bot_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def dropped_with_warning(
    caplog: pytest.LogCaptureFixture, event: str, send: Callable[[], Awaitable[object]], case: str
) -> None:
    """Send one bad payload and wait for the bot's warning about it, which must name the event type."""
    before = len(warnings_naming(caplog, event))
    await send()
    try:
        await until(lambda: len(warnings_naming(caplog, event)) > before, within=3)
    except AssertionError:
        raise AssertionError(f"{case}: no warning naming {event}") from None


def stored_answers(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT p.external_id FROM answers a JOIN players p ON p.id = a.player_id"
        ).fetchall()
    return sorted(r[0] for r in rows)


# -- Discord ---------------------------------------------------------------------------------------


def reaction(mid: int, /, **changes: Any) -> dict[str, Any]:
    """A well-formed MESSAGE_REACTION_ADD from member 5002 choosing A, with `changes` applied."""
    member = {
        "user": {"id": "5002", "username": "bo", "global_name": "bo", "discriminator": "0", "avatar": None},
        "roles": [],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
    }
    base = {
        "user_id": "5002",
        "channel_id": str(QUIZ_CHANNEL),
        "message_id": str(mid),
        "guild_id": str(GUILD),
        "emoji": {"id": None, "name": A},
        "type": 0,
        "burst": False,
        "burst_colors": [],
        "member": member,
    }
    return changed(base, **changes)


HUGE = "9" * 40  # far beyond a 64-bit snowflake

MALFORMED_REACTIONS: list[tuple[str, Callable[[int], object]]] = [
    ("an empty object", lambda mid: {}),
    ("a list instead of an object", lambda mid: [mid, A]),
    ("null", lambda mid: None),
    ("no emoji", lambda mid: reaction(mid, emoji=DROP)),
    ("emoji as a bare string", lambda mid: reaction(mid, emoji=A)),
    ("emoji null", lambda mid: reaction(mid, emoji=None)),
    ("custom emoji id not a number", lambda mid: reaction(mid, emoji={"id": "abc", "name": "a"})),
    ("no message id", lambda mid: reaction(mid, message_id=DROP)),
    ("message id a list", lambda mid: reaction(mid, message_id=[str(mid)])),
    ("user id not a number", lambda mid: reaction(mid, user_id="bo")),
    ("user id null", lambda mid: reaction(mid, user_id=None)),
    ("no channel id", lambda mid: reaction(mid, channel_id=DROP)),
    ("guild id not a number", lambda mid: reaction(mid, guild_id="study group")),
    ("member a string", lambda mid: reaction(mid, member="bo")),
    ("member without a user", lambda mid: reaction(mid, member={"roles": []})),
    ("no reaction type", lambda mid: reaction(mid, type=DROP)),
]
MALFORMED_REMOVALS: list[tuple[str, Callable[[int], object]]] = [
    ("an empty object", lambda mid: {}),
    ("no emoji", lambda mid: reaction(mid, emoji=DROP, member=DROP)),
    ("user id not a number", lambda mid: reaction(mid, user_id="bo", member=DROP)),
    ("message id null", lambda mid: reaction(mid, message_id=None, member=DROP)),
]
# Well-formed, but not an answer: dropped quietly (a busy server reacts to many other messages).
NOT_ANSWERS: list[tuple[str, Callable[[int], dict[str, Any]]]] = [
    ("an emoji that is no option", lambda mid: reaction(mid, emoji={"id": None, "name": "🦄"})),
    ("a custom emoji named like an option", lambda mid: reaction(mid, emoji={"id": "77", "name": A})),
    ("a message that is not a round", lambda mid: reaction(mid, message_id=str(mid + 1))),
    ("a huge message id", lambda mid: reaction(mid, message_id=HUGE)),
    (
        "huge guild and channel ids",
        lambda mid: reaction(mid, message_id=HUGE, guild_id=HUGE, channel_id=HUGE),
    ),
    ("a huge user id on another message", lambda mid: reaction(mid, message_id=str(mid + 1), user_id=HUGE)),
    ("a direct message (no guild)", lambda mid: reaction(mid, guild_id=DROP, member=DROP)),
]


async def test_discord_malformed_reactions_are_dropped_and_answers_still_count(
    server: DiscordTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    db = tmp_path / "db.sqlite3"
    async with running_bot(server, db) as bot:
        assert bot.app is not None
        service = bot.app.service
        mid = int((await quiz_now(server))["id"])
        for case, make in MALFORMED_REACTIONS:
            payload = make(mid)
            await dropped_with_warning(
                caplog,
                "MESSAGE_REACTION_ADD",
                lambda p=payload: server.dispatch("MESSAGE_REACTION_ADD", p),
                case,
            )
        for case, make in MALFORMED_REMOVALS:
            payload = make(mid)
            await dropped_with_warning(
                caplog,
                "MESSAGE_REACTION_REMOVE",
                lambda p=payload: server.dispatch("MESSAGE_REACTION_REMOVE", p),
                case,
            )
        for _, make in NOT_ANSWERS:
            await server.dispatch("MESSAGE_REACTION_ADD", make(mid))
        # The same payload with nothing wrong is an answer, so the cases above failed for what they changed;
        # only these two may be counted.
        await server.dispatch("MESSAGE_REACTION_ADD", reaction(mid))
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, A, name="ann")  # and a normal click afterwards
        await until(lambda: set(service.open_rounds()[0].answers) == {"5001", "5002"})
        assert await service.close_round(1)
        reveal = (await server.wait_for_messages(QUIZ_CHANNEL, 2))[1]
        assert "(2 in all)" in text([{"data": reveal}])
    assert stored_answers(db) == ["5001", "5002"]
    assert bot_errors(caplog) == []


async def test_discord_malformed_interactions_are_dropped_and_commands_still_work(
    server: DiscordTestServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.WARNING)
    sent: list[tuple[str, dict[str, Any]]] = []
    dispatch = server.dispatch

    async def recording(event: str, data: dict[str, Any]) -> None:
        sent.append((event, copy.deepcopy(data)))
        await dispatch(event, data)

    monkeypatch.setattr(server, "dispatch", recording)
    async with running_bot(server, tmp_path / "db.sqlite3"):
        await command(server, "leaderboard")  # a real interaction, as the template for broken ones
        real = next(data for event, data in sent if event == "INTERACTION_CREATE")
        broken: list[tuple[str, object]] = [
            ("an empty object", {}),
            ("null", None),
            ("a list instead of an object", [real]),
            ("no id", changed(real, id=DROP)),
            ("id not a number", changed(real, id="first")),
            ("no token", changed(real, token=DROP)),
            ("no type", changed(real, type=DROP)),
            ("application id not a number", changed(real, application_id="app")),
            ("member a string", changed(real, member="ann")),
            ("a component click whose data is a string", changed(real, type=3, data="click")),
            ("a component click without a custom id", changed(real, type=3, data={"component_type": 2})),
        ]
        for case, payload in broken:
            await dropped_with_warning(
                caplog,
                "INTERACTION_CREATE",
                lambda p=payload: server.dispatch("INTERACTION_CREATE", p),
                case,
            )
        # Well-formed interactions with junk option values get an answer only the caller sees.
        for name, options in [
            ("quiz", sub("now", difficulty="impossible")),
            ("leaderboard", [{"type": 3, "name": "period", "value": "decade"}]),
            ("quiz", [{"type": 2, "name": "schedule", "options": sub("remove", schedule="abc")}]),
        ]:
            reply = await command(server, name, options)
            assert ephemeral(reply), (name, options, reply)
        msg = await quiz_now(server)  # and a normal command afterwards works
        assert msg["embeds"][0]["title"] == "Question #1"
    assert bot_errors(caplog) == []


# -- Slack -----------------------------------------------------------------------------------------


def slack_reaction(ts: str, kind: str = "reaction_added", **changes: Any) -> dict[str, Any]:
    base = {
        "type": kind,
        "user": "U2",
        "reaction": SLACK_EMOJI[0],
        "item": {"type": "message", "channel": CHANNEL, "ts": ts},
    }
    return changed(base, **changes)


MALFORMED_SLACK_REACTIONS: list[tuple[str, Callable[[str], dict[str, Any]]]] = [
    ("only a type", lambda ts: {"type": "reaction_added"}),
    ("no item", lambda ts: slack_reaction(ts, item=DROP)),
    ("item a string", lambda ts: slack_reaction(ts, item="message")),
    ("item null", lambda ts: slack_reaction(ts, item=None)),
    ("item without ts", lambda ts: slack_reaction(ts, item={"type": "message", "channel": CHANNEL})),
    ("no user", lambda ts: slack_reaction(ts, user=DROP)),
    ("user null", lambda ts: slack_reaction(ts, user=None)),
    ("user an object", lambda ts: slack_reaction(ts, user={"id": "U2"})),
    ("empty user", lambda ts: slack_reaction(ts, user="")),
    ("reaction a list", lambda ts: slack_reaction(ts, reaction=[SLACK_EMOJI[0]])),
    ("reaction null", lambda ts: slack_reaction(ts, reaction=None)),
    ("event_ts not a number", lambda ts: slack_reaction(ts, event_ts="yesterday")),
    ("event_ts NaN", lambda ts: slack_reaction(ts, event_ts="nan")),
    ("event_ts minus infinity", lambda ts: slack_reaction(ts, event_ts="-inf")),
    ("a removal without item", lambda ts: slack_reaction(ts, "reaction_removed", item=DROP)),
    ("a removal with user null", lambda ts: slack_reaction(ts, "reaction_removed", user=None)),
]


async def test_slack_malformed_reactions_are_dropped_and_answers_still_count(
    slack: SlackTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    db = tmp_path / "db.sqlite3"
    async with running_slack(slack, db) as bot:
        assert bot.app is not None
        service = bot.app.service
        await slash(slack, "/quiz", "now eda")
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        ts = msg["ts"]
        for case, make in MALFORMED_SLACK_REACTIONS:
            event = make(ts)
            await dropped_with_warning(
                caplog,
                str(event["type"]),
                lambda e=event: slack.send_event(e),
                case,
            )
        for event in (
            slack_reaction(ts, reaction="unicorn_face"),  # not an option: dropped quietly
            slack_reaction(str(float(ts) + 1)),  # not a round
            slack_reaction(ts, item={"type": "message", "channel": "C" + "9" * 40, "ts": "9" * 40}),
        ):
            await slack.send_event(event)
        await slack.send_event(slack_reaction(ts))  # the template itself is an answer; only these two count
        await slack.add_reaction(CHANNEL, ts, "U1", SLACK_EMOJI[1])  # and a normal click afterwards
        await until(lambda: set(service.open_rounds()[0].answers) == {"U1", "U2"})
        assert await service.close_round(1)
        reveal = (await slack.wait_for_messages(CHANNEL, 2))[1]
        assert "(2 in all)" in shown(reveal)
    assert stored_answers(db) == ["U1", "U2"]
    assert bot_errors(caplog) == []


async def test_slack_slash_commands_missing_fields_are_dropped_with_a_warning(
    slack: SlackTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_slack(slack, tmp_path / "db.sqlite3"):
        for field, value in [
            ("user_id", DROP),
            ("team_id", DROP),
            ("channel_id", DROP),
            ("response_url", DROP),
            ("user_id", ""),
            ("channel_id", ["C0001"]),
        ]:
            payload = changed(slack._slash_payload("/quiz", "now", "U1", CHANNEL), **{field: value})
            envelope = ""

            async def send(p: dict[str, Any] = payload) -> None:
                nonlocal envelope
                envelope = await slack._send_envelope("slash_commands", p, accepts_response_payload=True)

            await dropped_with_warning(caplog, "/quiz", send, f"{field}={value!r}")
            await slack.wait_for_ack(envelope)  # acknowledged, so Slack shows no timeout
        assert slack.messages.get(CHANNEL, []) == []  # none of them asked a question
        odd = changed(slack._slash_payload("/quiz", "", "U1", CHANNEL), text=["now"])
        before = len(slack.responses)
        odd_envelope = await slack._send_envelope("slash_commands", odd, accepts_response_payload=True)
        (reply,) = (await slack.wait_for_responses(before + 1))[before:]
        await slack.wait_for_ack(
            odd_envelope
        )  # the reply may come first; stopping before the ack logs an error
        assert "unknown command" in shown(reply) and reply["response_type"] == "ephemeral"
        ok = await slash(slack, "/quiz", "now eda")  # and a normal command afterwards works
        assert "Question #1 is up" in shown(ok)
    assert bot_errors(caplog) == []


async def test_slack_lookup_buttons_with_junk_values_answer_politely(
    slack: SlackTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_slack(slack, tmp_path / "db.sqlite3"):
        for action_id, value in [
            ("lookup_pick_0", ""),
            ("lookup_pick_1", "no-such-entry"),
            ("lookup_pick_2", "x" * 5000),
            ("lookup_pick_3", None),
            ("lookup_pick_4", 12),
            ("lookup_pick_5", {"id": "eda"}),
            ("lookup_pick_" + "9" * 40, "../../etc/passwd"),
        ]:
            before = len(slack.responses)
            await slack.wait_for_ack(await slack.click(action_id, value))
            (reply,) = (await slack.wait_for_responses(before + 1))[before:]
            assert "no longer in the glossary" in shown(reply), (action_id, value, reply)
            assert reply["response_type"] == "ephemeral"
        before = len(slack.responses)
        await slack.wait_for_ack(await slack.click("lookup_pick_0", "eda"))  # a real entry still works
        (card,) = (await slack.wait_for_responses(before + 1))[before:]
        assert "Exploratory data analysis" in shown(card)
    assert bot_errors(caplog) == []
