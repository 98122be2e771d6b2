"""Analytics from storage equal a reference computed directly from the stored answers, for several seeds."""

from __future__ import annotations

import random

import pytest

from bot.core.bank import Bank
from bot.core.service import QuizService
from bot.core.study.analytics import AnswerFact, analyse
from bot.core.study.service import StudyService
from bot.core.study.session import SessionKind
from bot.storage import SqliteStore
from tests.conftest import Clock, RecordingChat


@pytest.mark.parametrize("seed", range(3))
async def test_question_figures_from_sql_equal_the_reference(
    store: SqliteStore, mini_bank: Bank, seed: int
) -> None:
    rng, clock = random.Random(seed), Clock()
    writer = store.answer_writer()
    service = QuizService(
        bank=mini_bank,
        store=store,
        writer=writer,
        chat=RecordingChat(),
        platform="test",
        clock=clock,
        rng=rng,
    )
    study = StudyService(store, lambda: mini_bank, clock, rng)
    facts: list[AnswerFact] = []
    try:
        community = await store.community("test", "g1")
        players = {f"p{i}": rng.random() for i in range(12)}
        channel = await service.channel("g1", "c1")
        for _ in range(3):  # channel rounds
            rnd = await service.ask(channel, window=60)
            assert rnd.message_ref
            for name in players:
                if rng.random() < 0.7:
                    option = rng.randrange(len(rnd.question.options))
                    service.answer(rnd.message_ref, name, name, option)
                    facts.append(
                        AnswerFact(rnd.question.id, name, option, option == rnd.question.answer_index)
                    )
            clock.now += 61
            await service.close_round(rnd.id)
        for name, skill in players.items():  # private practice
            pid = (await store.player(community, name, name)).id
            asked = await study.start(pid, SessionKind.PRACTICE, count=rng.randint(1, 5))
            while asked is not None:
                q = asked.question
                option = q.answer_index if rng.random() < skill else rng.randrange(len(q.options))
                feedback = await study.answer(pid, asked.session_id, asked.index, option)
                facts.append(AnswerFact(q.id, name, option, feedback.correct))
                asked = feedback.next
        options = {q.id: len(q.options) for q in mini_bank.questions.values()}
        keys = {q.id: q.answer_index for q in mini_bank.questions.values()}
        got = {a.question_id: a for a in await study.analytics(min_answers=2)}
        expected = {a.question_id: a for a in analyse(facts, options, keys, min_answers=2)}
        assert got.keys() == expected.keys() and got
        for qid, want in expected.items():
            have = got[qid]
            assert (have.answered, have.most_picked_wrong, have.flags) == (
                want.answered,
                want.most_picked_wrong,
                want.flags,
            )
            assert have.correct_share == pytest.approx(want.correct_share)
            assert have.pick_share == pytest.approx(want.pick_share)
            assert (have.discrimination is None) == (want.discrimination is None)
            if want.discrimination is not None:
                assert have.discrimination == pytest.approx(want.discrimination)
    finally:
        await service.stop()
        await writer.close()
