"""Races around a round's close: rounds closing at the same moment, answers arriving while one closes.

Every test runs on a real SQLite file. Where "at the same moment" matters, the events are started together
with asyncio.gather (one event loop, so this is the interleaving a bot really sees), and checkpoints inside
the close (the writer flush, reading answers, scoring, the reveal) are used to slip events in mid-close.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.core.bank import Bank
from bot.core.config import ScoringRules
from bot.core.errors import QuizError, RoundClosedError
from bot.core.rounds import Outcome, RoundState
from bot.core.scoring import speed_bonus
from bot.core.service import QuizService
from bot.core.views import ChannelRef, RevealView
from bot.storage import SqliteStore
from tests.conftest import Clock
from tests.core.races_support import Rig, SlowChat, build_rig, until
from tests.pg_server import fetch_rows

# -- rounds closing at the same moment -----------------------------------------------------------------


@pytest.mark.parametrize("same_channel", [True, False], ids=["same-channel", "two-channels"])
async def test_two_rounds_due_at_the_same_moment_each_reveal_once_with_right_scores(
    rig: Rig, same_channel: bool
) -> None:
    rig.chat.reveal_delay = 0.02
    posted = rig.clock.now  # the clock stands still: both rounds close when their 1 s timers fire together
    first = await rig.ask("c1", window=1)
    second = await rig.ask("c1" if same_channel else "c2", window=1)
    assert first.closes_at == second.closes_at
    for rnd, delay in ((first, 0.2), (second, 0.4)):
        rig.service.answer(rnd.message_ref or "", "u1", "Ann", rnd.question.answer_index, at=posted + delay)
        wrong = (rnd.question.answer_index + 1) % len(rnd.question.options)
        rig.service.answer(rnd.message_ref or "", "u2", "Bo", wrong, at=posted + delay)
    await until(lambda: len(rig.chat.reveals) >= 2)
    late = await asyncio.gather(*(rig.service.close_round(r.id) for r in (first, second)))
    await asyncio.sleep(0.1)
    assert late == [False, False]
    assert sorted(r.round_id for r in rig.chat.reveals) == sorted([first.id, second.id])
    rules = ScoringRules()
    totals = sum(rules.base(r.question.difficulty) for r in (first, second))
    totals += speed_bonus(0.2, 1, rules.speed_bonus) + speed_bonus(0.4, 1, rules.speed_bonus)
    totals += rules.streak_step  # whichever round is scored second carries a streak of one
    rows = await fetch_rows(
        rig.store,
        "SELECT p.external_id, s.points, s.correct, s.answered, p.streak FROM score_rows s "
        "JOIN players p ON p.id = s.player_id WHERE s.period = 'all' ORDER BY p.external_id",
    )
    assert [tuple(r) for r in rows] == [("u1", totals, 2, 2, 2), ("u2", 0, 0, 2, 0)]
    shown = sum(res.points for reveal in rig.chat.reveals for res in reveal.results)
    assert shown == totals
    states = await fetch_rows(rig.store, "SELECT state FROM rounds ORDER BY id")
    assert [s for (s,) in states] == ["revealed", "revealed"]


async def test_explicit_closes_of_two_rounds_at_once_score_each_once(rig: Rig) -> None:
    rig.chat.reveal_delay = 0.02
    first = await rig.ask("c1", window=60)
    second = await rig.ask("c1", window=60)
    for rnd in (first, second):
        rig.service.answer(rnd.message_ref or "", "u1", "Ann", rnd.question.answer_index)
    results = await asyncio.gather(*(rig.service.close_round(r.id) for r in (first, second, second, first)))
    assert sorted(results) == [False, False, True, True]
    assert sorted(r.round_id for r in rig.chat.reveals) == sorted([first.id, second.id])
    answered = await rig.scalar("SELECT answered FROM score_rows WHERE period = 'all'")
    assert answered == 2


async def test_close_round_called_concurrently_for_one_round_reveals_once(rig: Rig) -> None:
    rig.chat.reveal_delay = 0.02
    rig.clock.now -= 59.99
    rnd = await rig.ask(window=60)
    rig.service.answer(rnd.message_ref or "", "u1", "Ann", rnd.question.answer_index)
    rig.clock.now += 59.99  # and its own timer is due now too
    results = await asyncio.gather(*(rig.service.close_round(rnd.id) for _ in range(10)))
    await asyncio.sleep(0.1)
    assert results.count(True) <= 1
    assert [r.round_id for r in rig.chat.reveals] == [rnd.id]
    answered = await rig.scalar("SELECT sum(answered) FROM score_rows WHERE period = 'all'")
    assert answered == 1
    assert await rig.service.close_round(rnd.id) is False


# -- answers arriving while a round closes -------------------------------------------------------------


async def test_answers_arriving_during_close_are_counted_or_refused_never_lost(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    await rig.admin.set_config(await rig.channel(), "allow_changes", "on", admin=True)
    rnd = await rig.ask(window=60)
    ref, right = rnd.message_ref or "", rnd.question.answer_index
    rig.service.answer(ref, "early", "Early", right)
    rig.service.answer(ref, "changer", "Changer", (right + 1) % len(rnd.question.options))
    attempts: dict[str, object] = {}
    n = iter(range(100))

    def arrive(stage: str) -> None:
        who = f"{stage}-{next(n)}"
        for name, call in (
            (who, lambda: rig.service.answer(ref, who, who, right)),
            (f"change@{stage}", lambda: rig.service.answer(ref, "changer", "Changer", right)),
            (f"withdraw@{stage}", lambda: rig.service.withdraw(ref, "early", right)),
        ):
            try:
                attempts[name] = call()
            except QuizError as exc:
                attempts[name] = exc

    flush, read, finish = rig.writer.flush, rig.store.round_answers, rig.store.finish_round

    async def slow_flush() -> None:
        arrive("flush")
        await flush()

    async def slow_read(round_id: int) -> Any:
        arrive("read")
        return await read(round_id)

    async def slow_finish(*args: Any) -> Any:
        arrive("finish")
        return await finish(*args)

    async def at_reveal(view: RevealView) -> None:
        arrive("reveal")

    monkeypatch.setattr(rig.writer, "flush", slow_flush)
    monkeypatch.setattr(rig.store, "round_answers", slow_read)
    monkeypatch.setattr(rig.store, "finish_round", slow_finish)
    rig.chat.before_reveal = at_reveal
    assert await rig.service.close_round(rnd.id)
    monkeypatch.undo()
    lost = {k: v for k, v in attempts.items() if not isinstance(v, (Outcome, RoundClosedError))}
    assert lost == {}, "an answer during close was neither counted nor refused with RoundClosedError"
    (reveal,) = rig.chat.reveals
    counted = {r.player: r.option for r in reveal.results}
    stored = await rig.db_answers(rnd.id)
    assert stored == counted  # nothing was written after scoring
    for name, result in attempts.items():
        if isinstance(result, Outcome) and result in (Outcome.RECORDED, Outcome.CHANGED):
            player = "changer" if name.startswith("change@") else name
            assert counted.get(player) == right, f"{name} was accepted but not counted"
    unscored = await rig.scalar("SELECT count(*) FROM answers WHERE round_id = ? AND points IS NULL", rnd.id)
    assert unscored == 0


async def test_an_answer_while_another_round_is_being_scored_is_counted(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await rig.ask("c1", window=60)
    second = await rig.ask("c2", window=60)
    scoring = asyncio.Event()
    go_on = asyncio.Event()
    read = rig.store.round_answers

    async def held(round_id: int) -> Any:
        if round_id == first.id:
            scoring.set()
            await go_on.wait()
        return await read(round_id)

    monkeypatch.setattr(rig.store, "round_answers", held)
    closing_first = asyncio.create_task(rig.service.close_round(first.id))
    await scoring.wait()
    closing_second = asyncio.create_task(rig.service.close_round(second.id))
    await asyncio.sleep(0.01)  # the second close now waits for the first to finish scoring
    assert rig.service.answer(second.message_ref or "", "u1", "Ann", second.question.answer_index) is (
        Outcome.RECORDED
    )
    go_on.set()
    assert await asyncio.gather(closing_first, closing_second) == [True, True]
    reveal = next(r for r in rig.chat.reveals if r.round_id == second.id)
    assert [w.player for w in reveal.winners] == ["u1"]


async def test_an_answer_queued_just_before_close_is_durable_and_scored(
    mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    rig = build_rig(mini_bank, store, clock, max_delay=30)  # the writer would wait 30 s on its own
    try:
        rnd = await rig.ask()
        rig.service.answer(rnd.message_ref or "", "u1", "Ann", rnd.question.answer_index)
        assert await rig.service.close_round(rnd.id)
        assert [w.player for w in rig.chat.reveals[0].winners] == ["u1"]
        assert await rig.db_answers(rnd.id) == {"u1": rnd.question.answer_index}
    finally:
        await rig.service.stop()
        await rig.writer.close()
    assert RoundState.REVEALED in [r.state for r in await store.rounds_in([RoundState.REVEALED])]


class MarkedWhilePosting(SlowChat):
    """A platform where a player's reaction arrives while the bot is still adding its own option marks."""

    def __init__(self) -> None:
        super().__init__()
        self.service: QuizService | None = None
        self.early: list[object] = []

    async def post_question(self, where: ChannelRef, view: Any) -> str:
        ref = await super().post_question(where, view)
        self.marks[ref] = [("u1", "Ann", view.question.answer_index)]
        assert self.service is not None
        self.early.append(self.service.answer(ref, "u1", "Ann", view.question.answer_index))
        await asyncio.sleep(0)  # ...and then the remaining marks are added
        return ref


async def test_a_reaction_while_the_bot_adds_its_marks_is_not_lost(
    mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    rig = build_rig(mini_bank, store, clock)
    chat = MarkedWhilePosting()
    rig.service.chat = chat
    chat.service = rig.service
    try:
        rnd = await rig.ask()
        assert await rig.service.close_round(rnd.id)
        assert [w.player for w in chat.reveals[0].winners] == ["u1"], chat.early
    finally:
        await rig.service.stop()
        await rig.writer.close()
