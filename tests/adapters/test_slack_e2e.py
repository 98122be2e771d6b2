"""The real slack-bolt AsyncApp running quizbot against the loopback Slack test server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.adapters.slack.render import OPTION_EMOJI
from bot.core.bank_loader import load_bank
from tests.adapters.slack_harness import CHANNEL, running_slack, shared_card, shown
from tests.conftest import FIXTURE_BANK, cron_a_minute_ago, until
from tests.pg_server import execute_at
from tests.servers.slack import SlackTestServer


async def slash(server: SlackTestServer, command: str, text: str, **kw: Any) -> dict[str, Any]:
    before = len(server.responses)
    envelope = await server.slash(command, text, **kw)
    await server.wait_for_ack(envelope)
    return (await server.wait_for_responses(before + 1))[before]


def answer_of(message: dict[str, Any]) -> int:
    bank = load_bank([FIXTURE_BANK])
    text = shown(message)
    question = next(q for q in bank.questions.values() if q.prompt in text)
    return question.answer_index


async def test_question_reactions_reveal_in_thread(slack: SlackTestServer, db_target: Path | str) -> None:
    async with running_slack(slack, db_target) as bot:
        reply = await slash(slack, "/quiz", "now eda")
        assert "Question #1 is up" in shown(reply) and reply.get("response_type") == "ephemeral"
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        ts = msg["ts"]
        await until(lambda: len(slack.reactions.get((CHANNEL, ts), {})) == 3)
        right = answer_of(msg)
        wrong = (right + 1) % 3
        await slack.add_reaction(CHANNEL, ts, "U1", OPTION_EMOJI[right])
        await slack.add_reaction(CHANNEL, ts, "U2", OPTION_EMOJI[wrong])
        await slack.add_reaction(CHANNEL, ts, "U2", OPTION_EMOJI[right])  # second answer: ignored
        await slack.add_reaction(CHANNEL, ts, "U3", "thumbsup")  # not an option
        await slack.send_event({"type": "reaction_added", "user": "U3"})  # malformed: dropped, nothing breaks
        assert bot.app is not None
        await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 2)
        await bot.app.service.close_round(1)
        reveal = (await slack.wait_for_messages(CHANNEL, 2))[1]
        assert reveal["thread_ts"] == ts
        text = shown(reveal)
        assert f"Answer to #1: :{OPTION_EMOJI[right]}:" in text and "(2 in all)" in text
        assert "1. ann +" in text and "bo +" not in text
        board = await shared_card(slack, "leaderboard", user_id="U1")  # a picture, its text the comment
        assert "*1.* ann" in board["text"] and board["files"][0]["name"] == "board.png"


async def test_admin_commands_and_helpful_errors(slack: SlackTestServer, db_target: Path | str) -> None:
    async with running_slack(slack, db_target):
        refused = await slash(slack, "/quiz", "config answer_window 2m", user_id="U1")
        assert "only workspace admins" in shown(refused) and refused["response_type"] == "ephemeral"
        ok = await slash(slack, "/quiz", "config answer_window 2m", user_id="UADMIN")
        assert "answer_window: 120s" in shown(ok)
        bad = await slash(slack, "/quiz", "schedule add '0 9 * *' UTC", user_id="UADMIN")
        assert "has 4 fields" in shown(bad)
        added = await slash(slack, "/quiz", "schedule add '0 9 * * 1-5' Europe/Berlin 10m", user_id="UADMIN")
        assert "Schedule #1 added" in shown(added)
        unknown = await slash(slack, "/quiz", "frobnicate")
        assert "unknown command 'frobnicate'" in shown(unknown)
        quotes = await slash(slack, "/quiz", "schedule add '0 9")
        assert "could not read the command" in shown(quotes)
        usage = await slash(slack, "/quiz", "")
        assert "leaderboard [all|week|month|competition]" in shown(usage)


async def test_lookup_best_match_with_buttons_for_the_next(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target):
        reply = await slash(slack, "/lookup", "model monitor")
        assert "*Amazon SageMaker Model Monitor* (service)" in shown(reply)
        buttons = next(b for b in reply["blocks"] if b["type"] == "actions")["elements"]
        before = len(slack.responses)
        envelope = await slack.click(buttons[0]["action_id"], buttons[0]["value"])
        await slack.wait_for_ack(envelope)
        picked = (await slack.wait_for_responses(before + 1))[before]
        assert shown(picked).startswith(buttons[0]["text"]["text"]) or buttons[0]["text"]["text"] in shown(
            picked
        )


async def test_restart_reads_reactions_back_and_reveals_once(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target):
        await slash(slack, "/quiz", "now training")
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
    for i in range(60):
        slack.add_reaction_silently(CHANNEL, msg["ts"], f"UX{i:03d}", OPTION_EMOJI[0])
    await execute_at(db_target, "UPDATE rounds SET posted_at = posted_at - 1000")
    async with running_slack(slack, db_target):
        reveal = (await slack.wait_for_messages(CHANNEL, 2))[1]
        assert "(60 in all)" in shown(reveal)
    async with running_slack(slack, db_target):
        await asyncio.sleep(0.2)
    assert len([m for m in slack.messages[CHANNEL] if m.get("thread_ts")]) == 1


async def test_socket_reconnect_and_rate_limited_post(slack: SlackTestServer, db_target: Path | str) -> None:
    async with running_slack(slack, db_target) as bot:
        slack.rate_limit_next("chat.postMessage", retry_after=1)
        await slash(slack, "/quiz", "now")
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        await slack.drop_socket()
        await until(lambda: slack.connections >= 2)
        await slack.add_reaction(CHANNEL, msg["ts"], "U1", OPTION_EMOJI[0])
        assert bot.app is not None
        await until(lambda: bool(bot.app.service.open_rounds()[0].answers))


async def test_http_mode_verifies_signatures(slack: SlackTestServer, db_target: Path | str) -> None:
    async with running_slack(slack, db_target, http=True) as bot:
        url = f"http://127.0.0.1:{bot.port}/slack/events"
        body = slack.slash_form("/quiz", "help")
        async with aiohttp.ClientSession() as http:
            async with http.post(url, data=body, headers=slack.signed_headers(body)) as ok:
                assert ok.status == 200
            bad = slack.signed_headers(body, secret="wrong-secret")
            async with http.post(url, data=body, headers=bad) as refused:
                assert refused.status == 401
            stale = slack.signed_headers(body, timestamp=int(time.time()) - 600)
            async with http.post(url, data=body, headers=stale) as old:
                assert old.status == 401
        responses = await slack.wait_for_responses(1)
        assert "leaderboard [all|week|month|competition]" in json.dumps(responses)


async def test_schedules_and_a_missed_scheduled_post_made_once(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target):
        added = await slash(slack, "/quiz", f"schedule add '{cron_a_minute_ago()}' UTC 5m", user_id="UADMIN")
        assert "Schedule #1 added" in shown(added)
        await slash(slack, "/quiz", "schedule pause 1", user_id="UADMIN")
        assert "(paused)" in shown(await slash(slack, "/quiz", "schedule list"))
        await slash(slack, "/quiz", "schedule resume 1", user_id="UADMIN")
        assert "(paused)" not in shown(await slash(slack, "/quiz", "schedule list"))
        refused = await slash(slack, "/quiz", "schedule remove 1", user_id="U1")
        assert "only workspace admins" in shown(refused)
    # the bot was down when this minute's post fell due
    await execute_at(db_target, "UPDATE schedules SET last_fired_at = last_fired_at - 300")
    async with running_slack(slack, db_target):
        (post,) = await slack.wait_for_messages(CHANNEL, 1)
        assert "Question #1" in shown(post)
    async with running_slack(slack, db_target):  # started again within the grace period: not posted twice
        await asyncio.sleep(0.3)
        assert len(slack.messages[CHANNEL]) == 1
        removed = await slash(slack, "/quiz", "schedule remove 1", user_id="UADMIN")
        assert "removed" in shown(removed)
        assert "No schedules" in shown(await slash(slack, "/quiz", "schedule list"))


async def test_teams_competitions_and_stats(slack: SlackTestServer, db_target: Path | str) -> None:
    async with running_slack(slack, db_target) as bot:
        assert "created" in shown(await slash(slack, "/quiz", "team create Night Owls", user_id="U1"))
        assert "joined" in shown(await slash(slack, "/quiz", "team join night owls", user_id="U2"))
        assert "2 members" in shown(await slash(slack, "/quiz", "team list"))
        pinging = await slash(slack, "/quiz", "team create <!everyone>", user_id="U3")
        assert "a team name is 1-40 letters" in shown(pinging)
        refused = await slash(slack, "/quiz", "competition start Cup 1h", user_id="U1")
        assert "only workspace admins" in shown(refused)
        started = await slash(slack, "/quiz", "competition start Cup 1h", user_id="UADMIN")
        assert "Competition started" in shown(started)
        await slash(slack, "/quiz", "now")
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        await slack.add_reaction(CHANNEL, msg["ts"], "U1", OPTION_EMOJI[answer_of(msg)])
        assert bot.app is not None
        await until(lambda: bool(bot.app.service.open_rounds()[0].answers))
        await bot.app.service.close_round(1)
        await slack.wait_for_messages(CHANNEL, 2)
        standings = await shared_card(slack, "competition standings")
        assert "ann" in shown(standings)
        teams = await shared_card(slack, "leaderboard competition teams")
        assert "Night Owls" in shown(teams)
        stats = await slash(slack, "/quiz", "stats", user_id="U1")
        assert "1/1" in shown(stats) or "100%" in shown(stats)
        ended = await slash(slack, "/quiz", "competition end Cup", user_id="UADMIN")
        assert "has ended" in shown(ended)
        await until(lambda: any("Cup (final)" in shown(m) for m in slack.messages[CHANNEL]))
        left = await slash(slack, "/quiz", "team leave", user_id="U2")
        assert "left" in shown(left)


async def test_a_new_persons_add_then_remove_keeps_its_order_while_their_name_is_looked_up(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target) as bot:
        await slash(slack, "/quiz", "config allow_changes on", user_id="UADMIN")
        await slash(slack, "/quiz", "now")
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        slack.users["UNEW"] = {"name": "newcomer"}
        slack.delays["users.info"] = 0.3  # the first sight of this person takes a while
        await slack.add_reaction(CHANNEL, msg["ts"], "UNEW", OPTION_EMOJI[0])
        await slack.remove_reaction(CHANNEL, msg["ts"], "UNEW", OPTION_EMOJI[0])
        await slack.add_reaction(CHANNEL, msg["ts"], "UNEW2", OPTION_EMOJI[1])  # someone else, meanwhile
        assert bot.app is not None
        rnd = bot.app.service.open_rounds()[0]
        await until(lambda: "UNEW2" in rnd.answers, within=5)
        await asyncio.sleep(0.1)
        assert "UNEW" not in rnd.answers  # added, then removed: no answer
        lookups = [
            args for method, args in slack.calls if method == "users.info" and args.get("user") == "UNEW"
        ]
        assert len(lookups) == 1  # the add and the remove shared one lookup


async def test_refused_tokens_are_clear_errors_that_name_the_variable(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    import pytest

    from bot.adapters.slack.app import SlackBot
    from bot.core.errors import QuizError
    from tests.adapters.slack_harness import settings_for

    for variable, value in (
        ("SLACK_BOT_TOKEN", "not-a-token-1234"),
        ("SLACK_APP_TOKEN", "xoxb-wrong-kind-5678"),
    ):
        settings = settings_for(slack, db_target)
        settings = dataclasses.replace(settings, **{variable.lower(): SecretStr(value)})
        bot = SlackBot(settings, host="127.0.0.1", port=0)
        with pytest.raises(QuizError) as refused:
            await asyncio.wait_for(bot.run(), 10)
        assert f"Slack refused {variable}" in str(refused.value) and value not in str(refused.value)
