"""A recurring team season on Discord, over the loopback server: /competition start with kind, rule (top N)
and repeat, answers, a switch mid-season (a question posted before it still counts for the old team), the
final standings posted with the winner's best contributors, the next season started by itself, a season that
ended while the bot was down closed once at the next start, /competition history; and role teams refreshed
when a competition starts."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from bot.adapters.discord.run import DiscordBot
from tests.adapters.discord_harness import GUILD, MANAGE_GUILD, QUIZ_CHANNEL, running_bot, sub, text
from tests.adapters.test_discord_e2e import A, B, C, command, correct_emoji, quiz_now
from tests.conftest import Clock, until
from tests.pg_server import execute_at, rows_at
from tests.servers.discord import DiscordTestServer

DAY = 86_400.0
ANN, BO, CY, DAN = 5001, 5002, 5003, 5004
NAMES = {ANN: "ann", BO: "bo", CY: "cy", DAN: "dan"}


async def play(server: DiscordTestServer, bot: DiscordBot, clock: Clock, answers: dict[int, bool]) -> None:
    """Post a question, let each player answer (right or wrong) a few seconds apart, close it."""
    msg = await quiz_now(server)
    right = correct_emoji(msg)
    wrong = next(e for e in (A, B, C) if e != right)
    assert bot.app is not None
    rnd = bot.app.service.open_rounds()[-1]
    for who, correct in answers.items():
        clock.now += 3
        await server.add_reaction(
            QUIZ_CHANNEL, int(msg["id"]), who, right if correct else wrong, name=NAMES[who]
        )
    await until(lambda: len(rnd.answers) == len(answers))
    await bot.app.service.close_round(rnd.id)
    await until(lambda: bot.app is not None and not bot.app.service.open_rounds())


def finals(server: DiscordTestServer) -> list[dict[str, Any]]:
    """The final standings posted in the quiz channel, oldest first."""
    return [
        e
        for m in server.channel_messages(QUIZ_CHANNEL)
        for e in m.get("embeds") or []
        if "(final)" in (e.get("title") or "")
    ]


async def test_a_recurring_team_season_on_discord(server: DiscordTestServer, db_target: Path | str) -> None:
    async with running_bot(server, db_target) as bot:
        assert bot.app is not None
        clock = Clock(time.time())
        bot.app.service.clock = clock
        for who, line in (
            (ANN, ("create", "Red")),
            (CY, ("join", "Red")),
            (BO, ("create", "Blue")),
            (DAN, ("join", "Blue")),
        ):
            await command(server, "team", sub(line[0], name=line[1]), user_id=who, username=NAMES[who])
        no_n = sub("start", name="Cup", ends="2h", kind="teams", rule="top")
        refused = await command(server, "competition", no_n, permissions=MANAGE_GUILD)
        assert "the top rule needs top: N" in text(refused)
        options = sub("start", name="Cup", ends="2h", kind="teams", rule="top", top=1, repeat="weekly")
        started = await command(server, "competition", options, permissions=MANAGE_GUILD)
        assert "**Cup** (teams, points of the top 1 members; repeats weekly, season 1) runs until" in text(
            started
        )
        await play(server, bot, clock, {ANN: True, CY: False, BO: True, DAN: True})
        msg = await quiz_now(server)  # posted while dan is in Blue
        await command(server, "team", sub("join", name="Red"), user_id=DAN, username="dan")
        clock.now += 3
        await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), DAN, correct_emoji(msg), name="dan")
        rnd = bot.app.service.open_rounds()[-1]
        await until(lambda: bool(rnd.answers))
        await bot.app.service.close_round(rnd.id)
        await play(server, bot, clock, {DAN: True})  # now for Red
        board = text(await command(server, "competition", sub("standings", name="Cup")))
        assert "Teams: Cup" in board and "Rule: points of the top 1 members." in board
        assert "Red: " in board and "3 members, 3 active" in board  # ann, cy, dan (answered for Red)
        assert "Blue: " in board and "1 member, 2 active" in board  # bo now; dan's answers before stay

        clock.now += 3 * 3600  # past the end
        await bot.app.admin.finish_due_competitions()
        await until(lambda: bool(finals(server)))
        (final,) = finals(server)
        assert final["title"] == "Teams: Cup (final)"
        first = final["description"].splitlines()[0]  # "**1.** Red: 40 pts (...)"
        winner = first.split("** ", 1)[1].split(":", 1)[0]
        assert f"Best for {winner}: " in final["description"]
        history = text(await command(server, "competition", sub("history")))
        assert "Cup #2: " in history and "weekly season 2), running" in history
        assert f"won by {winner}" in history

    now = time.time()  # the bot is down while season 2 ends, and for two more weeks
    await execute_at(
        db_target,
        "UPDATE competitions SET starts_at = ?, ends_at = ? WHERE name = 'Cup #2'",
        now - 22 * DAY,
        now - 15 * DAY,
    )
    async with running_bot(server, db_target) as bot:
        await until(lambda: len(finals(server)) == 2)
        assert finals(server)[1]["title"] == "Teams: Cup #2 (final)"
        assert bot.app is not None
        assert await bot.app.admin.finish_due_competitions() == 0  # closed once
        history = text(await command(server, "competition", sub("history")))
        assert "Cup #3: " in history and "season 3), running" in history
    rows = await rows_at(
        db_target, "SELECT name, starts_at, ends_at, finished_at FROM competitions ORDER BY id"
    )
    assert [r[0] for r in rows] == ["Cup", "Cup #2", "Cup #3"]
    third = rows[2]
    assert third[3] is None and third[1] <= time.time() < third[2] and third[2] - third[1] == 7 * DAY
    assert len(finals(server)) == 2


async def test_role_teams_are_refreshed_when_a_competition_starts(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    role = {"id": "2100", "name": "Red Team", "permissions": "0", "position": 1, "color": 0}
    role |= {"hoist": False, "managed": False, "mentionable": True, "flags": 0}
    bind = [
        {
            "type": 1,
            "name": "bind-role",
            "options": [
                {"type": 3, "name": "name", "value": "Red"},
                {"type": 8, "name": "role", "value": "2100"},
            ],
        }
    ]
    async with running_bot(server, db_target) as bot:
        await command(server, "team", bind, resolved={"roles": {"2100": role}}, permissions=MANAGE_GUILD)
        msg = await quiz_now(server)
        for who in (ANN, CY):  # they hold the role: they join Red at their first answer
            await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), who, A, name=NAMES[who], roles=[2100])
        assert bot.app is not None
        rnd = bot.app.service.open_rounds()[-1]
        await until(lambda: len(rnd.answers) == 2)
        await bot.app.service.close_round(rnd.id)
        await until_members(server, "Red: 2 members")
        server._member_roles[(GUILD, CY)] = []  # cy loses the role
        await command(
            server, "competition", sub("start", name="Cup", ends="2h", kind="teams"), permissions=MANAGE_GUILD
        )
        await until_members(server, "Red: 1 member")
        server._member_roles[(GUILD, CY)] = [2100]  # and gets it back: joins again at the next answer
        msg = await quiz_now(server)
        await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), CY, B, name="cy", roles=[2100])
        await until_members(server, "Red: 2 members")


async def until_members(server: DiscordTestServer, wanted: str) -> None:
    for _ in range(50):
        if wanted in text(await command(server, "team", sub("list"))).replace("**", ""):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never saw {wanted!r}")
