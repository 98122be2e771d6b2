"""Security: user text cannot ping, and names are escaped, in rendering and in every message posted."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.adapters.console import render as console_render
from bot.adapters.discord import render as discord_render
from bot.adapters.slack import render as slack_render
from bot.core.bank import Bank
from bot.core.ranking import Standing
from bot.core.records import CompetitionRecord, ResultRow, TeamRecord
from bot.core.views import LeaderboardView, LookupAnswer, RevealView, StatsView
from tests.adapters.discord_harness import MANAGE_GUILD, QUIZ_CHANNEL, sub
from tests.conftest import until
from tests.security.leaks import EVIL
from tests.security.platforms import (
    StrictDiscord,
    StrictSlack,
    discord_bot,
    discord_command,
    shown_discord,
    slack_bot,
    slack_command,
)
from tests.servers.discord import DiscordTestServer


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
            "lookup": _discord_texts(discord_render.lookup(LookupAnswer(raw, ()), {})),
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
            "lookup": _discord_texts(discord_render.lookup(LookupAnswer(ping, ()), {})),
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
            "lookup": _slack_texts(slack_render.lookup(LookupAnswer(raw, ()), {})),
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
        # the leaderboard is shared in the channel as a card with its text as the comment, not a reply
        envelope = await server.slash("/quiz", "leaderboard", user_id="U1")
        await server.wait_for_ack(envelope)
        await server.wait_for_messages("C0001", 3)
        for text, user in (
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
