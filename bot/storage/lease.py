"""Platform leases: which process runs a platform's bot on this database (the rules are in bot/lease.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

from .db import Database

_SELECT = "SELECT platform, owner, host, pid, machine, taken_at, heartbeat, expires FROM leases "
_INSERT = (
    "INSERT OR REPLACE INTO leases (platform, owner, host, pid, machine, taken_at, heartbeat, expires) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True)
class LeaseRow:
    """One platform's lease as stored."""

    platform: str
    owner: str
    host: str
    pid: int
    machine: str
    taken_at: float
    heartbeat: float
    expires: float
    shards: str = ""  # PostgreSQL only: the Discord shards a process serves ('0,1/4'; '' means all)


def _row(r: Sequence[Any]) -> LeaseRow:
    return LeaseRow(
        str(r[0]), str(r[1]), str(r[2]), int(r[3]), str(r[4]), float(r[5]), float(r[6]), float(r[7])
    )


async def take_lease(
    db: Database, wanted: LeaseRow, replaceable: Callable[[LeaseRow], bool]
) -> LeaseRow | None:
    """Store `wanted` unless another owner holds the platform and `replaceable(holder)` says no.

    None when taken (or already ours); otherwise the holder. One transaction, so of two processes starting
    together exactly one gets it."""
    async with db.transaction() as conn:
        rows = await conn.execute_fetchall(_SELECT + "WHERE platform = ?", (wanted.platform,))
        holder = _row(next(iter(rows))) if rows else None
        if holder is not None and holder.owner != wanted.owner and not replaceable(holder):
            return holder
        await conn.execute(_INSERT, astuple(wanted)[:8])  # one row per platform here: no shards
        return None


async def renew_lease(db: Database, platform: str, owner: str, heartbeat: float, expires: float) -> bool:
    """Move the heartbeat and expiry on; False when `owner` no longer holds the platform."""
    async with db.transaction() as conn:
        cur = await conn.execute(
            "UPDATE leases SET heartbeat = ?, expires = ? WHERE platform = ? AND owner = ?",
            (heartbeat, expires, platform, owner),
        )
        return cur.rowcount == 1


async def release_lease(db: Database, platform: str, owner: str) -> bool:
    """Delete the lease if `owner` still holds it; whether it did."""
    async with db.transaction() as conn:
        cur = await conn.execute("DELETE FROM leases WHERE platform = ? AND owner = ?", (platform, owner))
        return cur.rowcount == 1


async def lease_of(db: Database, platform: str) -> LeaseRow | None:
    """The platform's lease as committed, or None."""
    async with db.reader.execute(_SELECT + "WHERE platform = ?", (platform,)) as cur:
        row = await cur.fetchone()
    return _row(row) if row is not None else None


class NoLeaseTable(Exception):
    """The file has no leases table: not a quizbot database, or one no bot with leases has opened yet."""


def read_leases(path: Path) -> list[LeaseRow]:
    """Every lease in the file at `path`, read-only: the file is neither created nor migrated.

    Raises FileNotFoundError when there is no file and NoLeaseTable when it has no leases table."""
    if not path.is_file():
        raise FileNotFoundError(str(path))
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=2)) as conn:
            rows = conn.execute(_SELECT + "ORDER BY platform").fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            raise NoLeaseTable(str(path)) from None
        raise
    except sqlite3.DatabaseError as exc:  # not SQLite at all
        raise NoLeaseTable(f"{path}: {exc}") from None
    return [_row(r) for r in rows]
