"""The tables a quizbot database holds, in the order a copy between the two stores writes them, and how one
store's columns pair with the other's (migrate-db copies SQLite into PostgreSQL, a PostgreSQL backup copies
the other way).

Both schemas hold the same data tables with the same column names (bot/storage/postgres/migrations/0001 mirrors
SQLite's 0001-0008; PostgreSQL's 0004 adds team_scores' top N points as SQLite's 0009 does); `plan` checks that
against the two live schemas, so a migration that adds a table or a column to one store and not the other is
refused by name instead of being left behind in silence."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from ..core.errors import StorageError

# Parents before children: every foreign key points to a table copied before it.
COPIED = (
    "communities",
    "channels",
    "players",
    "schedules",
    "rounds",
    "answers",
    "scores",
    "teams",
    "team_members",
    "team_spans",
    "team_member_points",
    "team_scores",
    "competitions",
    "memories",
    "study_sessions",
    "study_answers",
    "question_reports",
    "study_reminders",
    "study_progress",
    "recaps",
)
# Who is running right now, not data: each process writes its own row when it starts (SQLite: one lease per
# platform; PostgreSQL: one row per process), so a copy carries none.
PROCESS_STATE = frozenset({"leases", "processes"})
# The schema's own bookkeeping (PostgreSQL's migration versions; SQLite keeps them in PRAGMA user_version).
BOOKKEEPING = frozenset({"quizbot_schema"})
# Columns the target's triggers keep: teams.members counts team_members rows as they arrive.
DERIVED = {"teams": frozenset({"members"})}
# Tables the migrations seed with a row; the copy replaces it with the source's.
SEEDED = frozenset({"study_progress"})
# Columns only the PostgreSQL store has, about running processes, not data: the process that owns a round. A
# copy into PostgreSQL leaves it NULL (adopted like any orphan by the next process that starts); a copy out of
# PostgreSQL leaves it behind.
POSTGRES_ONLY = {"rounds": frozenset({"owner"})}

Plan = list[tuple[str, list[str]]]


def sqlite_schema(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Each table of a SQLite database with its columns, in order."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {t: [r[0] for r in conn.execute("SELECT name FROM pragma_table_info(?)", (t,))] for t in names}


PG_SCHEMA = (
    "SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t "
    "ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
    "WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' "
    "ORDER BY c.table_name, c.ordinal_position"
)


def pg_schema(rows: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """Each table with its columns, from the rows of PG_SCHEMA."""
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return found


def plan(source: Mapping[str, list[str]], target: Mapping[str, list[str]]) -> Plan:
    """(table, columns to copy) in COPIED order; refuse a table or column either side has that this quizbot
    does not know how to carry across."""
    skipped = PROCESS_STATE | BOOKKEEPING
    for side, tables in (("source", source), ("target", target)):
        unknown = sorted(set(tables) - set(COPIED) - skipped)
        if unknown:
            raise StorageError(f"the {side} has tables this quizbot cannot copy: {', '.join(unknown)}")
        missing = [t for t in COPIED if t not in tables]
        if missing:
            raise StorageError(f"the {side} lacks tables of quizbot's schema: {', '.join(missing)}")
    out: Plan = []
    for table in COPIED:
        derived = DERIVED.get(table, frozenset())
        one_sided = POSTGRES_ONLY.get(table, frozenset())
        theirs = [c for c in source[table] if c not in one_sided]
        ours = [c for c in target[table] if c not in one_sided]
        if sorted(theirs) != sorted(ours):
            differ = sorted(set(theirs) ^ set(ours))
            raise StorageError(f"table {table}: the two schemas differ in columns {', '.join(differ)}")
        out.append((table, [c for c in theirs if c not in derived]))
    return out


def quoted(name: str) -> str:
    """An identifier as both SQL dialects read it ("window" is reserved in PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


# The statements a copy runs, for one table of COPIED and columns both schemas have (plan checked them): the
# only SQL built from names, all of them quoted identifiers of quizbot's own schema, never user input.
def _known(table: str) -> str:
    if table not in COPIED:
        raise ValueError(f"not a table quizbot copies: {table!r}")
    return quoted(table)


def select_sql(table: str, columns: Sequence[str]) -> str:
    """Every row of `table`, those columns."""
    return f"SELECT {', '.join(map(quoted, columns))} FROM {_known(table)}"  # noqa: S608 (quoted names)


def count_sql(table: str) -> str:
    """The number of rows of `table`."""
    return f"SELECT count(*) FROM {_known(table)}"  # noqa: S608 (a quoted name of COPIED)


def max_sql(table: str, column: str) -> str:
    """The highest value of `column` in `table`."""
    return f"SELECT max({quoted(column)}) FROM {_known(table)}"  # noqa: S608 (quoted names)


def any_row_sql(table: str) -> str:
    """The table's name if it holds any row, else no row."""
    return f"SELECT '{table}' FROM {_known(table)} LIMIT 1"  # noqa: S608 (a name of COPIED)


def delete_sql(table: str) -> str:
    """Empty `table` (the row its migration seeded)."""
    return f"DELETE FROM {_known(table)}"  # noqa: S608 (a quoted name of COPIED)


def insert_sql(table: str, columns: Sequence[str]) -> str:
    """One row into `table` with SQLite's ? placeholders."""
    names = ", ".join(map(quoted, columns))
    return f"INSERT INTO {_known(table)} ({names}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
