"""The console session in-process: commands, answers and a bank reload that fails safely."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.run import ConsoleSession
from bot.app import assemble
from bot.settings import Settings
from tests.conftest import FIXTURE_BANK


async def test_reload_of_a_broken_bank_keeps_the_old_one_and_says_why(tmp_path: Path) -> None:
    bank_dir = tmp_path / "bank"
    shutil.copytree(FIXTURE_BANK, bank_dir)
    settings = Settings.from_env(
        {"QUIZBOT_DB": str(tmp_path / "db.sqlite3"), "QUIZBOT_QUESTIONS": str(bank_dir)}
    )
    out = io.StringIO()
    chat = ConsoleChat(out)
    async with assemble(settings, chat, "console") as app:
        channel = await app.service.channel("local", "terminal")
        session = ConsoleSession(app.service, app.admin, chat, channel, app.reload_bank)
        await session.handle("/now eda")
        (rnd,) = app.service.open_rounds()
        (bank_dir / "mini.yaml").write_text("questions:\n  - id: broken\n    options: {\n")
        await session.handle("/reload")
        assert "! kept the current bank (6 questions)" in out.getvalue()
        assert "mini.yaml:4: YAML syntax" in out.getvalue() or "mini.yaml:3: YAML syntax" in out.getvalue()
        assert len(app.service.bank.questions) == 6
        await session.handle("ann a")
        assert "ann: recorded" in out.getvalue()
        await app.service.close_round(rnd.id)
        assert "--- Answer to #1" in out.getvalue()


async def test_console_commands_answer_and_report_errors(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"QUIZBOT_DB": str(tmp_path / "db.sqlite3"), "QUIZBOT_QUESTIONS": str(FIXTURE_BANK)}
    )
    out = io.StringIO()
    chat = ConsoleChat(out)
    async with assemble(settings, chat, "console") as app:
        session = ConsoleSession(app.service, app.admin, chat, await app.service.channel("local", "terminal"))
        await session.handle("ann b")
        assert "no question is open" in out.getvalue()
        await session.handle("/config answer_window 2m")
        assert "answer_window=2m" in out.getvalue()
        await session.handle("/config answer_window soon")
        assert "! 'soon' is not a duration" in out.getvalue()
        await session.handle("/now training hard")
        assert (
            "[hard]" in out.getvalue() and "Model training" not in out.getvalue()
        )  # the stage: at the reveal
        await session.handle("ann z")
        assert "'z' is not an option" in out.getvalue()
        await session.handle("/lookup data wrangler")
        assert "Amazon SageMaker Data Wrangler  [service]" in out.getvalue()
        await session.handle("/schedule add '0 9 * * 1-5' Europe/Berlin 10m")
        assert "Schedule #1 added: `0 9 * * 1-5` Europe/Berlin; next:" in out.getvalue()
        await session.handle("/schedule add '0 9 * *' UTC")
        assert "has 4 fields" in out.getvalue()
        await session.handle("/frobnicate")
        assert "unknown command 'frobnicate'; try: /help" in out.getvalue()  # the console's own syntax
        assert await session.handle("/quit") is False


def test_long_options_wrap_under_their_text_not_under_a_new_letter() -> None:
    from bot.adapters.console import render
    from bot.core.bank_loader import load_bank
    from bot.core.views import QuestionView

    question = next(iter(load_bank([FIXTURE_BANK]).questions.values()))
    long = question.options[1].model_copy(update={"text": "word " * 40})
    question = question.model_copy(update={"options": [question.options[0], long, *question.options[2:]]})
    shown = render.question(QuestionView(1, question, "Training", 0.0, 30)).splitlines()
    lettered = [line for line in shown if line.lstrip().startswith("B)")]
    assert len(lettered) == 1
    after = shown[shown.index(lettered[0]) + 1]
    assert after.startswith("     word") and max(map(len, shown)) <= render.WIDTH
