"""The real discord.py client running quizbot against the loopback Discord test server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from bot.adapters.discord.render import OPTION_EMOJI
from tests.adapters.discord_harness import MANAGE_GUILD, QUIZ_CHANNEL, running_bot, sub, text
from tests.conftest import cron_a_minute_ago, until
from tests.pg_server import execute_at, rows_at
from tests.servers.discord import DiscordTestServer

A, B, C = OPTION_EMOJI[:3]


def ephemeral(bodies: list[dict[str, Any]]) -> bool:
    return any(((b.get("data", b) or {}).get("flags") or 0) & 64 for b in bodies)


async def command(
    server: DiscordTestServer,
    name: str,
    options: list[dict[str, Any]] | None = None,
    *,
    count: int = 1,
    **kw: Any,
) -> list[dict[str, Any]]:
    iid = await server.interact(name, options, **kw)
    return await server.wait_for_response(iid, count=count)


async def quiz_now(server: DiscordTestServer, **values: object) -> dict[str, Any]:
    before = len(server.channel_messages(QUIZ_CHANNEL))
    bodies = await command(server, "quiz", sub("now", **values), count=2)  # deferred, then the follow-up
    assert "is up" in text(bodies) and ephemeral(bodies)
    (msg,) = (await server.wait_for_messages(QUIZ_CHANNEL, before + 1))[before:]
    return msg


def correct_emoji(msg: dict[str, Any]) -> str:
    """The fixture bank's answer for the posted question, found from its prompt."""
    from bot.core.bank_loader import load_bank
    from tests.conftest import FIXTURE_BANK

    bank = load_bank([FIXTURE_BANK])
    prompt = msg["embeds"][0]["description"].split("\n\n")[0]
    question = next(q for q in bank.questions.values() if q.prompt == prompt)
    return OPTION_EMOJI[question.answer_index]


async def test_commands_register_and_a_question_round_trips(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target) as bot:
        names = {c["name"] for cmds in server.registered_commands.values() for c in cmds}
        assert names == {"quiz", "lookup", "leaderboard", "stats", "team", "competition"}
        msg = await quiz_now(server, stage="eda")
        embed = msg["embeds"][0]
        assert embed["title"] == "Question #1" and msg["allowed_mentions"]["parse"] == []
        mid = int(msg["id"])
        await until(lambda: len(server.reactions.get(mid, {})) == 3)  # the bot adds one letter per option
        right = correct_emoji(msg)
        wrong = next(e for e in (A, B, C) if e != right)
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, right, name="ann")
        await server.add_reaction(QUIZ_CHANNEL, mid, 5002, wrong, name="bo")
        await server.add_reaction(QUIZ_CHANNEL, mid, 5002, right, name="bo")  # a second answer: ignored
        await server.add_reaction(QUIZ_CHANNEL, mid, 5003, "👍", name="cy")  # not an option
        await server.add_reaction(QUIZ_CHANNEL, mid, 5004, right, name="robot", bot=True)  # bots never count
        assert bot.app is not None
        await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 2)
        assert await bot.app.service.close_round(1)
        reveal = (await server.wait_for_messages(QUIZ_CHANNEL, 2))[1]
        assert reveal["message_reference"]["message_id"] in (mid, str(mid))
        shown = text([{"data": reveal}])
        assert f"Answer to #1: {right}" in shown and "(2 in all)" in shown
        assert "1. ann +" in shown and "bo +" not in shown
        await server.add_reaction(QUIZ_CHANNEL, mid, 5005, right, name="late")  # closed: ignored
        board = await command(server, "leaderboard", user_id=5001, username="ann")
        assert "1.** ann" in text(board)


async def test_admin_commands_are_refused_to_members_and_errors_are_ephemeral(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        refused = await command(server, "quiz", sub("config", setting="answer_window", value="2m"))
        assert "only server admins" in text(refused) and ephemeral(refused)
        bad = await command(
            server, "quiz", sub("config", setting="answer_window", value="soon"), permissions=MANAGE_GUILD
        )
        assert "'soon' is not a duration" in text(bad) and ephemeral(bad)
        ok = await command(
            server, "quiz", sub("config", setting="answer_window", value="2m"), permissions=MANAGE_GUILD
        )
        assert "answer_window**: 120s" in text(ok)
        cron = [{"type": 2, "name": "schedule", "options": sub("add", cron="0 9 * *", timezone="UTC")}]
        wrong = await command(server, "quiz", cron, permissions=MANAGE_GUILD)
        assert "has 4 fields" in text(wrong) and ephemeral(wrong)
        unknown = await command(
            server, "quiz", sub("now", stage="quantum"), count=2
        )  # deferred, then the error
        assert "unknown stage 'quantum'" in text(unknown) and ephemeral(unknown)


async def test_anti_copy_removes_recorded_reactions(server: DiscordTestServer, db_target: Path | str) -> None:
    async with running_bot(server, db_target) as bot:
        await command(
            server, "quiz", sub("config", setting="remove_reactions", value="on"), permissions=MANAGE_GUILD
        )
        msg = await quiz_now(server)
        mid = int(msg["id"])
        await until(lambda: len(server.reactions.get(mid, {})) >= 2)
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, A, name="ann")
        await until(lambda: 5001 not in server.reactions[mid].get(A, []))
        assert bot.app is not None
        await bot.app.service.close_round(1)
        reveal = (await server.wait_for_messages(QUIZ_CHANNEL, 2))[1]
        assert "(1 in all)" in text([{"data": reveal}])


async def test_restart_reads_missed_reactions_across_pages_and_reveals_once(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        msg = await quiz_now(server, stage="training")
        mid = int(msg["id"])
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, A, name="ann")
        await until(lambda: _answers(db_target, 1))
    for user in range(6000, 6150):  # answered while the bot was down: two pages of reaction users
        server.add_reaction_silently(QUIZ_CHANNEL, mid, user, B)
    # and the round's time ran out meanwhile
    await execute_at(db_target, "UPDATE rounds SET posted_at = posted_at - 1000")
    async with running_bot(server, db_target):
        reveal = (await server.wait_for_messages(QUIZ_CHANNEL, 2))[1]
        assert "(151 in all)" in text([{"data": reveal}])
    async with running_bot(server, db_target):  # a third start reveals nothing again
        await asyncio.sleep(0.3)
    assert len([m for m in server.channel_messages(QUIZ_CHANNEL) if m.get("message_reference")]) == 1
    assert await _answers(db_target, 151)


async def test_a_restart_within_the_window_reads_the_marks_once_and_keeps_counting(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        mid = int((await quiz_now(server))["id"])
    server.add_reaction_silently(QUIZ_CHANNEL, mid, 5001, A, name="ann")  # while the bot was down
    before = len(server.requests)
    async with running_bot(server, db_target) as bot:  # the question is still open
        assert bot.app is not None
        (rnd,) = bot.app.service.open_rounds()
        assert set(rnd.answers) == {"5001"}
        reads = [p for m, p in server.requests[before:] if m == "GET" and "/reactions/" in p]
        assert len(reads) == len(rnd.question.options)  # each option's reactions read once
        await server.add_reaction(QUIZ_CHANNEL, mid, 5002, B, name="bo")
        await until(lambda: set(bot.app.service.open_rounds()[0].answers) == {"5001", "5002"})
        assert await bot.app.service.close_round(1)
        reveal = (await server.wait_for_messages(QUIZ_CHANNEL, 2))[1]
        assert "(2 in all)" in text([{"data": reveal}])


async def test_reconnect_mid_round_loses_no_answer(server: DiscordTestServer, db_target: Path | str) -> None:
    async with running_bot(server, db_target) as bot:
        msg = await quiz_now(server)
        mid = int(msg["id"])
        await server.drop_connection(resumable=True)
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, A, name="ann")  # sent while disconnected: replayed
        await server.wait_connected()
        assert server.resume_count >= 1
        assert bot.app is not None
        await until(lambda: bool(bot.app.service.open_rounds()[0].answers))


async def test_rate_limited_post_is_retried_and_a_failed_post_is_never_repeated(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        server.rate_limit_next("POST", rf"/channels/{QUIZ_CHANNEL}/messages$", retry_after=0.05)
        await quiz_now(server)
        assert len(server.channel_messages(QUIZ_CHANNEL)) == 1
        # 503 is not retried by discord.py (500/502/504 are, for 25 s): the post fails for good.
        server.fail_next("POST", rf"/channels/{QUIZ_CHANNEL}/messages$", status=503, times=20)
        failed = await command(server, "quiz", sub("now"), count=2)
        assert "Discord refused the post (503)" in text(failed)
    states = [r[0] for r in await rows_at(db_target, "SELECT state FROM rounds ORDER BY id")]
    assert states == ["open", "failed"]
    async with running_bot(server, db_target):
        await asyncio.sleep(0.2)
    assert len(server.channel_messages(QUIZ_CHANNEL)) == 1  # the failed question is never posted later


async def test_lookup_with_autocomplete_stats_teams_and_competitions(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        suggestions = await command(
            server, "lookup", [{"type": 3, "name": "term", "value": "wrang", "focused": True}], type=4
        )
        choices = suggestions[0]["data"]["choices"]
        assert choices[0]["name"] == "Amazon SageMaker Data Wrangler"
        card = await command(
            server, "lookup", [{"type": 3, "name": "term", "value": "sagmaker data wrangler"}]
        )
        assert "Amazon SageMaker Data Wrangler" in text(card) and not ephemeral(card)
        pinging = await command(
            server, "team", sub("create", name="@everyone Red"), user_id=5001, username="ann"
        )
        assert "a team name is 1-40 letters" in text(pinging) and ephemeral(pinging)
        made = await command(server, "team", sub("create", name="Red Team"), user_id=5001, username="ann")
        assert "Team **Red Team** created" in text(made)
        await command(server, "team", sub("join", name="red team"), user_id=5002, username="bo")
        listed = await command(server, "team", sub("list"))
        assert "2 members" in text(listed)
        start = await command(
            server, "competition", sub("start", name="Cup", ends="2h"), permissions=MANAGE_GUILD
        )
        assert "Competition started" in text(start)
        end = await command(server, "competition", sub("end", name="Cup"), count=2, permissions=MANAGE_GUILD)
        assert "has ended" in text(end)
        final = server.channel_messages(QUIZ_CHANNEL)[-1]
        assert "Cup (final)" in json.dumps(final["embeds"])
        stats = await command(server, "stats", user_id=5009, username="nobody")
        assert "no answers from" in text(stats) and ephemeral(stats)


async def _answers(db: Path | str, count: int) -> bool:
    """Whether the database holds `count` answers."""
    return await rows_at(db, "SELECT count(*) FROM answers") == [(count,)]


async def test_schedule_commands_and_a_missed_scheduled_post_is_made_once(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target):
        group = [
            {"type": 2, "name": "schedule", "options": sub("add", cron=cron_a_minute_ago(), timezone="UTC")}
        ]
        added = await command(server, "quiz", group, permissions=MANAGE_GUILD)
        assert "Schedule #1" in text(added) and "next:" in text(added)
        for verb, shown in (("pause", "(paused)"), ("resume", "UTC, window")):
            opts = [{"type": 2, "name": "schedule", "options": sub(verb, schedule=1)}]
            await command(server, "quiz", opts, permissions=MANAGE_GUILD)
            listed = await command(server, "quiz", [{"type": 2, "name": "schedule", "options": sub("list")}])
            assert shown in text(listed)
        refused = await command(
            server, "quiz", [{"type": 2, "name": "schedule", "options": sub("remove", schedule=1)}]
        )
        assert "only server admins" in text(refused)
    # the bot was down when this minute's post fell due
    await execute_at(db_target, "UPDATE schedules SET last_fired_at = last_fired_at - 300")
    async with running_bot(server, db_target):
        (post,) = await server.wait_for_messages(QUIZ_CHANNEL, 1)
        assert post["embeds"][0]["title"] == "Question #1"
    # started again inside the grace period: not posted twice
    async with running_bot(server, db_target) as bot:
        await asyncio.sleep(0.3)
        assert len(server.channel_messages(QUIZ_CHANNEL)) == 1
        opts = [{"type": 2, "name": "schedule", "options": sub("remove", schedule=1)}]
        await command(server, "quiz", opts, permissions=MANAGE_GUILD)
        assert bot.app is not None and await bot.app.store.schedules() == []


async def test_a_bound_role_is_a_team(server: DiscordTestServer, db_target: Path | str) -> None:
    role = {
        "id": "2100",
        "name": "Red Team",
        "permissions": "0",
        "position": 1,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": True,
        "flags": 0,
    }
    option = [
        {
            "type": 1,
            "name": "bind-role",
            "options": [
                {"type": 3, "name": "name", "value": "Reds"},
                {"type": 8, "name": "role", "value": "2100"},
            ],
        }
    ]
    async with running_bot(server, db_target) as bot:
        refused = await command(server, "team", option, resolved={"roles": {"2100": role}})
        assert "only server admins" in text(refused)
        bound = await command(
            server, "team", option, resolved={"roles": {"2100": role}}, permissions=MANAGE_GUILD
        )
        assert "is now team **Reds**" in text(bound) and "<@&2100>" in text(bound)
        msg = await quiz_now(server)
        mid = int(msg["id"])
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, correct_emoji(msg), name="ann", roles=[2100])
        await server.add_reaction(QUIZ_CHANNEL, mid, 5002, correct_emoji(msg), name="bo")
        assert bot.app is not None
        await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 2)
        await bot.app.service.close_round(1)
        await server.wait_for_messages(QUIZ_CHANNEL, 2)
        listed = await command(server, "team", sub("list"))
        assert "Reds" in text(listed) and "1 member" in text(listed)
        teams = await command(server, "leaderboard", [{"type": 5, "name": "teams", "value": True}])
        assert "Reds" in text(teams)


async def test_standings_week_board_member_stats_team_leave_and_settings(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target) as bot:
        await command(server, "competition", sub("start", name="Cup", ends="2h"), permissions=MANAGE_GUILD)
        msg = await quiz_now(server)
        await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), 5001, correct_emoji(msg), name="ann")
        assert bot.app is not None
        await until(lambda: bool(bot.app.service.open_rounds()[0].answers))
        await bot.app.service.close_round(1)
        await server.wait_for_messages(QUIZ_CHANNEL, 2)
        standings = await command(server, "competition", sub("standings"))
        assert "Cup" in text(standings) and "ann" in text(standings)
        week = await command(server, "leaderboard", [{"type": 3, "name": "period", "value": "week"}])
        assert "week" in text(week).lower() and "ann" in text(week)
        user = {"id": "5001", "username": "ann", "global_name": "ann", "discriminator": "0", "avatar": None}
        other = await command(
            server,
            "stats",
            [{"type": 6, "name": "member", "value": "5001"}],
            user_id=5002,
            username="bo",
            resolved={"users": {"5001": user}},
        )
        assert "ann" in text(other) and not ephemeral(other)  # someone else's stats are shown to the channel
        await command(server, "team", sub("create", name="Reds"), user_id=5001, username="ann")
        left = await command(server, "team", sub("leave"), user_id=5001, username="ann")
        assert "left" in text(left).lower()
        settings = await command(server, "quiz", sub("config"))
        assert "answer_window" in text(settings) and ephemeral(settings)
