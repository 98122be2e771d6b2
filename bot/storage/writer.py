"""Group-commit writer for answers: many answers, one transaction, never one commit per answer."""

from __future__ import annotations

import asyncio
import contextlib
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
INSERT INTO answers (round_id, player_id, option, answered_at)
VALUES (?, (SELECT id FROM players WHERE community_id = ? AND external_id = ?), ?, ?)
ON CONFLICT (round_id, player_id) DO UPDATE SET option = excluded.option, answered_at = excluded.answered_at
"""
_DELETE_ANSWER = """
DELETE FROM answers WHERE round_id = ?
AND player_id = (SELECT id FROM players WHERE community_id = ? AND external_id = ?)
"""


class AnswerWriter:
    """Buffers answers and writes each batch in one transaction, in arrival order."""

    def __init__(self, db: Database, *, max_delay: float = 0.05, max_batch: int = 5000) -> None:
        self._db = db
        self._max_delay = max_delay
        self._max_batch = max_batch
        self._pending: list[AnswerWrite] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()
        self.written = 0

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
        players = {(w.community_id, w.player): w.name for w in batch}
        async with self._db.transaction() as conn:
            await conn.executemany(_UPSERT_PLAYER, [(c, p, n) for (c, p), n in players.items()])
            run: list[AnswerWrite] = []
            for write in batch:
                if run and (run[-1].option is None) != (write.option is None):
                    await self._write_run(conn, run)
                    run = []
                run.append(write)
            if run:
                await self._write_run(conn, run)

    @staticmethod
    async def _write_run(conn: aiosqlite.Connection, run: list[AnswerWrite]) -> None:
        if run[0].option is None:
            await conn.executemany(_DELETE_ANSWER, [(w.round_id, w.community_id, w.player) for w in run])
        else:
            await conn.executemany(
                _UPSERT_ANSWER,
                [(w.round_id, w.community_id, w.player, w.option, w.at) for w in run],
            )

    async def close(self) -> None:
        """Flush what is left and stop the background task."""
        await self.flush()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
