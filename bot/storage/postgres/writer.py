"""Group-commit writer for answers on PostgreSQL: the interface of bot/storage/writer.py's AnswerWriter."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging

from ...core.records import AnswerWrite
from .db import PgDatabase

log = logging.getLogger(__name__)

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

PlayerKey = tuple[int, str]  # (community id, platform user id)
_UNKNOWN = (0, "")


class PgAnswerWriter:
    """Buffers answers and writes each batch in one transaction; each player's last action in a round wins."""

    def __init__(
        self,
        db: PgDatabase,
        *,
        max_delay: float = 0.05,
        max_batch: int = 20_000,
        known_players: int = 200_000,
    ) -> None:
        self._db = db
        self._max_delay = max_delay
        self._max_batch = max_batch
        self._pending: list[AnswerWrite] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()
        self.written = 0
        # Player row ids and names already stored (filled only after a commit; bounded, oldest forgotten first).
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
        names: dict[PlayerKey, str] = {}  # players new or renamed; the latest name seen wins
        last: dict[
            tuple[int, PlayerKey], AnswerWrite
        ] = {}  # (round, player) -> their last action in the batch
        for w in batch:
            key = (w.community_id, w.player)
            if key in names or self._known.get(key, _UNKNOWN)[1] != w.name:
                names[key] = w.name
            last[(w.round_id, key)] = w
        learned: dict[PlayerKey, tuple[int, str]] = {}
        try:
            async with self._db.transaction() as conn:
                if names:
                    # Sorted: two processes storing the same new players lock their rows in one order.
                    new = sorted(names.items())
                    await conn.execute(
                        _UPSERT_PLAYERS, [k[0] for k, _ in new], [k[1] for k, _ in new], [n for _, n in new]
                    )
                    rows = await conn.fetch(_PLAYER_IDS, [k[0] for k, _ in new], [k[1] for k, _ in new])
                    learned = {
                        (int(r[0]), str(r[1])): (int(r[2]), names[(int(r[0]), str(r[1]))]) for r in rows
                    }
                    self._known.update(learned)
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
        except BaseException:
            for key in learned:  # rolled back: those rows may not exist; look them up again next time
                self._known.pop(key, None)
            raise
        if len(self._known) > self._known_max:
            for key in list(itertools.islice(self._known, len(self._known) - self._known_max // 2)):
                del self._known[key]

    async def close(self) -> None:
        """Flush what is left and stop the background task."""
        await self.flush()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
