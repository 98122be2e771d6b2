"""`quizbot` / `python -m bot`: the command line. Parses arguments, builds settings, runs one command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from . import __version__, commands, data_commands
from .core.config import check_window, parse_duration
from .core.errors import QuizError
from .settings import NO_PLATFORM, Settings, SettingsError, is_postgres_url, parse_shard_ids

CONSOLE_COMMUNITY = "local"  # the console's community (bot/adapters/console/launch.py makes it)
CONSOLE_ONLY = ("every", "cron", "tz", "window", "rounds")  # `quizbot run` options no platform reads


def _duration(text: str) -> int:
    try:
        return parse_duration(text)
    except QuizError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _every(text: str) -> int:
    seconds = _duration(text)
    if seconds < 1:
        raise argparse.ArgumentTypeError(f"'{text}' would ask without a pause; give at least 1s, e.g. 30s")
    return seconds


def _window(text: str) -> int:
    try:
        return check_window(parse_duration(text), minimum=2)  # short ones are for trying it out
    except QuizError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _zone(text: str) -> str:
    from .core.admin import check_timezone

    try:
        return check_timezone(text)
    except QuizError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _shard_ids(text: str) -> tuple[int, ...]:
    try:
        return parse_shard_ids(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not '{text}'")
    return int(text)


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one line naming what to fix (exit 2); the usage is one --help away."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    p = _Parser(prog="quizbot", description="Quizzes on the ML lifecycle and its AWS services.")
    p.add_argument("--version", action="version", version=f"quizbot {__version__}")
    _global_options(p, None)
    common = _Parser(add_help=False)  # the same options after the subcommand too,
    _global_options(common, argparse.SUPPRESS)  # where, unset, they leave a value given before it
    subparsers = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return subparsers.add_parser(name, help=help, description=help, parents=[common])

    s = add("validate", help="validate the question bank; exit 0 or 1")
    s.add_argument("paths", nargs="*", help="files or folders (default: the configured bank)")
    s = add("bank", help="print the validated bank")
    s.add_argument("--json", action="store_true", help="as JSON, the only format (accepted, not needed)")
    s = add("coverage", help="questions per stage, service and concept, and the gaps")
    s.add_argument("--json", action="store_true", help="as JSON")
    s.add_argument("--strict", action="store_true", help="exit 1 when there is any gap")
    add("schema", help="print the bank files' JSON Schema (for editors)")
    s = add("lookup", help="look up a stage, service or concept by name, typo or description")
    s.add_argument("query", nargs="+", help="what to look for, e.g. A2I, 'sagmaker clarfy', 'detect bias'")
    s.add_argument("--json", action="store_true", help="as JSON")
    s.add_argument("--limit", type=_positive, default=5, help="most results (default 5)")

    s = add("play", help="a quiz in the terminal: type a letter per question")
    s.add_argument("--count", type=_positive, default=5, help="how many questions (default 5)")
    s.add_argument("--stage", help="only this stage (id or name, e.g. eda)")
    s.add_argument("--difficulty", choices=["easy", "medium", "hard"])
    s.add_argument("--user", help="your name on the leaderboard (default: your login name)")

    for name, text in (("leaderboard", "show a leaderboard"), ("stats", "show one player's stats")):
        s = add(name, help=text)
        if name == "leaderboard":
            s.add_argument("--period", default="all", choices=["all", "week", "month", "competition"])
            s.add_argument("--teams", action="store_true", help="teams instead of players")
            s.add_argument("--competition", help="competition name (with --period competition)")
            s.add_argument("--limit", type=_positive, default=10)
        else:
            s.add_argument("user", help="player name or platform id")
        s.add_argument("--image", metavar="PATH", help="also draw the card as a PNG file at PATH")
        s.add_argument("--platform", default="console", choices=["console", "discord", "slack"])
        s.add_argument(
            "--community",
            default=CONSOLE_COMMUNITY,
            help="server/workspace id (default: the console's)",
        )

    from .adapters.console.study_launch import add_parsers as add_study_parsers

    add_study_parsers(add, _positive)

    # health: for Docker's HEALTHCHECK (bot/lease.py)
    s = add("health", help="exit 0 when a running bot holds a fresh lease on this database, else 1")
    s.add_argument("--platform", choices=["console", "discord", "slack"], help="default: any")
    s.add_argument("--local", action="store_true", help="only a bot on this machine or in this container")
    data_commands.add_parsers(add)  # backup, migrate-db, export

    s = add("run", help="run the bot (console when no platform token is set)")
    s.add_argument("--platform", choices=["console", "discord", "slack"], help="default: from the tokens set")
    s.add_argument("--every", type=_every, help="console: ask every DURATION (e.g. 30s), first one at once")
    s.add_argument(
        "--cron", help="console: ask on this cron schedule, e.g. '0 9 * * 1-5' ($QUIZBOT_SCHEDULE)"
    )
    s.add_argument(
        "--tz", type=_zone, help="time zone of --cron, e.g. Europe/Berlin ($QUIZBOT_TIMEZONE, default UTC)"
    )
    s.add_argument(
        "--window", type=_window, help="console: store as the terminal's answer_window (at first: 45s)"
    )
    s.add_argument("--rounds", type=_positive, help="console: stop after this many questions are revealed")
    s.add_argument(
        "--shard-ids",
        type=_shard_ids,
        metavar="IDS",
        help="Discord: serve only these shards, e.g. 0,1 (needs --shard-count; $QUIZBOT_SHARD_IDS)",
    )
    s.add_argument(
        "--shard-count",
        type=_positive,
        metavar="N",
        help="Discord: how many shards in all; alone, this process serves every one ($QUIZBOT_SHARD_COUNT)",
    )
    return p


def _global_options(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--db",
        default=default,
        help="SQLite file, or a postgresql:// URL (default: $QUIZBOT_DB or ~/.local/share/quizbot/quizbot.sqlite3)",
    )
    parser.add_argument(
        "--questions",
        action="append",
        default=default,
        help="bank folder or file, may be repeated (default: $QUIZBOT_QUESTIONS or the shipped bank)",
    )


def _settings(args: argparse.Namespace) -> Settings:
    """The environment over ./.env, then the options; only `run` reads the platform variables."""
    settings = Settings.from_env(platforms=args.command == "run")
    if args.db and is_postgres_url(args.db):
        settings = replace(settings, db_url=args.db)
    elif args.db:
        settings = replace(settings, db_path=Path(args.db), db_url=None)
    if args.questions:
        paths = tuple(Path(p) for q in args.questions for p in q.split(os.pathsep) if p)
        settings = replace(settings, questions=paths)
    return settings


def _nothing_to_read() -> bool:
    """Stdin is closed or /dev/null: no terminal and nothing piped, as in a container started without -it."""
    if sys.stdin is None:
        return True
    try:
        fd = sys.stdin.fileno()
        return not os.isatty(fd) and stat.S_ISCHR(os.fstat(fd).st_mode)
    except (OSError, ValueError):
        return True


def _refuse(command: str, message: str) -> NoReturn:
    """Exit 2 with one line, as the parser does for a bad argument of this command."""
    print(f"quizbot {command}: error: {message} (see quizbot {command} --help)", file=sys.stderr)
    raise SystemExit(2)


def _check_run(args: argparse.Namespace, settings: Settings) -> Settings:
    """Refuse what `quizbot run` would otherwise ignore in silence, or serve to nobody again and again; the
    settings with the shard options applied."""
    if args.tz and not (args.cron or settings.schedule_cron):
        _refuse("run", "--tz is the time zone of a cron schedule: give --cron too (or set QUIZBOT_SCHEDULE)")
    platform = args.platform
    if platform is None:
        settings.check_slack_pair()
        platform = settings.default_platform()
        if platform == "console" and _nothing_to_read():
            raise SettingsError(
                f"no platform token is set and the console has no terminal and no piped input: {NO_PLATFORM}"
                " (or pass --platform console to run it anyway)"
            )
    given = [f"--{name}" for name in CONSOLE_ONLY if getattr(args, name) is not None]
    if platform != "console" and given:
        _refuse(
            "run",
            f"{', '.join(given)}: for the console only; on {platform}, admins set schedules and the answer "
            "window in the chat (/quiz schedule, /quiz config)",
        )
    return _shards(args, settings, platform)


def _shards(args: argparse.Namespace, settings: Settings, platform: str) -> Settings:
    """--shard-ids and --shard-count over QUIZBOT_SHARD_IDS and QUIZBOT_SHARD_COUNT, checked together; shards
    are Discord's, refused on Slack and the console rather than ignored."""
    options = [o for o, v in (("--shard-ids", args.shard_ids), ("--shard-count", args.shard_count)) if v]
    env = [
        n
        for n, v in (("QUIZBOT_SHARD_IDS", settings.shard_ids), ("QUIZBOT_SHARD_COUNT", settings.shard_count))
        if v
    ]
    if platform != "discord" and (options or env):
        why = (
            f"for Discord's shards only; {platform} runs as one process (drop them or use --platform discord)"
        )
        if options:
            _refuse("run", f"{', '.join(options)}: {why}")
        raise SettingsError(f"{', '.join(env)}: {why}")
    ids_name = "--shard-ids" if args.shard_ids is not None else "QUIZBOT_SHARD_IDS"
    # the count as named where it came from; a missing one as the ids' kind names it
    by_option = args.shard_count is not None or (args.shard_ids is not None and settings.shard_count is None)
    if args.shard_ids is not None:
        settings = replace(settings, shard_ids=args.shard_ids)
    if args.shard_count is not None:
        settings = replace(settings, shard_count=args.shard_count)
    return settings.checked_shards(ids_name, "--shard-count" if by_option else "QUIZBOT_SHARD_COUNT")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `quizbot` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "export" and args.format == "csv" and args.what == "all" and not args.out:
        _refuse("export", "--format csv --what all writes answers.csv and scores.csv: give --out FOLDER")
    try:
        settings = _settings(args)
        if args.command == "run":
            settings = _check_run(args, settings)
        if settings.db_url and args.command == "migrate-db":
            raise SettingsError(
                "migrate-db copies from a SQLite file, and QUIZBOT_DB / --db is a PostgreSQL URL: give --db FILE "
                "(the URL goes to --to)"
            )
    except SettingsError as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 2
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
        if args.command == "health":
            from .lease import health_command  # imported only here: it pulls in the database

            return health_command(settings.db_url or settings.db_path, args.platform, local=args.local)
        if args.command == "backup":
            return data_commands.backup(args, settings)
        if args.command == "export":
            return data_commands.export(args, settings)
        if args.command == "migrate-db":
            return asyncio.run(data_commands.migrate_db(args, settings))
        if args.command in ("leaderboard", "stats"):
            return asyncio.run(commands.boards(args, settings))
        if args.command == "play":
            return asyncio.run(_play(args, settings))
        if args.command in ("review", "practice", "exam", "analytics", "report"):
            from .adapters.console.launch import login
            from .adapters.console.study_launch import run as run_study

            return asyncio.run(run_study(args, settings, login))
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
