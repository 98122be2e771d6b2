"""The CLI's commands that move data: backup, export and migrate-db, on either store."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from .settings import Settings
from .storage.backup import backup as backup_database
from .storage.export import export as export_data
from .storage.postgres.url import is_postgres_url, shown


def add_parsers(add: Callable[..., argparse.ArgumentParser]) -> None:
    """backup, migrate-db and export, on the CLI's parser."""
    s = add("backup", help="copy the database safely, even while the bot runs")
    s.epilog = (
        "The copy is a SQLite file, also of a PostgreSQL database (--db postgresql://...), read there in one "
        "REPEATABLE READ transaction: one moment of it. The bot runs on such a file with --db PATH, and "
        "`quizbot migrate-db --db PATH --to postgresql://...` restores it into an empty PostgreSQL database."
    )
    s.add_argument("path", help="the copy to write, e.g. quizbot-backup.sqlite3")
    s.add_argument("--force", action="store_true", help="replace PATH if it exists")
    s = add(
        "migrate-db",
        help="copy the SQLite database (--db, $QUIZBOT_DB) into an empty PostgreSQL database, and check it",
    )
    s.epilog = (
        "The SQLite file is only read. The PostgreSQL database gets quizbot's schema if it has none, and is "
        "refused if it already holds rows. Every table is copied in one transaction; each table's row count and "
        "the player and team totals (recomputed from the copied answers) are checked before it commits, and on "
        "any failure nothing is copied. Stop the bot first (what it writes to the file later is not copied), "
        "then start it with QUIZBOT_DB set to the URL."
    )
    s.add_argument(
        "--to",
        required=True,
        type=_postgres_url,
        metavar="URL",
        help="the PostgreSQL database, e.g. postgresql://quizbot:PASSWORD@db.example.org/quizbot",
    )
    s = add("export", help="answers and scores as CSV or JSON (from SQLite or PostgreSQL)")
    s.add_argument("--format", required=True, choices=["csv", "json"])
    s.add_argument(
        "--what",
        choices=["answers", "scores", "all"],
        help="default: all; answers when CSV goes to stdout or to a file named *.csv",
    )
    s.add_argument("--out", help="file to write (default: stdout); a folder for CSV of all")


def _postgres_url(text: str) -> str:
    if not is_postgres_url(text):
        raise argparse.ArgumentTypeError(
            "expected a postgresql:// URL, e.g. postgresql://user:password@host/db"
        )
    return text


def backup(args: argparse.Namespace, settings: Settings) -> int:
    if settings.db_url:
        from .storage.postgres.backup import backup_postgres  # asyncpg only for a URL

        done, version = backup_postgres(settings.db_url, Path(args.path), force=args.force)
        source = f" (SQLite, of {shown(settings.db_url)} at its schema {version})"
    else:
        done, source = backup_database(settings.db_path, Path(args.path), force=args.force), ""
    print(
        f"wrote {done.path}: {done.size:,} bytes, schema {done.version}, {done.rounds:,} rounds, "
        f"{done.answers:,} answers, {done.players:,} players (integrity ok){source}"
    )
    return 0


def export(args: argparse.Namespace, settings: Settings) -> int:
    out = Path(args.out) if args.out else None
    what = args.what or export_default(args.format, out)
    for path, counts in export_data(settings.database, args.format, what, out, sys.stdout):
        print(f"wrote {path}: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
    return 0


def export_default(fmt: str, out: Path | None) -> str:
    """What `export` writes with no --what: all, but only answers when CSV goes to stdout or one .csv file."""
    if fmt == "csv" and (out is None or out.suffix.lower() == ".csv"):
        return "answers"
    return "all"


async def migrate_db(args: argparse.Namespace, settings: Settings) -> int:
    from .storage.postgres.migrate_db import Copied, migrate_db  # asyncpg only here

    def copied(step: Copied) -> None:
        print(f"{step.table:<18} {step.rows:>11,} row{'' if step.rows == 1 else 's'} copied", flush=True)

    done = await migrate_db(settings.db_path, args.to, copied)
    print(
        f"checked: {done.tables} tables, {done.rows:,} rows, each table's count as in {settings.db_path}; "
        f"{done.totals:,} rows of player and team totals equal the answers; committed to {shown(args.to)} "
        f"in {done.seconds:.1f} s"
    )
    return 0
