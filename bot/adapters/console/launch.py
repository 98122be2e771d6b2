"""`quizbot run` (console, or hand-off to Discord/Slack) and `quizbot play`: the terminal's wiring."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from ...core.admin import check_timezone
from ...core.config import ChannelConfig, check_window, format_duration
from ...core.records import ChannelRecord
from ...settings import Settings

if TYPE_CHECKING:  # the app pulls in the scheduler and database: imported only when a command runs
    from ...app import App

CONSOLE_COMMUNITY, RUN_CHANNEL, PLAY_CHANNEL = "local", "terminal", "play"
DEFAULT_EVERY = 180  # console with no schedule: a question at once, then every three minutes
DEFAULT_CONSOLE_WINDOW = 45  # the terminal channel's answer window when it is first created
HOW = "type NAME LETTER, e.g. 'alice b', or 'alice {id}b' to name this question"


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """`quizbot run`: the platform the tokens select, else the console."""
    platform = args.platform or settings.default_platform()
    if platform == "discord":
        from ..discord.run import run_discord

        return await run_discord(settings)
    if platform == "slack":
        from ..slack.run import run_slack

        return await run_slack(settings)
    from ...app import assemble
    from .chat import ConsoleChat
    from .lines import LineReader
    from .run import run_console

    window = check_window(args.window, minimum=2) if args.window else None  # short ones for trying it
    cron = args.cron or settings.schedule_cron
    every = args.every or (None if cron else DEFAULT_EVERY)
    chat = ConsoleChat(sys.stdout, how=HOW)
    async with assemble(settings, chat, "console") as app:
        channel = await console_channel(app, window)
        await ensure_schedule(app, channel, cron, args.tz or settings.schedule_timezone)
        await run_console(
            app.service,
            app.admin,
            app.scheduler,
            chat,
            channel,
            LineReader(sys.stdin),
            every=every,
            rounds=args.rounds,
            interactive=sys.stdin.isatty(),
            start=app.start,
            reload=app.reload_bank,
            study=app.study,
            history=app.store,
        )
    return 0


async def console_channel(app: App, window: int | None) -> ChannelRecord:
    """The terminal's channel: created with a 45 s window; `--window` stores its window as /config would."""
    community = await app.store.community("console", CONSOLE_COMMUNITY)
    first = ChannelConfig(answer_window=DEFAULT_CONSOLE_WINDOW)
    channel = await app.store.channel(community, RUN_CHANNEL, config=first)
    if window is not None and window != channel.config.answer_window:
        await app.store.save_channel_config(channel.id, replace(channel.config, answer_window=window))
        channel = await app.store.channel_by_id(channel.id)
        print(f"answer_window set to {format_duration(window)} (stored; /config answer_window changes it)")
    return channel


async def ensure_schedule(app: App, channel: ChannelRecord, cron: str | None, tz: str) -> None:
    """Make the configured schedule (--cron / QUIZBOT_SCHEDULE) the one stored as configured: replaced when
    its cron or zone changed, removed when none is configured; schedules added with /schedule stay."""
    wanted = " ".join(cron.split()) if cron else None
    described = ""
    if wanted is not None:
        tz = check_timezone(tz)
        described = app.scheduler.describe(wanted, tz)  # a bad cron or zone stops the start, saying why
    sid, added, removed = await app.store.set_configured_schedule(channel.id, wanted, tz, app.service.clock())
    for old_id, old_cron, old_tz in removed:
        why = "replaced" if wanted else "no longer configured (no --cron, no QUIZBOT_SCHEDULE)"
        print(f"Schedule #{old_id} '{old_cron}' {old_tz} removed: {why}")
    if sid is not None:
        print(f"Schedule #{sid} '{wanted}' {tz} ({'added' if added else 'configured'}); {described}")


async def play(args: argparse.Namespace, settings: Settings) -> int:
    """`quizbot play`: one person, questions one after another."""
    from ...app import assemble
    from .chat import ConsoleChat
    from .lines import LineReader
    from .play import play as play_quiz

    user = args.user or login()
    chat = ConsoleChat(sys.stdout, me=user, how="type a letter")
    async with assemble(settings, chat, "console") as app:
        await app.resume()  # a quiz cut short last time is closed and revealed first
        channel = await app.service.channel(CONSOLE_COMMUNITY, PLAY_CHANNEL)
        await play_quiz(
            app.service,
            chat,
            channel,
            LineReader(sys.stdin),
            count=args.count,
            user=user,
            stage=args.stage,
            difficulty=args.difficulty,
        )
    return 0


def login() -> str:
    """The terminal user's login name ('you' when there is none)."""
    import getpass

    try:
        return getpass.getuser() or "you"
    except (KeyError, OSError):
        return "you"
