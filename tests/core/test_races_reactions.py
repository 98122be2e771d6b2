"""Races of reactions on one round: the same reaction twice, adds and removes interleaved, a withdrawal.

Every test runs on a real SQLite file. Where "at the same moment" matters, the events are started together
with asyncio.gather (one event loop, so this is the interleaving a bot really sees).
"""

from __future__ import annotations

import asyncio
import random
from functools import partial

import pytest

from bot.core.bank import Bank
from bot.core.boards import leaderboard
from bot.core.errors import AlreadyAnsweredError
from bot.core.periods import Period
from bot.core.rounds import Outcome
from bot.storage import SqliteStore
from tests.conftest import Clock
from tests.core.races_support import Rig, build_rig, memory, soon
from tests.pg_server import fetch_rows

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
        names = dict(await fetch_rows(store, "SELECT external_id, name FROM players"))
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
