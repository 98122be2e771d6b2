"""Security: admin checks in our own code, secrets kept out of logs, parameterised SQL, no pings from user text.

The platform tests run the real discord.py and slack-bolt clients against the loopback test servers in
tests/servers/, with every logger at DEBUG, and read everything that was logged or posted.
"""

from __future__ import annotations

import ast
import asyncio
import dataclasses
import inspect
import json
import logging
import os
import re
import sqlite3
import sys
import time
import traceback
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.adapters.console import render as console_render
from bot.adapters.discord import render as discord_render
from bot.adapters.discord.run import DiscordBot
from bot.adapters.slack import render as slack_render
from bot.adapters.slack.app import SlackBot
from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.errors import PermissionDeniedError, QuizError
from bot.core.ranking import Standing
from bot.core.records import CompetitionRecord, ResultRow, TeamRecord
from bot.core.service import QuizService
from bot.core.views import LeaderboardView, RevealView, StatsView
from bot.scheduling import Scheduler
from bot.settings import Settings
from bot.storage import SqliteStore
from tests.adapters.discord_harness import MANAGE_GUILD, QUIZ_CHANNEL, running_bot, sub
from tests.adapters.discord_harness import text as discord_text
from tests.adapters.slack_harness import running_slack, shown
from tests.conftest import FIXTURE_BANK, ROOT, until
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import DEFAULT_USERS, SlackTestServer

# Distinctive values: each has a core that appears nowhere else, so a partial leak is found too.
DISCORD_TOKEN = "MTAx.QzQz.d1sc0rd-T0KEN-c0re-7f3a9"
DISCORD_WRONG = "MTAx.QzQz.wr0ng-D1SC0RD-c0re-22b1"
SLACK_BOT_TOKEN = "xoxb-1111-sl4ckB0T-c0re-9e8d7"
SLACK_APP_TOKEN = "xapp-1-A1-sl4ckAPP-c0re-4c3b2"
SLACK_SIGNING_SECRET = "s1gn1ng-S3CR3T-c0re-a1b2c3"
SLACK_WRONG_BOT = "xoxb-2222-wr0ngB0T-c0re-5f6e"
SLACK_WRONG_APP = "xapp-1-A1-wr0ngAPP-c0re-0d9c"
SECRETS = {
    "DISCORD_TOKEN": DISCORD_TOKEN,
    "wrong DISCORD_TOKEN": DISCORD_WRONG,
    "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
    "SLACK_APP_TOKEN": SLACK_APP_TOKEN,
    "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
    "wrong SLACK_BOT_TOKEN": SLACK_WRONG_BOT,
    "wrong SLACK_APP_TOKEN": SLACK_WRONG_APP,
}
LOGGERS = (
    "",
    "bot",
    "quizbot",
    "discord",
    "slack_bolt",
    "slack_sdk",
    "aiohttp",
    "apscheduler",
    "asyncio",
    "aiosqlite",
)
EVIL = "@everyone @here <@&123456789012345678> <!channel> <!here> <!everyone> <@U0EVIL> **b** _i_ ~~s~~ `c` ||p|| & > q"


def _cores(value: str) -> list[str]:
    """The whole secret and its distinctive middle, so a shortened or partly masked copy is caught too."""
    return [
        value,
        next(part for part in value.split("-") if any(ch.isdigit() for ch in part) and len(part) >= 6),
    ]


def secrets_in(text: str) -> list[str]:
    """Names of the secrets that appear in `text`."""
    return [name for name, value in SECRETS.items() if any(core in text for core in _cores(value))]


def record_text(record: logging.LogRecord) -> str:
    """Everything of a log record a handler could write: message, raw args, exception and stack."""
    parts = [str(record.msg), repr(record.args), record.exc_text or "", record.stack_info or ""]
    try:
        parts.append(record.getMessage())
    except Exception as exc:  # a bad format string is the library's problem; its raw parts are above
        parts.append(repr(exc))
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    return "\n".join(parts)


def leaked(records: Iterable[logging.LogRecord]) -> list[str]:
    return [
        f"{s} in {r.name} ({r.levelname}): {r.getMessage()[:300]!r}"
        for r in records
        for s in secrets_in(record_text(r))
    ]


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog at DEBUG for the root logger and every library logger we use."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    return caplog


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


# ------------------------------------------------------------------------------------------------------
# (a) admin operations are refused by our own code
# ------------------------------------------------------------------------------------------------------

ADMIN_METHODS = {
    "set_config",
    "add_schedule",
    "remove_schedule",
    "pause_schedule",
    "bind_role",
    "start_competition",
    "end_competition",
}


def test_every_admin_operation_takes_the_callers_admin_flag() -> None:
    """An operation that changes settings, schedules, role teams or competitions must say who may call it."""
    found = {
        name
        for name, fn in inspect.getmembers(Admin, inspect.iscoroutinefunction)
        if not name.startswith("_") and "admin" in inspect.signature(fn).parameters
    }
    assert found == ADMIN_METHODS
    for name in ADMIN_METHODS:
        param = inspect.signature(getattr(Admin, name)).parameters["admin"]
        assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is inspect.Parameter.empty


async def _snapshot(store: SqliteStore) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in ("channels", "schedules", "teams", "team_members", "competitions", "rounds", "score_rows"):
        out[table] = [
            tuple(r) for r in await store.db.conn.execute_fetchall(f"SELECT * FROM {table} ORDER BY 1")
        ]
    return out


async def test_each_admin_operation_refuses_a_non_admin_in_the_core(
    service: QuizService, store: SqliteStore
) -> None:
    admin = Admin(service)
    scheduler = Scheduler(service, admin)
    admin.timetable = scheduler
    channel = await service.channel("g1", "c1")
    sid, _ = await admin.add_schedule(channel, "0 9 * * *", "UTC", None, admin=True)
    await admin.start_competition(channel, "Cup", "7d", admin=True)
    before = await _snapshot(store)
    calls = {
        "set_config": lambda ok: admin.set_config(channel, "answer_window", "2m", admin=ok),
        "add_schedule": lambda ok: admin.add_schedule(channel, "0 10 * * *", "UTC", "10m", admin=ok),
        "remove_schedule": lambda ok: admin.remove_schedule(channel, sid, admin=ok),
        "pause_schedule": lambda ok: admin.pause_schedule(channel, sid, True, admin=ok),
        "bind_role": lambda ok: admin.bind_role(channel, "Reds", "2100", admin=ok),
        "start_competition": lambda ok: admin.start_competition(channel, "Cup Two", "7d", admin=ok),
        "end_competition": lambda ok: admin.end_competition(channel, "Cup", admin=ok),
    }
    assert set(calls) == ADMIN_METHODS
    for name, call in calls.items():
        with pytest.raises(PermissionDeniedError, match="only server admins"):
            await call(False)
        assert await _snapshot(store) == before, f"{name} changed something before refusing"
    # The same calls by an admin do work, so each refusal above was about the caller.
    for name, call in calls.items():
        if name != "remove_schedule":
            await call(True)
    await calls["remove_schedule"](True)
    assert await _snapshot(store) != before
    # Refused before anything else is checked: a non-admin learns nothing from the validation.
    with pytest.raises(PermissionDeniedError):
        await Admin(service).add_schedule(channel, "not a cron", "Mars/Base", "never", admin=False)
    with pytest.raises(PermissionDeniedError):
        await admin.set_config(channel, "no_such_setting", "x", admin=False)
    scheduler.shutdown()


# ------------------------------------------------------------------------------------------------------
# loopback servers that check the token, as the real platforms do
# ------------------------------------------------------------------------------------------------------


class StrictDiscord(DiscordTestServer):
    """The Discord test server, refusing any bot token but DISCORD_TOKEN (401, as Discord does)."""

    async def _dispatch_request(self, request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization")
        if auth is not None and auth != f"Bot {DISCORD_TOKEN}":
            return web.json_response({"message": "401: Unauthorized", "code": 0}, status=401)
        return await super()._dispatch_request(request)


class StrictSlack(SlackTestServer):
    """The Slack test server, answering invalid_auth to any token but the configured ones."""

    async def _handle_api(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        if token and token not in (SLACK_BOT_TOKEN, SLACK_APP_TOKEN):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return await super()._handle_api(request)


def discord_settings(server: DiscordTestServer, db: Path, token: str = DISCORD_TOKEN) -> Settings:
    return Settings.from_env(
        {
            "QUIZBOT_DB": str(db),
            "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
            "DISCORD_TOKEN": token,
            "QUIZBOT_DISCORD_API_URL": server.api_base,
            "QUIZBOT_DISCORD_GATEWAY_URL": server.gateway_url,
        }
    )


def slack_settings(
    server: SlackTestServer,
    db: Path,
    *,
    http: bool = False,
    bot: str = SLACK_BOT_TOKEN,
    app: str = SLACK_APP_TOKEN,
) -> Settings:
    env = {
        "QUIZBOT_DB": str(db),
        "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
        "SLACK_BOT_TOKEN": bot,
        "QUIZBOT_SLACK_API_URL": server.api_url,
    }
    if http:
        env["SLACK_SIGNING_SECRET"] = SLACK_SIGNING_SECRET
    else:
        env["SLACK_APP_TOKEN"] = app
    return Settings.from_env(env)


@pytest.fixture
async def discord_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StrictDiscord]:
    srv = StrictDiscord()
    await srv.start()
    srv.patch_client_urls(monkeypatch)  # the bot points discord.py at it; pytest puts the URLs back
    yield srv
    await srv.stop()


@pytest.fixture
async def slack_server() -> AsyncIterator[StrictSlack]:
    users = {**DEFAULT_USERS, "UEVIL": {"name": EVIL}}
    srv = StrictSlack(signing_secret=SLACK_SIGNING_SECRET, users=users)
    await srv.start()
    yield srv
    await srv.stop()


def discord_bot(server: DiscordTestServer, db: Path) -> AbstractAsyncContextManager[DiscordBot]:
    return running_bot(server, db, discord_settings(server, db))


def slack_bot(
    server: SlackTestServer, db: Path, *, http: bool = False
) -> AbstractAsyncContextManager[SlackBot]:
    return running_slack(server, db, http=http, settings=slack_settings(server, db, http=http))


def shown_discord(bodies: Iterable[dict[str, Any]]) -> str:
    """What a user reads, embed footers included."""
    bodies = list(bodies)
    embeds = [e for body in bodies for e in ((body.get("data", body) or {}).get("embeds") or [])]
    return "\n".join([discord_text(bodies), *((e.get("footer") or {}).get("text") or "" for e in embeds)])


shown_slack = shown


async def discord_command(
    server: DiscordTestServer, name: str, options: Any = None, *, count: int = 1, **kw: Any
) -> str:
    iid = await server.interact(name, options, **kw)
    return shown_discord(await server.wait_for_response(iid, count=count))


async def slack_command(
    server: SlackTestServer, text: str, *, user: str = "U1", command: str = "/quiz"
) -> str:
    before = len(server.responses)
    envelope = await server.slash(command, text, user_id=user)
    await server.wait_for_ack(envelope)
    return shown_slack((await server.wait_for_responses(before + 1))[before])


def _db_state(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(db) as conn:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("channels", "schedules", "teams", "competitions")
        }


def _group(name: str, verb: str, **values: object) -> list[dict[str, Any]]:
    return [{"type": 2, "name": name, "options": sub(verb, **values)}]


async def test_discord_admin_commands_are_refused_by_the_bot_when_discord_hides_nothing(
    discord_server: StrictDiscord, tmp_path: Path
) -> None:
    db = tmp_path / "db.sqlite3"
    role = {"id": "2100", "name": "Red Team", "permissions": "0", "position": 1, "color": 0, "hoist": False}
    role |= {"managed": False, "mentionable": True, "flags": 0}
    bind = [
        {
            "type": 1,
            "name": "bind-role",
            "options": [
                {"type": 3, "name": "name", "value": "Reds"},
                {"type": 8, "name": "role", "value": "2100"},
            ],
        }
    ]
    async with discord_bot(discord_server, db):
        # The test server delivers every command whatever the member's permissions, as Discord does when a
        # server's admin has cleared the command's default permissions: only the bot's own check is left.
        await discord_command(
            discord_server,
            "quiz",
            _group("schedule", "add", cron="0 9 * * *", timezone="UTC"),
            permissions=MANAGE_GUILD,
        )
        await discord_command(
            discord_server, "competition", sub("start", name="Cup", ends="7d"), permissions=MANAGE_GUILD
        )
        before = _db_state(db)
        attempts: list[tuple[str, Any, dict[str, Any], int]] = [
            ("quiz", sub("config", setting="allow_changes", value="on"), {}, 1),
            ("quiz", _group("schedule", "add", cron="0 10 * * *", timezone="UTC"), {}, 1),
            ("quiz", _group("schedule", "remove", schedule=1), {}, 1),
            ("quiz", _group("schedule", "pause", schedule=1), {}, 1),
            ("quiz", _group("schedule", "resume", schedule=1), {}, 1),
            ("team", bind, {"resolved": {"roles": {"2100": role}}}, 1),
            ("competition", sub("start", name="Cup Two", ends="7d"), {}, 1),
            ("competition", sub("end", name="Cup"), {}, 2),  # deferred, then the refusal
        ]
        for name, options, extra, count in attempts:
            iid = await discord_server.interact(name, options, permissions="0", **extra)
            bodies = await discord_server.wait_for_response(iid, count=count)
            assert "only server admins" in shown_discord(bodies), (name, options)
            assert any(((b.get("data", b) or {}).get("flags") or 0) & 64 for b in bodies), (
                "refusals are ephemeral"
            )
        assert _db_state(db) == before


async def test_slack_admin_commands_are_refused_to_members(slack_server: StrictSlack, tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    async with slack_bot(slack_server, db):
        assert "added" in await slack_command(slack_server, "schedule add '0 9 * * *' UTC", user="UADMIN")
        assert "started" in await slack_command(slack_server, "competition start Cup 7d", user="UADMIN")
        before = _db_state(db)
        for text in (
            "config allow_changes on",
            "schedule add '0 10 * * *' UTC",
            "schedule remove 1",
            "schedule pause 1",
            "schedule resume 1",
            "competition start Cup2 7d",
            "competition end Cup",
        ):
            reply = await slack_command(slack_server, text, user="U1")
            assert "only server admins" in reply, text
        assert _db_state(db) == before


# ------------------------------------------------------------------------------------------------------
# (b) tokens never reach logs or error messages
# ------------------------------------------------------------------------------------------------------


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
        await until(lambda: any("closing round" in r.getMessage() for r in everything.records), within=10)
        # an unexpected error inside a command: logged by on_error with its traceback
        server.fail_next("POST", rf"/channels/{QUIZ_CHANNEL}/messages", status=403, times=1)
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
        await until(lambda: any("closing round" in r.getMessage() for r in everything.records), within=10)
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


async def _run_cli(env: dict[str, str], within: float = 30) -> tuple[int | None, str]:
    """Run `python -m bot run`; (exit code or None if it was still running after `within` s, its output)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    chunks: list[bytes] = []

    async def drain(stream: asyncio.StreamReader | None) -> None:
        while stream is not None and (data := await stream.read(65536)):
            chunks.append(data)

    readers = [asyncio.create_task(drain(proc.stdout)), asyncio.create_task(drain(proc.stderr))]
    code: int | None
    try:
        code = await asyncio.wait_for(proc.wait(), within)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        code = None
    await asyncio.gather(*readers)
    return code, b"".join(chunks).decode(errors="replace")


def _child_env(db: Path, **extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))}
    return (
        keep
        | {
            "QUIZBOT_DB": str(db),
            "QUIZBOT_QUESTIONS": str(FIXTURE_BANK),
            "QUIZBOT_LOG_LEVEL": "DEBUG",
            "PYTHONWARNINGS": "ignore",
        }
        | extra
    )


async def test_quizbot_run_with_a_bad_discord_token_prints_no_token(
    discord_server: StrictDiscord, tmp_path: Path
) -> None:
    code, output = await _run_cli(
        _child_env(
            tmp_path / "db.sqlite3",
            DISCORD_TOKEN=DISCORD_WRONG,
            QUIZBOT_DISCORD_API_URL=discord_server.api_base,
            QUIZBOT_DISCORD_GATEWAY_URL=discord_server.gateway_url,
        )
    )
    assert code == 1 and "Discord refused the token" in output, output
    assert "DEBUG" in output  # it did log at DEBUG, so there was every chance to leak
    assert secrets_in(output) == []


async def test_quizbot_run_with_a_bad_slack_token_prints_no_token(
    slack_server: StrictSlack, tmp_path: Path
) -> None:
    code, output = await _run_cli(
        _child_env(
            tmp_path / "db.sqlite3",
            SLACK_BOT_TOKEN=SLACK_WRONG_BOT,
            SLACK_APP_TOKEN=SLACK_APP_TOKEN,
            QUIZBOT_SLACK_API_URL=slack_server.api_url,
        )
    )
    assert code not in (0, None) and "invalid_auth" in output, output
    assert "DEBUG" in output
    assert secrets_in(output) == []


async def test_quizbot_run_with_a_bad_slack_app_token_prints_no_token(
    slack_server: StrictSlack, tmp_path: Path
) -> None:
    _, output = await _run_cli(
        _child_env(
            tmp_path / "db.sqlite3",
            SLACK_BOT_TOKEN=SLACK_BOT_TOKEN,
            SLACK_APP_TOKEN=SLACK_WRONG_APP,
            QUIZBOT_SLACK_API_URL=slack_server.api_url,
        ),
        within=6,
    )
    assert "invalid_auth" in output and "apps.connections.open" in output, output
    assert secrets_in(output) == []


# ------------------------------------------------------------------------------------------------------
# (c) SQL is parameterised
# ------------------------------------------------------------------------------------------------------

SQL_CALLS = {
    "execute",
    "executemany",
    "executescript",
    "execute_fetchall",
    "execute_insert",
    "scalar",
    "read_scalar",
}
# (file, the SQL argument as ast.unparse shows it): each with why it cannot be a constant with bound values.
SQL_WHITELIST = {
    # PRAGMA values cannot be bound; both are ints formatted with :d.
    ("db.py", "f'PRAGMA user_version = {number:d}'"),
    ("db.py", "f'PRAGMA application_id = {APPLICATION_ID:d}'"),
    # The statements of the bundled migrations/NNNN_*.sql files, run in order.
    ("db.py", "statement"),
    # Database.scalar passes its caller's SQL through; every call of scalar is checked like execute.
    ("db.py", "sql"),
}


class _SqlChecker:
    """Finds SQL arguments that are not built from string constants alone."""

    def __init__(self, tree: ast.Module, filename: str) -> None:
        self.filename = filename
        self.module_consts: set[str] = set()
        self.fields: dict[str, bool] = {}  # dataclass field -> every construction passes a constant
        self.problems: list[str] = []
        assigned: dict[str, list[ast.expr]] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        assigned.setdefault(target.id, []).append(node.value)
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            ):
                assigned.setdefault(node.target.id, []).append(node.value)
        for _ in range(3):  # constants built from other constants
            for name, values in assigned.items():
                if all(self._const(v, {}) for v in values):
                    self.module_consts.add(name)
        self._dataclass_fields(tree)
        self.tree = tree

    def _dataclass_fields(self, tree: ast.Module) -> None:
        classes = {
            node.name: [
                s.target.id
                for s in node.body
                if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
            ]
            for node in tree.body
            if isinstance(node, ast.ClassDef)
        }
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if isinstance(call.func, ast.Name) and call.func.id in classes:
                names = classes[call.func.id]
                given = list(zip(names, call.args, strict=False)) + [
                    (k.arg, k.value) for k in call.keywords if k.arg
                ]
                for field, value in given:
                    ok = self._const(value, {}) if isinstance(value, ast.expr) else False
                    self.fields[field] = self.fields.get(field, True) and ok

    def _const(self, node: ast.expr, local: dict[str, list[ast.expr] | None]) -> bool:
        """True when `node` can only be a string assembled from literals and module constants."""
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str | int | float | bytes)
        if isinstance(node, ast.JoinedStr):
            return all(isinstance(v, ast.Constant) for v in node.values)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._const(node.left, local) and self._const(node.right, local)
        if isinstance(node, ast.Tuple):
            return all(self._const(e, local) for e in node.elts)
        if isinstance(node, ast.Name):
            if node.id in local:
                values = local[node.id]
                return values is not None and all(
                    self._const(v, {k: v2 for k, v2 in local.items() if k != node.id}) for v in values
                )
            return node.id in self.module_consts
        if isinstance(node, ast.Attribute):
            return self.fields.get(node.attr, False)
        # The one whitelisted idiom: CONSTANT.format(",".join("?" * n)), markers for n bound values. Anything
        # else (%-formatting, other .format(), calls, subscripts, parameters) is not a constant.
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format"
            and not node.keywords
            and self._const(node.func.value, local)
            and bool(node.args)
            and all(_placeholders(a) for a in node.args)
        )

    @staticmethod
    def _locals(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, list[ast.expr] | None]:
        """Each local name and the expressions it is bound to (None: bound to something we cannot see)."""
        found: dict[str, list[ast.expr] | None] = {}
        args = fn.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if a is not None:
                found[a.arg] = None
        for node in ast.walk(fn):
            pairs: list[tuple[ast.expr, ast.expr | None]] = []
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        pairs += list(zip(target.elts, node.value.elts, strict=False))
                    else:
                        pairs.append((target, node.value if isinstance(target, ast.Name) else None))
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                pairs.append((node.target, None if isinstance(node, ast.AugAssign) else node.value))
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
                it = node.iter
                elements = it.elts if isinstance(it, ast.Tuple | ast.List) else None
                for name in ast.walk(node.target):
                    if isinstance(name, ast.Name):
                        if elements is not None and isinstance(node.target, ast.Name):
                            for e in elements:
                                pairs.append((name, e))
                        else:
                            pairs.append((name, None))
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                pairs.append((node.optional_vars, None))
            for target, value in pairs:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        if value is None or found.get(name.id, []) is None:
                            found[name.id] = None
                        else:
                            current = found.setdefault(name.id, [])
                            assert current is not None
                            current.append(value)
        return found

    def run(self) -> list[str]:
        for fn in (n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            local = self._locals(fn)
            for call in (n for n in ast.walk(fn) if isinstance(n, ast.Call)):
                func = call.func
                if not (isinstance(func, ast.Attribute) and func.attr in SQL_CALLS and call.args):
                    continue
                sql = call.args[0]
                if self._const(sql, local):
                    continue
                if (self.filename, ast.unparse(sql)) in SQL_WHITELIST:
                    continue
                self.problems.append(
                    f"{self.filename}:{call.lineno} in {fn.name}(): {func.attr}({ast.unparse(sql)})"
                )
        return self.problems


def _placeholders(node: ast.expr) -> bool:
    """`",".join("?" * n)` (or `["?"] * n`): a run of bound-parameter markers, never a value."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and isinstance(node.func.value, ast.Constant)
        and node.func.value.value in (",", ", ")
        and len(node.args) == 1
        and not node.keywords
    ):
        return False
    arg = node.args[0]
    if not (isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mult)):
        return False
    marker = arg.left
    if isinstance(marker, ast.List) and len(marker.elts) == 1:
        marker = marker.elts[0]
    return isinstance(marker, ast.Constant) and marker.value == "?"


def sql_problems(source: str, filename: str) -> list[str]:
    return _SqlChecker(ast.parse(source), filename).run()


def test_storage_runs_only_constant_sql_with_bound_parameters() -> None:
    files = sorted((ROOT / "bot" / "storage").glob("*.py"))
    assert len(files) >= 6
    problems = [p for f in files for p in sql_problems(f.read_text(encoding="utf-8"), f.name)]
    assert problems == [], (
        "SQL must be a constant with bound parameters; for a list of values bind one JSON array and use "
        "'IN (SELECT value FROM json_each(?))' (as RoundRepo.rounds_in does) instead of formatting placeholders"
    )
    for filename, sql in SQL_WHITELIST:  # the whitelist holds nothing that is no longer there
        tree = ast.parse((ROOT / "bot" / "storage" / filename).read_text(encoding="utf-8"))
        assert any(
            isinstance(c, ast.Call) and c.args and ast.unparse(c.args[0]) == sql for c in ast.walk(tree)
        ), sql


@pytest.mark.parametrize(
    "body",
    [
        "await conn.execute(f\"SELECT * FROM t WHERE name = '{name}'\")",
        "await conn.execute(\"SELECT * FROM t WHERE name = '%s'\" % name)",
        "await conn.execute(\"SELECT * FROM t WHERE name = '{}'\".format(name))",
        'await conn.execute("SELECT * FROM t WHERE name = \'" + name + "\'")',
        "await conn.executemany(_SQL + name, [])",
        'sql = "SELECT * FROM t WHERE x = " + name\n    await conn.executescript(sql)',
        'await self.db.scalar(f"SELECT count(*) FROM {name}")',
        'for table in tables:\n        await conn.execute("DELETE FROM " + table)',
        'await conn.execute(_SQL.format(",".join(tables)), ())',
        'await conn.execute(_SQL.format(",".join("?" * len(tables)), name), ())',
    ],
    ids=[
        "f-string",
        "percent",
        "format",
        "concat",
        "constant-plus-param",
        "via-local",
        "scalar",
        "loop-var",
        "format-joined-values",
        "format-placeholders-and-a-value",
    ],
)
def test_the_sql_check_catches_built_sql(body: str) -> None:
    source = f'_SQL = "SELECT 1 "\n\nasync def f(conn, name, tables):\n    {body}\n'
    assert len(sql_problems(source, "example.py")) == 1


def test_the_sql_check_allows_constants_and_bound_parameters() -> None:
    source = (
        '_SELECT = "SELECT id FROM t "\n'
        "async def f(conn, name):\n"
        '    sql = _SELECT + "WHERE name = ?"\n'
        "    await conn.execute(sql, (name,))\n"
        '    for clause in ("a = ?", "b = ?"):\n'
        '        await conn.execute(_SELECT + "WHERE " + clause, (name,))\n'
        '    await conn.executemany("INSERT INTO t VALUES (?)", [(name,)])\n'
        '    sql = _SELECT.format(",".join("?" * len(name)))  # placeholders only: the values are bound\n'
        "    await conn.execute(sql, (*name,))\n"
    )
    assert sql_problems(source, "example.py") == []


# ------------------------------------------------------------------------------------------------------
# (d) user text cannot ping, and names are escaped
# ------------------------------------------------------------------------------------------------------


def _reveal(bank: Bank, name: str) -> RevealView:
    q = next(iter(bank.questions.values()))
    row = ResultRow("u1", name, q.answer_index, 1_000_005.0, True, 25)
    return RevealView(7, q, "Exploratory data analysis", 1_000_000.0, (row,))


def _board(name: str, title: str = "Leaderboard: all time") -> LeaderboardView:
    return LeaderboardView(title, (Standing(1, "u1", name, 30, 1, 1),), Standing(9, "u9", name, 1, 0, 1))


def _stats(name: str) -> StatsView:
    return StatsView(name, 30, 1, 1, 1, 1, 1, (), (), None)


MARKDOWN_NAMES = {
    "**bold**": "\\*\\*bold\\*\\*",
    "_it_": "\\_it\\_",
    "__under__": "\\_\\_under\\_\\_",
    "~~strike~~": "\\~\\~strike\\~\\~",
    "`code`": "\\`code\\`",
    "||spoiler||": "\\|\\|spoiler\\|\\|",
    "> quote": "\\> quote",
    "[link](https://evil.example)": "\\[link](https://evil.example)",
}
PINGS = ["@everyone", "@here", "<@&123456789012345678>", "<@123456789012345678>", "<@!123456789012345678>"]
_DISCORD_PING = re.compile(r"@(everyone|here)|<@[!&]?\d+>")


def _discord_texts(embed: Any) -> str:
    data = {"embeds": [embed.to_dict()]} if hasattr(embed, "to_dict") else {"content": embed}
    return shown_discord([data])


def test_discord_render_escapes_markdown_and_mentions_in_names(mini_bank: Bank) -> None:
    comp = CompetitionRecord(1, 1, 1, "", 0.0, 2_000_000_000.0, None)
    for raw, escaped in MARKDOWN_NAMES.items():
        texts = {
            "reveal": _discord_texts(discord_render.reveal(_reveal(mini_bank, raw))),
            "board": _discord_texts(discord_render.board(_board(raw))),
            "board title": _discord_texts(discord_render.board(_board("x", f"Leaderboard: {raw} (final)"))),
            "stats": _discord_texts(discord_render.stats(_stats(raw))),
            "teams": discord_render.teams([TeamRecord(1, raw, None, 2)]),
            "competition": discord_render.competition(dataclasses.replace(comp, name=raw)),
            "lookup": _discord_texts(discord_render.lookup(raw, [], {})),
        }
        if raw.startswith(">"):
            del texts["board title"]  # mid-line '>' quotes nothing, so nothing to escape
        for where, text in texts.items():
            assert escaped in text, (where, raw, text)
            assert raw not in text.replace(escaped, ""), (where, raw, text)
    for ping in PINGS:
        texts = {
            "reveal": _discord_texts(discord_render.reveal(_reveal(mini_bank, ping))),
            "board": _discord_texts(discord_render.board(_board(ping))),
            "stats": _discord_texts(discord_render.stats(_stats(ping))),
            "teams": discord_render.teams([TeamRecord(1, ping, None, 2)]),
            "competition": discord_render.competition(dataclasses.replace(comp, name=ping)),
            "lookup": _discord_texts(discord_render.lookup(ping, [], {})),
        }
        for where, text in texts.items():
            assert not _DISCORD_PING.search(text), (where, ping, text)
    assert discord_render.NO_PINGS.to_dict()["parse"] == []
    assert not {"users", "roles", "replied_user"} & {
        k for k, v in discord_render.NO_PINGS.to_dict().items() if v
    }


_SLACK_PING = re.compile(r"<[!@#]")


def _slack_texts(rendered: tuple[str, list[dict[str, Any]]] | str) -> str:
    if isinstance(rendered, str):
        return rendered
    text, blocks = rendered
    return json.dumps({"text": text, "blocks": blocks}, ensure_ascii=False)


def test_slack_render_escapes_mentions_and_control_characters_in_names(mini_bank: Bank) -> None:
    comp = CompetitionRecord(1, 1, 1, "", 0.0, 2_000_000_000.0, None)
    for raw in ("<!everyone>", "<!here>", "<!channel>", "<@U0123ABC>", "<!subteam^S1|@team>", "a & b <x>"):
        texts = {
            "reveal": _slack_texts(slack_render.reveal(_reveal(mini_bank, raw))),
            "board": _slack_texts(slack_render.board(_board(raw, f"Leaderboard: {raw}"))),
            "stats": _slack_texts(slack_render.stats(_stats(raw))),
            "teams": slack_render.teams([TeamRecord(1, raw, None, 2)]),
            "lookup": _slack_texts(slack_render.lookup(raw, [], {})),
        }
        texts["competition"] = slack_render.competition(dataclasses.replace(comp, name=raw)).split(
            "runs until"
        )[0]
        for where, text in texts.items():
            assert raw not in text, (where, raw, text)
            assert not _SLACK_PING.search(text.replace("<!date^", "")), (where, raw, text)
            assert slack_render.safe(raw) in text, (where, raw, text)
    assert slack_render.safe("a & <b>") == "a &amp; &lt;b&gt;"


def test_console_renders_names_literally(mini_bank: Bank) -> None:
    for raw in [*MARKDOWN_NAMES, *PINGS, "<!everyone> & <@U1>"]:
        assert raw in console_render.reveal(_reveal(mini_bank, raw))
        assert raw in console_render.board(_board(raw))
        assert raw in console_render.stats(_stats(raw))
        assert raw in console_render.teams([TeamRecord(1, raw, None, 2)])


def _message_posts(server: DiscordTestServer) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, message body) of every request by which the bot made or edited a message."""
    for entry in server.request_log:
        body, path, method = entry["json"], entry["path"], entry["method"]
        if not isinstance(body, dict):
            continue
        if method == "POST" and re.fullmatch(r"/channels/\d+/messages", path):
            yield path, body
        elif method == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", path):
            if body.get("type") in (4, 7):  # a message; 5/6 defer, 8 autocomplete carry none
                yield path, body.get("data") or {}
        elif re.fullmatch(r"/webhooks/\d+/[^/]+(/messages/[^/]+)?", path) and method in ("POST", "PATCH"):
            yield path, body


async def test_every_discord_message_carries_no_pings_and_shows_names_escaped(
    discord_server: StrictDiscord, tmp_path: Path
) -> None:
    server = discord_server
    async with discord_bot(server, tmp_path / "db.sqlite3") as bot:
        assert bot.app is not None
        await discord_command(server, "quiz", sub("now"), count=2)
        (question,) = server.channel_messages(QUIZ_CHANNEL)
        mid = int(question["id"])
        (rnd,) = bot.app.service.open_rounds()
        right = discord_render.OPTION_EMOJI[rnd.question.answer_index]
        wrong = discord_render.OPTION_EMOJI[1 - min(rnd.question.answer_index, 1)]
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, right, name=EVIL)
        await server.add_reaction(QUIZ_CHANNEL, mid, 5002, wrong, name=EVIL)
        await server.add_reaction(QUIZ_CHANNEL, mid, 5003, right, name=EVIL)
        await until(lambda: len(rnd.answers) == 3)
        await bot.app.service.close_round(1)
        (_, reveal) = await server.wait_for_messages(QUIZ_CHANNEL, 2)
        shown = shown_discord([reveal])
        assert "@\u200beveryone" in shown and "\\*\\*b\\*\\*" in shown
        for name, options, kw in (
            ("leaderboard", None, {}),
            ("stats", None, {"user_id": 5001, "username": EVIL}),
            ("team", sub("create", name="Night_Owls_"), {"user_id": 5001, "username": EVIL}),
            ("team", sub("list"), {}),
            ("competition", sub("start", name="Cup_x_", ends="7d"), {"permissions": MANAGE_GUILD}),
            ("competition", sub("standings"), {}),
            ("lookup", [{"type": 3, "name": "term", "value": "@everyone **x**"}], {}),
            (
                "quiz",
                sub("config", setting="answer_window", value="@everyone"),
                {"permissions": MANAGE_GUILD},
            ),
        ):
            text = await discord_command(server, name, options, **kw)
            assert not _DISCORD_PING.search(text), (name, text)
        await discord_command(
            server, "competition", sub("end", name="Cup_x_"), permissions=MANAGE_GUILD, count=2
        )
    posts = list(_message_posts(server))
    assert len(posts) >= 12
    for path, body in posts:
        assert (body.get("allowed_mentions") or {}).get("parse") == [], (path, body)
        assert not (body.get("allowed_mentions") or {}).get("roles") and not (
            body.get("allowed_mentions") or {}
        ).get("users")
    for message in server.channel_messages(QUIZ_CHANNEL):
        assert message.get("mention_everyone") is False and message.get("mention_roles") == [], message


async def test_slack_messages_never_carry_a_mention_made_from_user_text(
    slack_server: StrictSlack, tmp_path: Path
) -> None:
    server = slack_server
    async with slack_bot(server, tmp_path / "db.sqlite3") as bot:
        assert bot.app is not None
        await slack_command(server, "now")
        (question,) = await server.wait_for_messages("C0001", 1)
        (rnd,) = bot.app.service.open_rounds()
        right = rnd.question.answer_index
        await server.add_reaction("C0001", question["ts"], "UEVIL", slack_render.OPTION_EMOJI[right])
        await server.add_reaction("C0001", question["ts"], "U1", slack_render.OPTION_EMOJI[1 - min(right, 1)])
        await until(lambda: len(rnd.answers) == 2)
        await bot.app.service.close_round(1)
        await server.wait_for_messages("C0001", 2)
        for text, user in (
            ("leaderboard", "U1"),
            ("stats", "UEVIL"),
            ("stats <!everyone>", "U1"),
            ("team create <!here>", "UEVIL"),
            ("lookup <!channel> <@U1>", "U1"),
            ("config answer_window <!everyone>", "UADMIN"),
            ("frobnicate <!everyone>", "U1"),
        ):
            await slack_command(server, text, user=user)
    bodies = [*server.messages["C0001"], *server.responses]
    assert len(bodies) >= 9
    for body in bodies:
        text = json.dumps({k: body.get(k) for k in ("text", "blocks", "attachments")}, ensure_ascii=False)
        assert not re.search(r"<!(everyone|here|channel|subteam)|<@", text), body
        assert not body.get("link_names") and body.get("parse") in (None, "none"), body
    assert any("&lt;!everyone&gt;" in json.dumps(b, ensure_ascii=False) for b in bodies)
