"""Wiring: open the store, load the bank, build the service for a platform. The one place parts meet."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from .core.admin import Admin
from .core.bank import Bank
from .core.bank_loader import load_bank
from .core.errors import QuizError
from .core.ports import AnswerSink, Chat
from .core.recap import Recaps, RecapStore
from .core.service import QuizService
from .core.study.service import StudyService
from .lease import PlatformLease
from .scheduling import Scheduler
from .settings import Settings
from .shards import Shards, serves
from .storage import SqliteStore
from .storage.opening import open_store
from .study_worker import StudyWorker

if TYPE_CHECKING:
    from .storage.postgres.store import PostgresStore

log = logging.getLogger("quizbot")


@dataclass
class App:
    """The assembled bot."""

    settings: Settings
    store: SqliteStore | PostgresStore
    writer: AnswerSink
    service: QuizService
    admin: Admin
    scheduler: Scheduler
    study: StudyService  # private review, practice and exams over the same store and the current bank
    study_worker: StudyWorker  # folds channel answers into memories, sends the opt-in reminders

    lease: PlatformLease | None = None

    async def start(self) -> int:
        """Resume open rounds and start the schedules; call once the platform can post and read."""
        resumed = await self.resume()
        if resumed:
            log.info("resumed %d open question(s)", resumed)
        await self.scheduler.start()
        self.study_worker.start()  # folds at once, in the background: start-up does not wait for it
        settle_memory()
        return resumed

    async def resume(self) -> int:
        """Take over the rounds of processes that are gone (PostgreSQL; an earlier start's too), then resume
        this process's open rounds as after a restart; how many open rounds it picked up."""
        return await self.service.resume(adopted=await self._take_orphans())

    async def adopt_orphans(self) -> int:
        """PostgreSQL: take over the unfinished rounds of processes that are gone and finish them; how many of
        them were open. Run after each lease renewal, so a dead process's rounds wait at most a lease length."""
        ids = await self._take_orphans()
        return await self.service.adopt(ids) if ids else 0

    async def _take_orphans(self) -> list[int]:
        """Make this process the owner of the rounds of processes that are gone (PostgreSQL); their ids."""
        if self.lease is None or isinstance(self.store, SqliteStore):
            return []
        ids = await self.store.adopt_orphans(self.service.platform, self.lease.shards, time.time())
        if ids:
            log.info("taking over %d round(s) of a quizbot that stopped: %s", len(ids), ids)
        return ids

    def reload_bank(self) -> str:
        """Load the bank again; on any error keep the current bank and raise BankError saying why."""
        bank = load_bank(self.settings.questions)
        gc.unfreeze()  # the old bank may go now
        self.service.reload_bank(bank)
        settle_memory()
        return f"bank reloaded: {len(bank.questions)} questions"


def _shards(settings: Settings) -> Shards | None:
    ids, count = settings.shard_ids, settings.shard_count
    return Shards(ids, count) if ids is not None and count is not None else None


def settle_memory() -> None:
    """Collect start-up garbage, then freeze what is left (the bank, the clients) out of the collector's way.

    A full collection walks every tracked object; with the bank and the platform client loaded that held
    the event loop for ~50 ms in the schedule benchmark. Frozen objects are never walked again, so
    collections stay short while questions are answered and posted.
    """
    gc.collect()
    gc.freeze()


@asynccontextmanager
async def assemble(
    settings: Settings, chat: Chat, platform: str, bank: Bank | None = None
) -> AsyncIterator[App]:
    """Build every part (call `App.start` when the platform is ready) and tear down in order."""
    bank = bank or load_bank(settings.questions)
    shards = _shards(settings)
    if shards is not None and settings.db_url is None and len(shards.ids) < shards.count:
        raise QuizError(
            f"--shard-ids {','.join(map(str, shards.ids))} leaves shards to other processes, which need a "
            "PostgreSQL database (QUIZBOT_DB=postgresql://...); on a SQLite file one process runs every shard "
            "(omit --shard-ids)"
        )
    store = await open_store(settings.database)  # a postgresql:// URL: PostgresStore, else the SQLite file
    # Lease (bot/lease.py): one process per platform on this database, taken before anything resumes.
    # On PostgreSQL, processes of one platform run side by side when they serve different Discord shards.
    try:
        lease = await PlatformLease.take(store.db, platform, seconds=settings.lease_seconds, shards=shards)
    except BaseException:
        await store.close()
        raise
    if not isinstance(store, SqliteStore):
        store.owner = lease.owner  # its rounds are its own; another process adopts them if it dies
    writer = store.answer_writer()
    service = QuizService(bank=bank, store=store, writer=writer, chat=chat, platform=platform)
    admin = Admin(service)
    scheduler = Scheduler(service, admin)
    scheduler.serves = partial(serves, lease.shards)
    admin.timetable = (
        scheduler  # each needs the other: admin edits schedules, the scheduler ends competitions
    )
    if isinstance(store, RecapStore):  # weekly recaps (bot/core/recap.py) read past ranks that SQLite keeps
        scheduler.recaps = Recaps(service, store, chat).post_due
    study = StudyService(store, lambda: service.bank)  # read each time: the bank may be reloaded
    worker = StudyWorker(study, platform, store.mark_reminded)
    worker.serves = scheduler.serves
    service.on_revealed = worker.revealed
    app = App(settings, store, writer, service, admin, scheduler, study, worker, lease)
    lease.on_renewed = app.adopt_orphans
    try:
        yield app
    finally:
        scheduler.shutdown()
        await worker.stop()
        await service.stop()
        await writer.close()
        try:
            await lease.release()  # lease: after the last write, so the next start need not wait
        finally:
            await store.close()
