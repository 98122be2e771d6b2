"""Group commit for answers, shared by both stores' writers: the queue, the timer, the flush and the cache of
player rows already stored. Each store writes one batch in one transaction its own way (`_write_batch`)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging

from ..core.records import AnswerWrite

log = logging.getLogger(__name__)

PlayerKey = tuple[int, str]  # (community id, platform user id)
_UNKNOWN = (0, "")


class GroupCommitWriter:
    """Buffers answers and writes each batch in one transaction; each player's last action in a round wins."""

    def __init__(
        self, *, max_delay: float = 0.05, max_batch: int = 20_000, known_players: int = 200_000
    ) -> None:
        # max_batch bounds one transaction (20,000 answers: tens of ms of writing) when a burst has queued
        # more than max_delay gathers; each durable commit costs page writes and an fsync, so fewer is faster.
        self._max_delay = max_delay
        self._max_batch = max_batch
        self._pending: list[AnswerWrite] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flushing = asyncio.Lock()
        self.written = 0
        # Player row ids and names already stored, so a batch needs no per-answer lookup. Filled only after a
        # commit (a batch's new rows are taken back if it rolls back); bounded, oldest forgotten first.
        self._known: dict[PlayerKey, tuple[int, str]] = {}
        self._known_max = known_players
        self._learned: dict[PlayerKey, tuple[int, str]] = {}

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
        self._learned = {}
        try:
            await self._write_batch(batch, names)
        except BaseException:
            for key in self._learned:  # rolled back: those rows may not exist; look them up again next time
                self._known.pop(key, None)
            raise
        if len(self._known) > self._known_max:
            for key in list(itertools.islice(self._known, len(self._known) - self._known_max // 2)):
                del self._known[key]

    def _learn(self, found: dict[PlayerKey, tuple[int, str]]) -> None:
        """Player rows stored (or found) inside the batch's transaction: usable at once, forgotten if it fails."""
        self._learned.update(found)
        self._known.update(found)

    async def _write_batch(self, batch: list[AnswerWrite], names: dict[PlayerKey, str]) -> None:
        """Write `batch` in one transaction, first storing the players of `names` (new or renamed) and passing
        their row ids to `_learn`."""
        raise NotImplementedError

    async def close(self) -> None:
        """Flush what is left and stop the background task."""
        await self.flush()
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
