"""Security: tokens never reach logs or error messages, with every logger at DEBUG.

The platform tests run the real discord.py and slack-bolt clients against the loopback test servers in
tests/servers/, and read everything that was logged.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
import traceback
from pathlib import Path

import aiohttp
import pytest

from bot.adapters.discord import render as discord_render
from bot.adapters.discord.run import DiscordBot
from bot.adapters.slack.app import SlackBot
from bot.core.errors import QuizError
from bot.settings import Settings
from tests.adapters.discord_harness import MANAGE_GUILD, QUIZ_CHANNEL, sub
from tests.conftest import until
from tests.security.leaks import (
    DISCORD_TOKEN,
    DISCORD_WRONG,
    SLACK_APP_TOKEN,
    SLACK_BOT_TOKEN,
    SLACK_SIGNING_SECRET,
    SLACK_WRONG_BOT,
    leaked,
    record_text,
    secrets_in,
)
from tests.security.platforms import (
    StrictDiscord,
    StrictSlack,
    discord_bot,
    discord_command,
    discord_settings,
    slack_bot,
    slack_command,
    slack_settings,
)


def test_the_leak_check_finds_a_secret_in_a_message_its_args_or_an_exception() -> None:
    log = logging.getLogger("tests.canary")
    made = [
        log.makeRecord(log.name, logging.DEBUG, __file__, 1, "token %s", (DISCORD_TOKEN,), None),
        log.makeRecord(
            log.name, logging.DEBUG, __file__, 1, "headers %r", ({"a": SLACK_APP_TOKEN[:-3]},), None
        ),
    ]
    try:
        raise RuntimeError("auth failed for " + SLACK_SIGNING_SECRET)
    except RuntimeError as exc:
        made.append(
            log.makeRecord(log.name, logging.ERROR, __file__, 1, "x", (), (type(exc), exc, exc.__traceback__))
        )
    assert [len(secrets_in(record_text(r))) for r in made] == [1, 1, 1]
    assert secrets_in(json.dumps({"token": SLACK_BOT_TOKEN})) == ["SLACK_BOT_TOKEN"]


def test_settings_repr_hides_every_secret() -> None:
    settings = Settings.from_env(
        {
            "DISCORD_TOKEN": DISCORD_TOKEN,
            "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
            "SLACK_APP_TOKEN": SLACK_APP_TOKEN,
            "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        }
    )
    for text in (repr(settings), str(settings), f"{settings}", repr(dataclasses.astuple(settings))):
        assert secrets_in(text) == [], text
    assert settings.discord_token is not None and settings.discord_token.get_secret_value() == DISCORD_TOKEN


async def test_discord_run_logs_no_token(
    discord_server: StrictDiscord, tmp_path: Path, everything: pytest.LogCaptureFixture
) -> None:
    server, db = discord_server, tmp_path / "db.sqlite3"
    async with discord_bot(server, db) as bot:
        assert bot.app is not None
        # a command and a question
        assert "is up" in await discord_command(server, "quiz", sub("now"), count=2)
        # a 429 that discord.py waits out
        server.rate_limit_next("POST", rf"/channels/{QUIZ_CHANNEL}/messages", retry_after=0.05)
        assert "is up" in await discord_command(server, "quiz", sub("now"), count=2)
        # errors: a refused post (a domain error), a refused reveal in a timer (logged with its traceback)
        server.fail_next("POST", rf"/channels/{QUIZ_CHANNEL}/messages", status=403, times=1)
        assert "Discord refused the post (403)" in await discord_command(server, "quiz", sub("now"), count=2)
        mid = int(server.channel_messages(QUIZ_CHANNEL)[0]["id"])
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, discord_render.OPTION_EMOJI[0], name="ann")
        channel = await bot.app.service.channel(str(2000), str(QUIZ_CHANNEL))
        await bot.app.service.ask(channel, window=1)
        server.fail_next("POST", rf"/channels/{QUIZ_CHANNEL}/messages", status=403, times=1)  # its reveal
        await until(lambda: any("reveal of round" in r.getMessage() for r in everything.records), within=10)
        # an unexpected error inside a command: logged by on_error with its traceback (the final standings'
        # card post and its text-only fallback both refused)
        server.fail_next("POST", rf"/channels/{QUIZ_CHANNEL}/messages", status=403, times=2)
        await discord_command(
            server, "competition", sub("start", name="Cup", ends="7d"), permissions=MANAGE_GUILD
        )
        assert "something went wrong" in await discord_command(
            server, "competition", sub("end", name="Cup"), permissions=MANAGE_GUILD, count=2
        )
    # a failed login: the server refuses the token
    wrong = DiscordBot(discord_settings(server, db, DISCORD_WRONG), guild_ready_timeout=0.1)
    with pytest.raises(QuizError) as refused:
        await asyncio.wait_for(wrong.run(), 10)
    assert "Discord refused the token" in str(refused.value)
    assert secrets_in("".join(traceback.format_exception(refused.value))) == []
    names = {r.name.split(".")[0] for r in everything.records}
    assert {"discord", "bot"} <= names, names  # the capture did see the libraries' own debug logs
    assert any(r.levelno == logging.DEBUG and r.name.startswith("discord.http") for r in everything.records)
    assert leaked(everything.records) == []


async def test_slack_socket_mode_logs_no_token(
    slack_server: StrictSlack, tmp_path: Path, everything: pytest.LogCaptureFixture
) -> None:
    server, db = slack_server, tmp_path / "db.sqlite3"
    async with slack_bot(server, db) as bot:
        assert bot.app is not None
        assert "is up" in await slack_command(server, "now")
        server.rate_limit_next("chat.postMessage", retry_after=1)
        assert "is up" in await slack_command(server, "now")
        server.fail_next("chat.postMessage", "channel_not_found")
        assert "Slack refused the post" in await slack_command(server, "now")
        (first, *_) = await server.wait_for_messages("C0001", 2)
        await server.add_reaction("C0001", first["ts"], "U1", "one")
        channel = await bot.app.service.channel("T0001", "C0001")
        await bot.app.service.ask(channel, window=1)
        server.fail_next("chat.postMessage", "channel_not_found")  # its reveal
        await until(lambda: any("reveal of round" in r.getMessage() for r in everything.records), within=10)
        await server.drop_socket()  # a reconnect opens a new socket with the app token
        await until(lambda: server.connections >= 2)
    wrong_bot = SlackBot(slack_settings(server, db, bot=SLACK_WRONG_BOT), host="127.0.0.1", port=0)
    with pytest.raises(Exception) as refused:
        await asyncio.wait_for(wrong_bot.run(), 10)
    assert "invalid_auth" in str(refused.value)
    assert secrets_in("".join(traceback.format_exception(refused.value))) == []
    names = {r.name.split(".")[0] for r in everything.records}
    assert {"slack_sdk", "slack_bolt", "bot", "apscheduler"} <= names, names
    assert leaked(everything.records) == []


async def test_slack_http_mode_logs_no_secret(
    slack_server: StrictSlack, tmp_path: Path, everything: pytest.LogCaptureFixture
) -> None:
    server, db = slack_server, tmp_path / "db.sqlite3"
    async with slack_bot(server, db, http=True) as bot:
        url = f"http://127.0.0.1:{bot.port}/slack/events"
        async with aiohttp.ClientSession() as http:

            async def post(text: str, *, secret: str | None = None, stale: bool = False) -> int:
                body = server.slash_form("/quiz", text)
                ts = int(time.time()) - 600 if stale else None
                async with http.post(
                    url, data=body, headers=server.signed_headers(body, secret=secret, timestamp=ts)
                ) as r:
                    return r.status

            assert await post("now") == 200
            await server.wait_for_messages("C0001", 1)
            server.rate_limit_next("chat.postMessage", retry_after=1)
            assert await post("now") == 200
            await server.wait_for_messages("C0001", 2)
            server.fail_next("chat.postMessage", "channel_not_found")
            assert await post("now") == 200
            assert await post("now", secret="not-the-secret") == 401
            assert await post("now", stale=True) == 401
            await server.wait_for_responses(3)
    names = {r.name.split(".")[0] for r in everything.records}
    assert {"slack_sdk", "slack_bolt", "bot"} <= names, names
    assert leaked(everything.records) == []
