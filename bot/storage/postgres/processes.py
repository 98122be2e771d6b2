"""Process leases and round adoption on PostgreSQL: several bot processes on one database (the rules are in
bot/lease.py; this is their SQL)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple
from typing import Any

from ...shards import Shards, overlap
from ..lease import LeaseRow
from .db import PgDatabase

_SELECT = "SELECT platform, owner, host, pid, machine, taken_at, heartbeat, expires, shards FROM processes "
_INSERT = (
    "INSERT INTO processes (platform, owner, host, pid, machine, taken_at, heartbeat, expires, shards) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (owner) DO UPDATE SET heartbeat = excluded.heartbeat, expires = excluded.expires"
)
# One key for every lease change: two processes starting together take turns (quizbot's "QUIL").
_LEASE_LOCK = 0x5155494C


async def read_process_rows(url: str) -> list[LeaseRow] | None:
    """Every process row of the database at `url` on a connection of its own (for `quizbot health`: the
    database is neither migrated nor changed); None when it has no processes table."""
    import asyncpg

    conn = await asyncpg.connect(url, timeout=10)
    try:
        if not await conn.fetchval("SELECT to_regclass('processes') IS NOT NULL"):
            return None
        return [_row(r) for r in await conn.fetch(_SELECT + "ORDER BY platform, taken_at")]
    finally:
        await conn.close()


def _row(r: Sequence[Any]) -> LeaseRow:
    return LeaseRow(
        str(r[0]),
        str(r[1]),
        str(r[2]),
        int(r[3]),
        str(r[4]),
        float(r[5]),
        float(r[6]),
        float(r[7]),
        str(r[8]),
    )


async def take_process_lease(
    db: PgDatabase, wanted: LeaseRow, replaceable: Callable[[LeaseRow], bool]
) -> LeaseRow | None:
    """Store `wanted` unless a live process of the platform serves some of the same communities (shards that
    overlap) and `replaceable(holder)` says no: None when taken, else that holder. Replaceable holders in the
    way (lapsed, or certainly dead) are removed; their rounds become orphans another process adopts."""
    mine = Shards.parse(wanted.shards)
    async with db.transaction() as conn:
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _LEASE_LOCK)
        rows = await conn.fetch(
            _SELECT + "WHERE platform = $1 AND owner <> $2 ORDER BY taken_at",
            wanted.platform,
            wanted.owner,
        )
        gone = []
        for holder in map(_row, rows):
            if not overlap(mine, Shards.parse(holder.shards)):
                continue
            if not replaceable(holder):
                return holder
            gone.append(holder.owner)
        if gone:
            await conn.execute("DELETE FROM processes WHERE owner = ANY($1::text[])", gone)
        await conn.execute(_INSERT, *astuple(wanted))
        return None


async def renew_process_lease(db: PgDatabase, owner: str, heartbeat: float, expires: float) -> bool:
    """Move the heartbeat and expiry on; False when the row is gone or lapsed already (another process may
    have adopted this one's rounds meanwhile: it must stop, not go on as if nothing happened)."""
    async with db.transaction() as conn:
        found = await conn.fetchval(
            "UPDATE processes SET heartbeat = $1, expires = $2 WHERE owner = $3 AND expires > $1 RETURNING 1",
            heartbeat,
            expires,
            owner,
        )
        return found is not None


async def release_process_lease(db: PgDatabase, owner: str) -> bool:
    """Delete this process's row (a clean stop): its unfinished rounds are adopted by another process at once."""
    async with db.transaction() as conn:
        return await conn.fetchval("DELETE FROM processes WHERE owner = $1 RETURNING 1", owner) is not None


async def adopt_orphans(
    db: PgDatabase, owner: str, platform: str, shards: Shards | None, now: float
) -> list[int]:
    """Make `owner` the owner of the platform's unfinished rounds whose owner is no live process (lapsed,
    gone, or none), where `owner` serves the round's community or no live process does; their ids, oldest
    first. Rows are claimed with SKIP LOCKED: two adopters never take the same round, and neither waits for a
    round being closed this moment."""
    async with db.transaction() as conn:
        live = [
            (str(o), Shards.parse(str(s)))
            for o, s in await conn.fetch(
                "SELECT owner, shards FROM processes WHERE platform = $1 AND expires > $2", platform, now
            )
        ]
        alive = [o for o, _ in live]
        rows = await conn.fetch(
            "SELECT r.id, co.external_id FROM rounds r JOIN channels ch ON ch.id = r.channel_id "
            "JOIN communities co ON co.id = ch.community_id "
            "WHERE r.state IN ('pending', 'open', 'closed') AND co.platform = $1 "
            "AND (r.owner IS NULL OR NOT (r.owner = ANY($2::text[]))) ORDER BY r.id "
            "FOR NO KEY UPDATE OF r SKIP LOCKED",
            platform,
            alive,
        )
        taken = [
            int(rid)
            for rid, community in rows
            if shards is None
            or shards.serves(community)
            or not any(s is None or s.serves(community) for o, s in live if o != owner)
        ]
        if taken:
            await conn.execute("UPDATE rounds SET owner = $1 WHERE id = ANY($2::bigint[])", owner, taken)
        return taken
