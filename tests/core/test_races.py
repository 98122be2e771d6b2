"""Races on the real QuizService, SQLite store and answer writer: what arrives twice, together or late.

Every test runs on a real SQLite file. Where "at the same moment" matters, the events are started together
with asyncio.gather (one event loop, so this is the interleaving a bot really sees), and checkpoints inside
the close (the writer flush, reading answers, scoring, the reveal) are used to slip events in mid-close.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest

from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.bank_schema import Question
from bot.core.boards import leaderboard
from bot.core.config import ScoringRules
from bot.core.errors import AlreadyAnsweredError, QuizError, RoundClosedError
from bot.core.periods import Period
from bot.core.records import ChannelRecord
from bot.core.rounds import Outcome, Round, RoundState
from bot.core.scoring import speed_bonus
from bot.core.service import QuizService
from bot.core.views import ChannelRef, RevealView
from bot.scheduling import Scheduler
from bot.storage import AnswerWriter, SqliteStore
from tests.conftest import Clock, RecordingChat

COMMUNITY = "g1"


class SlowChat(RecordingChat):
    """A RecordingChat whose reveal takes a moment, as a real platform's does."""

    def __init__(self) -> None:
        super().__init__()
        self.reveal_delay = 0.0
        self.before_reveal: Callable[[RevealView], Awaitable[None]] | None = None

    async def post_reveal(self, where: ChannelRef, message_ref: str, view: RevealView) -> None:
        if self.before_reveal is not None:
            await self.before_reveal(view)
        await asyncio.sleep(self.reveal_delay)
        await super().post_reveal(where, message_ref, view)


@dataclass
class Rig:
    """A service with the parts a test needs to reach."""

    service: QuizService
    store: SqliteStore
    writer: AnswerWriter
    chat: SlowChat
    clock: Clock
    admin: Admin

    async def channel(self, name: str = "c1") -> ChannelRecord:
        return await self.service.channel(COMMUNITY, name)

    async def ask(self, name: str = "c1", **kw: Any) -> Round:
        rnd = await self.service.ask(await self.channel(name), **kw)
        assert rnd.message_ref is not None
        return rnd

    async def db_answers(self, round_id: int) -> dict[str, int]:
        """player -> option as stored, after everything queued is durable."""
        await self.writer.flush()
        async with self.store.db.conn.execute(
            "SELECT p.external_id, a.option FROM answers a JOIN players p ON p.id = a.player_id "
            "WHERE a.round_id = ?",
            (round_id,),
        ) as cur:
            return {str(p): int(o) for p, o in await cur.fetchall()}

    async def scalar(self, sql: str, *params: object) -> int:
        return await self.store.db.scalar(sql, params)

    async def community_id(self) -> int:
        return (await self.channel()).community_id


def build_rig(bank: Bank, store: SqliteStore, clock: Clock, *, max_delay: float = 0.05) -> Rig:
    chat = SlowChat()
    writer = AnswerWriter(store.db, max_delay=max_delay)
    service = QuizService(
        bank=bank,
        store=store,
        writer=writer,
        chat=chat,
        platform="test",
        clock=clock,
        rng=random.Random(3),
    )
    return Rig(service, store, writer, chat, clock, Admin(service))


@pytest.fixture
async def rig(mini_bank: Bank, store: SqliteStore, clock: Clock) -> AsyncIterator[Rig]:
    r = build_rig(mini_bank, store, clock)
    yield r
    await r.service.stop()
    await r.writer.close()


def memory(rnd: Round) -> dict[str, int]:
    return {p: a.option for p, a in rnd.answers.items()}


async def until(predicate: Callable[[], bool], within: float = 5) -> None:
    for _ in range(int(within / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def soon(call: Callable[[], Any]) -> Any:
    """Run a synchronous platform callback as its own task step, the way an event handler does."""
    await asyncio.sleep(0)
    try:
        return call()
    except QuizError as exc:
        return exc


# -- the same reaction twice ---------------------------------------------------------------------------


@pytest.mark.parametrize("allow_changes", [False, True], ids=["first-counts", "changes-allowed"])
async def test_the_same_reaction_delivered_twice_counts_once(rig: Rig, allow_changes: bool) -> None:
    if allow_changes:
        await rig.admin.set_config(await rig.channel(), "allow_changes", "on", admin=True)
    rnd = await rig.ask(window=60)
    ref, right = rnd.message_ref or "", rnd.question.answer_index
    rig.clock.now += 5
    assert rig.service.answer(ref, "u1", "Ann", right) is Outcome.RECORDED
    assert rig.service.answer(ref, "u1", "Ann", right) is Outcome.UNCHANGED  # a gateway replay
    outcomes = await asyncio.gather(
        *(soon(lambda: rig.service.answer(ref, "u2", "Bo", right)) for _ in range(20))
    )
    assert outcomes.count(Outcome.RECORDED) == 1 and outcomes.count(Outcome.UNCHANGED) == 19
    await rig.writer.flush()
    assert rig.writer.written == 2  # one write per player, not one per delivery
    assert await rig.db_answers(rnd.id) == memory(rnd) == {"u1": right, "u2": right}
    assert await rig.service.close_round(rnd.id)
    (reveal,) = rig.chat.reveals
    assert sum(reveal.tally) == 2 and [w.player for w in reveal.winners] == ["u1", "u2"]
    community = await rig.community_id()
    answered = await rig.scalar(
        "SELECT sum(answered) FROM score_rows WHERE community_id = ? AND period = 'all'", community
    )
    assert answered == 2


# -- add and remove racing for one player --------------------------------------------------------------

A, B = 0, 1
Op = tuple[str, int]  # ("add" | "remove", option)


def oracle(ops: list[Op], allow_changes: bool) -> int | None:
    """The README's rule: first answer counts; with changes on, a new mark changes it and removing it withdraws."""
    current: int | None = None
    for kind, option in ops:
        if kind == "add":
            if current is None or allow_changes:
                current = option
        elif allow_changes and current == option:
            current = None
    return current


@pytest.mark.parametrize("allow_changes", [False, True], ids=["first-counts", "changes-allowed"])
@pytest.mark.parametrize(
    "ops",
    [
        [("remove", A), ("add", A)],  # the removal overtakes the add it belongs after
        [("add", A), ("remove", A)],
        [("add", A), ("remove", A), ("add", B)],
        [("remove", A), ("add", B), ("add", A), ("remove", B)],
        [("add", A), ("add", B), ("remove", A)],
        [("add", B), ("remove", B), ("remove", B), ("add", B)],
    ],
    ids=[
        "remove-add",
        "add-remove",
        "add-remove-add",
        "remove-add-add-remove",
        "add-change-remove-old",
        "dup",
    ],
)
async def test_add_and_remove_interleaved_for_one_player(
    rig: Rig, ops: list[Op], allow_changes: bool
) -> None:
    if allow_changes:
        await rig.admin.set_config(await rig.channel(), "allow_changes", "on", admin=True)
    rnd = await rig.ask(window=60)
    ref = rnd.message_ref or ""
    for kind, option in ops:
        rig.clock.now += 1
        if kind == "add":
            try:
                rig.service.answer(ref, "u1", "Ann", option)
            except AlreadyAnsweredError:
                assert not allow_changes
        else:
            rig.service.withdraw(ref, "u1", option)
        await asyncio.sleep(0)
    expected = oracle(ops, allow_changes)
    want = {} if expected is None else {"u1": expected}
    assert memory(rnd) == want
    assert await rig.db_answers(rnd.id) == want
    await rig.service.close_round(rnd.id)
    assert [(r.player, r.option) for r in rig.chat.reveals[0].results] == list(want.items())


@pytest.mark.parametrize("allow_changes", [False, True], ids=["first-counts", "changes-allowed"])
@pytest.mark.parametrize("seed", range(4))
async def test_many_players_adding_and_removing_at_once_agree_in_memory_and_database(
    mini_bank: Bank, store: SqliteStore, clock: Clock, allow_changes: bool, seed: int
) -> None:
    rig = build_rig(mini_bank, store, clock, max_delay=0.001)  # batches commit while events still arrive
    try:
        if allow_changes:
            await rig.admin.set_config(await rig.channel(), "allow_changes", "on", admin=True)
        rnd = await rig.ask(window=600)
        ref = rnd.message_ref or ""
        rng = random.Random(seed)
        players = [f"u{i}" for i in range(40)]
        script = {
            p: [(rng.choice(["add", "add", "remove"]), rng.randrange(2)) for _ in range(8)] for p in players
        }

        async def player_events(player: str) -> None:
            for kind, option in script[player]:
                await asyncio.sleep(rng.random() * 0.002)
                clock.now += 0.001
                if kind == "add":
                    await soon(partial(rig.service.answer, ref, player, f"name-{player}", option))
                else:
                    await soon(partial(rig.service.withdraw, ref, player, option))

        await asyncio.gather(*(player_events(p) for p in players))
        want = {p: o for p in players if (o := oracle(script[p], allow_changes)) is not None}
        assert memory(rnd) == want
        assert await rig.db_answers(rnd.id) == want
        async with store.db.conn.execute("SELECT external_id, name FROM players") as cur:
            names = dict(await cur.fetchall())
        assert all(names[p] == f"name-{p}" for p in names), "a withdrawal must not rename its player"
        await rig.service.close_round(rnd.id)
        (reveal,) = rig.chat.reveals
        assert {r.player: r.option for r in reveal.results} == want
        assert sum(reveal.tally) == len(want)
    finally:
        await rig.service.stop()
        await rig.writer.close()


async def test_a_withdrawal_keeps_the_players_name_on_the_boards(rig: Rig) -> None:
    await rig.admin.set_config(await rig.channel(), "allow_changes", "on", admin=True)
    first = await rig.ask()
    rig.service.answer(first.message_ref or "", "u1", "Ann", first.question.answer_index)
    await rig.service.close_round(first.id)
    second = await rig.ask()
    rig.service.answer(second.message_ref or "", "u1", "Ann", 0)
    assert rig.service.withdraw(second.message_ref or "", "u1", 0) is Outcome.WITHDRAWN
    await rig.writer.flush()
    board = await leaderboard(rig.store, await rig.community_id(), period=Period.ALL, at=rig.clock.now)
    assert [row.name for row in board.rows] == ["Ann"]


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
    rows = await rig.store.db.conn.execute_fetchall(
        "SELECT p.external_id, s.points, s.correct, s.answered, p.streak FROM score_rows s "
        "JOIN players p ON p.id = s.player_id WHERE s.period = 'all' ORDER BY p.external_id"
    )
    assert [tuple(r) for r in rows] == [("u1", totals, 2, 2, 2), ("u2", 0, 0, 2, 0)]
    shown = sum(res.points for reveal in rig.chat.reveals for res in reveal.results)
    assert shown == totals
    states = await rig.store.db.conn.execute_fetchall("SELECT state FROM rounds ORDER BY id")
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


# -- admins changing things while a round is open ------------------------------------------------------


async def test_config_changes_do_not_change_an_open_rounds_rules(rig: Rig) -> None:
    rnd = await rig.ask(window=60)
    ref, right = rnd.message_ref or "", rnd.question.answer_index
    posted = rnd.posted_at or 0.0
    rig.service.answer(ref, "u1", "Ann", right, at=posted + 15)
    wrong = (right + 1) % len(rnd.question.options)
    rig.service.answer(ref, "u2", "Bo", wrong, at=posted + 20)
    for key, value in (
        ("answer_window", "1h"),
        ("allow_changes", "on"),
        ("points_easy", "500"),
        ("points_medium", "500"),
        ("points_hard", "500"),
        ("speed_bonus", "0"),
        ("streak_step", "0"),
    ):
        await rig.admin.set_config(await rig.channel(), key, value, admin=True)
    assert rnd.closes_at == posted + 60 and rnd.allow_changes is False
    with pytest.raises(AlreadyAnsweredError):  # changes were off when it was posted
        rig.service.answer(ref, "u2", "Bo", right, at=posted + 25)
    with pytest.raises(RoundClosedError):  # the window it was posted with has passed
        rig.service.answer(ref, "u3", "Cy", right, at=posted + 61)
    await rig.service.close_round(rnd.id)
    (reveal,) = rig.chat.reveals
    old = ScoringRules()
    assert [(w.player, w.points) for w in reveal.winners] == [
        ("u1", old.base(rnd.question.difficulty) + speed_bonus(15, 60, old.speed_bonus))
    ]
    # The next round does use the new settings, so the change itself did take effect.
    nxt = await rig.ask()
    assert nxt.window == 3600 and nxt.allow_changes is True
    rig.service.answer(nxt.message_ref or "", "u1", "Ann", nxt.question.answer_index)
    await rig.service.close_round(nxt.id)
    assert [w.points for w in rig.chat.reveals[1].winners] == [500]


async def test_schedule_changes_do_not_touch_the_round_a_schedule_posted(rig: Rig) -> None:
    scheduler = Scheduler(rig.service, rig.admin)
    rig.admin.timetable = scheduler
    channel = await rig.channel()
    sid, _ = await rig.admin.add_schedule(channel, "0 9 * * *", "UTC", "30s", admin=True)
    (sched,) = await rig.admin.schedules(channel)
    rnd = await rig.service.fire_schedule(sched, rig.clock.now + 1)
    assert rnd is not None and rnd.window == 30 and rnd.message_ref is not None
    rig.service.answer(rnd.message_ref, "u1", "Ann", rnd.question.answer_index)
    await rig.admin.pause_schedule(channel, sid, True, admin=True)
    await rig.admin.remove_schedule(channel, sid, admin=True)
    await rig.admin.add_schedule(channel, "*/5 * * * *", "Europe/Berlin", "10m", admin=True)
    assert rig.service.open_rounds() == [rnd] and rnd.closes_at == (rnd.posted_at or 0) + 30
    assert await rig.service.close_round(rnd.id)
    (reveal,) = rig.chat.reveals
    assert [w.player for w in reveal.winners] == ["u1"]
    scheduler.shutdown()


async def test_two_admins_changing_settings_at_once_keep_both_changes(rig: Rig) -> None:
    channel = await rig.channel()  # both commands start from the same stored settings
    await asyncio.gather(
        rig.admin.set_config(channel, "allow_changes", "on", admin=True),
        rig.admin.set_config(channel, "answer_window", "2m", admin=True),
        rig.admin.set_config(channel, "points_hard", "99", admin=True),
    )
    config = (await rig.channel()).config
    assert (config.allow_changes, config.answer_window, config.scoring.points_hard) == (True, 120, 99)


async def test_scoring_changed_while_open_does_not_reach_a_round_resumed_after_restart(
    rig: Rig, mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    rnd = await rig.ask(window=60)
    rig.service.answer(rnd.message_ref or "", "u1", "Ann", rnd.question.answer_index, at=rnd.posted_at)
    for key in ("points_easy", "points_medium", "points_hard"):
        await rig.admin.set_config(await rig.channel(), key, "500", admin=True)
    await rig.service.stop()
    second = build_rig(mini_bank, store, clock)
    try:
        await second.service.resume()
        await second.service.close_round(rnd.id)
        (winner,) = second.chat.reveals[0].winners
        assert winner.points == ScoringRules().base(rnd.question.difficulty) + ScoringRules().speed_bonus
    finally:
        await second.service.stop()
        await second.writer.close()


# -- bank reloads while rounds are open ----------------------------------------------------------------


def _rotated(q: Question) -> Question:
    """The same id with new text and a different correct option."""
    data = q.model_dump()
    data["prompt"] = "Reworded after review: " + data["prompt"]
    data["options"] = data["options"][1:] + data["options"][:1]
    for i, option in enumerate(data["options"]):
        if not option["correct"] and not option.get("why"):
            data["options"][i]["why"] = "reworded"
    return Question.model_validate(data)


async def test_a_bank_reload_keeps_each_open_rounds_question_for_its_reveal(
    rig: Rig, mini_bank: Bank, store: SqliteStore, clock: Clock
) -> None:
    one = await rig.ask("c1", stage="eda")
    two = await rig.ask("c2", stage="training")
    originals = {one.id: one.question, two.id: two.question}
    for rnd in (one, two):
        rig.service.answer(rnd.message_ref or "", "u1", "Ann", rnd.question.answer_index)
    changed = [_rotated(one.question)] + [
        q for q in mini_bank.questions.values() if q.id not in (one.question.id, two.question.id)
    ]
    rig.service.reload_bank(Bank(mini_bank.glossary.values(), changed))  # one reworded, two removed
    assert rig.service.bank.questions[one.question.id].answer_index != one.question.answer_index
    assert two.question.id not in rig.service.bank.questions
    assert await rig.service.close_round(one.id)
    # A restart with the new bank: the open round comes back with the question it was posted with.
    await rig.service.stop()
    second = build_rig(rig.service.bank, store, clock)
    try:
        assert await second.service.resume() == 1
        (back,) = second.service.open_rounds()
        assert back.question == two.question
        assert await second.service.close_round(two.id)
    finally:
        await second.service.stop()
        await second.writer.close()
    reveals = rig.chat.reveals + second.chat.reveals
    assert {r.round_id: r.question for r in reveals} == originals
    for reveal in reveals:
        assert [w.player for w in reveal.winners] == ["u1"]  # scored against the posted answer


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
