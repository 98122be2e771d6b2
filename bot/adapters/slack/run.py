"""`quizbot run --platform slack`."""

from __future__ import annotations

import asyncio
import signal

from ...settings import Settings
from .app import SlackBot


async def run_slack(settings: Settings) -> int:
    """Run until SIGINT/SIGTERM."""
    bot = SlackBot(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    await bot.run()
    return 0
