"""A post never answers itself (no stage above a 'which stage' question, on any platform), and the smaller
console messages: unknown stages listed, each platform's own syntax, windows shown as typed."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.adapters.console import render as console_render
from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.launch import console_channel
from bot.adapters.console.run import ConsoleSession
from bot.adapters.discord import render as discord_render
from bot.adapters.slack import render as slack_render
from bot.adapters.text_commands import Caller, TextCommands
from bot.app import assemble
from bot.core.bank import Bank
from bot.core.bank_schema import Question
from bot.core.errors import NotFoundError
from bot.core.records import ResultRow
from bot.core.views import QuestionView, RevealView
from bot.settings import Settings
from tests.conftest import FIXTURE_BANK


def _which_stage(bank: Bank) -> Question:
    """A 'which stage' question whose options are the stage names (the answer: Model training)."""
    base = bank.questions["t-eda-1"]
    stages = [bank.glossary[s] for s in ("eda", "training", "monitoring")]
    options = [o.model_copy(update={"text": e.name}) for o, e in zip(base.options, stages, strict=True)]
    return base.model_copy(
        update={
            "stage": "training",
            "prompt": "A model learns its weights from labelled data. Which lifecycle stage is this?",
            "options": options,
        }
    )


def _names(bank: Bank) -> list[str]:
    entry = bank.glossary["training"]
    return [entry.name, *entry.aliases]


def test_no_post_shows_the_stage_of_a_question_whose_options_are_stages(mini_bank: Bank) -> None:
    q = _which_stage(mini_bank)
    view = QuestionView(3, q, "Model training", 1_790_000_060.0, 60)
    posts = {
        "console": console_render.question(view),
        "discord": json.dumps(discord_render.question(view).to_dict(), ensure_ascii=False),
        "slack": json.dumps(slack_render.question(view), ensure_ascii=False),
    }
    for platform, post in posts.items():
        assert post.count("Model training") == 1, platform  # the option only, never a header
        for alias in _names(mini_bank)[1:]:
            assert alias not in post.replace("Model training", ""), (platform, alias)


def test_the_reveal_shows_the_stage(mini_bank: Bank) -> None:
    q = _which_stage(mini_bank)
    view = RevealView(3, q, "Model training", 1000.0, (ResultRow("1", "Ann", 1, 1003.0, True, 20),))
    console = console_render.reveal(view)
    assert "[Model training | easy]" in console
    assert "Model training" in (discord_render.reveal(view).footer.text or "")
    _, blocks = slack_render.reveal(view)
    assert "*Model training* · easy" in json.dumps(blocks, ensure_ascii=False)


def test_the_console_reveal_links_the_answer_s_lookup_card_and_its_aws_docs(mini_bank: Bank) -> None:
    q = mini_bank.questions["t-eda-1"]
    entry = mini_bank.answer_entry(q)
    assert entry is not None and entry.docs is not None
    lines = console_render.reveal(RevealView(3, q, "EDA", 1000.0, (), answer=entry)).splitlines()
    assert f"Learn more: /lookup {entry.name}" in lines and f"AWS docs: {entry.docs}" in lines
    assert "/lookup" not in console_render.reveal(RevealView(3, q, "EDA", 1000.0, ()))


async def test_console_messages_list_stages_use_console_syntax_and_show_windows_as_typed(
    tmp_path: Path,
) -> None:
    settings = Settings.from_env(
        {"QUIZBOT_DB": str(tmp_path / "db.sqlite3"), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)}
    )
    out = io.StringIO()
    chat = ConsoleChat(out)
    async with assemble(settings, chat, "console") as app:
        session = ConsoleSession(app.service, app.admin, chat, await console_channel(app, None))

        async def typed(line: str) -> str:
            start = len(out.getvalue())
            await session.handle(line)
            return out.getvalue()[start:]

        shown = await typed("/now bogus-stage")
        assert shown.startswith("! unknown stage 'bogus-stage'") and shown.count("\n") == 1
        assert all(stage in shown for stage in ("eda", "training", "monitoring")) and "lookup" not in shown
        shown = await typed("/schedule remove 99")
        assert "/schedule list" in shown and "/quiz" not in shown
        await typed("/schedule add '0 9 * * 1-5' Europe/Berlin 10m")
        assert "window=10m" in await typed("/schedule list")
        assert "answer_window=45s" in await typed("/config")


async def test_slack_hints_use_slack_syntax(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"QUIZBOT_DB": str(tmp_path / "db.sqlite3"), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)}
    )
    async with assemble(settings, ConsoleChat(io.StringIO()), "slack") as app:
        commands = TextCommands(app.service, app.admin, app.service.clock, prefix="/quiz ")
        caller = Caller(await app.service.channel("T1", "C1"), "U1", "Ann", admin=True)
        for words, hint in (
            (["schedule", "remove", "99"], "/quiz schedule list"),
            (["team", "join", "Nobody"], "/quiz team list"),
        ):
            try:
                await commands.run(words, caller)
            except NotFoundError as exc:
                assert hint in str(exc)
            else:
                raise AssertionError(f"{words} was not refused")
