"""Group-commit writer for answers: many answers, one transaction, never one commit per answer."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging

import aiosqlite

from ..core.records import AnswerWrite
from .db import Database

log = logging.getLogger(__name__)

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

PlayerKey = tuple[int, str]  # (community id, platform user id)
_UNKNOWN = (0, "")


class AnswerWriter:
    """Buffers answers and writes each batch in one transaction, in arrival order."""

    def __init__(
        self, db: Database, *, max_delay: float = 0.05, max_batch: int = 20_000, known_players: int = 200_000
    ) -> None:
        # max_batch bounds one transaction (20,000 answers: tens of ms of writing) when a burst has queued
        # more than max_delay gathers; each durable commit costs page writes and an fsync, so fewer is faster.
        self._db = db
        self._max_delay = max_delay
        self._max_batch = max_batch
        self._pending: list[AnswerWrite] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()
        self.written = 0
        # Player row ids and names already stored, so a batch is one plain executemany of answers: no
        # per-answer lookup. Filled only after a commit; bounded, oldest forgotten first.
        self._known: dict[PlayerKey, tuple[int, str]] = {}
        self._known_max = known_players

    def submit(self, write: AnswerWrite) -> None:
        """Queue one write; it is committed within `max_delay` seconds or at the next flush."""
        self._pending.append(write)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain_soon())
        if len(self._pending) >= self._max_batch:
            self._wake.set()

    async def _drain_soon(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self._max_delay)
        self._wake.clear()
        try:
            await self.flush()
        except Exception:  # the next flush retries the same batch: nothing is dropped
            log.exception("answer batch failed; will retry at the next flush")

    async def flush(self) -> None:
        """Commit everything queued so far; return once it is durable."""
        async with self._flushing:
            while self._pending:
                batch = self._pending[: self._max_batch]
                await self._write(batch)
                del self._pending[: len(batch)]
                self.written += len(batch)

    async def _write(self, batch: list[AnswerWrite]) -> None:
        # AnswerWrite is (round_id, community_id, player, name, option, at): w[1:3] is the player's key,
        # sliced in C; this path runs for every answer, so it avoids attribute lookups and new tuples.
        known_get = self._known.get
        names: dict[PlayerKey, str] = {}  # players new or renamed; the latest name seen wins
        for w in batch:
            key = w[1:3]
            if key in names or known_get(key, _UNKNOWN)[1] != w[3]:
                names[key] = w[3]
        new = [(*key, name) for key, name in names.items()]
        learned: dict[PlayerKey, tuple[int, str]] = {}
        try:
            # Unchecked: each answer refers to its round (created before it was posted) and to a player row
            # stored in this transaction or an earlier one; neither is ever deleted. The checks were a fifth
            # of the insert's time (bench: raw executemany with and without them).
            async with self._db.transaction(checked=False) as conn:
                if new:
                    await conn.executemany(_UPSERT_PLAYER, new)
                    learned = await self._player_ids(conn, new)
                    self._known.update(learned)
                if not any(w[4] is None for w in batch):  # the usual batch: answers, no withdrawals
                    await self._write_run(conn, batch, self._known)
                else:
                    await self._write_runs(conn, batch)
        except BaseException:
            for key in learned:  # rolled back: those rows may not exist; look them up again next time
                self._known.pop(key, None)
            raise
        if len(self._known) > self._known_max:
            for key in list(itertools.islice(self._known, len(self._known) - self._known_max // 2)):
                del self._known[key]

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

    async def close(self) -> None:
        """Flush what is left and stop the background task."""
        await self.flush()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
