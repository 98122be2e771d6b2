"""QuizService end to end on a real SQLite file, with a recording fake chat and a settable clock."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.boards import leaderboard, player_stats
from bot.core.errors import AlreadyAnsweredError, InvalidInputError, PermissionDeniedError, RoundClosedError
from bot.core.periods import Period
from bot.core.ports import PostError
from bot.core.rounds import Outcome, RoundState
from bot.core.service import QuizService
from bot.storage import SqliteStore
from tests.conftest import Clock, RecordingChat
from tests.pg_server import execute


async def test_a_round_from_post_to_reveal(service: QuizService, chat: RecordingChat, clock: Clock) -> None:
    channel = await service.channel("g1", "c1")
    rnd = await service.ask(channel, stage="eda", window=60)
    assert rnd.question.stage == "eda" and rnd.state is RoundState.OPEN
    assert chat.questions[0].closes_at == clock.now + 60
    right = rnd.question.answer_index
    wrong = (right + 1) % len(rnd.question.options)
    assert rnd.message_ref is not None
    clock.now += 6
    assert service.answer(rnd.message_ref, "u1", "Ann", right) is Outcome.RECORDED
    clock.now += 24
    service.answer(rnd.message_ref, "u2", "Bo", right)
    service.answer(rnd.message_ref, "u3", "Cy", wrong)
    with pytest.raises(AlreadyAnsweredError):
        service.answer(rnd.message_ref, "u3", "Cy", right)
    assert service.answer("not-a-question", "u1", "Ann", 0) is None
    assert await service.close_round(rnd.id) is True
    assert await service.close_round(rnd.id) is False
    assert service.answer(rnd.message_ref, "u4", "Di", right) is None  # closed rounds ignore marks
    (reveal,) = chat.reveals
    assert [w.name for w in reveal.winners] == ["Ann", "Bo"]
    assert sum(reveal.tally) == 3 and reveal.tally[right] == 2
    board = await leaderboard(service.store, channel.community_id, period=Period.ALL, at=clock.now)
    assert [(s.rank, s.name) for s in board.rows] == [(1, "Ann"), (2, "Bo"), (3, "Cy")]
    assert board.rows[0].points > board.rows[1].points > 0 == board.rows[2].points


async def test_timer_closes_the_round_by_itself(
    service: QuizService, chat: RecordingChat, clock: Clock
) -> None:
    channel = await service.channel("g1", "c1")
    clock.now -= 59.95  # posted "59.95 s ago": due in 50 ms
    rnd = await service.ask(channel, window=60)
    clock.now += 59.95
    for _ in range(100):
        if chat.reveals:
            break
        await asyncio.sleep(0.01)
    assert [r.round_id for r in chat.reveals] == [rnd.id]


async def test_a_failed_post_is_marked_failed_and_never_retried(
    service: QuizService, chat: RecordingChat
) -> None:
    channel = await service.channel("g1", "c1")
    chat.fail_posts = 1
    with pytest.raises(PostError):
        await service.ask(channel)
    assert [r.state for r in await service.store.rounds_in([RoundState.FAILED])] == [RoundState.FAILED]
    assert await service.resume() == 0
    assert chat.questions == []


async def test_restart_recovers_missed_marks_and_closes_due_rounds_once(
    mini_bank: Bank, store: SqliteStore, chat: RecordingChat, clock: Clock
) -> None:
    first = QuizService(
        bank=mini_bank,
        store=store,
        writer=store.answer_writer(),
        chat=chat,
        platform="test",
        clock=clock,
        rng=random.Random(1),
    )
    channel = await first.channel("g1", "c1")
    rnd = await first.ask(channel, window=60)
    assert rnd.message_ref is not None
    right = rnd.question.answer_index
    first.answer(rnd.message_ref, "u1", "Ann", right)
    await first.stop()  # the bot goes down with the round open
    # While it was down: Bo answered; Ann's mark is still there; a bot's marks are filtered by the adapter.
    chat.marks[rnd.message_ref] = [("u1", "Ann", right), ("u2", "Bo", right)]
    clock.now += 120  # back after the close time
    second = QuizService(
        bank=mini_bank, store=store, writer=store.answer_writer(), chat=chat, platform="test", clock=clock
    )
    assert await second.resume() == 1
    for _ in range(100):
        if chat.reveals:
            break
        await asyncio.sleep(0.01)
    (reveal,) = chat.reveals
    assert sorted(w.player for w in reveal.winners) == ["u1", "u2"]
    bo = next(w for w in reveal.winners if w.player == "u2")
    ann = next(w for w in reveal.winners if w.player == "u1")
    assert ann.points > bo.points  # a recovered mark has no known time: no speed bonus
    assert await second.resume() == 0  # a third start finds nothing left to do
    assert len(chat.reveals) == 1
    await second.stop()


async def test_closed_but_unrevealed_round_is_revealed_at_start(
    service: QuizService, chat: RecordingChat, store: SqliteStore
) -> None:
    channel = await service.channel("g1", "c1")
    rnd = await service.ask(channel)
    await execute(store, "UPDATE rounds SET state = 'closed' WHERE id = ?", rnd.id)
    await service.resume()
    assert [r.round_id for r in chat.reveals] == [rnd.id]
    assert [r.state for r in await store.rounds_in([RoundState.REVEALED])] == [RoundState.REVEALED]


async def test_two_rounds_closing_together_keep_streaks_right(
    service: QuizService, chat: RecordingChat
) -> None:
    a = await service.ask(await service.channel("g1", "c1"))
    b = await service.ask(await service.channel("g1", "c2"))
    for rnd in (a, b):
        assert rnd.message_ref is not None
        service.answer(rnd.message_ref, "u1", "Ann", rnd.question.answer_index)
    assert await asyncio.gather(service.close_round(a.id), service.close_round(b.id)) == [True, True]
    ann = await service.store.find_player((await service.channel("g1", "c1")).community_id, "u1")
    assert ann is not None and ann.streak == 2
    assert len(chat.reveals) == 2


async def test_anti_copy_removes_each_recorded_mark(service: QuizService, chat: RecordingChat) -> None:
    channel = await service.channel("g1", "c1")
    admin = Admin(service)
    await admin.set_config(channel, "remove_reactions", "on", admin=True)
    channel = await service.channel("g1", "c1")
    rnd = await service.ask(channel)
    assert rnd.message_ref is not None
    service.answer(rnd.message_ref, "u1", "Ann", 0)
    await asyncio.sleep(0)
    assert chat.removed == [(rnd.message_ref, "u1", 0)]
    assert service.withdraw(rnd.message_ref, "u1", 0) is None  # our own removal withdraws nothing
    await service.close_round(rnd.id)
    assert chat.reveals[0].tally[0] == 1


async def test_changes_allowed_and_withdrawn(service: QuizService, chat: RecordingChat) -> None:
    channel = await service.channel("g1", "c1")
    await Admin(service).set_config(channel, "allow_changes", "on", admin=True)
    rnd = await service.ask(await service.channel("g1", "c1"))
    assert rnd.message_ref is not None
    service.answer(rnd.message_ref, "u1", "Ann", 0)
    assert service.answer(rnd.message_ref, "u1", "Ann", 1) is Outcome.CHANGED
    service.answer(rnd.message_ref, "u2", "Bo", 1)
    assert service.withdraw(rnd.message_ref, "u2", 1) is Outcome.WITHDRAWN
    await service.close_round(rnd.id)
    assert [(r.player, r.option) for r in chat.reveals[0].results] == [("u1", 1)]


async def test_bank_reload_keeps_open_rounds_question(service: QuizService, chat: RecordingChat) -> None:
    rnd = await service.ask(await service.channel("g1", "c1"))
    service.reload_bank(Bank(service.bank.glossary.values(), []))
    await service.close_round(rnd.id)
    assert chat.reveals[0].question == rnd.question


async def test_admin_rules_are_checked_in_the_core(service: QuizService) -> None:
    channel = await service.channel("g1", "c1")
    admin = Admin(service)
    with pytest.raises(PermissionDeniedError):
        await admin.set_config(channel, "answer_window", "60", admin=False)
    with pytest.raises(PermissionDeniedError):
        await admin.start_competition(channel, "Cup", "7d", admin=False)
    with pytest.raises(InvalidInputError, match="unknown time zone"):
        await admin.add_schedule(channel, "0 9 * * *", "Mars/Olympus", None, admin=True)
    with pytest.raises(InvalidInputError, match="unknown stage"):
        await service.ask(channel, stage="quantum-annealing")
    rnd = await service.ask(channel, stage="EDA")  # names and abbreviations work too
    assert rnd.question.stage == "eda"


async def test_competition_scores_and_final_standings_post_once(
    service: QuizService, chat: RecordingChat, clock: Clock
) -> None:
    channel = await service.channel("g1", "c1")
    admin = Admin(service)
    comp = await admin.start_competition(channel, "November Cup", "2h", admin=True)
    rnd = await service.ask(channel)
    assert rnd.message_ref is not None
    service.answer(rnd.message_ref, "u1", "Ann", rnd.question.answer_index)
    await service.close_round(rnd.id)
    clock.now = comp.ends_at + 1
    assert await admin.finish_due_competitions() == 1
    assert await admin.finish_due_competitions() == 0
    (board,) = chat.boards
    assert "November Cup" in board.title and "final" in board.title
    assert [s.name for s in board.rows] == ["Ann"]


async def test_stats_by_stage_and_weakest_stage(service: QuizService, clock: Clock) -> None:
    channel = await service.channel("g1", "c1")
    for _ in range(6):
        rnd = await service.ask(channel)
        assert rnd.message_ref is not None
        q = rnd.question
        option = q.answer_index if q.stage != "training" else (q.answer_index + 1) % len(q.options)
        service.answer(rnd.message_ref, "u1", "Ann", option)
        await service.close_round(rnd.id)
    view = await player_stats(service.store, service.bank, channel.community_id, "Ann", clock.now)
    assert (view.answered, view.correct) == (6, 4)
    assert [a.key for a in view.by_stage] == ["eda", "training", "monitoring"]
    assert view.weakest_stage is not None and view.weakest_stage.key == "training"
    assert view.rank == 1


async def test_answers_after_close_time_are_refused(service: QuizService, clock: Clock) -> None:
    rnd = await service.ask(await service.channel("g1", "c1"), window=30)
    assert rnd.message_ref is not None
    clock.now += 31
    with pytest.raises(RoundClosedError):
        service.answer(rnd.message_ref, "u1", "Ann", 0)
