"""Answers stored before a restart, with changes allowed: taken back only when the platform shows the mark gone.

The console keeps no marks, and a platform whose marks cannot be read says nothing either: in both cases
every stored answer stays. On Discord and Slack a mark removed while the bot was down is read as gone and
the answer is withdrawn. Each test stops the bot with an open round and starts it again on the same
database.
"""

from __future__ import annotations

import io
from pathlib import Path

from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.run import ConsoleSession
from bot.adapters.discord.render import OPTION_EMOJI as DISCORD_EMOJI
from bot.adapters.slack.render import OPTION_EMOJI as SLACK_EMOJI
from bot.app import assemble
from bot.settings import Settings
from tests.adapters.discord_harness import MANAGE_GUILD, QUIZ_CHANNEL, running_bot, sub
from tests.adapters.slack_harness import CHANNEL, running_slack
from tests.adapters.test_discord_e2e import command, quiz_now
from tests.adapters.test_slack_e2e import slash
from tests.conftest import FIXTURE_BANK, until
from tests.pg_server import rows_at
from tests.servers.discord import DiscordTestServer
from tests.servers.slack import SlackTestServer


async def stored(db: Path | str) -> dict[str, int]:
    """Each player's stored option on round 1 (a withdrawn answer is deleted)."""
    rows = await rows_at(
        db, "SELECT p.name, a.option FROM answers a JOIN players p ON p.id = a.player_id WHERE a.round_id = 1"
    )
    return {str(name): option for name, option in rows}


async def test_console_restart_keeps_every_answer_when_changes_are_allowed(db_target: Path | str) -> None:
    db = db_target
    settings = Settings.from_env({"QUIZBOT_DB": str(db), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)})
    chat = ConsoleChat(io.StringIO())
    async with assemble(settings, chat, "console") as app:
        session = ConsoleSession(app.service, app.admin, chat, await app.service.channel("local", "terminal"))
        await session.handle("/config allow_changes on")
        await session.handle("/now")
        await session.handle("carol a")
        await session.handle("bob b")
    assert await stored(db) == {"carol": 0, "bob": 1}

    out = io.StringIO()
    async with assemble(settings, ConsoleChat(out), "console") as app:
        # As `quizbot play` starts: on PostgreSQL the last run's round belongs to a process that is gone, and
        # is taken over first, then resumed (it was resumed only at a later lease renewal, mid-game).
        assert await app.resume() == 1
        (rnd,) = app.service.open_rounds()
        assert sorted(a.name for a in rnd.answers.values()) == ["bob", "carol"]
        assert await app.service.close_round(rnd.id)
    assert await stored(db) == {"carol": 0, "bob": 1}
    assert "(2 in all)" in out.getvalue()


async def test_discord_mark_removed_while_down_is_withdrawn(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    db = db_target
    async with running_bot(server, db) as bot:
        await command(
            server, "quiz", sub("config", setting="allow_changes", value="on"), permissions=MANAGE_GUILD
        )
        mid = int((await quiz_now(server))["id"])
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, DISCORD_EMOJI[0], name="ann")
        await server.add_reaction(QUIZ_CHANNEL, mid, 5002, DISCORD_EMOJI[1], name="bob")
        assert bot.app is not None
        await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 2)
    assert await stored(db) == {"ann": 0, "bob": 1}
    server.remove_reaction_silently(QUIZ_CHANNEL, mid, 5002, DISCORD_EMOJI[1])  # while the bot is down
    async with running_bot(server, db) as bot:
        assert bot.app is not None
        (rnd,) = bot.app.service.open_rounds()
        assert set(rnd.answers) == {"5001"}
    assert await stored(db) == {"ann": 0}


async def test_discord_marks_that_cannot_be_read_take_nothing_back(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    db = db_target
    async with running_bot(server, db) as bot:
        await command(
            server, "quiz", sub("config", setting="allow_changes", value="on"), permissions=MANAGE_GUILD
        )
        mid = int((await quiz_now(server))["id"])
        await server.add_reaction(QUIZ_CHANNEL, mid, 5001, DISCORD_EMOJI[0], name="ann")
        assert bot.app is not None
        await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 1)
    server.fail_next("GET", rf"/channels/{QUIZ_CHANNEL}/messages/{mid}/reactions/.+", status=503, times=50)
    async with running_bot(server, db) as bot:
        assert bot.app is not None
        (rnd,) = bot.app.service.open_rounds()
        assert set(rnd.answers) == {"5001"}
    assert await stored(db) == {"ann": 0}


async def test_slack_mark_removed_while_down_is_withdrawn(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    db = db_target
    async with running_slack(slack, db) as bot:
        await slash(slack, "/quiz", "config allow_changes on", user_id="UADMIN")
        await slash(slack, "/quiz", "now")
        (msg,) = await slack.wait_for_messages(CHANNEL, 1)
        await slack.add_reaction(CHANNEL, msg["ts"], "U1", SLACK_EMOJI[0])
        await slack.add_reaction(CHANNEL, msg["ts"], "U2", SLACK_EMOJI[1])
        assert bot.app is not None
        await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 2)
    assert sorted((await stored(db)).values()) == [0, 1]
    slack._remove_reaction_silently(CHANNEL, msg["ts"], "U2", SLACK_EMOJI[1])  # while the app is down
    async with running_slack(slack, db) as bot:
        assert bot.app is not None
        (rnd,) = bot.app.service.open_rounds()
        assert set(rnd.answers) == {"U1"}
    assert list((await stored(db)).values()) == [0]
