"""The study features' background work in a running bot: fold channel answers into each person's memory,
and send the opt-in daily reminders.

Both run on their own task, never on the reaction path and never inside a close: a reveal only sets a flag
(`revealed`), and the fold follows a moment later. A failure is logged and tried again at the next turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from .core.study.service import StudyService

log = logging.getLogger(__name__)

# (player's external id, community's external id, questions due) -> the DM was sent
SendReminder = Callable[[str, str, int], Awaitable[None]]


class StudyWorker:
    """Folds channel answers at start, shortly after each reveal and every `fold_every` seconds; checks for
    reminders to send every `remind_every` seconds. Attributes, so a test (or an operator) can shorten them."""

    fold_every = 60.0
    fold_delay = 1.0  # after a reveal: its answers are stored by then, and several reveals fold together
    remind_every = 600.0
    send_timeout = 30.0  # one reminder; a platform that hangs must not stop the loop

    def __init__(
        self, study: StudyService, platform: str, mark_reminded: Callable[[int, float], Awaitable[None]]
    ) -> None:
        self.study = study
        self.platform = platform
        self._mark_reminded = mark_reminded
        self.send_reminder: SendReminder | None = None  # set by the platform adapter; none: no reminders
        # Whose reminders this process sends: with Discord shards split across processes, each sends those of
        # its own shards' servers, so a person gets one reminder, not one per process.
        self.serves: Callable[[str], bool] = lambda community: True
        self.folds = 0  # completed fold passes, for tests and logs
        self.reminders_sent = 0
        self._wake = asyncio.Event()  # a reveal (or stop)
        self._stop = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start both loops (the first fold runs at once)."""
        if self._tasks:
            return
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._fold_loop()), loop.create_task(self._remind_loop())]

    def revealed(self, round_id: int) -> None:
        """A round's reveal is stored: fold shortly. Cheap and never blocks (called from the reveal)."""
        self._wake.set()

    async def stop(self) -> None:
        """Let a fold or reminder under way finish, then end both loops."""
        self._stopping = True
        self._stop.set()
        self._wake.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def fold_now(self) -> int:
        """One fold pass; a failure is logged (the next pass folds what this one did not)."""
        try:
            folded = await self.study.fold_channel_answers()
        except Exception:
            log.exception("folding channel answers into study memories failed; trying again later")
            return 0
        self.folds += 1
        if folded:
            log.debug("study memories: %d channel answer(s) folded", folded)
        return folded

    async def remind_now(self) -> int:
        """Send every reminder due now; how many went out."""
        if self.send_reminder is None:
            return 0
        try:
            due = await self.study.reminders_due(self.platform)
        except Exception:
            log.exception("reading the study reminders due failed; trying again later")
            return 0
        sent = 0
        for player_id, external, community, count in due:
            if self._stopping:
                break
            if not self.serves(community):
                continue
            try:
                async with asyncio.timeout(self.send_timeout):
                    await self.send_reminder(external, community, count)
                await self._mark_reminded(player_id, self.study.clock())
            except Exception as exc:
                log.warning("study reminder to player %d not sent (%s); trying again later", player_id, exc)
                continue
            sent += 1
        self.reminders_sent += sent
        return sent

    async def _fold_loop(self) -> None:
        while not self._stopping:
            await self.fold_now()
            await self._sleep(self.fold_every)
            if self._wake.is_set() and not self._stopping:
                self._wake.clear()
                await self._pause(self.fold_delay)

    async def _remind_loop(self) -> None:
        while not self._stopping:
            await self.remind_now()
            await self._pause(self.remind_every)

    async def _sleep(self, seconds: float) -> None:
        """Until `seconds` pass, a reveal or stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _pause(self, seconds: float) -> None:
        """Until `seconds` pass or stop (a reveal does not cut it short)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
