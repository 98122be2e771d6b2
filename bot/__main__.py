"""`quizbot` / `python -m bot`: the command line. Parses arguments, builds settings, runs one command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from . import __version__, commands
from .core.config import parse_duration
from .core.errors import QuizError
from .settings import Settings

CONSOLE_COMMUNITY = "local"  # the console's community (bot/adapters/console/launch.py makes it)


def _duration(text: str) -> int:
    try:
        return parse_duration(text)
    except QuizError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not '{text}'")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    p = argparse.ArgumentParser(
        prog="quizbot", description="Quizzes on the ML lifecycle and its AWS services."
    )
    p.add_argument("--version", action="version", version=f"quizbot {__version__}")
    p.add_argument(
        "--db", help="SQLite file (default: $QUIZBOT_DB or ~/.local/share/quizbot/quizbot.sqlite3)"
    )
    p.add_argument(
        "--questions",
        action="append",
        help="bank folder or file (default: $QUIZBOT_QUESTIONS or questions/)",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("validate", help="validate the question bank; exit 0 or 1")
    s.add_argument("paths", nargs="*", help="files or folders (default: the configured bank)")
    s = sub.add_parser("bank", help="print the validated bank")
    s.add_argument("--json", action="store_true", required=True, help="as JSON (the only format)")
    s = sub.add_parser("coverage", help="questions per stage, service and concept, and the gaps")
    s.add_argument("--json", action="store_true", help="as JSON")
    s.add_argument("--strict", action="store_true", help="exit 1 when there is any gap")
    sub.add_parser("schema", help="print the bank files' JSON Schema (for editors)")
    s = sub.add_parser("lookup", help="look up a stage, service or concept by name, typo or description")
    s.add_argument("query", nargs="+", help="what to look for, e.g. A2I, 'sagmaker clarfy', 'detect bias'")
    s.add_argument("--json", action="store_true", help="as JSON")
    s.add_argument("--limit", type=_positive, default=5, help="most results (default 5)")

    s = sub.add_parser("play", help="a quiz in the terminal: type a letter per question")
    s.add_argument("--count", type=_positive, default=5, help="how many questions (default 5)")
    s.add_argument("--stage", help="only this stage (id or name, e.g. eda)")
    s.add_argument("--difficulty", choices=["easy", "medium", "hard"])
    s.add_argument("--user", help="your name on the leaderboard (default: your login name)")

    for name, text in (("leaderboard", "show a leaderboard"), ("stats", "show one player's stats")):
        s = sub.add_parser(name, help=text)
        if name == "leaderboard":
            s.add_argument("--period", default="all", choices=["all", "week", "month", "competition"])
            s.add_argument("--teams", action="store_true", help="teams instead of players")
            s.add_argument("--competition", help="competition name (with --period competition)")
            s.add_argument("--limit", type=_positive, default=10)
        else:
            s.add_argument("user", help="player name or platform id")
        s.add_argument("--platform", default="console", choices=["console", "discord", "slack"])
        s.add_argument(
            "--community",
            default=CONSOLE_COMMUNITY,
            help="server/workspace id (default: the console's)",
        )

    s = sub.add_parser("backup", help="copy the database safely, even while the bot runs")
    s.add_argument("path", help="the copy to write, e.g. quizbot-backup.sqlite3")
    s.add_argument("--force", action="store_true", help="replace PATH if it exists")
    s = sub.add_parser("export", help="answers and scores as CSV or JSON")
    s.add_argument("--format", required=True, choices=["csv", "json"])
    s.add_argument("--what", default="all", choices=["answers", "scores", "all"], help="default: all")
    s.add_argument("--out", help="file to write (default: stdout); a folder for --format csv --what all")

    s = sub.add_parser("run", help="run the bot (console when no platform token is set)")
    s.add_argument("--platform", choices=["console", "discord", "slack"], help="default: from the tokens set")
    s.add_argument(
        "--every", type=_duration, help="console: ask every DURATION (e.g. 30s), first one at once"
    )
    s.add_argument(
        "--cron", help="console: ask on this cron schedule, e.g. '0 9 * * 1-5' ($QUIZBOT_SCHEDULE)"
    )
    s.add_argument("--tz", help="time zone of --cron, e.g. Europe/Berlin ($QUIZBOT_TIMEZONE, default UTC)")
    s.add_argument(
        "--window", type=_duration, help="console: store as the terminal's answer_window (at first: 45s)"
    )
    s.add_argument("--rounds", type=_positive, help="console: stop after this many questions are revealed")
    return p


def _settings(args: argparse.Namespace) -> Settings:
    env = dict(os.environ)
    if args.db:
        env["QUIZBOT_DB"] = args.db
    if args.questions:
        env["QUIZBOT_QUESTIONS"] = os.pathsep.join(args.questions)
    return Settings.from_env(env)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quizbot` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "export" and args.format == "csv" and args.what == "all" and not args.out:
        parser.error("export --format csv --what all writes answers.csv and scores.csv: give --out FOLDER")
    settings = _settings(args)
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        if args.command == "validate":
            return commands.validate(args, settings)
        if args.command == "bank":
            return commands.bank_json(args, settings)
        if args.command == "coverage":
            return commands.show_coverage(args, settings)
        if args.command == "schema":
            return commands.schema(args, settings)
        if args.command == "lookup":
            return commands.lookup(args, settings)
        if args.command == "backup":
            return commands.backup(args, settings)
        if args.command == "export":
            return commands.export(args, settings)
        if args.command in ("leaderboard", "stats"):
            return asyncio.run(commands.boards(args, settings))
        if args.command == "play":
            return asyncio.run(_play(args, settings))
        if args.command == "run":
            return asyncio.run(_run(args, settings))
    except QuizError as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `quizbot bank --json | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0
    return 2


async def _play(args: argparse.Namespace, settings: Settings) -> int:
    from .adapters.console.launch import play

    return await play(args, settings)


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from .adapters.console.launch import run

    return await run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
