"""Read-only access to an existing database, and answers and scores streamed out as CSV or JSON."""

from __future__ import annotations

import csv
import json
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from ..core.bank_schema import LETTERS
from ..core.errors import StorageError
from .db import APPLICATION_ID, LATEST
from .postgres.url import is_postgres_url

Row = tuple[Any, ...]


def require_database(path: Path) -> None:
    """Refuse a path with no database file, before anything could create one (or its folders) there."""
    if not path.exists():
        raise StorageError(f"{path}: no database there; check --db or QUIZBOT_DB")
    if not path.is_file():
        raise StorageError(f"{path}: not a database file")


def open_readonly(path: Path, *, need_latest: bool = True) -> sqlite3.Connection:
    """Open an existing quizbot database read-only; refuse a missing, foreign, empty or newer file."""
    require_database(path)
    try:  # mode=ro: never creates, migrates or writes the file, even by accident
        conn = sqlite3.connect(
            f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=5, isolation_level=None
        )
    except sqlite3.Error as exc:
        raise StorageError(f"{path}: cannot open database: {exc}") from exc
    try:
        _check_ours(conn, path, need_latest)
    except BaseException:
        conn.close()
        raise
    return conn


def _check_ours(conn: sqlite3.Connection, path: Path, need_latest: bool) -> None:
    try:
        app_id, version, tables = conn.execute(
            "SELECT (SELECT application_id FROM pragma_application_id), "
            "(SELECT user_version FROM pragma_user_version), "
            "(SELECT count(*) FROM sqlite_master WHERE type = 'table')"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path}: not a SQLite database ({exc}); refusing to touch it") from exc
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and tables):
        raise StorageError(f"{path}: this database belongs to another program, not quizbot")
    if app_id == 0 or version == 0:
        raise StorageError(f"{path}: an empty database with no quizbot data in it")
    if version > LATEST:
        raise StorageError(
            f"{path}: written by a newer quizbot (schema {version}, this one knows {LATEST}); "
            "upgrade quizbot instead. The file was not changed."
        )
    if need_latest and version < LATEST:
        raise StorageError(
            f"{path}: schema {version} is older than this quizbot's ({LATEST}); back it up, then start "
            "the bot once to upgrade it"
        )


def refuse_database_path(out: Path, db: Path) -> None:
    """Refuse an output path that is the database or one of its journal files."""
    live = db.resolve()
    names = {live, *(live.with_name(live.name + s) for s in ("-wal", "-shm", "-journal"))}
    if out.resolve() in names or (out.exists() and db.exists() and os.path.samefile(out, db)):
        raise StorageError(f"{out}: that is the live database; choose another path")


def _answer(r: Row) -> Row:
    letter = LETTERS[r[8]].upper() if 0 <= r[8] < len(LETTERS) else str(r[8])
    return (*r[:8], letter, None if r[9] is None else bool(r[9]), r[10], r[11])


# What differs between the two stores' SQL in the queries below: PostgreSQL writes CROSS JOIN without ON as
# plain JOIN (SQLite's CROSS JOIN only fixes the join order), and has no strftime. There the time is rounded to
# the millisecond with SQLite's own arithmetic for 'unixepoch' (in doubles: seconds * 1000 + the Julian day
# number of 1970 in ms, + 0.5, floored), so both stores print the same text for the same stored time.
_JD_1970_MS = "210866760000000::float8"
DIALECTS = {
    "sqlite": {
        "join": "CROSS JOIN",
        "answered_at": "strftime('%Y-%m-%dT%H:%M:%fZ', a.answered_at, 'unixepoch')",
    },
    "postgres": {
        "join": "JOIN",
        "answered_at": f"to_char(to_timestamp((floor(a.answered_at * 1000::float8 + {_JD_1970_MS} + 0.5::float8) "
        f"- {_JD_1970_MS}) / 1000::float8) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
    },
}


@dataclass(frozen=True)
class Table:
    """One exportable table: its columns, the query in storage order, and how a row is shaped."""

    name: str
    columns: tuple[str, ...]
    template: str
    shape: Callable[[Row], Row]

    def sql(self, dialect: str = "sqlite") -> str:
        """The query for one store's SQL."""
        return self.template.format(**DIALECTS[dialect])


# CROSS JOIN keeps answers (and scores) as the outer loop, so rows come in primary-key order with no sort.
TABLES = {
    "answers": Table(
        "answers",
        (
            "round_id",
            "platform",
            "community",
            "channel",
            "question_id",
            "stage",
            "player",
            "player_name",
            "option",
            "correct",
            "points",
            "answered_at",
        ),
        "SELECT a.round_id, co.platform, co.external_id, ch.external_id, r.question_id, r.stage, "
        "p.external_id, p.name, a.option, a.correct, a.points, {answered_at} FROM answers a "
        "{join} rounds r ON r.id = a.round_id {join} channels ch ON ch.id = r.channel_id "
        "{join} communities co ON co.id = ch.community_id {join} players p ON p.id = a.player_id "
        "ORDER BY a.round_id, a.player_id",
        _answer,
    ),
    "scores": Table(
        "scores",
        ("platform", "community", "period", "player", "player_name", "points", "correct", "answered"),
        # a competition's period is stored as 'competition:ID'; people know it by name
        "SELECT co.platform, co.external_id, CASE WHEN s.period LIKE 'competition:%' THEN coalesce("
        "'competition:' || (SELECT c.name FROM competitions c WHERE c.id = CAST(substr(s.period, 13) AS INTEGER)), "
        "s.period) ELSE s.period END, p.external_id, p.name, s.points, s.correct, "
        "s.answered FROM score_rows s {join} communities co ON co.id = s.community_id "
        "{join} players p ON p.id = s.player_id ORDER BY s.community_id, s.period, s.player_id",
        lambda r: r,
    ),
}

# Where rows come from: a table's rows, in storage order, one at a time (SQLite's cursor, or PostgreSQL's).
Source = Callable[[Table], Iterator[Row]]


def sqlite_source(conn: sqlite3.Connection) -> Source:
    """A SQLite connection's rows for each table."""
    return lambda table: iter(conn.execute(table.sql("sqlite")))


def rows(source: Source, table: Table) -> Iterator[Row]:
    """A table's rows, shaped, one at a time from the cursor (never all in memory)."""
    for row in source(table):
        yield table.shape(row)


def write_csv(source: Source, table: Table, out: TextIO) -> int:
    """Write one table as CSV with a header line; return the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.columns)
    count = 0
    for row in rows(source, table):
        writer.writerow("true" if v is True else "false" if v is False else v for v in row)
        count += 1
    return count


def write_json(source: Source, tables: Sequence[Table], out: TextIO) -> dict[str, int]:
    """Write {"answers": [...], "scores": [...]} one row per line; return rows per table."""
    counts: dict[str, int] = {}
    out.write("{")
    for i, table in enumerate(tables):
        out.write(("," if i else "") + f"\n  {json.dumps(table.name)}: [")
        count = 0
        for row in rows(source, table):
            record = json.dumps(dict(zip(table.columns, row, strict=True)), ensure_ascii=False)
            out.write(("," if count else "") + "\n    " + record)
            count += 1
        out.write("\n  ]" if count else "]")
        counts[table.name] = count
    out.write("\n}\n")
    return counts


@contextmanager
def _replacing(path: Path) -> Iterator[TextIO]:
    """Write to a temporary file beside `path`, then rename it over `path`: never a half-written file.

    The file gets the permissions of any file the user writes (0666 less the umask), not mkstemp's 0600.
    """
    tmp = None
    try:
        name = path.parent / f".{path.name}.{secrets.token_hex(8)}.partial"
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        tmp = str(name)
        with open(fd, "w", encoding="utf-8", newline="") as f:
            yield f
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write the export: {exc.strerror}") from exc
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


Written = tuple[Path, dict[str, int]]


def export(db: Path | str, fmt: str, what: str, out: Path | None, stdout: TextIO) -> list[Written]:
    """Export answers, scores or both from one consistent snapshot of the SQLite file or the PostgreSQL
    database (a postgresql:// URL) `db`; return each file and its row counts."""
    tables = [TABLES[what]] if what in TABLES else list(TABLES.values())
    folder = out if out is not None and fmt == "csv" and len(tables) > 1 else None
    if folder is not None and folder.exists() and not folder.is_dir():
        raise StorageError(f"{folder}: not a folder; csv of answers and scores writes one file per table")
    if folder is None and out is not None and out.is_dir():
        raise StorageError(f"{out}: is a folder; give a file name")
    targets = [folder / f"{t.name}.csv" for t in tables] if folder else [out] if out else []
    if is_postgres_url(db):
        from .postgres.snapshot import Snapshot  # asyncpg only for a URL

        # one REPEATABLE READ transaction: answers and scores from the same moment
        with Snapshot(str(db)) as snap:
            return _write(lambda t: snap.rows(t.sql("postgres")), fmt, tables, folder, targets, stdout)
    path = Path(db)
    for target in targets:
        refuse_database_path(target, path)
    conn = open_readonly(path)
    try:
        with closing(conn):
            conn.execute("BEGIN")  # one read transaction: answers and scores from the same moment
            return _write(sqlite_source(conn), fmt, tables, folder, targets, stdout)
    except sqlite3.Error as exc:
        raise StorageError(f"{db}: export failed: {exc}") from exc


def _write(
    source: Source,
    fmt: str,
    tables: list[Table],
    folder: Path | None,
    targets: list[Path],
    stdout: TextIO,
) -> list[Written]:
    written: list[Written] = []
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        if fmt == "json" and not targets:
            write_json(source, tables, stdout)
        elif fmt == "json":
            with _replacing(targets[0]) as f:
                written.append((targets[0], write_json(source, tables, f)))
        elif not targets:
            write_csv(source, tables[0], stdout)
        else:
            for table, target in zip(tables, targets, strict=True):
                with _replacing(target) as f:
                    written.append((target, {table.name: write_csv(source, table, f)}))
    except BrokenPipeError:  # the reader of stdout left (`| head`); main treats that as no error
        raise
    except OSError as exc:
        where = exc.filename or folder or (targets[0] if targets else "stdout")
        raise StorageError(f"{where}: cannot write the export: {exc.strerror}") from exc
    return written
