"""The loopback Slack server against the real slack-bolt AsyncApp, slack_sdk clients and aiohttp."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.servers.slack import SlackTestServer

BOT_TOKEN, APP_TOKEN = "xoxb-test-not-secret", "xapp-test-not-secret"


@dataclass
class Seen:
    """What the tiny app's listeners received."""

    reactions: list[dict] = field(default_factory=list)
    commands: list[dict] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)
    socket_messages: list[dict] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def note(self) -> None:
        self.changed.set()

    async def until(self, predicate: Any) -> None:
        async with asyncio.timeout(5):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


def tiny_app(server: SlackTestServer, seen: Seen, **kwargs: Any) -> AsyncApp:
    app = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=server.api_url), **kwargs)

    @app.event("reaction_added")
    async def on_reaction(event: dict) -> None:
        seen.reactions.append(event)
        seen.note()

    @app.command("/quiz")
    async def on_quiz(ack: Any, command: dict, respond: Any) -> None:
        await ack()
        seen.commands.append(command)
        seen.note()
        await respond(text=f"quiz: {command['text']}", response_type="ephemeral")

    @app.action("answer")
    async def on_answer(ack: Any, body: dict, action: dict) -> None:
        await ack()
        seen.actions.append({"user": body["user"]["id"], "action": action, "channel": body["channel"]["id"]})
        seen.note()

    return app


@pytest.fixture
async def server() -> AsyncIterator[SlackTestServer]:
    srv = SlackTestServer()
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
async def socket_app(server: SlackTestServer, seen: Seen) -> AsyncIterator[AsyncSocketModeHandler]:
    app = tiny_app(server, seen)
    handler = AsyncSocketModeHandler(app, APP_TOKEN)  # its web client is app.client: same base_url

    async def record(client: Any, message: dict, raw: str | None) -> None:
        seen.socket_messages.append(message)
        seen.note()

    handler.client.message_listeners.append(record)
    await handler.connect_async()
    try:
        await server.wait_connected()
        yield handler
    finally:
        await handler.close_async()


@pytest.fixture
async def web_client(server: SlackTestServer) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=server.api_url)


# -- Socket Mode ----------------------------------------------------------------------------------


async def test_socket_mode_connects_with_hello(server: SlackTestServer, seen: Seen) -> None:
    assert server.connections == 0
    with pytest.raises(TimeoutError):
        await server.wait_connected(timeout=0.05)
    app = tiny_app(server, seen)
    handler = AsyncSocketModeHandler(app, APP_TOKEN)

    async def record(client: Any, message: dict, raw: str | None) -> None:
        seen.socket_messages.append(message)
        seen.note()

    handler.client.message_listeners.append(record)
    await handler.connect_async()
    try:
        await server.wait_connected()
        assert server.connections == 1
        assert [m for m, _ in server.calls] == ["apps.connections.open"]
        await seen.until(lambda: seen.socket_messages)
        hello = seen.socket_messages[0]
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": server.api_app_id}
        assert "debug_info" in hello
        auth = await app.client.auth_test()
        assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("UBOT", "BBOT", "T0001")
        assert auth["url"].startswith("https://")
    finally:
        await handler.close_async()


async def test_reaction_added_reaches_listener(
    server: SlackTestServer, seen: Seen, socket_app: AsyncSocketModeHandler, web_client: AsyncWebClient
) -> None:
    posted = await web_client.chat_postMessage(channel="C0001", text="Q1?")
    ts = posted["ts"]
    envelope = await server.add_reaction("C0001", ts, "U2", "two")
    ack = await server.wait_for_ack(envelope)
    assert ack == {"envelope_id": envelope}
    await seen.until(lambda: seen.reactions)
    event = seen.reactions[0]
    assert event["user"] == "U2" and event["reaction"] == "two"
    assert event["item"] == {"type": "message", "channel": "C0001", "ts": ts}
    assert event["item_user"] == "UBOT" and event["event_ts"]
    assert server.reactions[("C0001", ts)] == {"two": ["U2"]}
    assert "auth.test" in [m for m, _ in server.calls]  # bolt's single-team authorization

    # The bot's own reaction comes back as an event too; bolt drops it as a self event.
    await web_client.reactions_add(channel="C0001", timestamp=ts, name="one")
    await server.wait_for(lambda: len(server.envelopes) == 2, what="the echo of the bot's reaction")
    echo = server.envelopes[1]
    assert echo["payload"]["event"]["user"] == "UBOT" and echo["payload"]["event"]["reaction"] == "one"
    await server.wait_for_ack(echo["envelope_id"])
    # reaction_removed has no listener in this app: bolt answers 404 and so never acks it.
    envelope = await server.remove_reaction("C0001", ts, "U2", "two")
    assert server.envelopes[-1]["payload"]["event"]["type"] == "reaction_removed"
    with pytest.raises(TimeoutError):
        await server.wait_for_ack(envelope, timeout=0.3)
    assert [e["user"] for e in seen.reactions] == ["U2"]
    assert server.reactions[("C0001", ts)] == {"one": ["UBOT"]}


async def test_slash_command_acked_in_envelope_and_responds(
    server: SlackTestServer, seen: Seen, socket_app: AsyncSocketModeHandler
) -> None:
    envelope = await server.slash("/quiz", "start 5", user_id="U3")
    ack = await server.wait_for_ack(envelope)
    assert ack["envelope_id"] == envelope
    [response] = await server.wait_for_responses(1)
    assert response["text"] == "quiz: start 5" and response["response_type"] == "ephemeral"
    assert server.response_urls[response["response_url_id"]]["kind"] == "slash"
    command = seen.commands[0]
    assert (command["user_id"], command["user_name"], command["channel_id"]) == ("U3", "cy", "C0001")
    assert command["command"] == "/quiz" and command["response_url"].startswith(server.base_url)
    assert command["team_id"] == "T0001" and command["trigger_id"]


async def test_block_action_click_reaches_handler(
    server: SlackTestServer, seen: Seen, socket_app: AsyncSocketModeHandler, web_client: AsyncWebClient
) -> None:
    await web_client.chat_postMessage(
        channel="C0001", text="pick", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "pick"}}]
    )
    envelope = await server.click("answer", "opt-2", user_id="U1", block_id="choices")
    await server.wait_for_ack(envelope)
    await seen.until(lambda: seen.actions)
    got = seen.actions[0]
    assert got["user"] == "U1" and got["channel"] == "C0001"
    assert (got["action"]["action_id"], got["action"]["value"], got["action"]["block_id"]) == (
        "answer",
        "opt-2",
        "choices",
    )
    # An action no listener matches is not acked at all (bolt's 404 sends nothing back).
    other = await server.click("nobody-listens", "x")
    with pytest.raises(TimeoutError):
        await server.wait_for_ack(other, timeout=0.3)
    assert len(seen.actions) == 1


async def test_drop_socket_reconnects_and_events_still_arrive(
    server: SlackTestServer, seen: Seen, socket_app: AsyncSocketModeHandler
) -> None:
    assert server.connections == 1
    await server.drop_socket()
    await server.wait_connected()
    assert server.connections == 2
    assert [m for m, _ in server.calls].count("apps.connections.open") == 2
    envelope = await server.send_event(
        {
            "type": "reaction_added",
            "user": "U1",
            "reaction": "three",
            "item": {"type": "message", "channel": "C0001", "ts": "1790000000.000100"},
        }
    )
    await server.wait_for_ack(envelope)
    await seen.until(lambda: seen.reactions)
    assert seen.reactions[0]["reaction"] == "three"


# -- Web API --------------------------------------------------------------------------------------


async def test_post_react_and_read_back_with_60_silent_users(
    server: SlackTestServer, web_client: AsyncWebClient
) -> None:
    first = await web_client.chat_postMessage(channel="C0001", text="Q1", blocks=[{"type": "divider"}])
    second = await web_client.chat_postMessage(channel="C0001", text="reveal", thread_ts=first["ts"])
    assert first["channel"] == "C0001" and first["message"]["text"] == "Q1"
    assert float(second["ts"]) > float(first["ts"])
    ts = first["ts"]
    for name in ("one", "two"):
        await web_client.reactions_add(channel="C0001", timestamp=ts, name=name)
    with pytest.raises(SlackApiError) as again:
        await web_client.reactions_add(channel="C0001", timestamp=ts, name="one")
    assert again.value.response["error"] == "already_reacted"
    voters = [f"U{i:03d}" for i in range(60)]
    for user in voters:
        server.add_reaction_silently("C0001", ts, user, "two")

    got = await web_client.reactions_get(channel="C0001", timestamp=ts, full=True)
    assert got["type"] == "message" and got["channel"] == "C0001"
    assert got["message"]["ts"] == ts and got["message"]["text"] == "Q1"
    assert got["message"]["reactions"] == [
        {"name": "one", "users": ["UBOT"], "count": 1},
        {"name": "two", "users": ["UBOT", *voters], "count": 61},
    ]
    partial = await web_client.reactions_get(channel="C0001", timestamp=ts)
    assert partial["message"]["reactions"][1]["count"] == 61
    assert len(partial["message"]["reactions"][1]["users"]) < 61  # full=true is needed for everyone

    msgs = await server.wait_for_messages("C0001", 2)
    assert [m["text"] for m in msgs] == ["Q1", "reveal"]
    assert msgs[1]["thread_ts"] == ts and msgs[0]["user"] == "UBOT" and msgs[0]["bot_id"] == "BBOT"
    assert msgs[0]["blocks"] == [{"type": "divider"}]

    await web_client.chat_update(channel="C0001", ts=ts, text="Q1 (closed)")
    assert server.messages["C0001"][0]["text"] == "Q1 (closed)" and server.messages["C0001"][0]["edits"] == 1
    calls = [m for m, _ in server.calls]
    assert calls[:2] == ["chat.postMessage", "chat.postMessage"] and "reactions.get" in calls
    assert server.calls[0][1]["channel"] == "C0001" and "token" not in server.calls[0][1]


async def test_reactions_remove_only_own(server: SlackTestServer, web_client: AsyncWebClient) -> None:
    ts = (await web_client.chat_postMessage(channel="C0001", text="Q"))["ts"]
    server.add_reaction_silently("C0001", ts, "U1", "one")
    with pytest.raises(SlackApiError) as refused:
        await web_client.reactions_remove(channel="C0001", timestamp=ts, name="one")
    assert refused.value.response["error"] == "no_reaction"
    assert server.reactions[("C0001", ts)] == {"one": ["U1"]}
    await web_client.reactions_add(channel="C0001", timestamp=ts, name="one")
    await web_client.reactions_remove(channel="C0001", timestamp=ts, name="one")
    assert server.reactions[("C0001", ts)] == {"one": ["U1"]}


async def test_rate_limited_post_is_retried_once(server: SlackTestServer) -> None:
    plain = AsyncWebClient(token=BOT_TOKEN, base_url=server.api_url)
    server.rate_limit_next("chat.postMessage", retry_after=1)
    with pytest.raises(SlackApiError) as limited:
        await plain.chat_postMessage(channel="C0001", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response["error"] == "ratelimited"
    assert limited.value.response.headers["Retry-After"] == "1"
    assert "C0001" not in server.messages

    retrying = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=server.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    server.rate_limit_next("chat.postMessage", retry_after=1)
    started = time.monotonic()
    posted = await retrying.chat_postMessage(channel="C0001", text="hello")
    assert time.monotonic() - started >= 1  # it honoured Retry-After
    assert posted["ok"] and [m["text"] for m in server.messages["C0001"]] == ["hello"]
    assert [m for m, _ in server.calls] == ["chat.postMessage"] * 3


async def test_fail_next_auth_and_lookups(server: SlackTestServer, web_client: AsyncWebClient) -> None:
    server.fail_next("chat.postMessage", "channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as failed:
            await web_client.chat_postMessage(channel="C0001", text="x")
        assert failed.value.response["error"] == "channel_not_found"
    await web_client.chat_postMessage(channel="#quiz", text="x")  # names resolve to ids
    server.fail_next("users.info", status=500)
    with pytest.raises(SlackApiError) as broken:
        await web_client.users_info(user="U1")
    assert broken.value.response.status_code == 500

    admin = (await web_client.users_info(user="UADMIN"))["user"]
    assert admin["is_admin"] and admin["name"] == "admin" and admin["profile"]["display_name"] == "admin"
    ann = (await web_client.users_info(user="U1"))["user"]
    assert (ann["id"], ann["is_admin"], ann["is_bot"], ann["profile"]["real_name"]) == (
        "U1",
        False,
        False,
        "Ann",
    )
    with pytest.raises(SlackApiError, match="user_not_found"):
        await web_client.users_info(user="U404")
    channel = (await web_client.conversations_info(channel="C0001"))["channel"]
    assert channel["id"] == "C0001" and channel["name"] == "quiz"
    await web_client.chat_postEphemeral(channel="C0001", user="U2", text="psst")
    assert server.ephemerals[0]["user"] == "U2" and server.ephemerals[0]["text"] == "psst"

    with pytest.raises(SlackApiError, match="invalid_auth"):
        await AsyncWebClient(token="bogus", base_url=server.api_url).auth_test()
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        await web_client.apps_connections_open(app_token=BOT_TOKEN)
    opened = await web_client.apps_connections_open(app_token=APP_TOKEN)
    assert opened["url"].startswith(f"ws://127.0.0.1:{server.port}/socket?ticket=")
    with pytest.raises(SlackApiError, match="unknown_method"):
        await web_client.api_call("no.such.method", params={"a": "1"})
    assert server.calls[-1] == ("no.such.method", {"a": "1"})


# -- HTTP mode ------------------------------------------------------------------------------------


async def test_http_mode_checks_signatures(server: SlackTestServer, seen: Seen) -> None:
    app = tiny_app(server, seen, signing_secret=server.signing_secret)
    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    try:
        async with aiohttp.ClientSession() as http:
            body = server.slash_form("/quiz", "go", user_id="U2")
            async with http.post(url, data=body, headers={**form, **server.signed_headers(body)}) as ok:
                assert ok.status == 200
            [response] = await server.wait_for_responses(1)
            assert response["text"] == "quiz: go"
            assert seen.commands[0]["user_id"] == "U2"

            bad = server.signed_headers(body, secret="wrong-secret")
            async with http.post(url, data=body, headers={**form, **bad}) as refused:
                assert refused.status == 401
            stale = server.signed_headers(body, timestamp=int(time.time()) - 6 * 60)
            async with http.post(url, data=body, headers={**form, **stale}) as refused:
                assert refused.status == 401
            tampered = server.slash_form("/quiz", "other", user_id="U2")
            async with http.post(
                url, data=tampered, headers={**form, **server.signed_headers(body)}
            ) as refused:
                assert refused.status == 401
        await asyncio.sleep(0.05)
        assert len(seen.commands) == 1 and len(server.responses) == 1
    finally:
        await runner.cleanup()
