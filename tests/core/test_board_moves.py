"""Movement on the image boards: each row's places up or down equal what the earlier board showed.

Random play over two weeks that also cross a month end (2026-09-21 is a Monday; October starts in the second
week). Snapshots of the boards taken at the end of the first week are the reference: the week's and month's
moves compare with them, the all-time moves with the all-time board as it stood when the second week began.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.admin import Admin
from bot.core.bank import Bank
from bot.core.boards import leaderboard
from bot.core.moves import board_with_moves
from bot.core.periods import Period
from bot.core.records import ChannelRecord
from bot.core.service import QuizService
from bot.storage import SqliteStore
from tests.conftest import Clock, RecordingChat

DAY = 86_400.0
MONDAY = 1_789_948_800.0  # 2026-09-21 00:00 UTC (week 39 begins); week 40 holds 1 October
PLAYERS = [f"u{i}" for i in range(9)]


@pytest.fixture
async def game(tmp_path: Path, mini_bank: Bank) -> AsyncIterator[tuple[QuizService, Clock]]:
    store = await SqliteStore.open(tmp_path / "moves.sqlite3")
    writer = store.answer_writer()
    clock = Clock(MONDAY)
    service = QuizService(
        bank=mini_bank,
        store=store,
        writer=writer,
        chat=RecordingChat(),
        platform="test",
        clock=clock,
        rng=random.Random(7),
    )
    yield service, clock
    await service.stop()
    await writer.close()
    await store.close()


async def _play(
    service: QuizService,
    channel: ChannelRecord,
    clock: Clock,
    rng: random.Random,
    who: list[str],
    rounds: int,
) -> None:
    for _ in range(rounds):
        clock.now += rng.uniform(600, 0.5 * DAY)
        rnd = await service.ask(channel, window=60)
        assert rnd.message_ref is not None
        right = next(i for i, o in enumerate(rnd.question.options) if o.correct)
        for player in rng.sample(who, rng.randint(1, len(who))):
            option = right if rng.random() < 0.6 else (right + 1) % len(rnd.question.options)
            service.answer(rnd.message_ref, player, player.upper(), option, clock.now + rng.uniform(0, 50))
        await service.close_round(rnd.id)


async def _ranks(
    service: QuizService, community: int, period: Period, at: float, teams: bool = False
) -> dict:
    view = await leaderboard(service.store, community, period=period, at=at, teams=teams, limit=100)
    return {s.key: s.rank for s in view.rows}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_moves_equal_the_ranks_the_earlier_boards_showed(
    game: tuple[QuizService, Clock], seed: int
) -> None:
    service, clock = game
    rng = random.Random(seed)
    channel = await service.channel("g1", "quiz")
    admin = Admin(service)
    for i, team in enumerate(("Red", "Blue", "Green")):
        await admin.create_team(channel, team, PLAYERS[i], PLAYERS[i].upper())
    for player in PLAYERS[3:7]:
        await admin.join_team(channel, rng.choice(("Red", "Blue", "Green")), player, player.upper())
    community = channel.community_id
    clock.now = MONDAY + 3600
    await _play(service, channel, clock, rng, PLAYERS[:6], 10)  # week 39; u6..u8 come in week 40
    end_of_first = MONDAY + 7 * DAY - 1
    before = {p: await _ranks(service, community, p, end_of_first) for p in (Period.ALL, Period.WEEK)}
    month_before = await _ranks(service, community, Period.MONTH, end_of_first)
    teams_before = await _ranks(service, community, Period.WEEK, end_of_first, teams=True)
    clock.now = MONDAY + 10 * DAY + 600  # Thursday 1 October: the month board starts over too
    await _play(service, channel, clock, rng, PLAYERS, 7)
    now = clock.now
    assert 10 <= (now - MONDAY) / DAY < 14, "the second week's play stays in week 40"

    for period, reference in ((Period.WEEK, before[Period.WEEK]), (Period.ALL, before[Period.ALL])):
        view = await board_with_moves(service.store, community, period=period, at=now, limit=100)
        assert view.moves is not None and view.rows
        for row in view.rows:
            expected = reference[row.key] - row.rank if row.key in reference else None
            assert view.moves.get(row.key) == expected, (period, row)
    assert any(v != 0 for v in view.moves.values())  # the test sees real movement, not only zeros
    assert view.since == "since 2026-W40 began"

    month = await board_with_moves(service.store, community, period=Period.MONTH, at=now, limit=100)
    assert month.since == "since the end of September 2026" and month.moves is not None
    for row in month.rows:
        expected = month_before[row.key] - row.rank if row.key in month_before else None
        assert month.moves.get(row.key) == expected
    teams = await board_with_moves(service.store, community, period=Period.WEEK, at=now, teams=True)
    assert teams.since == "since the end of 2026-W39" and teams.moves is not None
    assert teams.moves == {r.key: teams_before[r.key] - r.rank for r in teams.rows if r.key in teams_before}


async def test_the_viewers_own_row_moves_and_boards_without_history_say_why(
    game: tuple[QuizService, Clock],
) -> None:
    service, clock = game
    rng = random.Random(9)
    channel = await service.channel("g1", "quiz")
    clock.now = MONDAY + 3600
    await _play(service, channel, clock, rng, PLAYERS, 8)
    before = await _ranks(service, channel.community_id, Period.WEEK, clock.now)
    clock.now = MONDAY + 7 * DAY + 600
    await _play(service, channel, clock, rng, PLAYERS, 8)
    week = await _ranks(service, channel.community_id, Period.WEEK, clock.now)
    last = max(week, key=lambda k: (week[k], k))
    view = await board_with_moves(
        service.store, channel.community_id, period=Period.WEEK, at=clock.now, viewer=last, limit=2
    )
    assert view.me is not None and view.me.key == last and view.moves is not None
    assert view.moves.get(last) == (before[last] - week[last] if last in before else None)
    comp = await Admin(service).start_competition(channel, "Cup", "3d", admin=True)
    standings = await board_with_moves(
        service.store, channel.community_id, period=Period.COMPETITION, at=clock.now, competition=comp.name
    )
    assert standings.moves is None and "competition" in standings.since
    teams_all = await board_with_moves(
        service.store, channel.community_id, period=Period.ALL, at=clock.now, teams=True
    )
    assert teams_all.moves is None and teams_all.since == "no movement on the all-time team board"
