"""Study sessions end to end on both stores: memories, review order, restarts, reports."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.core.bank import Bank
from bot.core.errors import (
    AlreadyAnsweredError,
    InvalidInputError,
    NoQuestionError,
    NotFoundError,
    RoundClosedError,
)
from bot.core.service import QuizService
from bot.core.study.memory import review
from bot.core.study.service import DAY, StudyService
from bot.core.study.session import SessionKind
from bot.storage import SqliteStore
from bot.storage.opening import open_store
from tests.conftest import Clock

WRONG, RIGHT = False, True


def _study(store: SqliteStore, bank: Bank, clock: Clock) -> StudyService:
    return StudyService(store, lambda: bank, clock, random.Random(3))


async def _player(store: SqliteStore, name: str = "ann") -> int:
    community = await store.community("test", "g1")
    return (await store.player(community, name, name.title())).id


def _option(question: object, correct: bool) -> int:
    right = question.answer_index  # type: ignore[attr-defined]
    return right if correct else (right + 1) % len(question.options)  # type: ignore[attr-defined]


async def test_review_brings_back_missed_questions_first_and_stores_fsrs_state(
    store: SqliteStore, mini_bank: Bank, clock: Clock
) -> None:
    study, ann = _study(store, mini_bank, clock), await _player(store)
    with pytest.raises(NoQuestionError):
        await study.start(ann, SessionKind.REVIEW)
    asked = await study.start(ann, SessionKind.PRACTICE, stage="eda", count=2)
    results = [WRONG, RIGHT]
    given = []
    for i, correct in enumerate(results):
        assert asked is not None and asked.index == i
        given.append(asked.question.id)
        feedback = await study.answer(ann, asked.session_id, i, _option(asked.question, correct))
        assert feedback.correct is correct and feedback.report is None
        asked = feedback.next
    assert asked is None
    stored = {m.question_id: m for m in await store.memories(ann)}
    expected = review(None, given[0], False, clock.now)
    assert stored[given[0]] == expected and stored[given[1]].lapses == 0
    clock.now += 3 * DAY  # both are due by now; the missed one comes first
    first = await study.start(ann, SessionKind.REVIEW)
    assert first.question.id == given[0] and first.total == 2
    summary = await study.summary(ann)
    assert summary.due_now == 2 and summary.due_week == 2
    assert summary.weakest is not None and summary.weakest.stage == "eda"  # the only stage met


async def test_a_session_survives_a_restart_and_counts_no_answer_twice(
    db_target: str | Path, mini_bank: Bank, clock: Clock
) -> None:
    store = await open_store(db_target)
    study, ann = _study(store, mini_bank, clock), await _player(store)
    asked = await study.start(ann, SessionKind.EXAM, count=4)
    assert asked.ends_at == clock.now + 4 * 90
    feedback = await study.answer(ann, asked.session_id, 0, 0)
    await store.close()

    store = await open_store(db_target)  # the bot restarted
    try:
        study = _study(store, mini_bank, clock)
        resumed = await study.current(ann)
        assert resumed is not None and resumed.index == 1 and resumed == feedback.next
        with pytest.raises(AlreadyAnsweredError):
            await study.answer(ann, asked.session_id, 0, 1)
        assert len((await store.open_session(ann)).answers) == 1  # type: ignore[union-attr]
        clock.now += 4 * 90  # the exam's time is up
        with pytest.raises(RoundClosedError):
            await study.answer(ann, asked.session_id, 1, 0)
        report = await study.end(ann)
        assert report is not None and report.total == 4 and report.correct == int(feedback.correct)
        assert report.seconds == 4 * 90 and await study.current(ann) is None
        (history,) = (await study.summary(ann)).exams
        assert history[2:] == (int(feedback.correct), 4)
    finally:
        await store.close()


async def test_channel_answers_fold_into_memories_once_after_the_reveal(
    service: QuizService, store: SqliteStore, mini_bank: Bank, clock: Clock
) -> None:
    study = _study(store, mini_bank, clock)
    channel = await service.channel("g1", "c1")
    first = await service.ask(channel, stage="eda", window=60)
    open_round = await service.ask(channel, stage="training", window=600)
    assert first.message_ref and open_round.message_ref
    service.answer(first.message_ref, "ann", "Ann", _option(first.question, False))
    service.answer(open_round.message_ref, "ann", "Ann", _option(open_round.question, True))
    clock.now += 61
    await service.close_round(first.id)
    assert await study.fold_channel_answers() == 1
    assert await study.fold_channel_answers() == 0  # folded once
    ann = await _player(store)
    (memory,) = await store.memories(ann)
    assert memory.question_id == first.question.id and memory.lapses == 1 and memory.reviews == 1
    await service.close_round(open_round.id)
    assert await study.fold_channel_answers() == 1
    assert {m.question_id for m in await store.memories(ann)} == {first.question.id, open_round.question.id}


async def test_reports_are_stored_and_bad_ones_refused(
    store: SqliteStore, mini_bank: Bank, clock: Clock
) -> None:
    study, ann = _study(store, mini_bank, clock), await _player(store)
    qid = next(iter(mini_bank.questions))
    with pytest.raises(NotFoundError):
        await study.report(ann, "no-such-question", "the key is wrong")
    with pytest.raises(InvalidInputError):
        await study.report(ann, qid, "  ")
    await study.report(ann, qid, "option B is also right\n according to the docs")
    ((_, question, who, reason, _),) = await store.reports()
    assert (question, who, reason) == (qid, "Ann", "option B is also right according to the docs")


async def test_private_answers_count_toward_accuracy_but_not_the_leaderboard(
    store: SqliteStore, mini_bank: Bank, clock: Clock
) -> None:
    from bot.core.boards import leaderboard, player_stats
    from bot.core.periods import Period

    study, ann = _study(store, mini_bank, clock), await _player(store)
    community = await store.community("test", "g1")
    asked = await study.start(ann, SessionKind.PRACTICE, stage="eda", count=2)
    first = await study.answer(ann, asked.session_id, 0, _option(asked.question, True))
    assert first.next is not None
    await study.answer(ann, asked.session_id, 1, _option(first.next.question, False))
    view = await player_stats(store, mini_bank, community, "ann", clock.now)
    (eda,) = [a for a in view.by_stage if a.key == "eda"]
    assert (eda.correct, eda.answered) == (1, 2)
    assert view.points == 0 and view.answered == 0 and view.rank is None  # channels only
    board = await leaderboard(store, community, period=Period.ALL, at=clock.now)
    assert board.rows == ()
