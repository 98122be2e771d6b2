"""SIGTERM at any moment of a console run stops it as /quit does, even before its first question."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURE_BANK, ROOT

SCRIPT = """
import asyncio, os, signal, sys
from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.lines import LineReader
from bot.adapters.console.run import run_console
from bot.app import assemble
from bot.settings import Settings

async def main():
    settings = Settings.from_env({"QUIZBOT_DB": sys.argv[1], "QUIZBOT_QUESTIONS": sys.argv[2]})
    chat = ConsoleChat(sys.stdout)
    async with assemble(settings, chat, "console") as app:
        channel = await app.service.channel("local", "terminal")

        async def start():  # `docker stop` arrives while the bot is still starting
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.sleep(0.1)
            await app.start()

        await run_console(app.service, app.admin, app.scheduler, chat, channel, LineReader(sys.stdin),
                          every=180, rounds=None, interactive=False, start=start)
    print("stopped cleanly")

asyncio.run(main())
"""


def test_sigterm_while_starting_stops_cleanly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "db.sqlite3"), str(FIXTURE_BANK)],
        stdin=subprocess.PIPE,  # open and silent: only the signal can end the run
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])  # before: killed by the signal (-15)
    assert done.stdout.rstrip().endswith("stopped cleanly")
    assert not (tmp_path / "db.sqlite3-wal").exists()  # the database was closed
