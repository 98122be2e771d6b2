"""Wiring: open the store, load the bank, build the service for a platform. The one place parts meet."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .core.admin import Admin
from .core.bank import Bank
from .core.bank_loader import load_bank
from .core.ports import AnswerSink, Chat
from .core.recap import Recaps, RecapStore
from .core.service import QuizService
from .core.study.service import StudyService
from .lease import PlatformLease
from .scheduling import Scheduler
from .settings import Settings
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

    async def start(self) -> int:
        """Resume open rounds and start the schedules; call once the platform can post and read."""
        resumed = await self.service.resume()
        if resumed:
            log.info("resumed %d open question(s)", resumed)
        await self.scheduler.start()
        self.study_worker.start()  # folds at once, in the background: start-up does not wait for it
        settle_memory()
        return resumed

    def reload_bank(self) -> str:
        """Load the bank again; on any error keep the current bank and raise BankError saying why."""
        bank = load_bank(self.settings.questions)
        gc.unfreeze()  # the old bank may go now
        self.service.reload_bank(bank)
        settle_memory()
        return f"bank reloaded: {len(bank.questions)} questions"


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
    store = await open_store(settings.database)  # a postgresql:// URL: PostgresStore, else the SQLite file
    # Lease (bot/lease.py): one process per platform on this database, taken before anything resumes.
    lease: PlatformLease | None = None
    try:
        if isinstance(store, SqliteStore):
            lease = await PlatformLease.take(store.db, platform, seconds=settings.lease_seconds)
        else:  # leases on PostgreSQL are not written yet (README 'When one machine is not enough')
            log.warning(
                "PostgreSQL: no lease yet, so nothing stops a second %s bot on this database", platform
            )
    except BaseException:
        await store.close()
        raise
    writer = store.answer_writer()
    service = QuizService(bank=bank, store=store, writer=writer, chat=chat, platform=platform)
    admin = Admin(service)
    scheduler = Scheduler(service, admin)
    admin.timetable = (
        scheduler  # each needs the other: admin edits schedules, the scheduler ends competitions
    )
    if isinstance(store, RecapStore):  # weekly recaps (bot/core/recap.py) read past ranks that SQLite keeps
        scheduler.recaps = Recaps(service, store, chat).post_due
    study = StudyService(store, lambda: service.bank)  # read each time: the bank may be reloaded
    worker = StudyWorker(study, platform, store.mark_reminded)
    service.on_revealed = worker.revealed
    app = App(settings, store, writer, service, admin, scheduler, study, worker)
    try:
        yield app
    finally:
        scheduler.shutdown()
        await worker.stop()
        await service.stop()
        await writer.close()
        try:
            if lease is not None:
                await lease.release()  # lease: after the last write, so the next start need not wait
        finally:
            await store.close()
