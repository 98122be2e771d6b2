"""A recurring team season on Slack, over the loopback server: /quiz competition start NAME ENDS teams top 1
weekly, answers by reaction, a switch mid-season (a question posted before it still counts for the old team),
the final standings posted in the channel with the winner's best contributors, the next season started by
itself, a season that ended while the bot was down closed once at the next start, and the history."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.render import OPTION_EMOJI
from tests.adapters.slack_harness import CHANNEL, running_slack, shared_card, shown
from tests.adapters.test_slack_e2e import answer_of, slash
from tests.conftest import Clock, until
from tests.pg_server import execute_at, rows_at
from tests.servers.slack import SlackTestServer

DAY = 86_400.0


async def post(slack: SlackTestServer, bot: SlackBot) -> dict[str, Any]:
    """A question posted in the channel now, with its option reactions in place."""
    reply = shown(await slash(slack, "/quiz", "now"))  # "Question #N is up."
    number = int(reply.split("#", 1)[1].split(" ", 1)[0])
    assert bot.app is not None
    service = bot.app.service
    await until(lambda: any(r.id == number and r.message_ref for r in service.open_rounds()))
    rnd = next(r for r in service.open_rounds() if r.id == number)
    msg = next(m for m in slack.messages[CHANNEL] if rnd.message_ref and rnd.message_ref.endswith(m["ts"]))
    await until(lambda: len(slack.reactions.get((CHANNEL, msg["ts"]), {})) == len(rnd.question.options))
    return msg


async def answer(
    slack: SlackTestServer, bot: SlackBot, msg: dict[str, Any], answers: dict[str, bool]
) -> None:
    """Each player reacts right or wrong; then the question closes."""
    right = answer_of(msg)
    for user, correct in answers.items():
        await slack.add_reaction(
            CHANNEL, msg["ts"], user, OPTION_EMOJI[right if correct else 1 - min(right, 1)]
        )
    assert bot.app is not None
    rnd = next(r for r in bot.app.service.open_rounds() if r.message_ref.endswith(msg["ts"]))
    await until(lambda: len(rnd.answers) == len(answers))
    await bot.app.service.close_round(rnd.id)
    await until(lambda: bot.app is not None and all(r.id != rnd.id for r in bot.app.service.open_rounds()))


def finals(slack: SlackTestServer) -> list[str]:
    """What the channel reads of each final standings posted, oldest first."""
    return [shown(m) for m in slack.messages.get(CHANNEL, []) if "(final)" in (m.get("text") or "")]


async def test_a_recurring_team_season_on_slack(slack: SlackTestServer, db_target: Path | str) -> None:
    slack.users["U4"] = {"name": "dan"}
    async with running_slack(slack, db_target) as bot:
        for user, line in (
            ("U1", "create Red"),
            ("U3", "join Red"),
            ("U2", "create Blue"),
            ("U4", "join Blue"),
        ):
            await slash(slack, "/quiz", f"team {line}", user_id=user)
        started = await slash(slack, "/quiz", "competition start Cup 2h teams top 1 weekly", user_id="UADMIN")
        assert "*Cup* (teams, points of the top 1 members; repeats weekly, season 1) runs until" in shown(
            started
        )
        await answer(slack, bot, await post(slack, bot), {"U1": True, "U3": False, "U2": True, "U4": True})
        msg = await post(slack, bot)  # posted while dan is in Blue
        joined = await slash(slack, "/quiz", "team join Red", user_id="U4")
        assert "You joined Red" in shown(joined)
        await answer(slack, bot, msg, {"U4": True})  # counts for Blue
        await answer(slack, bot, await post(slack, bot), {"U4": True})  # counts for Red
        board = shown(await shared_card(slack, "competition standings Cup"))  # the card's text comment
        assert "Teams: Cup" in board and "Rule: points of the top 1 members." in board
        assert "Red: " in board and "3 members, 3 active" in board  # ann, cy, dan (answered for Red)
        assert "Blue: " in board and "1 member, 2 active" in board  # bo now; dan's answers before stay

        assert bot.app is not None
        bot.app.service.clock = Clock(time.time() + 3 * 3600)  # past the end
        await bot.app.admin.finish_due_competitions()
        await until(lambda: bool(finals(slack)))
        (final,) = finals(slack)
        assert final.startswith("Teams: Cup (final)")
        winner = final.split("*1.* ", 1)[1].split(":", 1)[0]
        assert f"Best for {winner}: " in final
        history = shown(await slash(slack, "/quiz", "competition history"))
        assert "Cup #2: " in history and "weekly season 2), running" in history
        assert f"won by {winner}" in history

    now = time.time()  # the bot is down while season 2 ends, and for two more weeks
    await execute_at(
        db_target,
        "UPDATE competitions SET starts_at = ?, ends_at = ? WHERE name = 'Cup #2'",
        now - 22 * DAY,
        now - 15 * DAY,
    )
    async with running_slack(slack, db_target) as bot:
        await until(lambda: len(finals(slack)) == 2)
        assert finals(slack)[1].startswith("Teams: Cup #2 (final)")
        assert bot.app is not None
        assert await bot.app.admin.finish_due_competitions() == 0  # closed once
        history = shown(await slash(slack, "/quiz", "competition history"))
        assert "Cup #3: " in history and "season 3), running" in history
    rows = await rows_at(
        db_target, "SELECT name, starts_at, ends_at, finished_at FROM competitions ORDER BY id"
    )
    assert [r[0] for r in rows] == ["Cup", "Cup #2", "Cup #3"]
    third = rows[2]
    assert third[3] is None and third[1] <= time.time() < third[2] and third[2] - third[1] == 7 * DAY
    assert len(finals(slack)) == 2
