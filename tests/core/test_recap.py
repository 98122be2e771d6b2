"""The weekly recap: opt-in per channel (`config recap weekly|off`), posted once per week per channel across
restarts, with the week's board, the biggest climbers and the question most people missed there."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.errors import InvalidInputError
from bot.core.recap import Recaps, RecapView
from bot.core.service import QuizService
from bot.core.views import ChannelRef
from bot.storage import SqliteStore
from tests.conftest import Clock, RecordingChat

DAY = 86_400.0
MONDAY = 1_789_948_800.0  # 2026-09-21 00:00 UTC, week 39


class RecapChat(RecordingChat):
    def __init__(self) -> None:
        super().__init__()
        self.recaps: list[tuple[ChannelRef, RecapView]] = []
        self.fail = 0

    async def post_recap(self, where: ChannelRef, view: RecapView) -> None:
        if self.fail:
            self.fail -= 1
            raise OSError("the platform is down")
        self.recaps.append((where, view))


async def _open(path: Path, bank: Bank, chat: RecapChat, clock: Clock) -> tuple[QuizService, SqliteStore]:
    store = await SqliteStore.open(path)
    service = QuizService(
        bank=bank,
        store=store,
        writer=store.answer_writer(),
        chat=chat,
        platform="test",
        clock=clock,
        rng=random.Random(7),
    )
    return service, store


async def test_a_recap_is_posted_once_per_week_per_channel_across_restarts(
    tmp_path: Path, mini_bank: Bank
) -> None:
    chat, clock, rng = RecapChat(), Clock(MONDAY - 7 * DAY + 3600), random.Random(5)
    service, store = await _open(tmp_path / "q.sqlite3", mini_bank, chat, clock)
    admin = Admin(service)
    quiz, quiet = await service.channel("g1", "quiz"), await service.channel("g1", "other")
    with pytest.raises(InvalidInputError, match="recap takes weekly or off"):
        await admin.set_config(quiz, "recap", "daily", admin=True)
    assert (await admin.set_config(quiz, "recap", "weekly", admin=True)).recap == "weekly"
    wrong: Counter[int] = Counter()  # round -> wrong answers, in week 39
    asked: dict[int, str] = {}
    for week, players in ((0, ["u1", "u2", "u3"]), (1, ["u1", "u2", "u3", "u4", "u5"])):
        clock.now = MONDAY + (week - 1) * 7 * DAY + 3600
        for _ in range(6):
            clock.now += rng.uniform(600, 0.6 * DAY)
            rnd = await service.ask(quiz, window=60)
            assert rnd.message_ref is not None
            right = rnd.question.answer_index
            for p in players:
                option = right if rng.random() < 0.5 else (right + 1) % len(rnd.question.options)
                service.answer(rnd.message_ref, p, p.upper(), option, clock.now + rng.uniform(0, 30))
                if week == 1 and option != right:
                    wrong[rnd.id] += 1
            asked[rnd.id] = rnd.question.id
            await service.close_round(rnd.id)
    recaps = Recaps(service, store, chat)
    assert await recaps.post_due() == 1  # during week 39: week 38's recap
    ((_, first),) = chat.recaps
    assert first.week == "2026-W38" and first.board.moves == {} and first.climbers == ()  # all new then
    assert await recaps.post_due() == 0  # once
    chat.recaps.clear()

    clock.now = MONDAY + 7 * DAY + 9 * 3600  # Monday of week 40
    chat.fail = 1
    assert await recaps.post_due() == 0 and chat.recaps == []  # the platform failed: given back
    assert await recaps.post_due() == 1  # the next turn posts it
    ((where, view),) = chat.recaps
    assert where.channel == "quiz" and view.week == "2026-W39" and view.title == "Week 2026-W39 recap"
    assert (
        view.board.rows and view.board.since == "since the end of 2026-W38" and view.board.moves is not None
    )
    assert {s.key for s in view.board.rows} == {"u1", "u2", "u3", "u4", "u5"}
    assert view.climbers  # someone moved up against week 38 (u4, u5 are new: not climbers)
    assert all(
        c.places > 0 and view.board.moves.get(k) == c.places
        for c in view.climbers
        for k in [next(s.key for s in view.board.rows if s.name == c.name)]
    )
    assert view.missed is not None and view.missed.wrong == max(wrong.values())
    assert view.missed.question.id in {asked[r] for r, n in wrong.items() if n == view.missed.wrong}
    assert await recaps.post_due() == 0  # once

    await service.stop()
    await store.close()
    service, store = await _open(tmp_path / "q.sqlite3", mini_bank, chat, clock)  # a restart
    assert await Recaps(service, store, chat).post_due() == 0 and len(chat.recaps) == 1
    assert quiet.config.recap == "off" and all(w.channel == "quiz" for w, _ in chat.recaps)
    await service.stop()
    await store.close()
