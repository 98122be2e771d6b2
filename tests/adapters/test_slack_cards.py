"""Image cards on Slack through the real slack-bolt app and slack_sdk client: the three steps of the upload flow
(files.getUploadURLExternal, the PNG to the returned URL, files.completeUploadExternal with channel_id and the
text version as initial_comment), and the text alone whenever a card cannot be drawn or uploaded."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.adapters.slack.render import OPTION_EMOJI
from bot.cards import compose
from bot.core.recap import Recaps, week_start
from tests.adapters.slack_harness import CHANNEL, running_slack, shared_card, shown
from tests.adapters.test_slack_e2e import answer_of, slash
from tests.conftest import Clock, until
from tests.servers.slack import SlackTestServer

STEPS = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


def _png(slack: SlackTestServer, message: dict[str, Any], name: str) -> None:
    (file,) = message["files"]
    record = slack.files[file["id"]]
    assert record["name"] == name and record["completed"] and record["channel"] == message["channel"]
    image = Image.open(io.BytesIO(record["data"]))
    assert image.format == "PNG" and len(record["data"]) == record["length"] and image.size[0] > 1000
    assert record["alt_txt"] and record["alt_txt"] in message["text"][: len(record["alt_txt"])]


def _steps(slack: SlackTestServer) -> list[str]:
    return [m for m, _ in slack.calls if m in STEPS]


async def _one_round(slack: SlackTestServer, bot: Any) -> None:
    await slash(slack, "/quiz", "now eda")
    (msg,) = await slack.wait_for_messages(CHANNEL, 1)
    right = answer_of(msg)
    await slack.add_reaction(CHANNEL, msg["ts"], "U1", OPTION_EMOJI[right])
    await slack.add_reaction(CHANNEL, msg["ts"], "U2", OPTION_EMOJI[(right + 1) % 3])
    await until(lambda: len(bot.app.service.open_rounds()[0].answers) == 2)
    await bot.app.service.close_round(1)
    await slack.wait_for_messages(CHANNEL, 2)


async def test_a_board_is_shared_as_a_picture_with_its_text_in_three_steps(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target) as bot:
        await _one_round(slack, bot)
        responses = len(slack.responses)
        board = await shared_card(slack, "leaderboard", user_id="U1")
        assert _steps(slack) == STEPS  # in this order, once each
        assert "*1.* ann" in board["text"] and "Leaderboard: all time" in board["text"]  # the text version
        _png(slack, board, "board.png")
        assert len(slack.responses) == responses  # the picture is the reply: no second copy of the text

        stats_reply = await slash(slack, "/quiz", "stats", user_id="U1")
        assert stats_reply.get("response_type") == "ephemeral" and "ann" in shown(stats_reply)
        await until(lambda: any(m.get("files") for m in slack.dm_messages("U1")))
        progress = next(m for m in slack.dm_messages("U1") if m.get("files"))
        _png(slack, progress, "progress.png")  # private: in the asker's DM with the bot, not the channel
        assert not any(m.get("files") and "Stats" in m["text"] for m in slack.messages[CHANNEL])


@pytest.mark.parametrize("fault", ["missing scope", "upload refused", "drawing fails"])
async def test_a_card_that_cannot_be_uploaded_or_drawn_leaves_the_text(
    slack: SlackTestServer, db_target: Path | str, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    async with running_slack(slack, db_target) as bot:
        await _one_round(slack, bot)
        if fault == "missing scope":  # an app installed before files:write was added to the manifest
            slack.missing_scopes.add("files:write")
        elif fault == "upload refused":
            slack.fail_next("files.completeUploadExternal", "not_allowed")
        else:

            def broken(make: compose.Make) -> bytes:
                raise OSError("fonts missing")

            monkeypatch.setattr(compose, "_draw", broken)
        reply = await slash(slack, "/quiz", "leaderboard", user_id="U1")
        assert "*1.* ann" in shown(reply) and reply.get("response_type") == "in_channel"
        assert not any(m.get("files") for m in slack.messages[CHANNEL])
        assert not any(f["completed"] for f in slack.files.values())


async def test_final_standings_and_the_recap_are_shared_with_their_text(
    slack: SlackTestServer, db_target: Path | str
) -> None:
    async with running_slack(slack, db_target) as bot:
        await slash(slack, "/quiz", "competition start Sprint 2h", user_id="UADMIN")
        await _one_round(slack, bot)
        assert bot.app is not None
        bot.app.service.clock = Clock(time.time() + 3 * 3600)  # past its end
        await bot.app.admin.finish_due_competitions()
        await until(lambda: any(m.get("files") for m in slack.messages[CHANNEL]))
        final = next(m for m in slack.messages[CHANNEL] if m.get("files"))
        assert "Sprint (final)" in final["text"] and "ann" in final["text"]
        _png(slack, final, "standings.png")

        app = bot.app
        channel = await app.service.channel(slack.team_id, CHANNEL)
        view = await Recaps(app.service, app.store, app.service.chat).build(channel, week_start(time.time()))
        await app.service.chat.post_recap(app.service.ref(channel), view)
        recap = [m for m in slack.messages[CHANNEL] if m.get("files")][-1]
        assert recap["text"].startswith("*Week ") and "Most missed" in recap["text"]
        _png(slack, recap, "recap.png")
