"""The study worker's failures: a fold or a reminder that fails is logged and done at the next turn."""

from __future__ import annotations

import logging

import pytest

from bot.core.bank import Bank
from bot.core.study.memory import review
from bot.core.study.service import StudyService
from bot.storage import SqliteStore
from bot.study_worker import StudyWorker
from tests.conftest import Clock


async def test_a_failed_fold_is_logged_and_the_next_turn_folds(
    store: SqliteStore, mini_bank: Bank, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    study = StudyService(store, lambda: mini_bank, clock)
    worker = StudyWorker(study, "test", store.mark_reminded)
    real = study.fold_channel_answers

    async def broken() -> int:
        raise OSError("disk I/O error")

    study.fold_channel_answers = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        assert await worker.fold_now() == 0
    assert "folding channel answers into study memories failed" in caplog.text and worker.folds == 0
    study.fold_channel_answers = real  # type: ignore[method-assign]
    assert await worker.fold_now() == 0 and worker.folds == 1


async def test_a_reminder_that_fails_to_send_is_sent_at_the_next_turn_and_then_not_again(
    store: SqliteStore, mini_bank: Bank, clock: Clock
) -> None:
    study = StudyService(store, lambda: mini_bank, clock)
    worker = StudyWorker(study, "test", store.mark_reminded)
    community = await store.community("test", "guild")
    ann = (await store.player(community, "u-ann", "ann")).id
    await store.set_reminder(ann, True)
    qid = next(iter(mini_bank.questions))
    memory = review(None, qid, False, clock.now - 3 * 86_400)  # missed days ago: due now
    await store.save_session_answer(
        await store.create_session(ann, "practice", [(qid, 3, 0)], clock.now, None),
        ann,
        (0, qid, 1, False, clock.now - 3 * 86_400),
        memory,
        clock.now,
    )
    sent: list[tuple[str, str, int]] = []
    failing = True

    async def send(external: str, where: str, due: int) -> None:
        if failing:
            raise ConnectionError("no route to host")
        sent.append((external, where, due))

    assert await worker.remind_now() == 0  # no sender: a console bot sends none
    worker.send_reminder = send
    assert await worker.remind_now() == 0 and sent == []
    failing = False
    assert await worker.remind_now() == 1 and sent == [("u-ann", "guild", 1)]
    assert await worker.remind_now() == 0 and len(sent) == 1  # once a day
    clock.now += 86_400
    assert await worker.remind_now() == 1 and len(sent) == 2


async def test_a_shard_process_sends_only_the_reminders_of_its_own_servers(
    store: SqliteStore, mini_bank: Bank, clock: Clock
) -> None:
    from bot.shards import Shards

    study = StudyService(store, lambda: mini_bank, clock)
    worker = StudyWorker(study, "test", store.mark_reminded)
    worker.serves = Shards((1,), 2).serves  # as bot/app.py sets it for a process serving shard 1 of 2
    qid = next(iter(mini_bank.questions))
    for guild in ("0", str(1 << 22)):  # a server on shard 0, one on shard 1
        ann = (await store.player(await store.community("test", guild), "u-ann", "ann")).id
        await store.set_reminder(ann, True)
        memory = review(None, qid, False, clock.now - 3 * 86_400)
        session = await store.create_session(ann, "practice", [(qid, 3, 0)], clock.now, None)
        await store.save_session_answer(
            session, ann, (0, qid, 1, False, clock.now - 3 * 86_400), memory, clock.now
        )
    sent: list[tuple[str, str, int]] = []

    async def send(external: str, where: str, due: int) -> None:
        sent.append((external, where, due))

    worker.send_reminder = send
    assert await worker.remind_now() == 1
    assert sent == [("u-ann", str(1 << 22), 1)]  # shard 0's process sends the other one
