"""Two processes on one database see the same rounds due at the same moment: each round is closed, scored and
revealed exactly once. Each 'process' is a store of its own (its own connection pool, or SQLite connection)
on the same database; on PostgreSQL the close claims the round's row with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bot.core.bank import Bank
from bot.core.config import ScoringRules
from bot.core.periods import period_keys
from bot.core.records import AnswerWrite
from bot.core.results import score_round
from bot.core.rounds import RoundState
from bot.core.service import QuizService
from bot.core.views import ChannelRef
from bot.storage.opening import open_store
from tests.conftest import Clock, RecordingChat
from tests.pg_server import fetch_rows

ROUNDS, PLAYERS = 12, 15


class MarklessChat(RecordingChat):
    """A platform whose marks cannot be read back (as the console's): the second bot keeps stored answers."""

    async def read_answers(  # type: ignore[override]
        self, where: ChannelRef, message_ref: str, options: int
    ) -> Sequence[tuple[str, str, int]] | None:
        return None


async def test_two_stores_finishing_the_same_rounds_at_once_score_each_once(
    db_target: str | Path, mini_bank: Bank
) -> None:
    one, two = await open_store(db_target), await open_store(db_target)
    try:
        community = await one.community("test", "g1")
        channel = await one.channel(community, "quiz")
        question = mini_bank.questions["t-eda-1"]
        writer = one.answer_writer()
        rng = random.Random(5)
        rounds = []
        for n in range(ROUNDS):
            posted = 1_790_000_000.0 + n * 100
            rid = await one.create_round(channel.id, question, 60, False, None, posted)
            await one.mark_posted(rid, f"m{rid}", posted)
            for p in rng.sample(
                range(PLAYERS), 10
            ):  # players shared between rounds: their rows are contended
                writer.submit(AnswerWrite(rid, community, f"u{p}", f"U{p}", rng.randrange(4), posted + p))
            rounds.append((rid, posted))
        await writer.close()
        results = {
            rid: score_round(question, await one.round_answers(rid), posted, 60, ScoringRules())
            for rid, posted in rounds
        }

        async def finish(store: object, rid: int, posted: float) -> tuple[int, bool]:
            won = await store.finish_round(rid, community, posted + 60, results[rid], period_keys(posted))  # type: ignore[attr-defined]
            return rid, won

        outcomes = await asyncio.gather(
            *(finish(store, rid, posted) for rid, posted in rounds for store in (one, two))
        )
        wins = Counter(rid for rid, won in outcomes if won)
        assert wins == Counter({rid: 1 for rid, _ in rounds})  # every round closed, none twice
        want = Counter[str]()
        for result in results.values():
            for s in result.scored:
                want[s.player] += s.points
        board = await two.leaderboard(community, "all", PLAYERS)
        assert {r[0]: r[2] for r in board} == {p: pts for p, pts in want.items()}
        answered = await fetch_rows(one, "SELECT sum(answered) FROM players")
        assert int(answered[0][0]) == 10 * ROUNDS  # each answer counted once
    finally:
        await one.close()
        await two.close()


async def test_two_bots_closing_the_same_rounds_reveal_each_once(
    db_target: str | Path, mini_bank: Bank, clock: Clock
) -> None:
    stores = [await open_store(db_target), await open_store(db_target)]
    writers = [s.answer_writer() for s in stores]
    chats = [RecordingChat(), MarklessChat()]
    first, second = (
        QuizService(
            bank=mini_bank, store=s, writer=w, chat=c, platform="test", clock=clock, rng=random.Random(i)
        )
        for i, (s, w, c) in enumerate(zip(stores, writers, chats, strict=True))
    )
    try:
        channel = await first.channel("g1", "c1")
        asked = [await first.ask(channel, window=60) for _ in range(6)]
        for rnd in asked:
            assert rnd.message_ref is not None
            for p in range(8):
                first.answer(rnd.message_ref, f"u{p}", f"U{p}", p % len(rnd.question.options))
        await writers[0].flush()
        assert await second.resume() == len(asked)  # the second bot sees the same open rounds
        clock.now += 61  # both see them due now
        closed = await asyncio.gather(
            *(svc.close_round(rnd.id) for rnd in asked for svc in (second, first)), return_exceptions=True
        )
        assert not [c for c in closed if isinstance(c, BaseException)], closed
        assert sum(1 for c in closed if c) == len(asked)
        revealed = Counter(r.round_id for chat in chats for r in chat.reveals)
        assert revealed == Counter({rnd.id: 1 for rnd in asked})  # each round revealed by exactly one bot
        assert [r.state for r in await stores[0].rounds_in(list(RoundState))] == [RoundState.REVEALED] * len(
            asked
        )
        shown = sum(res.points for chat in chats for view in chat.reveals for res in view.results)
        board = await stores[1].leaderboard(channel.community_id, "all", 20)
        assert sum(r[2] for r in board) == shown and sum(r[4] for r in board) == 8 * len(asked)
    finally:
        for svc in (first, second):
            await svc.stop()
        for w in writers:
            await w.close()
        for s in stores:
            await s.close()
