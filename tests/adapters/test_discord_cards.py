"""Image cards on Discord through the real discord.py client: each PNG arrives as a multipart attachment, the
embed's image points at it (attachment://NAME), its alt text is the text version, and a card that cannot be
drawn or uploaded leaves the text alone."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.adapters.discord.render import OPTION_EMOJI
from bot.cards import compose
from bot.core.recap import Recaps, week_start
from tests.adapters.discord_harness import GUILD, MANAGE_GUILD, QUIZ_CHANNEL, running_bot, sub, text
from tests.adapters.test_discord_e2e import command, correct_emoji, quiz_now
from tests.conftest import until
from tests.servers.discord import DiscordTestServer

CALLBACK = r"/interactions/\d+/[^/]+/callback"


def _png(server: DiscordTestServer, attachment: dict[str, Any]) -> Image.Image:
    image = Image.open(io.BytesIO(server.uploads[attachment["id"]]))
    assert image.format == "PNG" and image.size[0] > 1000  # drawn at twice the layout's 760 px
    return image


async def _answered_round(server: DiscordTestServer, bot: Any) -> None:
    msg = await quiz_now(server, stage="eda")
    await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), 5001, correct_emoji(msg), name="ann")
    wrong = next(e for e in OPTION_EMOJI[:3] if e != correct_emoji(msg))
    await server.add_reaction(QUIZ_CHANNEL, int(msg["id"]), 5002, wrong, name="bo")
    await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 2)
    assert await bot.app.service.close_round(1)


async def test_leaderboard_and_stats_carry_their_card_inside_the_embed(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target) as bot:
        await _answered_round(server, bot)
        iid = await server.interact("leaderboard", user_id=5001, username="ann")
        (body,) = await server.wait_for_response(iid)
        embed = body["data"]["embeds"][0]
        assert embed["image"]["url"] == "attachment://board.png"
        assert "1.** ann" in text([body])  # the text version stays in the embed
        message = server.interaction_message(iid)
        assert message is not None
        (attachment,) = message["attachments"]
        assert attachment["filename"] == "board.png" and attachment["content_type"] == "image/png"
        assert "ann" in attachment["description"] and "Leaderboard: all time" in attachment["description"]
        _png(server, attachment)

        iid = await server.interact("stats", user_id=5001, username="ann")
        (body,) = await server.wait_for_response(iid)
        assert body["data"]["flags"] & 64  # the asker's own stats stay private, picture included
        assert body["data"]["embeds"][0]["image"]["url"] == "attachment://progress.png"
        message = server.interaction_message(iid)
        assert message is not None and message["attachments"][0]["filename"] == "progress.png"
        _png(server, message["attachments"][0])


async def test_a_card_that_cannot_be_drawn_or_is_refused_leaves_the_text(
    server: DiscordTestServer, db_target: Path | str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_bot(server, db_target) as bot:
        await _answered_round(server, bot)
        server.fail_next("POST", CALLBACK, 403, code=50013, message="Missing Permissions")  # no Attach Files
        bodies = await command(server, "leaderboard", user_id=5001, username="ann")
        assert len(bodies) == 1 and "image" not in bodies[0]["data"]["embeds"][0]
        assert "1.** ann" in text(bodies)

        def broken(make: compose.Make) -> bytes:
            raise OSError("fonts missing")

        monkeypatch.setattr(compose, "_draw", broken)
        iid = await server.interact("leaderboard", user_id=5002, username="bo")
        (body,) = await server.wait_for_response(iid)
        assert "image" not in body["data"]["embeds"][0] and "ann" in text([body])
        assert server.interaction_message(iid)["attachments"] == []  # type: ignore[index]


async def test_final_standings_and_the_weekly_recap_are_posted_with_their_cards(
    server: DiscordTestServer, db_target: Path | str
) -> None:
    async with running_bot(server, db_target) as bot:
        admin = {"user_id": 4000, "permissions": MANAGE_GUILD}
        await command(server, "competition", sub("start", name="Sprint", ends="2d"), **admin)
        await _answered_round(server, bot)
        before = len(server.channel_messages(QUIZ_CHANNEL))
        await command(server, "competition", sub("end", name="Sprint"), count=2, **admin)
        posted = (await server.wait_for_messages(QUIZ_CHANNEL, before + 1))[before]
        assert posted["embeds"][0]["image"]["url"] == "attachment://standings.png"
        assert "Sprint" in posted["embeds"][0]["title"] and "ann" in posted["embeds"][0]["description"]
        (attachment,) = posted["attachments"]
        assert attachment["filename"] == "standings.png" and "ann" in attachment["description"]
        _png(server, attachment)

        app = bot.app
        channel = await app.service.channel(str(GUILD), str(QUIZ_CHANNEL))
        view = await Recaps(app.service, app.store, app.service.chat).build(
            channel, week_start(app.service.clock())
        )
        before = len(server.channel_messages(QUIZ_CHANNEL))
        await app.service.chat.post_recap(app.service.ref(channel), view)
        recap = (await server.wait_for_messages(QUIZ_CHANNEL, before + 1))[before]
        assert recap["embeds"][0]["title"].startswith("Week ") and "recap" in recap["embeds"][0]["title"]
        assert "Most missed" in recap["embeds"][0]["description"] and "bo" not in recap["embeds"][0]["title"]
        assert recap["embeds"][0]["image"]["url"] == "attachment://recap.png"
        _png(server, recap["attachments"][0])
