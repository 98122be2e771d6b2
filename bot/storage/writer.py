"""SQLite answers: each batch as executemany runs in one unchecked transaction (the queue and timer are group_commit.py's)."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from ..core.records import AnswerWrite
from .db import Database
from .group_commit import GroupCommitWriter, PlayerKey

_UPSERT_PLAYER = """
INSERT INTO players (community_id, external_id, name) VALUES (?, ?, ?)
ON CONFLICT (community_id, external_id) DO UPDATE SET name = excluded.name
WHERE players.name != excluded.name
"""
_UPSERT_ANSWER = """
INSERT INTO answers (round_id, player_id, option, answered_at) VALUES (?, ?, ?, ?)
ON CONFLICT (round_id, player_id) DO UPDATE SET option = excluded.option, answered_at = excluded.answered_at
"""
_DELETE_ANSWER = "DELETE FROM answers WHERE round_id = ? AND player_id = ?"
_PLAYER_IDS = (
    "SELECT external_id, id FROM players "
    "WHERE community_id = ? AND external_id IN (SELECT value FROM json_each(?))"
)


class AnswerWriter(GroupCommitWriter):
    """Buffers answers and writes each batch in one transaction, in arrival order."""

    def __init__(self, db: Database, **options: Any) -> None:
        super().__init__(**options)
        self._db = db

    async def _write_batch(self, batch: list[AnswerWrite], names: dict[PlayerKey, str]) -> None:
        new = [(*key, name) for key, name in names.items()]
        # Unchecked: each answer refers to its round (created before it was posted) and to a player row
        # stored in this transaction or an earlier one; neither is ever deleted. The checks were a fifth
        # of the insert's time (bench: raw executemany with and without them).
        async with self._db.transaction(checked=False) as conn:
            if new:
                await conn.executemany(_UPSERT_PLAYER, new)
                self._learn(await self._player_ids(conn, new))
            if not any(w[4] is None for w in batch):  # the usual batch: answers, no withdrawals
                await self._write_run(conn, batch, self._known)
            else:
                await self._write_runs(conn, batch)

    async def _write_runs(self, conn: aiosqlite.Connection, batch: list[AnswerWrite]) -> None:
        """Answers and withdrawals in runs of one kind, in order, so each player's last action wins."""
        run: list[AnswerWrite] = []
        for write in batch:
            if run and (run[-1].option is None) != (write.option is None):
                await self._write_run(conn, run, self._known)
                run = []
            run.append(write)
        if run:
            await self._write_run(conn, run, self._known)

    @staticmethod
    async def _player_ids(
        conn: aiosqlite.Connection, players: list[tuple[int, str, str]]
    ) -> dict[PlayerKey, tuple[int, str]]:
        by_community: dict[int, dict[str, str]] = {}
        for community, player, name in players:
            by_community.setdefault(community, {})[player] = name
        found: dict[PlayerKey, tuple[int, str]] = {}
        for community, wanted in by_community.items():
            async with conn.execute(_PLAYER_IDS, (community, json.dumps(list(wanted)))) as cur:
                for external_id, row_id in await cur.fetchall():
                    found[(community, external_id)] = (row_id, wanted[external_id])
        return found

    @staticmethod
    async def _write_run(
        conn: aiosqlite.Connection, run: list[AnswerWrite], ids: dict[PlayerKey, tuple[int, str]]
    ) -> None:
        if run[0].option is None:
            await conn.executemany(_DELETE_ANSWER, [(w[0], ids[w[1:3]][0]) for w in run])
        else:
            await conn.executemany(_UPSERT_ANSWER, [(w[0], ids[w[1:3]][0], w[4], w[5]) for w in run])
