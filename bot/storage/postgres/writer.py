"""Answers on PostgreSQL: a batch is three statements over arrays (the queue and timer are group_commit.py's)."""

from __future__ import annotations

from typing import Any

from ...core.records import AnswerWrite
from ..group_commit import GroupCommitWriter, PlayerKey
from .db import PgDatabase

# A batch is three statements whatever its size: the players new or renamed, the answers and the withdrawals,
# each bound as arrays and unnested server-side (one round trip each, no per-row statement). COPY would be
# faster still for plain inserts, but answers are upserts (a changed answer replaces the earlier one).
_UPSERT_PLAYERS = """
INSERT INTO players AS p (community_id, external_id, name)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])
ON CONFLICT (community_id, external_id) DO UPDATE SET name = excluded.name WHERE p.name <> excluded.name
"""
_PLAYER_IDS = """
SELECT p.community_id, p.external_id, p.id FROM players p
JOIN unnest($1::bigint[], $2::text[]) AS k (community_id, external_id)
    ON p.community_id = k.community_id AND p.external_id = k.external_id
"""
_UPSERT_ANSWERS = """
INSERT INTO answers AS a (round_id, player_id, option, answered_at)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::float8[])
ON CONFLICT (round_id, player_id) DO UPDATE SET option = excluded.option, answered_at = excluded.answered_at
"""
_DELETE_ANSWERS = """
DELETE FROM answers a USING unnest($1::bigint[], $2::bigint[]) AS k (round_id, player_id)
WHERE a.round_id = k.round_id AND a.player_id = k.player_id
"""


class PgAnswerWriter(GroupCommitWriter):
    """Buffers answers and writes each batch in one transaction; each player's last action in a round wins."""

    def __init__(self, db: PgDatabase, **options: Any) -> None:
        super().__init__(**options)
        self._db = db

    async def _write_batch(self, batch: list[AnswerWrite], names: dict[PlayerKey, str]) -> None:
        last: dict[
            tuple[int, PlayerKey], AnswerWrite
        ] = {}  # (round, player) -> their last action in the batch
        for w in batch:
            last[(w.round_id, (w.community_id, w.player))] = w
        async with self._db.transaction() as conn:
            if names:
                # Sorted: two processes storing the same new players lock their rows in one order.
                new = sorted(names.items())
                await conn.execute(
                    _UPSERT_PLAYERS, [k[0] for k, _ in new], [k[1] for k, _ in new], [n for _, n in new]
                )
                rows = await conn.fetch(_PLAYER_IDS, [k[0] for k, _ in new], [k[1] for k, _ in new])
                self._learn({(int(c), str(e)): (int(i), names[(int(c), str(e))]) for c, e, i in rows})
            answered = [w for w in last.values() if w.option is not None]
            withdrawn = [w for w in last.values() if w.option is None]
            ids = self._known
            if answered:
                await conn.execute(
                    _UPSERT_ANSWERS,
                    [w.round_id for w in answered],
                    [ids[(w.community_id, w.player)][0] for w in answered],
                    [w.option for w in answered],
                    [w.at for w in answered],
                )
            if withdrawn:
                await conn.execute(
                    _DELETE_ANSWERS,
                    [w.round_id for w in withdrawn],
                    [ids[(w.community_id, w.player)][0] for w in withdrawn],
                )
